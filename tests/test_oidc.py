"""Single sign-on through a real OpenID provider on loopback (npm's oidc-provider, see tests/fakes/oidc_provider.py).

The browser is an httpx client on the running app (NiceGUI's session cookie and ours, as a browser keeps them);
the person's steps at the provider (log in, consent) are made by `OidcProvider.sign_in`.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pyotp
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from loguru import logger
from nicegui import core
from nicegui.testing import User
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.config import Settings, get_settings
from aurenlm.log import setup_logging
from aurenlm.models import AuditEvent, OidcIdentity, utcnow
from aurenlm.models import User as Account
from aurenlm.repos import instance
from aurenlm.security import oidc, sessions, totp
from aurenlm.web import auth
from tests.fakes.oidc_provider import OidcProvider, free_port
from tests.helpers import changing, navigation_done, person

APP = 'http://aurenlm.test'
CALLBACK = f'{APP}/auth/oidc/callback'


@pytest.fixture(scope='module')
def provider() -> Iterator[OidcProvider]:
    with OidcProvider([CALLBACK]) as running:
        yield running


@pytest.fixture
def sso(provider: OidcProvider, settings_env) -> Iterator[OidcProvider]:
    """AurenLM configured for the provider, reached as http://aurenlm.test, with open registration by default."""
    settings_env(PUBLIC_URL=APP, REGISTRATION_POLICY='open', **provider.env())
    oidc.forget()
    yield provider
    oidc.forget()


def browser(user: User) -> httpx.AsyncClient:
    return user.http_client


async def start(client: httpx.AsyncClient, next_path: str = '/') -> str:
    """Click "Sign in with ...": the app answers with a redirect to the provider; its URL."""
    response = await client.get('/auth/oidc/start?' + urlencode({'next': next_path}))
    assert response.status_code == 303, response.text
    return response.headers['location']


async def come_back(client: httpx.AsyncClient, callback_url: str) -> httpx.Response:
    """The provider's redirect lands in the app."""
    parts = urlsplit(callback_url)
    assert f'{parts.scheme}://{parts.netloc}{parts.path}' == CALLBACK
    return await client.get(f'{parts.path}?{parts.query}')


def signed_in_as(client: httpx.AsyncClient) -> Account | None:
    return sessions.resolve(client.cookies.get(auth.cookie_name()))


def use_provider(settings_env, env: dict[str, str]) -> None:
    """AurenLM, reached as http://aurenlm.test, configured for the provider these settings name (its cache cleared)."""
    settings_env(PUBLIC_URL=APP, **env)
    oidc.forget()


async def start_error(user: User) -> str | None:
    """The error the login page is sent back with when the sign-in with the provider starts."""
    return login_error(await browser(user).get('/auth/oidc/start'))


def login_error(response: httpx.Response) -> str | None:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers['location'])
    assert location.path == '/login', response.headers['location']
    return parse_qs(location.query).get('oidc', [None])[0]


def audit(action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.created_at)))


async def sign_in_through_provider(client: httpx.AsyncClient, sso: OidcProvider, login: str, next_path: str = '/'):
    authorize = await start(client, next_path)
    return await come_back(client, sso.sign_in(authorize, login))


# -- the way in --------------------------------------------------------------------------------------------------


async def test_bea_signs_in_with_her_provider_account_and_lands_in_her_existing_account(user: User, sso):
    bea = person('bea@example.com')
    client = browser(user)
    authorize = urlsplit(await start(client, '/settings'))
    asked = parse_qs(authorize.query)
    assert f'{authorize.scheme}://{authorize.netloc}' == sso.url
    assert asked['code_challenge_method'] == ['S256'] and len(asked['code_challenge'][0]) == 43
    assert asked['state'][0] and asked['nonce'][0] and asked['state'] != asked['nonce']
    assert asked['redirect_uri'] == [CALLBACK] and asked['scope'] == ['openid email profile']
    assert 'code_verifier' not in asked, 'the verifier stays with the app'

    landed = await come_back(client, sso.sign_in(authorize.geturl(), 'bea'))
    assert landed.status_code == 303 and landed.headers['location'] == '/settings'
    assert landed.headers['cache-control'] == 'no-store'
    assert signed_in_as(client).id == bea.id
    with db.session() as s:
        link = s.exec(select(OidcIdentity)).one()
    assert (link.user_id, link.issuer, link.subject, link.email) == (bea.id, sso.url, 'bea', 'bea@example.com')
    assert [e.user_id for e in audit('oidc_linked')] == [bea.id]
    assert [e.detail['method'] for e in audit('login')] == ['oidc']


