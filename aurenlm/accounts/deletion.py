"""Deleting an account, by its owner from Settings or by an admin: `delete_user(actor, target, transfer_to=...)`.

Shared notebooks the account owns go, one by one as chosen, to another member (who becomes the owner; `transfer_to`
maps notebook id -> member id) or are deleted with their files; every other notebook it owns is deleted with its
files. Its private chat in other people's notebooks goes too. Then the account row goes, and with it (by the foreign
keys' cascades) its sessions, memberships, API tokens, 2FA codes, reset links and OIDC links. Its audit events stay,
no longer linked to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import delete, func, select, update

from aurenlm import db
from aurenlm.models import ChatMessage, Job, Notebook, NotebookMember, User
from aurenlm.repos import audit, members
from aurenlm.security import sessions
from aurenlm.sources import service as sources


class DeletionError(ValueError):
    """Why the account was not deleted (nothing was changed), with what to do next."""


@dataclass
class Heir:
    user_id: str
    email: str
    name: str
    role: str


@dataclass
class SharedNotebook:
    """A notebook the account owns that other people are members of: its owner decides its fate."""

    id: str
    title: str
    members: list[Heir] = field(default_factory=list)


@dataclass
class Deleted:
    email: str
    notebooks_deleted: int
    notebooks_transferred: int


def owned_notebook_ids(user_id: str) -> list[str]:
    with db.session() as s:
        return list(s.exec(select(Notebook.id).where(Notebook.owner_id == user_id).order_by(Notebook.created_at)))


def shared_notebooks_owned(user: User) -> list[SharedNotebook]:
    """The notebooks this person owns that have other members, each with those members (editors first)."""
    query = (
        select(Notebook.id, Notebook.title, NotebookMember.role, User.id, User.email, User.display_name)
        .join(NotebookMember, NotebookMember.notebook_id == Notebook.id)
        .join(User, User.id == NotebookMember.user_id)
        .where(Notebook.owner_id == user.id, NotebookMember.user_id != user.id)
        .order_by(Notebook.title, Notebook.id, NotebookMember.role, User.email)
    )
    shared: dict[str, SharedNotebook] = {}
    with db.session() as s:
        for notebook_id, title, role, member_id, email, name in s.exec(query):
            entry = shared.setdefault(notebook_id, SharedNotebook(notebook_id, title))
            entry.members.append(Heir(member_id, email, name or email, role))
    return list(shared.values())


def _other_active_admins(user_id: str) -> int:
    with db.session() as s:
        return int(
            s.exec(
                select(func.count(User.id)).where(
                    User.is_admin.is_(True), User.disabled_at.is_(None), User.id != user_id
                )
            ).one()
        )


def _check(actor: User, target: User, transfer_to: Mapping[str, str]) -> None:
    if actor.id != target.id and not actor.is_admin:
        raise DeletionError('Only the account itself or an admin can delete an account.')
    if target.is_admin and _other_active_admins(target.id) == 0:
        raise DeletionError('This is the only admin account. Make another person an admin first, then delete it.')
    owned = set(owned_notebook_ids(target.id))
    for notebook_id, heir_id in transfer_to.items():
        if notebook_id not in owned:
            raise DeletionError('A notebook to hand over is not owned by this account any more. Reload and try again.')
        if heir_id == target.id or members.role_of(heir_id, notebook_id) is None:
            raise DeletionError('A notebook can only be handed to one of its members. Reload and choose again.')


def delete_user(actor: User, target: User, *, transfer_to: Mapping[str, str] | None = None, ip: str = '') -> Deleted:
    """Delete `target` with its notebooks and files, handing the notebooks in `transfer_to` to the chosen members
    first. `actor` is the target itself or an admin; every choice is checked before anything changes."""
    transfer_to = dict(transfer_to or {})
    _check(actor, target, transfer_to)
    sessions.revoke_all(target)  # first: open pages of the account stop taking events at once
    transferred = 0
    for notebook_id, heir_id in transfer_to.items():
        if members.transfer(notebook_id, target.id, heir_id):
            transferred += 1
            audit.record(actor.id, 'ownership_transferred', ip=ip, target_id=heir_id, notebook_id=notebook_id)
    deleted = 0
    for notebook_id in owned_notebook_ids(target.id):
        if sources.delete_notebook(target, notebook_id):  # rows, then the files on disk
            deleted += 1
    with db.session() as s:
        # their private chat in notebooks of others is theirs: questions and the answers to them go (notes and
        # sources they added there belong to the notebook and stay, no longer linked to them)
        asked = select(ChatMessage.id).where(ChatMessage.user_id == target.id)
        s.exec(delete(ChatMessage).where(ChatMessage.reply_to_id.in_(asked)))
        s.exec(delete(ChatMessage).where(ChatMessage.user_id == target.id))
        # jobs they queued in notebooks that stay (a source they added, still being read) finish for the others;
        # job.user_id cascades, so without this the job would vanish and the source stay queued for ever
        s.exec(update(Job).where(Job.user_id == target.id).values(user_id=None))
        s.exec(delete(User).where(User.id == target.id))  # sessions, memberships, tokens, codes: by cascade
        s.commit()
    sessions.revoke_all(target)  # a sign-in that slipped in between is gone with the row; tell open pages again
    by_admin = actor.id != target.id
    audit.record(
        actor.id if by_admin else None,
        'account_deleted',
        ip=ip,
        email=target.email,
        by_admin=by_admin,
        notebooks_deleted=deleted,
        notebooks_transferred=transferred,
    )
    return Deleted(target.email, deleted, transferred)
