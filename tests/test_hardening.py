"""Cookies, socket origins, friendly errors with a request id, and the command line."""

import subprocess
import sys
from pathlib import Path

from nicegui import ui
from nicegui.testing import User

from aurenlm import repos
from aurenlm.config import Settings
from aurenlm.security.headers import socket_origin_check

ROOT = Path(__file__).resolve().parent.parent


async def test_session_cookie_is_httponly_and_lax(user: User) -> None:
    response = await user.http_client.get('/login')
    cookie = response.headers['set-cookie'].lower()
    assert 'httponly' in cookie and 'samesite=lax' in cookie
    assert 'secure' not in cookie  # development; production sets https_only


def test_socket_accepts_same_origin_and_listed_origins_only() -> None:
    check = socket_origin_check(Settings(allowed_origins=['https://tools.example'], _env_file=None))
    environ = {'HTTP_HOST': 'notes.example:8080'}
    assert check('http://notes.example:8080', environ)
    assert check('https://tools.example', environ)
    assert check(None, environ)
    assert not check('https://evil.example', environ)
    assert not check('http://notes.example.evil.example', environ)


async def test_a_failing_page_shows_a_reference_not_a_traceback(user: User, caplog) -> None:
    @ui.page('/boom-for-test')
    def boom() -> None:
        raise RuntimeError('secret internals')

    response = await user.http_client.get('/boom-for-test')
    assert response.status_code == 500
    request_id = response.headers['x-request-id']
    assert 'Something went wrong' in response.text and request_id in response.text
    assert 'secret internals' not in response.text and 'Traceback' not in response.text
    caplog.clear()  # the error log is this test's point, not a failure


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-m', 'aurenlm', *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_cli_check_config_migrate_and_create_user() -> None:
    assert 'configuration ok' in run_cli('check-config').stdout
    assert 'database at revision' in run_cli('migrate').stdout
    result = run_cli('create-user', '--email', 'cli@example.com', '--password', 'violet-harbour-lantern', '--admin')
    assert result.returncode == 0 and 'created user cli@example.com (admin)' in result.stdout
    assert repos.users.by_email('cli@example.com').is_admin
    weak = run_cli('create-user', '--email', 'weak@example.com', '--password', 'short')
    assert weak.returncode == 1 and 'at least 10' in weak.stderr


async def test_the_content_security_policy_allows_only_our_own_origin(user: User) -> None:
    policy = (await user.http_client.get('/login')).headers['content-security-policy']
    directives = dict(part.strip().split(' ', 1) for part in policy.split(';'))
    assert directives['connect-src'] == "'self'", 'no ws:/wss: to any host'
    for name in ('object-src', 'frame-src', 'base-uri', 'frame-ancestors'):
        assert directives[name] == "'none'", name
    assert directives['form-action'] == "'self'" and directives['default-src'] == "'self'"
    assert 'http' not in policy and '*' not in policy