async def test_the_sign_in_rotates_the_browser_identity_like_a_password_sign_in(user: User, sso):
    person('bea@example.com')
    client = browser(user)
    await client.get('/login')
    before = client.cookies.get('session')
    await sign_in_through_provider(client, sso, 'bea')
    assert client.cookies.get('session') not in (None, before)


async def test_later_sign_ins_follow_the_provider_account_even_when_its_email_changes(user: User, sso):
    bea = person('bea@example.com')
    client = browser(user)
    await sign_in_through_provider(client, sso, 'bea-sub')  # bea-sub@example.com: no account, registration open
    first = signed_in_as(client)
    assert first is not None and first.id != bea.id and first.email == 'bea-sub@example.com'

    sso.set_account('bea-sub', email='bea@example.com')  # the provider now gives Bea's address to that account
    await sign_in_through_provider(client, sso, 'bea-sub')
    assert signed_in_as(client).id == first.id, 'issuer + subject decide, not the email'


async def test_a_second_provider_account_with_the_same_email_is_not_let_into_a_linked_account(user: User, sso):
    bea = person('bea@example.com')
    client = browser(user)
    await sign_in_through_provider(client, sso, 'bea')
    sso.set_account('bea-again', email='bea@example.com')  # the address was handed to another account there
    refused = await sign_in_through_provider(client, sso, 'bea-again')
    assert login_error(refused) == 'conflict'
    with db.session() as s:
        assert [r.subject for r in s.exec(select(OidcIdentity).where(OidcIdentity.user_id == bea.id))] == ['bea']


async def test_a_new_person_gets_an_account_when_registration_is_open(user: User, sso):
    client = browser(user)
    landed = await sign_in_through_provider(client, sso, 'cleo')
    assert landed.headers['location'] == '/'
    cleo = signed_in_as(client)
    assert cleo.email == 'cleo@example.com' and cleo.display_name == 'cleo'
    assert cleo.is_admin, 'the first account of an instance runs it, however it was made'
    assert [e.detail['method'] for e in audit('register')] == ['oidc']


@pytest.mark.parametrize('policy', ['invite-only', 'closed'])
async def test_a_new_person_is_refused_when_registration_needs_an_invitation_or_is_closed(user: User, sso, policy):
    person('admin@example.com')
    instance.set_registration_policy(policy, by=None)
    client = browser(user)
    refused = await sign_in_through_provider(client, sso, 'dan')
    assert login_error(refused) == 'no_account'
    assert repos.users.by_email('dan@example.com') is None and signed_in_as(client) is None
    assert audit('login_failed')[-1].detail == {'email': 'dan@example.com', 'method': 'oidc', 'reason': 'no_account'}


async def test_an_invited_person_gets_an_account_on_an_invite_only_instance(user: User, sso):
    owner = person('owner@example.com')
    notebook = repos.notebooks.create(owner, 'Plans')
    repos.members.invite(notebook.id, 'erin@example.com', 'viewer', owner.id)  # the provider proves the mailbox
    instance.set_registration_policy('invite-only', by=None)
    client = browser(user)
    await sign_in_through_provider(client, sso, 'erin')
    erin = signed_in_as(client)
    assert erin.email == 'erin@example.com' and not erin.is_admin
    assert repos.notebooks.get(erin, notebook.id) is not None, 'the invitation became a membership'


async def test_a_disabled_account_is_refused(user: User, sso):
    bea = person('bea@example.com')
    with changing(Account, bea.id) as row:
        row.disabled_at = utcnow()
    client = browser(user)
    refused = await sign_in_through_provider(client, sso, 'bea')
    assert login_error(refused) == 'disabled' and signed_in_as(client) is None
    assert audit('login_failed')[-1].target_id == bea.id


