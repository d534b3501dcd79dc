"""A person's own activity log in words: "Signed in", "An admin disabled your account", "Failed sign-in with your
email", from the audit events by them or about them (aurenlm/repos/audit.py). Pure text; the page shows it as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aurenlm.models import AuditEvent

# action -> (what it says when the person did it, what it says when it was done to them by someone else or nobody
# known). None: that side does not happen.
WORDS: dict[str, tuple[str | None, str | None]] = {
    'register': ('Created the account', None),
    'login': ('Signed in', None),
    'login_failed': (None, 'Failed sign-in with your email'),
    'login_refused_disabled': ('Sign-in refused: the account is disabled', None),
    'oidc_linked': ('Linked a single sign-on account', None),
    'password_changed': ('Changed the password', None),
    'password_change_failed': ('Typed a wrong current password while changing it', None),
    'account_delete_failed': ('Typed a wrong password while deleting the account', None),
    'password_reset_requested': (None, 'A password reset link was asked for'),
    'password_reset_mail_failed': (None, 'A password reset mail could not be sent'),
    'password_reset': ('Reset the password through the emailed link', None),
    'totp_enabled': ('Turned on two-factor sign-in', None),
    'totp_disabled': ('Turned off two-factor sign-in', None),
    'totp_failed': ('Typed a wrong two-factor code', 'Wrong two-factor code at sign-in'),
    'recovery_code_used': ('Used a recovery code', 'Signed in with a recovery code'),
    'recovery_codes_regenerated': ('Made new recovery codes', None),
    'totp_reset': ("Reset someone's two-factor sign-in", 'Your two-factor sign-in was reset by an admin'),
    'session_revoked': ('Signed out a session', None),
    'sessions_revoked_others': ('Signed out all other sessions', None),
    'signed_out_everywhere': ('Signed out everywhere', None),
    'token_created': ('Created an API token', None),
    'token_revoked': ('Revoked an API token', None),
    'account_exported': ('Downloaded the account data', None),
    'notebook_shared': ('Shared a notebook', 'Shared a notebook with you'),
    'notebook_invited': ('Invited someone to a notebook', None),
    'invitation_cancelled': ('Cancelled an invitation', None),
    'invitation_accepted': ('Accepted an invitation', None),
    'member_role_changed': ("Changed a member's role", 'Changed your role in a notebook'),
    'notebook_unshared': ('Removed a member from a notebook', 'Removed you from a notebook'),
    'notebook_left': ('Left a notebook', None),
    'ownership_transferred': ('Handed a notebook over', 'Made you the owner of a notebook'),
    'admin_disable_user': ('Disabled an account', 'Your account was disabled by an admin'),
    'admin_enable_user': ('Enabled an account', 'Your account was enabled by an admin'),
    'admin_reset_2fa': ("Reset an account's two-factor sign-in", 'Your two-factor sign-in was reset by an admin'),
    'admin_revoke_access': (
        'Signed an account out everywhere and revoked its tokens',
        'An admin signed you out everywhere and revoked your API tokens',
    ),
    'admin_set_quotas': ("Changed an account's quotas", 'Your quotas were changed by an admin'),
    'admin_grant_admin': ('Made an account an admin', 'You were made an admin'),
    'admin_revoke_admin': ("Took an account's admin rights away", 'Your admin rights were taken away'),
    'admin_set_setting': ('Changed an instance setting', None),
}
# detail keys that are shown in other columns or mean nothing to a person
_HIDDEN = {'target_email', 'target_user_id', 'notebook_id', 'token_id'}


@dataclass(frozen=True)
class Entry:
    at: datetime
    what: str
    who: str  # "You", an email, or "Unknown" (a failed sign-in: whoever typed the address)
    ip: str
    details: str


def _what(event: AuditEvent, mine: bool) -> str:
    by_me, to_me = WORDS.get(event.action, (None, None))
    text = by_me if mine else to_me
    return text or by_me or to_me or event.action.replace('_', ' ').capitalize()


def _details(event: AuditEvent, me_email: str, titles: dict[str, str]) -> str:
    parts = []
    notebook_id = event.detail.get('notebook_id')
    if isinstance(notebook_id, str):
        parts.append(f'notebook: {titles.get(notebook_id, "deleted notebook")}')
    for key, value in event.detail.items():
        if key in _HIDDEN or value is None or value == '' or (key == 'email' and value == me_email):
            continue
        parts.append(f'{key.replace("_", " ")}: {value}')
    return ' · '.join(parts)


def shown_ip(event: AuditEvent, me_id: str) -> str:
    """The address an event came from, when it is the person's to see: their own, or an unknown actor's (a failed
    sign-in, a reset request). Another known person's address (an owner sharing, an admin acting) stays theirs."""
    return event.ip if event.user_id in (me_id, None) else ''


def entries(
    events: list[AuditEvent], me_id: str, me_email: str, emails: dict[str, str], titles: dict[str, str]
) -> list[Entry]:
    """The events as lines of the activity log; `emails` names the other people involved, `titles` the notebooks."""
    out = []
    for event in events:
        mine = event.user_id == me_id
        who = (
            'You'
            if mine
            else emails.get(event.user_id or '', 'Unknown' if event.user_id is None else 'Deleted account')
        )
        out.append(
            Entry(event.created_at, _what(event, mine), who, shown_ip(event, me_id), _details(event, me_email, titles))
        )
    return out
