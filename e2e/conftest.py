"""Playwright against the real server: a fresh DATA_DIR and SQLite database, a free port, Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from e2e import chromium

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / 'e2e' / 'artifacts'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.data_dir = tmp / 'data'
        env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST' and not k.startswith('AURENLM_TEST')}
        for name in ('DATABASE_URL', 'GEMINI_API_KEY', 'REDIS_URL', 'ENVIRONMENT', 'SECRET_KEY'):
            env.pop(name, None)
        env.update(
            DATA_DIR=str(self.data_dir),
            PORT=str(self.port),
            HOST='127.0.0.1',
            LOG_LEVEL='INFO',
            ALLOW_PRIVATE_URLS='true',
            **(extra_env or {}),
        )
        self.env = env
        self.log = (tmp / 'server.log').open('w')
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / 'main.py')], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait()

    def cli(self, *args: str) -> str:
        """`python -m aurenlm <args>` on this server's data and database (e.g. create-token); what it printed."""
        done = subprocess.run(
            [sys.executable, '-m', 'aurenlm', *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def api_token(self, email: str) -> str:
        """A read-write REST API token for an existing account, as its owner would make one."""
        return self.cli('create-token', '--email', email, '--name', 'e2e', '--write').strip().splitlines()[-1]

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'server exited with {self.process.returncode}; see {self.log.name}')
            try:
                if httpx.get(f'{self.url}/ready', timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError('server did not become ready in 60 s')

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope='session')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp('server'))
    yield srv
    srv.stop()


@pytest.fixture(scope='session')
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = chromium.launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={'width': 1400, 'height': 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f'{name}.png'
    page.screenshot(path=str(path), full_page=False)
    return path


def register(page: Page, email: str, password: str = 'violet-harbour-lantern') -> None:
    page.goto('/register')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password', exact=True).fill(password)
    page.get_by_label('Repeat password').fill(password)
    page.get_by_role('button', name='Create account').click()
    page.get_by_text('Your notebooks').wait_for()


def sign_in(page: Page, email: str, password: str = 'violet-harbour-lantern') -> None:
    page.goto('/login')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password', exact=True).fill(password)
    page.get_by_role('button', name='Sign in').click()
    page.get_by_text('Your notebooks').wait_for()


def create_notebook(page: Page, title: str) -> str:
    page.get_by_role('button', name='New notebook').click()
    field = page.get_by_role('dialog').get_by_label('Title')
    field.fill(title)
    page.get_by_role('dialog').get_by_role('button', name='Create').click()
    page.wait_for_url('**/notebook/*')
    return page.url.rsplit('/', 1)[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini('main_file', 'read by the NiceGUI user plugin in tests/, unused here')
