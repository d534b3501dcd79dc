"""Which AurenLM account an OpenID provider sign-in reaches: linked before, linked now, or made now.

- The first sign-in through a provider links by the email the provider says it verified (the caller checks that).
- From then on the link is issuer + subject: a person whose email changes at the provider still reaches the same
  account, and somebody who later gets the old address there does not.
- One account has at most one link per provider. A second provider account with the same email (the first was
  deleted and made again, or the address was handed to someone else) is refused rather than let in.
- Nobody with an account gets one made: without an account, one is made only when the registration policy lets this
  address register (aurenlm/accounts/registration.py), exactly as the register page would, except that under
  invite-only a live invitation to the address is enough (the provider proved the mailbox, so no link is needed);
  the first account of an instance becomes its admin.
- The provider's verified email proves the mailbox, so a made or first-linked account counts it as proven and the live
  invitations to the address become memberships.
- Linking an account whose address was never proven (somebody typed it at registration) takes it back: anyone could
  have registered that address first and set its password. Its password becomes a random one nobody knows, its
  sessions, API tokens, 2FA and reset links go, and it is audited (docs/architecture.md, "Accounts and the admin").
  A proven account (reset link used, create-user, an earlier provider) links as it is.
- A disabled account is refused whichever way it is reached.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aurenlm.accounts import registration
from aurenlm.models import Invitation, User
from aurenlm.repos import audit, invitations, oidc_identities, users
from aurenlm.repos.users import RegistrationError
from aurenlm.security import passwords, sessions

# the error codes the sign-in page knows, beside the protocol's in aurenlm/security/oidc.py
NO_ACCOUNT = 'no_account'  # no account has this email and the registration policy does not let one be made
DISABLED = 'disabled'  # an admin disabled the account
CONFLICT = 'conflict'  # the account is already linked to another account at this provider
CODES = frozenset({NO_ACCOUNT, DISABLED, CONFLICT})


class AccountRefused(Exception):
    """The provider vouched for someone, but they may not sign in here; `code` is one of CODES."""

    def __init__(self, code: str, user: User | None = None) -> None:
        assert code in CODES, code
        super().__init__(code)
        self.code = code
        self.user = user


@dataclass(frozen=True)
class SignIn:
    user: User
    how: str  # 'returning' (a known link), 'linked' (first time, by email) or 'created' (a new account)
    reclaimed: bool = False  # linking took back an account whose address had never been proven
    invitations: tuple[Invitation, ...] = ()  # accepted now, the mailbox being proven


def _usable(user: User) -> User:
    if user.disabled_at is not None:
        raise AccountRefused(DISABLED, user)
    return user


def _create(email: str, name: str) -> User | None:
    """A new account for this address, or None when one appeared meanwhile (a concurrent first sign-in)."""
    if registration.refusal(email, mailbox_proven=True) is not None:
        raise AccountRefused(NO_ACCOUNT)
    # a long random password nobody is told: the account signs in through the provider until its owner sets a
    # password of their own with "Forgot password?"
    try:
        user = users.create(email, secrets.token_urlsafe(32), display_name=name, email_verified=True)
    except RegistrationError:
        if users.by_email(email) is not None:
            return None
        raise AccountRefused(NO_ACCOUNT) from None  # not an address we can make an account for
    return users.promote_if_first(user)


def sign_in(issuer: str, subject: str, email: str, name: str = '') -> SignIn:
    """The account this provider account signs in to. `email` is the address the provider verified."""
    email = users.normalise_email(email)
    for _ in range(3):  # again when a concurrent first sign-in of the same person linked or created first
        known = oidc_identities.find(issuer, subject)
        if known is not None:
            identity, user = known
            oidc_identities.touch(identity, email)
            return SignIn(_usable(user), 'returning')
        user = users.by_email(email)
        how = 'linked'
        if user is None:
            user, how = _create(email, name), 'created'
            if user is None:
                continue
        elif oidc_identities.at_issuer(user, issuer) is not None:
            raise AccountRefused(CONFLICT, user)
        _usable(user)
        if oidc_identities.link(user, issuer, subject, email):
            reclaimed = how == 'linked' and user.email_verified_at is None and _reclaim(user)
            if how == 'linked' and not reclaimed:
                users.mark_email_verified(user.id)
            accepted = tuple(invitations.accept_all(user))
            for invitation in accepted:
                audit.record(user.id, 'invitation_accepted', notebook_id=invitation.notebook_id, role=invitation.role)
            return SignIn(users.get(user.id) or user, how, reclaimed, accepted)
    raise AccountRefused(CONFLICT)


def _reclaim(user: User) -> bool:
    """The provider proved this address, which the account never did: whoever registered it may not be its owner, so
    what they could still hold (the password, sessions, tokens, 2FA) goes; the account, its notebooks and its
    memberships stay for the owner of the mailbox. Audited by the caller's 'oidc_linked' plus 'account_reclaimed'."""
    tokens = users.reclaim(user.id, passwords.hash_password(secrets.token_urlsafe(32)))
    sessions.revoke_all(user)
    audit.record(user.id, 'account_reclaimed', target_id=user.id, tokens_revoked=tokens)
    return True
