"""Invitation links: the owner's copy of one, the mail that carries it, and a signed-in person accepting one.

An invitation is accepted only by presenting its link's secret (repos/invitations.py): by registering through the
link (aurenlm/accounts/registration.py), or, signed in as the invited address, by opening it (`accept`). Typing the
invited address proves nothing, so it accepts nothing. See docs/sharing.md, "Invitations".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aurenlm import repos
from aurenlm.accounts import mailer
from aurenlm.config import get_settings
from aurenlm.models import Invitation, User
from aurenlm.repos import invitations as rows
from aurenlm.repos import members
from aurenlm.sharing import access, roles
from aurenlm.sharing.access import guarded
from aurenlm.sharing.roles import Capability
from aurenlm.sharing.service import SharingForbidden

INVITE_PATH = '/invite/'
EXPIRED = (
    'This invitation link has expired or was already used. Ask the notebook’s owner for a new invite: they can send '
    'it again from the Share dialog.'
)


class InvitationError(ValueError):
    """Why an invitation link cannot be accepted, with what to do."""


class Mailed(StrEnum):
    sent = 'sent'
    failed = 'failed'  # the mail server did not take it; the invitation stands, the owner can copy the link
    off = 'off'  # this server sends no mail (no SMTP_HOST, or no PUBLIC_URL to point the link at)


@dataclass(frozen=True)
class Opened:
    """What an invitation link shows before it is accepted."""

    invitation: Invitation
    notebook_title: str
    inviter: str
    expired: bool


def path_of(invitation: Invitation) -> str:
    return INVITE_PATH + rows.link_token(invitation.id)


def url_of(invitation: Invitation) -> str | None:
    """The full link, or None when this server does not know its public address (PUBLIC_URL unset outside
    development): the Share dialog then prefixes the address the owner's browser uses."""
    base = get_settings().link_base
    return f'{base}{path_of(invitation)}' if base else None


def opened(token: str | None) -> Opened | None:
    """The invitation behind a link, for its page; None when the link is unknown (or was used: accepting deletes)."""
    invitation = rows.find(token)
    if invitation is None:
        return None
    title, inviter = rows.context(invitation)
    return Opened(invitation, title, inviter, rows.expired(invitation))


def has_account(email: str) -> bool:
    """Does the invited address have an account? (Its link then asks to sign in rather than to register.)"""
    return repos.users.by_email(email) is not None


@guarded(Capability.SHARE, via='notebook_id', refuse=SharingForbidden)
def link(user: User, notebook_id: str, invitation_id: str) -> str | None:
    """The path of a pending invitation's link, for the owner to hand over ("Copy invite link"); None when there is no
    such invitation in the owner's notebook."""
    invitation = members.invitation(notebook_id, invitation_id)
    if invitation is None:
        return None
    if invitation.token_hash != rows.token_hash(rows.link_token(invitation.id)):
        rows.rehash(invitation.id)  # made under an earlier SECRET_KEY: its old link is dead, this one replaces it
    return path_of(invitation)


def accept(user: User, token: str | None) -> Invitation:
    """Accept an invitation as the signed-in `user`, whose address must be the invited one; once. Raises
    InvitationError with what to do otherwise."""
    found = rows.find(token)
    if found is None or rows.expired(found) or not token:
        raise InvitationError(EXPIRED)
    if found.email != user.email:
        raise InvitationError(
            f'This invitation is for {found.email}, and you are signed in as {user.email}. Sign out, then open the '
            f'link again and sign in or register as {found.email}.'
        )
    accepted = rows.redeem(token, user)
    if accepted is None:
        raise InvitationError(EXPIRED)
    repos.audit.record(
        user.id, 'invitation_accepted', ip=access.client_ip.get(), notebook_id=accepted.notebook_id, role=accepted.role
    )
    return accepted


def _mail(invitation: Invitation, url: str):
    title, inviter = rows.context(invitation)
    days = get_settings().invitation_days
    body = (
        f'{inviter} shared the notebook “{title}” with you on AurenLM, as {roles.label(invitation.role).lower()}.\n\n'
        f'Open it here (register or sign in with this address, {invitation.email}):\n{url}\n\n'
        f'The link works once and expires in {days} days. If you did not expect this, ignore this mail.\n'
    )
    subject = ' '.join(f'{inviter} shared “{title}” with you'.split())  # a header holds no line breaks
    return mailer.compose(invitation.email, subject[:200], body)


def deliver(invitation: Invitation) -> Mailed:
    """Mail the invitation's link to its address, blocking (run it off the event loop). Nothing changes when the mail
    server fails: the invitation stands and the owner can copy its link."""
    url = url_of(invitation)
    if not get_settings().mail_enabled or url is None:
        return Mailed.off
    try:
        mailer.send_now(_mail(invitation, url))
    except mailer.MailError:
        return Mailed.failed
    return Mailed.sent
