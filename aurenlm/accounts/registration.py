"""Who may create an account, in one place: the registration policy, invitations, and the first account.

- open: anyone who reaches the server.
- invite-only: whoever holds a live invitation link, for the address it was made for (or, signing up through an
  OpenID provider that verified the address, a live invitation to that address: the provider proved the mailbox).
- closed: nobody; an admin makes accounts with `python -m aurenlm create-user`.
Whatever the policy, an instance with no accounts at all lets one register, so a new instance is usable; that first
account becomes the admin.

Registering never accepts an invitation because the address matches: anyone can type an address. Registering through
an invitation link accepts that one invitation (docs/sharing.md, "Invitations").
"""

from __future__ import annotations

from aurenlm.config import RegistrationPolicy
from aurenlm.models import Invitation, User
from aurenlm.repos import audit, instance, invitations, users
from aurenlm.repos.users import RegistrationError

CLOSED = 'Registration is closed on this server. Ask an administrator to create an account for you.'
NOT_INVITED = (
    'This server is invite-only: register through the invitation link a member sent you. No link? Ask a member to '
    'share a notebook with your email address, then open the link in their invitation.'
)
EXPIRED_INVITATION = (
    'This invitation link has expired or was already used. Ask the notebook’s owner for a new invite: they can send '
    'it again from the Share dialog.'
)
OTHER_ADDRESS = 'This invitation is for another email address. Register with the address it was sent to.'


def is_first_account() -> bool:
    return users.count() == 0


def policy() -> RegistrationPolicy:
    return instance.registration_policy()


def accepts_anyone() -> bool:
    """Can someone without an invitation register now? (The sign-in page links to registration only then, or when
    an invitation could let them in.)"""
    return is_first_account() or policy() != RegistrationPolicy.closed


def live_invitation(token: str | None) -> Invitation | None:
    """The invitation a link opens, when it is still good; None for an unknown, used or expired link."""
    found = invitations.find(token)
    return found if found is not None and not invitations.expired(found) else None


def refusal(email: str, *, invitation: Invitation | None = None, mailbox_proven: bool = False) -> str | None:
    """Why this address may not register now, in words that say what to do; None when it may. `invitation`: the live
    invitation whose link the person opened; `mailbox_proven`: an OpenID provider verified the address."""
    if is_first_account():
        return None
    current = policy()
    if current == RegistrationPolicy.closed:
        return CLOSED
    if current == RegistrationPolicy.invite_only:
        invited = invitation is not None and invitation.email == users.normalise_email(email)
        if not invited and not (mailbox_proven and invitations.pending_for(email)):
            return NOT_INVITED
    return None


def explanation(current: RegistrationPolicy | None = None) -> str:
    """The policy in plain words for the register page."""
    if is_first_account():
        return 'This server has no accounts yet. The first account you create here becomes its administrator.'
    current = current or policy()
    if current == RegistrationPolicy.invite_only:
        return (
            'This server is invite-only: register through the invitation link a member sent you. '
            'No invitation yet? Ask a member to share a notebook with you.'
        )
    if current == RegistrationPolicy.closed:
        return CLOSED
    return 'Anyone can create an account on this server.'


def register(email: str, password: str, *, invitation_token: str | None = None) -> User:
    """Create the account if the policy lets this address in (RegistrationError otherwise, with the reason);
    the first account of the instance becomes its admin. Through an invitation link (`invitation_token`), the address
    must be the invited one, and that invitation is accepted.

    The account's mailbox is not counted as proven even then: the inviter holds the same link (Copy invite link), so
    an inviter could register someone else's address with it. The address is proven by a used reset link or OIDC."""
    if not users.valid_email(users.normalise_email(email)):
        raise RegistrationError('Enter a valid email address, like name@example.com.')
    invitation = None
    if invitation_token:
        invitation = live_invitation(invitation_token)
        if invitation is None:
            raise RegistrationError(EXPIRED_INVITATION)
        if invitation.email != users.normalise_email(email):
            raise RegistrationError(OTHER_ADDRESS)
    problem = refusal(email, invitation=invitation)
    if problem:
        raise RegistrationError(problem)
    user = users.promote_if_first(users.create(email, password))
    if invitation_token and invitations.redeem(invitation_token, user) is not None:
        assert invitation is not None
        audit.record(user.id, 'invitation_accepted', notebook_id=invitation.notebook_id, role=invitation.role)
    return user
