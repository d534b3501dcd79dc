"""Server-side sessions: expiry by idleness and lifetime, rotation, revocation, the sign-in cookie and its ticket."""

import asyncio
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from nicegui import app, core, ui
from nicegui.persistence import RedisPersistentDict
from nicegui.storage import Storage
from nicegui.testing import User

from aurenlm import db, repos
from aurenlm.config import Settings
from aurenlm.models import AuthSession, SignInTicket, utcnow
from aurenlm.security import sessions
from aurenlm.web import auth
from tests.helpers import changing, person, sign_in


def make_user(email='ann@example.com'):
    return repos.users.create(email, 'violet-harbour-lantern')


def test_a_session_resolves_to_its_user():
    user = make_user()
    new = sessions.create(user, ip='10.0.0.1', user_agent='pytest')
    assert sessions.resolve(new.token).id == user.id
    assert new.session.id != new.token, 'only the hash is stored'


def test_idle_session_expires(settings_env):
    settings_env(SESSION_IDLE_MINUTES='30')
    user = make_user()
    new = sessions.create(user)
    with changing(AuthSession, new.session.id) as row:
        row.last_seen = row.last_seen - timedelta(minutes=31)
    assert sessions.resolve(new.token) is None
    with db.session() as s:
        assert s.get(AuthSession, new.session.id) is None, 'an expired session row is deleted'


def test_session_past_its_lifetime_expires():
    user = make_user()
    new = sessions.create(user)
    with changing(AuthSession, new.session.id) as row:
        row.expires_at = row.created_at - timedelta(seconds=1)
    assert sessions.resolve(new.token) is None


def test_each_login_gets_a_new_id_and_revoke_removes_it():
    user = make_user()
    first, second = sessions.create(user), sessions.create(user)
    assert first.token != second.token
    sessions.revoke(first.token)
    assert sessions.resolve(first.token) is None
    assert sessions.resolve(second.token).id == user.id


def test_unknown_or_empty_token_is_nobody():
    assert sessions.resolve('') is None
    assert sessions.resolve('not-a-token') is None


# -- the sign-in cookie: a fresh identity on every sign-in, and revocation that sticks ------------------------------


