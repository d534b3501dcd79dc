"""What an admin does to the instance: accounts (disable, enable, reset 2FA, cut off, quotas, admin rights, delete),
the registration policy, required 2FA, and everyone's audit log.

Every function takes the acting user first and checks, against the stored row, that they are still an active admin
(a page built before they lost the role cannot act with it). Every change is audited with the account it concerned.
Refusals raise AdminError with a message fit to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aurenlm.accounts import deletion
from aurenlm.config import RegistrationPolicy
from aurenlm.models import AuditEvent, User
from aurenlm.repos import admin as rows
from aurenlm.repos import audit, instance, users
from aurenlm.security import sessions

DISABLED_MESSAGE = 'This account has been disabled by an administrator. Ask your administrator to enable it again.'
MAX_QUOTA_SOURCES = 1_000_000
MAX_QUOTA_BYTES = 1 << 50  # a pebibyte: any larger number is a typo


class AdminError(ValueError):
    """A refused admin action; the message says why and what to do instead."""


class NotAdmin(AdminError):
    """The acting user is not (or no longer) an active admin."""


@dataclass(frozen=True)
class CutOff:
    sessions: int
    tokens: int


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    actor_email: str | None  # None: nobody signed in (a failed sign-in), or the account was deleted since
    target_email: str | None


def require_admin(actor: User | None) -> User:
    """The actor's stored row when it is an active admin; NotAdmin otherwise."""
    row = users.get(actor.id) if actor is not None else None
    if row is None or not row.is_admin or row.disabled_at is not None:
        raise NotAdmin('Only an administrator can do this. Ask an administrator of this server.')
    return row


def is_admin(user: User | None) -> bool:
    try:
        require_admin(user)
    except NotAdmin:
        return False
    return True


def _target(target_id: str) -> User:
    target = users.get(target_id)
    if target is None:
        raise AdminError('This account no longer exists. Reload the page to see the current list.')
    return target


def _not_self(admin: User, target: User, what: str) -> None:
    if admin.id == target.id:
        raise AdminError(f'You cannot {what} your own account here. Ask another administrator to do it.')


def _not_last_admin(target: User, what: str) -> None:
    if target.is_admin and target.disabled_at is None and rows.active_admins(excluding=target.id) == 0:
        raise AdminError(f'You cannot {what} the last administrator. Make another account an administrator first.')


def _audit(admin: User, action: str, target: User, ip: str, **detail: object) -> None:
    audit.record(admin.id, action, ip=ip, target_id=target.id, target_email=target.email, **detail)


def check_can_remove(actor: User, target_id: str, what: str) -> None:
    """The refusals of disable, delete and removing admin rights (`what` names the action), so a page can say no
    before it asks to confirm; the actions check again themselves."""
    admin, target = require_admin(actor), _target(target_id)
    _not_self(admin, target, what)
    _not_last_admin(target, what)


def shared_notebooks(actor: User, target_id: str) -> list[deletion.SharedNotebook]:
    """The account's notebooks that others are members of, for the Delete dialog's hand-over choices."""
    require_admin(actor)
    return deletion.shared_notebooks_owned(_target(target_id))


def list_users(
    actor: User, *, search: str = '', after: str | None = None, limit: int = rows.PAGE
) -> list[rows.UserRow]:
    require_admin(actor)
    return rows.user_rows(search=search, after=after, limit=limit)


def disable(actor: User, target_id: str, *, ip: str = '') -> User:
    """The account cannot sign in any more; its sessions end now (open pages refuse their next action) and its API
    tokens are refused while it stays disabled (they work again after Enable, unless revoked)."""
    admin, target = require_admin(actor), _target(target_id)
    _not_self(admin, target, 'disable')
    _not_last_admin(target, 'disable')
    changed = rows.disable(target.id)
    sessions.revoke_all(target)
    _audit(admin, 'admin_disable_user', target, ip)
    return changed or target


def enable(actor: User, target_id: str, *, ip: str = '') -> User:
    admin, target = require_admin(actor), _target(target_id)
    changed = rows.update_user(target.id, disabled_at=None)
    _audit(admin, 'admin_enable_user', target, ip)
    return changed or target


def reset_two_factor(actor: User, target_id: str, *, ip: str = '') -> User:
    """TOTP off and recovery codes gone, for a person who lost their phone; they sign in with the password alone
    (and enrol again at once when the instance requires 2FA)."""
    admin, target = require_admin(actor), _target(target_id)
    changed = rows.clear_two_factor(target.id)
    _audit(admin, 'admin_reset_2fa', target, ip)
    return changed or target