async def test_next_stays_on_this_site_and_fits_in_a_cookie(user: User, sso):
    person('bea@example.com')
    client = browser(user)
    landed = await sign_in_through_provider(client, sso, 'bea', next_path='//evil.example/')
    assert landed.headers['location'] == '/'
    landed = await sign_in_through_provider(client, sso, 'bea', next_path='/notebook/' + 'x' * 5000)
    assert landed.headers['location'] == '/', 'a flow that does not fit in the session cookie would be lost'


async def test_an_account_with_two_factor_sign_in_still_asks_for_its_code_after_the_provider(user: User, sso):
    bea = person('bea@example.com')
    repos.users.mark_email_verified(bea.id)  # a proven account keeps its 2FA (an unproven one is taken back)
    enrolment = totp.start(bea)
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm(bea, enrolment, app.at(time.time() - 30))
    client = browser(user)
    came_back = await sign_in_through_provider(client, sso, 'bea')
    assert came_back.headers['location'] == '/login?oidc=second_factor&next=%2F'
    assert signed_in_as(client) is None, 'not in before the code'

    await user.open(came_back.headers['location'])
    await user.should_see('Two-factor code')
    await user.should_not_see(marker='sign-in-oidc')
    user.find(marker='totp-code').type(app.now())
    user.find(marker='totp-verify').click()
    await navigation_done()
    assert signed_in_as(client).id == bea.id
    await user.should_see('Your notebooks')


async def test_the_code_step_after_the_provider_belongs_to_the_browser_that_signed_in(user: User, sso):
    """Somebody who opens the same sign-in page in another browser gets the sign-in form, not Bea's code step."""
    bea = person('bea@example.com')
    enrolment = totp.start(bea)
    totp.confirm(bea, enrolment, pyotp.TOTP(enrolment.secret).at(time.time() - 30))
    await sign_in_through_provider(browser(user), sso, 'bea')
    user.http_client.cookies.clear()
    await user.open('/login?oidc=second_factor')
    await user.should_see('That took too long. Start single sign-on again below.')
    await user.should_see(marker='password')


# -- what is refused ---------------------------------------------------------------------------------------------


async def test_a_callback_with_a_state_this_browser_never_made_is_refused(user: User, sso):
    person('bea@example.com')
    client = browser(user)
    callback = sso.sign_in(await start(client), 'bea')
    forged = callback.replace('state=', 'state=x', 1)
    refused = await come_back(client, forged)
    assert login_error(refused) == 'state' and signed_in_as(client) is None
    assert audit('login_failed')[-1].detail == {'email': '', 'method': 'oidc', 'reason': 'state'}


async def test_a_callback_in_another_browser_is_refused(user: User, sso):
    """An attacker who sends someone their own callback link (login CSRF) gets nowhere: the state is not theirs."""
    person('bea@example.com')
    callback = sso.sign_in(await start(browser(user)), 'bea')
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test') as victim:
        refused = await come_back(victim, callback)
        assert login_error(refused) == 'state' and signed_in_as(victim) is None


async def test_a_replayed_code_is_refused(user: User, sso):
    person('bea@example.com')
    client = browser(user)
    callback = sso.sign_in(await start(client), 'bea')
    assert (await come_back(client, callback)).headers['location'] == '/'

    assert login_error(await come_back(client, callback)) == 'state', 'the same answer twice: its state is spent'

    # the used code under a fresh state of this browser goes to the provider, which refuses it
    fresh_state = parse_qs(urlsplit(await start(client)).query)['state'][0]
    old_code = parse_qs(urlsplit(callback).query)['code'][0]
    replay = f'{CALLBACK}?' + urlencode({'code': old_code, 'state': fresh_state, 'iss': sso.issuer})
    assert login_error(await come_back(client, replay)) == 'code'


