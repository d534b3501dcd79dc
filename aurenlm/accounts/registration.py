"""Who may create an account, in one place: the registration policy, invitations, and the first account.

- open: anyone who reaches the server.
- invite-only: an address that a member has invited to a notebook (a pending invitation).
- closed: nobody; an admin makes accounts with `python -m aurenlm create-user`.
Whatever the policy, an instance with no accounts at all lets one register, so a new instance is usable; that first
account becomes the admin.
"""

from __future__ import annotations

from aurenlm.config import RegistrationPolicy
from aurenlm.models import User
from aurenlm.repos import instance, invitations, users
from aurenlm.repos.users import RegistrationError

CLOSED = 'Registration is closed on this server. Ask an administrator to create an account for you.'
NOT_INVITED = (
    'This server is invite-only, and there is no invitation for this address. Ask a member to share a notebook with '
    'this email address, then register with it.'
)


def is_first_account() -> bool:
    return users.count() == 0


def policy() -> RegistrationPolicy:
    return instance.registration_policy()


def accepts_anyone() -> bool:
    """Can someone without an invitation register now? (The sign-in page links to registration only then, or when
    an invitation could let them in.)"""
    return is_first_account() or policy() != RegistrationPolicy.closed


def refusal(email: str) -> str | None:
    """Why this address may not register now, in words that say what to do; None when it may."""
    if is_first_account():
        return None
    current = policy()
    if current == RegistrationPolicy.closed:
        return CLOSED
    if current == RegistrationPolicy.invite_only and not invitations.pending_for(email):
        return NOT_INVITED
    return None


def explanation(current: RegistrationPolicy | None = None) -> str:
    """The policy in plain words for the register page."""
    if is_first_account():
        return 'This server has no accounts yet. The first account you create here becomes its administrator.'
    current = current or policy()
    if current == RegistrationPolicy.invite_only:
        return (
            'This server is invite-only: register with the email address a member invited to a notebook. '
            'No invitation yet? Ask a member to share a notebook with you.'
        )
    if current == RegistrationPolicy.closed:
        return CLOSED
    return 'Anyone can create an account on this server.'


def register(email: str, password: str) -> User:
    """Create the account if the policy lets this address in (RegistrationError otherwise, with the reason);
    the first account of the instance becomes its admin."""
    if not users.valid_email(users.normalise_email(email)):
        raise RegistrationError('Enter a valid email address, like name@example.com.')
    problem = refusal(email)
    if problem:
        raise RegistrationError(problem)
    user = users.create(email, password)
    return users.promote_if_first(user)
