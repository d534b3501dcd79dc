"""Single sign-on in Chromium: B clicks "Sign in with Test ID", logs in at a real OpenID provider on loopback (npm's
oidc-provider, tests/fakes/oidc), consents, and lands signed in to her AurenLM account; an unverified address is
turned back with a clear message on the sign-in page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Server, shot
from tests.fakes.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, free_port

LABEL = 'Sign in with Test ID'


@pytest.fixture(scope='module')
def provider_port() -> int:
    return free_port()


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory, provider_port: int) -> Iterator[Server]:
    """The app told where its provider will be (it only asks it when someone clicks the button)."""
    srv = Server(
        tmp_path_factory.mktemp('oidc-server'),
        extra_env={
            'OIDC_ISSUER': f'http://127.0.0.1:{provider_port}',
            'OIDC_CLIENT_ID': CLIENT_ID,
            'OIDC_CLIENT_SECRET': CLIENT_SECRET,
            'OIDC_BUTTON_LABEL': LABEL,
        },
    )
    yield srv
    srv.stop()


@pytest.fixture(scope='module')
def provider(server: Server, provider_port: int) -> Iterator[OidcProvider]:
    with OidcProvider([f'{server.url}/auth/oidc/callback'], port=provider_port) as running:
        yield running


def sign_in_at_provider(page: Page, login: str) -> None:
    """What a person does on the provider's pages: log in, then allow AurenLM to see their email."""
    page.get_by_placeholder('Enter any login').fill(login)
    page.get_by_placeholder('and password').fill('whatever the provider checks')
    page.get_by_role('button', name='Sign-in').click()
    page.get_by_role('button', name='Continue').click()


def test_b_signs_in_through_the_provider_and_lands_in_her_account(page: Page, server: Server, provider) -> None:
    server.cli('create-user', '--email', 'bea@example.com', '--password', 'violet-harbour-lantern')
    page.goto('/login')
    sso = page.get_by_role('link', name=LABEL)
    expect(sso).to_be_visible()
    shot(page, 'oidc-01-sign-in-page')

    sso.click()
    page.wait_for_url(f'{provider.url}/interaction/**')
    expect(page.get_by_placeholder('Enter any login')).to_be_visible()
    shot(page, 'oidc-02-provider-login')
    sign_in_at_provider(page, 'bea')

    page.wait_for_url(f'{server.url}/')
    expect(page.get_by_text('Your notebooks')).to_be_visible()
    shot(page, 'oidc-03-signed-in')
    cookies = {c['name']: c for c in page.context.cookies(server.url)}
    assert cookies['aurenlm_session']['httpOnly'], 'the same session cookie as a password sign-in'

    page.goto('/settings')
    expect(page.get_by_text('bea@example.com').first).to_be_visible()


def test_an_unverified_address_is_turned_back_with_a_clear_message(page: Page, server: Server, provider) -> None:
    page.goto('/login')
    page.get_by_role('link', name=LABEL).click()
    sign_in_at_provider(page, 'unverified-uma')

    page.wait_for_url(f'{server.url}/login?oidc=unverified')
    expect(page.get_by_role('alert')).to_have_text(
        'Your identity provider has not verified your email address. Verify it there, then sign in again.'
    )
    expect(page.get_by_role('link', name=LABEL)).to_be_visible()
    shot(page, 'oidc-04-unverified')
