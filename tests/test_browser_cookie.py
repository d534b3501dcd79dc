"""NiceGUI's own browser cookie (the signed one that names a browser's storage) is `__Host-` prefixed outside
development, like our sign-in cookie: a sibling subdomain then cannot plant one on this host to fix a browser's
identity. The app is started through main.py with production settings, as it runs for real."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from nicegui.testing import User

from aurenlm.config import get_settings
from aurenlm.web import auth
from tests.helpers import person, sign_in

PRODUCTION_KEY = secrets.token_urlsafe(48)  # made per run: no key, even a test one, lives in the code


@pytest.fixture
def production(settings_env) -> Iterator[None]:
    """Set before `user`, so main.py builds the app with these settings."""
    settings_env(ENVIRONMENT='production', SECRET_KEY=PRODUCTION_KEY, PUBLIC_URL='https://notes.example.com')
    yield


def set_cookies(response) -> dict[str, str]:
    return {header.split('=', 1)[0]: header for header in response.headers.get_list('set-cookie')}


async def test_outside_development_the_browser_cookie_is_host_prefixed_secure_and_for_the_whole_site(
    production: None, user: User
) -> None:
    assert not get_settings().is_development
    response = await user.http_client.get('/login', headers={'x-forwarded-proto': 'https'})
    cookies = set_cookies(response)
    assert 'session' not in cookies, "NiceGUI's default name has no prefix"
    header = cookies['__Host-aurenlm_browser']
    assert '; secure' in header.lower() and '; path=/;' in header.lower() + ';'
    assert 'domain=' not in header.lower(), 'a __Host- cookie names no domain'


async def test_signing_in_still_works_with_the_prefixed_cookie(production: None, user: User) -> None:
    person()
    user.http_client.base_url = 'https://test'  # our own cookie is Secure too: the client sends it over https only
    await sign_in(user)
    await user.should_see('Your notebooks')
    names = {cookie.name for cookie in user.http_client.cookies.jar}
    assert {'__Host-aurenlm_browser', auth.cookie_name()} <= names


def test_development_keeps_nicegui_s_default_name(settings_env) -> None:
    settings_env(ENVIRONMENT='development')
    assert auth.browser_cookie_kwargs(get_settings())['session_cookie'] == 'session'
