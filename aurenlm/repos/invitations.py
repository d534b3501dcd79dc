"""Invitations: a notebook shared with an address that has no proven account yet, waiting for its link.

An invitation is accepted only by presenting the secret of its link (docs/sharing.md, "Invitations"). The secret is
HMAC(SECRET_KEY, invitation id), so the owner's Share dialog can show the same link again at any time ("Copy invite
link") while the database keeps only its sha256: a copy of the database alone opens no invitation. Accepting deletes
the row, so a link works once; it also dies at `expires_at` (INVITATION_DAYS) and with a new SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete
from sqlmodel import select

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import Invitation, Notebook, NotebookMember, User, utcnow
from aurenlm.repos.users import normalise_email

_LINK_INFO = b'aurenlm invitation link v1'


def _link_key() -> bytes:
    secret = get_settings().secret().encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LINK_INFO).derive(secret)


def link_token(invitation_id: str) -> str:
    """The secret in the invitation's link: the same every time it is asked for, unguessable without SECRET_KEY."""
    digest = hmac.new(_link_key(), invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b'=').decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime() -> timedelta:
    return timedelta(days=get_settings().invitation_days)


def find(token: str | None) -> Invitation | None:
    """The invitation this link opens, expired or not (the caller tells the two apart); None for an unknown one."""
    if not token or len(token) > 100:
        return None
    with db.session() as s:
        return s.exec(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()


def expired(invitation: Invitation) -> bool:
    return invitation.expires_at <= utcnow()


def redeem(token: str, user: User) -> Invitation | None:
    """Accept the invitation of this link as `user`, once: the DELETE decides, so two uses racing cannot both win.
    None when the link is unknown, used, expired, or for another address. A user already in the notebook keeps their
    role and the invitation is used up."""
    with db.session() as s:
        row = s.exec(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()
        if row is None or row.email != normalise_email(user.email):
            return None
        won = s.exec(delete(Invitation).where(Invitation.id == row.id, Invitation.expires_at > utcnow()))
        if won.rowcount != 1:
            s.rollback()
            return None
        if s.get(NotebookMember, (row.notebook_id, user.id)) is None:
            s.add(NotebookMember(notebook_id=row.notebook_id, user_id=user.id, role=row.role))
        s.commit()
    from aurenlm.repos import members  # the open pages' recheck counter; members imports this module

    members.changed()
    return row


def accept_all(user: User) -> list[Invitation]:
    """Every live invitation to the user's address becomes a membership, in one transaction. Only for an account whose
    mailbox was just proven by someone other than an inviter (an OpenID provider's verified email)."""
    with db.session() as s:
        pending = list(
            s.exec(
                select(Invitation)
                .where(Invitation.email == user.email, Invitation.expires_at > utcnow())
                .with_for_update()
            )
        )
        for invitation in pending:
            if s.get(NotebookMember, (invitation.notebook_id, user.id)) is None:
                s.add(NotebookMember(notebook_id=invitation.notebook_id, user_id=user.id, role=invitation.role))
            s.delete(invitation)
        s.commit()
    if pending:
        from aurenlm.repos import members

        members.changed()
    return pending


def pending_for(email: str) -> bool:
    """Is a live invitation waiting for this address? (OIDC sign-up under invite-only: the provider proved the
    mailbox, so the invitation itself is enough there.)"""
    with db.session() as s:
        found = s.exec(
            select(Invitation.id)
            .where(Invitation.email == normalise_email(email), Invitation.expires_at > utcnow())
            .limit(1)
        ).first()
        return found is not None


def context(invitation: Invitation) -> tuple[str, str]:
    """The notebook's title and the inviter's name, for the mail and the page that the link opens (whoever holds the
    link may read these: the inviter meant them to)."""
    with db.session() as s:
        notebook = s.get(Notebook, invitation.notebook_id)
        inviter = s.get(User, invitation.invited_by) if invitation.invited_by else None
    title = notebook.title if notebook is not None else 'a notebook'
    name = (inviter.display_name or inviter.email) if inviter is not None else 'A member'
    return title, name


def rehash(invitation_id: str) -> None:
    """Store the hash of the link the current SECRET_KEY makes (the old key's link stops working)."""
    with db.session() as s:
        row = s.get(Invitation, invitation_id)
        if row is not None:
            row.token_hash = token_hash(link_token(invitation_id))
            s.add(row)
            s.commit()