def stranger() -> httpx.AsyncClient:
    """Another browser (or an attacker's script) talking to the same running app."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test')


def copy_cookies(source: httpx.AsyncClient, target: httpx.AsyncClient) -> dict[str, str]:
    """Every cookie of one browser, exactly as it holds them, into another; answers what was copied."""
    for cookie in source.cookies.jar:
        target.cookies.jar.set_cookie(cookie)
    return {cookie.name: cookie.value for cookie in source.cookies.jar}


async def open_export(client: httpx.AsyncClient, notebook_id: str) -> int:
    return (await client.get(f'/export/notebook/{notebook_id}?format=md')).status_code


async def test_a_cookie_planted_before_sign_in_cannot_export_the_victims_notebook(user: User) -> None:
    async with stranger() as attacker:
        await attacker.get('/login')  # an anonymous visit: the attacker now holds a browser cookie
        planted = copy_cookies(attacker, user.http_client)  # ... and gets it into the victim's browser
        assert 'session' in planted, "the sign-in page hands out NiceGUI's cookie"

        ann = person()
        await sign_in(user)
        await user.should_see('Your notebooks')
        notebook = repos.notebooks.create(ann, 'Private plans')
        assert await open_export(user.http_client, notebook.id) == 200, 'the victim exports their own notebook'

        assert await open_export(attacker, notebook.id) == 401
        held = {cookie.name: cookie.value for cookie in user.http_client.cookies.jar}
        assert held['session'] != planted['session'], 'the victim got a new browser identity'


async def test_a_copied_cookie_dies_on_sign_out_everywhere_and_stays_dead(user: User) -> None:
    ann = person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    notebook = repos.notebooks.create(ann, 'Private plans')
    async with stranger() as thief:
        copy_cookies(user.http_client, thief)  # copied while signed in
        assert await open_export(thief, notebook.id) == 200, 'a copy works while the session lives'

        await user.open('/settings')
        user.find(marker='sign-out-everywhere').click()
        await user.should_see(marker='sign-in')
        assert await open_export(thief, notebook.id) == 401

        await sign_in(user)  # the victim signs back in, in the same browser
        await user.should_see('Your notebooks')
        assert await open_export(user.http_client, notebook.id) == 200
        assert await open_export(thief, notebook.id) == 401


async def test_signing_out_clears_the_cookie_and_revokes_the_session(user: User) -> None:
    person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    token = user.http_client.cookies.get('aurenlm_session')
    assert token and sessions.resolve(token) is not None
    user.find(marker='sign-out').click()
    await user.should_see(marker='sign-in')
    assert sessions.resolve(token) is None
    assert user.http_client.cookies.get('aurenlm_session') is None


async def test_browser_storage_holds_no_token(user: User) -> None:
    person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    token = user.http_client.cookies.get('aurenlm_session')
    for storage in app.storage._users.values():
        assert token not in json.dumps(dict(storage), default=str)


async def test_the_cookie_is_httponly_lax_and_secure_outside_development(user: User) -> None:
    ann = person()
    ticket = sessions.issue_ticket(ann, browser_id='')  # nobody's browser: refused
    response = await user.http_client.get(auth.complete_url(ticket, '/'))
    assert response.status_code == 303 and response.headers['location'].startswith('/login')
    assert 'aurenlm_session' not in response.headers.get('set-cookie', '')

    await sign_in(user)
    await user.should_see('Your notebooks')
    production = Settings(environment='production', _env_file=None)
    assert auth.cookie_name(production) == '__Host-aurenlm_session'
    assert auth._cookie_flags(production) == {'path': '/', 'httponly': True, 'samesite': 'lax', 'secure': True}


async def test_a_ticket_works_once_in_the_browser_it_was_made_for(user: User) -> None:
    ann = person()
    await user.open('/login')
    browser = user.client.request.session['id']
    ticket = sessions.issue_ticket(ann, browser)
    async with stranger() as other_browser:  # e.g. a link an attacker sends, to sign the victim into their account
        response = await other_browser.get(auth.complete_url(ticket, '/'))
        assert response.status_code == 303 and response.headers['location'].startswith('/login')
    first = await user.http_client.get(auth.complete_url(ticket, '/notebook/x?y=1'))
    assert first.status_code == 303 and first.headers['location'] == '/notebook/x?y=1'
    assert 'aurenlm_session=' in first.headers['set-cookie'] and 'httponly' in first.headers['set-cookie'].lower()
    assert first.headers['referrer-policy'] == 'no-referrer'
    user.http_client.cookies.clear()
    again = await user.http_client.get(auth.complete_url(ticket, '/'))
    assert again.headers['location'].startswith('/login'), 'a ticket is good once'


async def test_another_site_cannot_complete_a_sign_in(user: User) -> None:
    ann = person()
    await user.open('/login')
    ticket = sessions.issue_ticket(ann, user.client.request.session['id'])
    response = await user.http_client.get(auth.complete_url(ticket, '/'), headers={'Sec-Fetch-Site': 'cross-site'})
    assert response.headers['location'].startswith('/login')
    assert 'aurenlm_session' not in response.headers.get('set-cookie', '')


def test_an_expired_ticket_signs_nobody_in():
    ann = make_user()
    ticket = sessions.issue_ticket(ann, 'browser-1')
    with changing(SignInTicket, sessions.token_hash(ticket)) as row:
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert sessions.redeem_ticket(ticket, 'browser-1') is None


def test_two_requests_racing_with_one_ticket_sign_in_once():
    ann = make_user()
    ticket = sessions.issue_ticket(ann, 'browser-1')
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: sessions.redeem_ticket(ticket, 'browser-1'), range(6)))
    assert [r.id for r in results if r is not None] == [ann.id]


@pytest.mark.parametrize(
    ('raw', 'safe'),
    [
        ('/notebook/abc', '/notebook/abc'),
        ('//evil.example', '/'),
        ('/\t/evil.example', '/'),
        ('/\\evil.example', '/'),
        ('https://evil.example', '/'),
        ('/auth/sign-out', '/'),
        (None, '/'),
    ],
)
def test_after_sign_in_the_browser_only_goes_to_a_local_page(raw, safe):
    assert auth.safe_next(raw) == safe


# -- housekeeping -----------------------------------------------------------------------------------------------------


def test_purge_removes_expired_sessions_and_tickets_only():
    ann = make_user()
    live, old = sessions.create(ann), sessions.create(ann)
    fresh_ticket, stale_ticket = sessions.issue_ticket(ann, 'b'), sessions.issue_ticket(ann, 'b')
    with changing(AuthSession, old.session.id) as row:
        row.expires_at = utcnow() - timedelta(seconds=1)
    with changing(SignInTicket, sessions.token_hash(stale_ticket)) as ticket:
        ticket.expires_at = utcnow() - timedelta(seconds=1)
    assert sessions.purge_expired() == 2
    with db.session() as s:
        assert s.get(AuthSession, live.session.id) is not None and s.get(AuthSession, old.session.id) is None
        assert s.get(SignInTicket, sessions.token_hash(fresh_ticket)) is not None


async def test_the_purge_keeps_running_through_a_failure(monkeypatch):
    calls = []

    def flaky_purge() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError('database restarting')
        return 0

    monkeypatch.setattr(sessions, 'purge_expired', flaky_purge)
    loop = asyncio.create_task(sessions.purge_forever(every_s=0.01))
    try:
        for _ in range(200):
            if len(calls) >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        loop.cancel()
    assert len(calls) >= 3


async def test_the_server_purges_expired_sessions_while_it_runs(user: User) -> None:
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert 'purge-sessions' in names


async def test_browser_storage_lives_in_data_dir_for_this_user_only(user: User, fresh_state) -> None:
    @ui.page('/test/storage')
    def remember() -> None:
        app.storage.user['seen'] = True

    await user.open('/test/storage')
    folder = fresh_state / 'nicegui'
    assert Storage.path == folder.resolve()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for _ in range(100):
        files = list(folder.glob('storage-user-*.json'))
        if files:
            break
        await asyncio.sleep(0.02)
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


async def test_browser_storage_moves_to_redis_when_redis_is_configured(user: User, monkeypatch) -> None:
    import main

    monkeypatch.setattr(Storage, 'redis_url', Storage.redis_url)
    monkeypatch.setattr(Storage, 'redis_key_prefix', Storage.redis_key_prefix)
    monkeypatch.setattr(app.storage, '_general', app.storage._general)
    main.place_browser_storage(Settings(redis_url='redis://127.0.0.1:6379/15', _env_file=None))
    general = app.storage.general
    try:
        assert isinstance(general, RedisPersistentDict) and general.key == 'aurenlm:nicegui:general'
        await app.storage._create_user_storage('redis-check')
        assert app.storage._users['redis-check'].key == 'aurenlm:nicegui:user-redis-check'
    finally:
        await app.storage._users.pop('redis-check').close()
        await general.close()