def cut_off(actor: User, target_id: str, *, ip: str = '') -> CutOff:
    """Revoke every session and every API token of the account (a lost laptop, a leaked token)."""
    admin, target = require_admin(actor), _target(target_id)
    signed_in = len(sessions.active(target))
    sessions.revoke_all(target)
    tokens = rows.revoke_tokens(target.id)
    _audit(admin, 'admin_revoke_access', target, ip, sessions=signed_in, tokens=tokens)
    return CutOff(signed_in, tokens)


def _quota(value: int | None, largest: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= largest:
        raise AdminError(f'Enter a whole number from 0 to {largest:,} for {what}, or leave it empty for no limit.')
    return value


def set_quotas(
    actor: User, target_id: str, *, max_sources: int | None, max_storage_bytes: int | None, ip: str = ''
) -> User:
    """Per-account limits on sources and stored bytes; None lifts a limit. Sources already stored stay: a limit
    only refuses what comes next."""
    admin, target = require_admin(actor), _target(target_id)
    max_sources = _quota(max_sources, MAX_QUOTA_SOURCES, 'the number of sources')
    max_storage_bytes = _quota(max_storage_bytes, MAX_QUOTA_BYTES, 'storage')
    changed = rows.update_user(target.id, quota_sources=max_sources, quota_storage_bytes=max_storage_bytes)
    _audit(admin, 'admin_set_quotas', target, ip, max_sources=max_sources, max_storage_bytes=max_storage_bytes)
    return changed or target


def set_admin(actor: User, target_id: str, value: bool, *, ip: str = '') -> User:
    admin, target = require_admin(actor), _target(target_id)
    if not value:
        _not_self(admin, target, 'remove administrator rights from')
        _not_last_admin(target, 'remove administrator rights from')
    changed = rows.update_user(target.id, is_admin=bool(value))
    _audit(admin, 'admin_grant_admin' if value else 'admin_revoke_admin', target, ip)
    return changed or target


def delete(
    actor: User, target_id: str, *, typed: str, transfer_to: Mapping[str, str] | None = None, ip: str = ''
) -> deletion.Deleted:
    """Delete the account after the admin typed its email; see deletion.delete_user for what goes and what stays."""
    admin, target = require_admin(actor), _target(target_id)
    _not_self(admin, target, 'delete')
    if ' '.join((typed or '').split()).lower() != target.email:
        raise AdminError(f'Type the account’s email, {target.email}, exactly, to confirm.')
    try:
        return deletion.delete_user(admin, target, transfer_to=transfer_to, ip=ip)
    except deletion.DeletionError as e:
        raise AdminError(str(e)) from None


def set_registration_policy(actor: User, policy: RegistrationPolicy | str, *, ip: str = '') -> RegistrationPolicy:
    admin = require_admin(actor)
    try:
        chosen = instance.set_registration_policy(policy, by=admin)
    except ValueError:
        raise AdminError('Choose open, invite-only or closed.') from None
    audit.record(admin.id, 'admin_set_setting', ip=ip, key=instance.REGISTRATION_POLICY, value=chosen.value)
    return chosen


def set_require_2fa(actor: User, value: bool, *, ip: str = '') -> bool:
    admin = require_admin(actor)
    instance.set_require_2fa(bool(value), by=admin)
    audit.record(admin.id, 'admin_set_setting', ip=ip, key=instance.REQUIRE_2FA, value=bool(value))
    return bool(value)


def audit_entries(
    actor: User,
    *,
    user_email: str | None = None,
    action: str | None = None,
    before: tuple[datetime, str] | None = None,
    limit: int = audit.PAGE,
) -> list[AuditEntry]:
    """Everyone's audit events, newest first, a page at a time; narrowed to one account (by email: the events it made
    and the ones about it) and to one action. An email with no account answers an empty page."""
    require_admin(actor)
    user_id = None
    if user_email:
        account = users.by_email(user_email)
        if account is None:
            return []
        user_id = account.id
    events = audit.everyone(user_id=user_id, action=action or None, before=before, limit=limit)
    emails = rows.emails([e.user_id for e in events] + [e.target_id for e in events])
    return [
        AuditEntry(e, emails.get(e.user_id or ''), emails.get(e.target_id or '') or e.detail.get('target_email'))
        for e in events
    ]


def audit_actions(actor: User) -> list[str]:
    require_admin(actor)
    return rows.audit_actions()
