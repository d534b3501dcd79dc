"""Invitations are accepted only through their link, once, before they expire; an OpenID sign-in takes back an
account that somebody registered with another person's address (docs/sharing.md, "Invitations", and
docs/architecture.md, "Accounts and the admin")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User as TestUser
from sqlalchemy import update
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.accounts import registration, single_sign_on
from aurenlm.models import AuditEvent, Invitation, User, utcnow
from aurenlm.repos.users import RegistrationError
from aurenlm.security import sessions, tokens
from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import service as sharing
from aurenlm.sharing.access import Forbidden
from tests.helpers import PASSWORD, navigation_done, person, sign_in

ISSUER = 'https://id.example.org'


def invite_dana(ann: User, notebook_id: str, role: str = 'editor') -> str:
    """Ann shares with dana@example.com, who has no account; answers the secret in the link Ann can copy."""
    invitation = sharing.invite(ann, notebook_id, 'dana@example.com', role).invitation
    path = invite_links.link(ann, notebook_id, invitation.id)
    assert path.startswith('/invite/')
    return path.removeprefix('/invite/')


def actions(action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def expire_all() -> None:
    with db.session() as s:
        s.exec(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        s.commit()


def test_registering_the_invited_address_without_the_link_gets_nothing(ann, notebook) -> None:
    invite_dana(ann, notebook.id)
    squatter = registration.register('dana@example.com', PASSWORD)  # open registration: anyone may type the address
    assert repos.members.role_of(squatter.id, notebook.id) is None
    assert repos.notebooks.get(squatter, notebook.id) is None
    assert [i.email for i in sharing.list_invitations(ann, notebook.id)] == ['dana@example.com'], 'still waiting'


def test_the_link_registers_the_invited_address_once(ann, notebook) -> None:
    token = invite_dana(ann, notebook.id)
    with db.session() as s:
        assert s.exec(select(Invitation.token_hash)).one() != token, 'only the hash is stored'
    with pytest.raises(RegistrationError, match='another email address'):
        registration.register('eve@example.com', PASSWORD, invitation_token=token)

    dana = registration.register('dana@example.com', PASSWORD, invitation_token=token)
    assert repos.members.role_of(dana.id, notebook.id) == 'editor'
    assert [(e.user_id, e.detail['notebook_id']) for e in actions('invitation_accepted')] == [(dana.id, notebook.id)]
    assert dana.email_verified_at is None, 'the inviter holds the same link: it proves no mailbox'
    with pytest.raises(invite_links.InvitationError, match='expired or was already used'):
        invite_links.accept(dana, token)
    with pytest.raises(RegistrationError, match='ask the notebook’s owner for a new invite|Ask the notebook'):
        registration.register('dana2@example.com', PASSWORD, invitation_token=token)


def test_an_expired_link_is_refused_and_purged(ann, notebook) -> None:
    token = invite_dana(ann, notebook.id)
    expire_all()
    with pytest.raises(RegistrationError, match='Ask the notebook’s owner for a new invite'):
        registration.register('dana@example.com', PASSWORD, invitation_token=token)
    dana = person('dana@example.com')
    with pytest.raises(invite_links.InvitationError, match='expired'):
        invite_links.accept(dana, token)
    assert repos.members.role_of(dana.id, notebook.id) is None

    assert sessions.purge_expired() == 1
    with db.session() as s:
        assert s.exec(select(Invitation)).all() == []


def test_inviting_again_renews_the_link_it_does_not_replace_it(ann, notebook, settings_env) -> None:
    settings_env(INVITATION_DAYS='3')
    token = invite_dana(ann, notebook.id, 'viewer')
    expire_all()
    assert invite_dana(ann, notebook.id, 'editor') == token, 'the link in the first mail still works'
    dana = registration.register('dana@example.com', PASSWORD, invitation_token=token)
    assert repos.members.role_of(dana.id, notebook.id) == 'editor'
    with db.session() as s:
        assert s.exec(select(Invitation)).all() == []


def test_a_signed_in_account_accepts_only_a_link_for_its_own_address(ann, notebook) -> None:
    token = invite_dana(ann, notebook.id, 'viewer')
    bob = person('bob@example.com')
    with pytest.raises(invite_links.InvitationError, match='This invitation is for dana@example.com'):
        invite_links.accept(bob, token)
    dana = person('dana@example.com')  # registered before, without the link: nothing yet
    assert repos.members.role_of(dana.id, notebook.id) is None
    accepted = invite_links.accept(dana, token)
    assert accepted.notebook_id == notebook.id
    assert repos.members.role_of(dana.id, notebook.id) == 'viewer'


def test_only_the_owner_gets_the_link(ann, notebook) -> None:
    invitation = sharing.invite(ann, notebook.id, 'dana@example.com', 'viewer').invitation
    bob = person('bob@example.com')
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    with pytest.raises(Forbidden):
        invite_links.link(bob, notebook.id, invitation.id)
    assert invite_links.link(person('eve@example.com'), notebook.id, invitation.id) is None


def test_invite_only_needs_the_link_not_just_an_invitation(ann, notebook, settings_env) -> None:
    settings_env(REGISTRATION_POLICY='invite-only')
    token = invite_dana(ann, notebook.id)
    with pytest.raises(RegistrationError, match='invitation link'):
        registration.register('dana@example.com', PASSWORD)
    dana = registration.register('dana@example.com', PASSWORD, invitation_token=token)
    assert repos.members.role_of(dana.id, notebook.id) == 'editor'


def test_an_oidc_sign_up_with_a_verified_address_accepts_its_invitations(ann, notebook, settings_env) -> None:
    settings_env(REGISTRATION_POLICY='invite-only')
    invite_dana(ann, notebook.id)
    result = single_sign_on.sign_in(ISSUER, 'dana-sub', 'dana@example.com', 'Dana')
    assert result.how == 'created' and result.user.email_verified_at is not None
    assert repos.members.role_of(result.user.id, notebook.id) == 'editor'


def test_oidc_takes_back_an_account_a_squatter_registered(ann, notebook) -> None:
    invite_dana(ann, notebook.id, 'viewer')
    squatter = registration.register('dana@example.com', PASSWORD)  # before Dana herself shows up
    browser = sessions.create(squatter, ip='203.0.113.9')
    api = tokens.issue(squatter, 'scraper', can_write=True)

    result = single_sign_on.sign_in(ISSUER, 'dana-sub', 'dana@example.com', 'Dana')
    assert (result.how, result.reclaimed, result.user.id) == ('linked', True, squatter.id)
    assert sessions.resolve(browser.token) is None, "the squatter's browser is signed out"
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(api.token)
    assert repos.users.authenticate('dana@example.com', PASSWORD) is None, 'their password no longer works'
    assert result.user.email_verified_at is not None
    assert repos.members.role_of(squatter.id, notebook.id) == 'viewer', 'the mailbox is proven: invitations accepted'
    assert [e.target_id for e in actions('account_reclaimed')] == [squatter.id]


def test_oidc_links_a_proven_account_as_it_is(ann) -> None:
    repos.users.mark_email_verified(ann.id)  # as a used reset link or create-user does
    browser = sessions.create(ann)
    result = single_sign_on.sign_in(ISSUER, 'ann-sub', 'ann@example.com', 'Ann')
    assert (result.how, result.reclaimed) == ('linked', False)
    assert sessions.resolve(browser.token) is not None
    assert repos.users.authenticate('ann@example.com', PASSWORD) is not None
    assert actions('account_reclaimed') == []


async def test_dana_opens_her_link_registers_with_the_invited_address_and_lands_in_the_notebook(
    user: TestUser, ann, notebook, settings_env
) -> None:
    settings_env(REGISTRATION_POLICY='invite-only')
    token = invite_dana(ann, notebook.id, 'viewer')
    await user.open(f'/invite/{token}')
    await navigation_done()
    await user.should_see('invited you to “Manuals” as viewer. Create your account with dana@example.com')
    assert user.find(marker='email').elements.pop().value == 'dana@example.com'
    user.find(marker='password').type(PASSWORD)
    user.find(marker='confirm').type(PASSWORD)
    user.find(marker='create-account').click()
    await navigation_done()
    dana = repos.users.by_email('dana@example.com')
    assert repos.members.role_of(dana.id, notebook.id) == 'viewer'

    await user.open(f'/invite/{token}')  # used: it opens nothing any more
    await user.should_see('This invitation link has expired or was already used. Ask the notebook’s owner')


async def test_a_link_for_an_address_with_an_account_asks_to_sign_in_as_it(user: TestUser, ann, notebook) -> None:
    token = invite_dana(ann, notebook.id)
    person('dana@example.com')
    await user.open(f'/invite/{token}')
    await user.should_see('Sign in as dana@example.com to open it.')
    await sign_in(user, 'dana@example.com')
    await user.open(f'/invite/{token}')
    await navigation_done()
    assert repos.members.role_of(repos.users.by_email('dana@example.com').id, notebook.id) == 'editor'