async def test_an_unverified_email_is_refused(user: User, sso):
    person('unverified-uma@example.com')  # even when an account has that address
    client = browser(user)
    refused = await sign_in_through_provider(client, sso, 'unverified-uma')
    assert login_error(refused) == 'unverified' and signed_in_as(client) is None
    with db.session() as s:
        assert s.exec(select(OidcIdentity)).first() is None
    assert audit('login_failed')[-1].detail['reason'] == 'unverified'


async def test_cancelling_at_the_provider_says_so(user: User, sso):
    client = browser(user)
    state = parse_qs(urlsplit(await start(client)).query)['state'][0]
    denied = f'{CALLBACK}?' + urlencode({'error': 'access_denied', 'state': state, 'iss': sso.issuer})
    assert login_error(await come_back(client, denied)) == 'denied'


async def test_a_provider_that_is_down_gives_a_clear_error(user: User, settings_env, provider):
    use_provider(settings_env, {**provider.env(), 'OIDC_ISSUER': f'http://127.0.0.1:{free_port()}'})
    assert await start_error(user) == 'unavailable'


async def test_a_provider_that_goes_down_during_the_sign_in_gives_a_clear_error(user: User, settings_env):
    person('bea@example.com')
    client = browser(user)
    with OidcProvider([CALLBACK]) as flaky:
        use_provider(settings_env, flaky.env())
        callback = flaky.sign_in(await start(client), 'bea')
    refused = await come_back(client, callback)  # the provider has stopped: its token endpoint does not answer
    assert login_error(refused) == 'unavailable' and signed_in_as(client) is None


async def test_a_provider_that_names_another_issuer_is_refused(user: User, settings_env):
    port = free_port()
    with OidcProvider([CALLBACK], issuer=f'http://localhost:{port}') as impostor:
        use_provider(settings_env, impostor.env())  # configured by its address, it claims another name
        error = await start_error(user)
    assert error == 'issuer'


async def test_an_authorization_response_from_another_issuer_is_refused(user: User, sso):
    """RFC 9207: the `iss` in the answer must be ours, or the code may be another provider's (a mix-up)."""
    person('bea@example.com')
    client = browser(user)
    callback = sso.sign_in(await start(client), 'bea')
    mixed = callback.replace('iss=' + sso.issuer.replace(':', '%3A').replace('/', '%2F'), 'iss=https%3A%2F%2Fother')
    assert mixed != callback
    assert login_error(await come_back(client, mixed)) == 'issuer'


async def test_starting_when_single_sign_on_is_off_says_so(user: User):
    assert not get_settings().oidc_enabled
    assert login_error(await browser(user).get('/auth/oidc/start')) == 'off'


# -- the ID token's checks, on tokens the provider did not make --------------------------------------------------


def forged_token(sso: OidcProvider, *, nonce: str, key: RSAKey | None = None, **claims) -> str:
    now = int(time.time())
    payload = {'iss': sso.issuer, 'sub': 'bea', 'aud': sso.client_id, 'iat': now, 'exp': now + 300, 'nonce': nonce}
    key = key or RSAKey.generate_key(2048, parameters={'kid': 'not-the-providers'})
    return jwt.encode({'alg': 'RS256', 'kid': key.kid}, {**payload, **claims}, key)


def pending(nonce: str = 'n-0123') -> oidc.PendingFlow:
    return oidc.PendingFlow('s', nonce, 'v' * 64, CALLBACK, '/', '', time.time())


def test_an_id_token_signed_with_a_key_the_provider_never_published_is_refused(sso):
    settings = get_settings()
    meta = oidc.discover(settings)
    with pytest.raises(oidc.OidcError) as refused:
        oidc._check_id_token(settings, meta, pending(), {'id_token': forged_token(sso, nonce='n-0123')})
    assert refused.value.code == oidc.TOKEN


