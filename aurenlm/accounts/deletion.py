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
from datetime import timedelta
from enum import StrEnum

from sqlmodel import delete, func, select, update

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import ChatMessage, Job, Notebook, NotebookMember, User, utcnow
from aurenlm.repos import audit, members, oidc_identities, users
from aurenlm.security import passwords, ratelimit, sessions, totp
from aurenlm.sources import service as sources

# an account made by single sign-on has a random password nobody was told: a sign-in this recent stands in for it
RECENT_SIGN_IN = timedelta(minutes=10)
# an OIDC link made this close to the account itself means single sign-on made the account
MADE_TOGETHER = timedelta(minutes=1)


class DeletionError(ValueError):
    """Why the account was not deleted (nothing was changed), with what to do next."""


class Proof(StrEnum):
    """What deleting one's own account asks for besides the typed email address."""

    password = 'password'  # noqa: S105 (a kind of proof, not a password): the current password
    code = 'code'  # two-factor sign-in is on: a current code from the app, or an unused recovery code
    recent_sign_in = 'recent_sign_in'  # made by single sign-on, no password of its own: signed in within 10 minutes


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


def _made_by_single_sign_on(account: User) -> bool:
    if account.password_changed_at is not None:  # a password chosen through a reset link or Settings is known
        return False
    made = account.created_at
    return any(abs(link.created_at - made) <= MADE_TOGETHER for link in oidc_identities.for_user(account))


def proof_asked(user: User) -> Proof:
    """What this person must give, besides their email address, to delete their own account."""
    if totp.enabled(user.id):
        return Proof.code
    return Proof.recent_sign_in if _made_by_single_sign_on(user) else Proof.password


def _signed_in_recently(user: User, session_token: str | None) -> bool:
    if not session_token:
        return False
    mine = sessions.token_hash(session_token)
    return any(row.id == mine and utcnow() - row.created_at <= RECENT_SIGN_IN for row in sessions.active(user))


def _prove(user: User, proof: Proof, answer: str, session_token: str | None, ip: str) -> None:
    if proof == Proof.code:
        verdict = totp.check(user.id, answer, ip=ip, purpose='delete account')
        if not verdict.ok:
            raise DeletionError(verdict.message)
        return
    if proof == Proof.recent_sign_in:
        if not _signed_in_recently(user, session_token):
            raise DeletionError(
                'For your safety, deleting the account needs a sign-in within the last 10 minutes. '
                'Sign out, sign in again, and delete it then.'
            )
        return
    stored = users.get(user.id)
    if stored is None or not passwords.verify_password(stored.password_hash, answer):
        audit.record(user.id, 'account_delete_failed', ip=ip)
        raise DeletionError('Your password is not right. Type your current password again.')


def delete_own_account(
    user: User,
    *,
    email: str,
    answer: str = '',
    session_token: str | None = None,
    transfer_to: Mapping[str, str] | None = None,
    ip: str = '',
) -> Deleted:
    """Delete one's own account after the typed email address and the proof `proof_asked` names (the current
    password, a 2FA code, or a recent sign-in), so an unattended open session is not enough to delete it. Wrong
    answers count like failed sign-ins of the account (RATE_LOGIN), each counted before it is checked."""
    if (email or '').strip().lower() != user.email.lower():
        raise DeletionError(f'Type {user.email} exactly to confirm.')
    rule = get_settings().rate_login
    # counted before the check (the page runs this in a thread): guesses sent at once are limited like one by one
    waiting = ratelimit.hit(rule, 'delete-account', user.id)
    if not waiting.allowed:
        raise DeletionError(waiting.wait_message())
    _prove(user, proof_asked(user), answer or '', session_token, ip)
    ratelimit.forget(rule, 'delete-account', user.id)  # only wrong answers stay counted
    return delete_user(user, user, transfer_to=transfer_to, ip=ip)


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
