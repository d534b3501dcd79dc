"""Notebook members and pending invitations: the rows behind sharing.

Reads take the acting user and find nothing unless they are a member of the notebook. Writes take the rows as they
are; whether the acting person may make them is the sharing service's decision (`aurenlm/sharing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from aurenlm import db
from aurenlm.models import (
    Artifact,
    ChatMessage,
    FlashcardMark,
    Invitation,
    Notebook,
    NotebookMember,
    QuizAttempt,
    User,
    new_id,
    utcnow,
)
from aurenlm.repos import invitations as invitation_links
from aurenlm.repos import scope

_changes = 0  # how many membership changes this process has made; open pages recheck their access when it moves


@dataclass
class Member:
    user_id: str
    email: str
    name: str
    role: str
    joined_at: datetime


def changes() -> int:
    return _changes


def _changed() -> None:
    global _changes  # noqa: PLW0603 - a process-wide counter, not state of any one user
    _changes += 1


def changed() -> None:
    """A membership changed elsewhere (an invitation accepted, repos/invitations.py): open pages recheck."""
    _changed()


def role_of(user_id: str, notebook_id: str) -> str | None:
    """The role a person holds in a notebook, or None when they are not a member (or either does not exist)."""
    with db.session() as s:
        member = s.get(NotebookMember, (notebook_id, user_id))
        return member.role if member else None


def page(user: User, notebook_id: str, *, limit: int = 100, after: tuple[datetime, str] | None = None) -> list[Member]:
    """The members of a notebook the user belongs to, in the order they joined (the owner first: they made it)."""
    # rows made before members had a join time count from the notebook's creation
    joined = func.coalesce(NotebookMember.created_at, Notebook.created_at)
    query = (
        select(NotebookMember.role, User, joined)
        .join(User, User.id == NotebookMember.user_id)
        .join(Notebook, Notebook.id == NotebookMember.notebook_id)
        .where(NotebookMember.notebook_id == notebook_id, NotebookMember.notebook_id.in_(scope.member_of(user)))
    )
    query = scope.keyset(query, joined, NotebookMember.user_id, after, newest_first=False).limit(limit)
    with db.session() as s:
        return [Member(u.id, u.email, u.display_name or u.email, role, at) for role, u, at in s.exec(query)]


def count(notebook_id: str) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).where(NotebookMember.notebook_id == notebook_id)).one()


def add(notebook_id: str, user_id: str, role: str) -> bool:
    """Make someone a member; False when they already are."""
    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook_id, user_id=user_id, role=role))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return False
    _changed()
    return True


def set_role(notebook_id: str, user_id: str, role: str) -> bool:
    with db.session() as s:
        member = s.get(NotebookMember, (notebook_id, user_id))
        if member is None:
            return False
        member.role = role
        s.add(member)
        s.commit()
    _changed()
    return True


def remove(notebook_id: str, user_id: str) -> bool:
    """Take someone out of a notebook, with what was theirs alone in it (their private chat, their quiz attempts and
    flashcard marks on its studio outputs), in one transaction."""
    with db.session() as s:
        s.exec(sa_delete(ChatMessage).where(ChatMessage.notebook_id == notebook_id, ChatMessage.user_id == user_id))
        outputs = select(Artifact.id).where(Artifact.notebook_id == notebook_id)
        s.exec(sa_delete(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.artifact_id.in_(outputs)))
        s.exec(sa_delete(FlashcardMark).where(FlashcardMark.user_id == user_id, FlashcardMark.artifact_id.in_(outputs)))
        result = s.exec(
            sa_delete(NotebookMember).where(
                NotebookMember.notebook_id == notebook_id, NotebookMember.user_id == user_id
            )
        )
        s.commit()
    _changed()
    return bool(result.rowcount)


def transfer(notebook_id: str, from_id: str, to_id: str) -> bool:
    """The new owner takes the notebook and the old one stays as an editor, in one transaction with the rows locked.
    False (and nothing changed) unless `from_id` owns it and `to_id` is a member."""
    with db.session() as s:
        notebook = s.exec(select(Notebook).where(Notebook.id == notebook_id).with_for_update()).first()
        old = s.get(NotebookMember, (notebook_id, from_id))
        new = s.get(NotebookMember, (notebook_id, to_id))
        if notebook is None or old is None or new is None or old.role != 'owner' or notebook.owner_id != from_id:
            return False
        old.role, new.role, notebook.owner_id = 'editor', 'owner', to_id
        s.add_all([old, new, notebook])
        s.commit()
    _changed()
    return True


# -- invitations: a share with an address that has no account yet ------------------------------------------------


def invite(notebook_id: str, email: str, role: str, invited_by: str) -> Invitation:
    """A pending invitation; inviting the same address again changes its role and renews its expiry instead of adding
    a second one (its link stays the same: the one in the first mail still works)."""
    expires_at = utcnow() + invitation_links.lifetime()
    with db.session() as s:
        row = s.exec(select(Invitation).where(Invitation.notebook_id == notebook_id, Invitation.email == email)).first()
        if row is None:
            invitation_id = new_id()
            token_hash = invitation_links.token_hash(invitation_links.link_token(invitation_id))
            row = Invitation(
                id=invitation_id,
                notebook_id=notebook_id,
                email=email,
                role=role,
                invited_by=invited_by,
                token_hash=token_hash,
                expires_at=expires_at,
            )
        else:
            row.role, row.invited_by, row.expires_at = role, invited_by, expires_at
        s.add(row)
        s.commit()
        s.refresh(row)
        return row


def invitations(user: User, notebook_id: str) -> list[Invitation]:
    """Pending invitations of a notebook the user belongs to, oldest first."""
    with db.session() as s:
        return list(
            s.exec(scope.in_notebook(user, Invitation, notebook_id).order_by(Invitation.created_at, Invitation.id))
        )


def invitation(notebook_id: str, invitation_id: str) -> Invitation | None:
    with db.session() as s:
        return s.exec(
            select(Invitation).where(Invitation.id == invitation_id, Invitation.notebook_id == notebook_id)
        ).first()


def cancel_invitation(notebook_id: str, invitation_id: str) -> bool:
    with db.session() as s:
        result = s.exec(
            sa_delete(Invitation).where(Invitation.id == invitation_id, Invitation.notebook_id == notebook_id)
        )
        s.commit()
        return bool(result.rowcount)