def test_an_id_token_for_another_nonce_audience_or_time_is_refused(sso):
    """A key the provider publishes would pass the signature check; the claims must still be right. (These tokens
    are signed by a key we make, and checked against a key set holding it, to reach the claim checks.)"""
    settings = get_settings()
    key = RSAKey.generate_key(2048, parameters={'kid': 'k1'})
    meta = oidc.discover(settings)
    oidc._jwks[meta.jwks_uri] = (time.monotonic(), {'keys': [key.as_dict(private=False)]})
    assert oidc._check_id_token(settings, meta, pending(), {'id_token': forged_token(sso, nonce='n-0123', key=key)})
    for claims, code in (
        ({'nonce': 'n-other'}, oidc.TOKEN),
        ({'aud': 'another-client'}, oidc.TOKEN),
        ({'exp': int(time.time()) - 3600}, oidc.TOKEN),
        ({'iss': 'https://elsewhere.example'}, oidc.ISSUER),
    ):
        token = forged_token(sso, key=key, **{'nonce': 'n-0123', **claims})
        with pytest.raises(oidc.OidcError) as refused:
            oidc._check_id_token(settings, meta, pending(), {'id_token': token})
        assert refused.value.code == code, claims


@pytest.mark.parametrize(
    ('claims', 'verified'),
    [
        ({'email_verified': True}, True),  # Google, Keycloak: in the ID token
        ({'email_verified': 'true'}, True),  # a few providers send a string
        ({'email_verified': False}, False),
        ({'xms_edov': True}, True),  # Entra ID: the domain owner verified the address
        ({'email_verified': False, 'xms_edov': True}, False),  # email_verified, when present, decides
        ({}, False),  # nothing says it was verified
    ],
)
def test_what_counts_as_a_verified_email_in_an_id_token(claims, verified):
    meta = oidc.ProviderMetadata('https://id.example', 'a', 't', 'j', None, (), ('RS256',), False)
    token_claims = {'sub': 'bea', 'email': 'Bea@Example.com', **claims}
    if verified:
        assert oidc._identity(meta, token_claims, None).email == 'bea@example.com'
    else:
        with pytest.raises(oidc.OidcError) as refused:
            oidc._identity(meta, token_claims, None)
        assert refused.value.code == oidc.UNVERIFIED


def test_an_id_token_without_an_email_says_the_scope_is_missing():
    meta = oidc.ProviderMetadata('https://id.example', 'a', 't', 'j', None, (), ('RS256',), False)
    with pytest.raises(oidc.OidcError) as refused:
        oidc._identity(meta, {'sub': 'bea'}, None)
    assert refused.value.code == oidc.NO_EMAIL


def test_the_authorization_code_and_the_client_secret_stay_out_of_the_log(tmp_path):
    secret = 'kc-client-secret-' + 'Z' * 24
    setup_logging(Settings(data_dir=tmp_path, secret_key='s' * 40, oidc_client_secret=secret, _env_file=None))
    buffer = io.StringIO()
    logger.add(buffer, format='{message}', level='DEBUG')
    code = 'fGh3-kL9_mN2pQ5rS8tV1wX4yZ7aB0cD.e1'
    path = f'/auth/oidc/callback?code={code}&state=abc&iss=https%3A%2F%2Fid.example'
    logging.getLogger('uvicorn.access').info('%s - "%s %s HTTP/%s" %d', '127.0.0.1:5000', 'GET', path, '1.1', 303)
    logger.warning('the token endpoint refused client aurenlm with {}', secret)
    out = buffer.getvalue()
    assert code not in out and 'callback?code=***&state=abc' in out
    assert secret not in out


# -- the sign-in page ------------------------------------------------------------------------------------------


async def test_the_sign_in_page_offers_the_provider_when_it_is_configured(user: User, sso):
    await user.open('/login')
    await user.should_see('Sign in with Test ID')
    button = user.find(marker='sign-in-oidc').elements.pop()
    assert button.props['href'] == '/auth/oidc/start?next=%2F'


async def test_the_sign_in_page_has_no_provider_button_when_none_is_configured(user: User):
    await user.open('/login')
    await user.should_see(marker='sign-in')
    await user.should_not_see(marker='sign-in-oidc')


async def test_the_sign_in_page_explains_a_failed_single_sign_on_in_its_own_words(user: User, sso):
    await user.open('/login?oidc=unverified')
    await user.should_see('Your identity provider has not verified your email address. Verify it there')
    await user.open('/login?oidc=<img src=x onerror=alert(1)>')
    await user.should_see('Single sign-on did not work. Start it again below, or sign in with your password.')
