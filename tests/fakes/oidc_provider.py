"""A real OpenID provider on loopback for the OIDC sign-in tests: npm's `oidc-provider` (OpenID Certified) run by
Debian's nodejs from tests/fakes/oidc/provider.mjs, started and stopped by the test.

    with OidcProvider(redirect_uris=['http://app.test/auth/oidc/callback']) as provider:
        ...  # OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=provider.client_id, OIDC_CLIENT_SECRET=provider.secret
        callback = provider.sign_in(authorize_url, 'bea')  # log in as `bea` and consent, like a person would

`npm ci` runs first when tests/fakes/oidc/node_modules is missing (a fresh clone); with it present nothing is
installed. Accounts: `<login>@example.com`, verified, except logins starting with `unverified`; `set_account`
overrides one (e.g. a new email) for the next sign-in.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

HERE = Path(__file__).resolve().parent / 'oidc'
CLIENT_ID = 'aurenlm'
CLIENT_SECRET = secrets.token_urlsafe(32)  # made per test run and handed to the provider it starts
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def ensure_installed() -> None:
    """`npm ci` from the committed package-lock.json when node_modules is missing; a file lock keeps two test
    processes from installing at once. Fast (a stat) when it is there."""
    if (HERE / 'node_modules' / 'oidc-provider' / 'package.json').exists():
        return
    if shutil.which('node') is None or shutil.which('npm') is None:
        raise RuntimeError('the OIDC tests need Node.js and npm (Debian: apt-get install nodejs npm)')
    with (Path(tempfile.gettempdir()) / 'aurenlm-oidc-npm.lock').open('w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (HERE / 'node_modules' / 'oidc-provider' / 'package.json').exists():
            subprocess.run(
                ['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], cwd=HERE, check=True, timeout=300
            )


class OidcProvider:
    """One provider process on 127.0.0.1. `issuer` lets it claim another name than its address (a mismatch)."""

    def __init__(self, redirect_uris: list[str], *, issuer: str | None = None, port: int | None = None) -> None:
        ensure_installed()
        self.port = port or free_port()  # chosen beforehand when the app must be told the address first
        self.url = f'http://127.0.0.1:{self.port}'
        self.issuer = issuer or self.url
        self.client_id, self.secret = CLIENT_ID, CLIENT_SECRET
        self._dir = Path(tempfile.mkdtemp(prefix='aurenlm-oidc-'))
        self._accounts = self._dir / 'accounts.json'
        self._accounts.write_text('{}')
        self.log_path = self._dir / 'provider.log'
        args = ['node', str(HERE / 'provider.mjs'), '--port', str(self.port), '--accounts', str(self._accounts)]
        args += ['--client-id', self.client_id, '--client-secret', self.secret]
        for uri in redirect_uris:
            args += ['--redirect-uri', uri]
        if issuer:
            args += ['--issuer', issuer]
        self._log = self.log_path.open('w')
        self.process = subprocess.Popen(args, cwd=HERE, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'the OIDC provider exited: {self.log_path.read_text()}')
            try:
                if httpx.get(f'{self.url}/.well-known/openid-configuration', timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError('the OIDC provider did not answer in 30 s')

    def env(self) -> dict[str, str]:
        """The settings that point AurenLM at this provider (its address, whatever issuer it claims)."""
        return {
            'OIDC_ISSUER': self.url,
            'OIDC_CLIENT_ID': self.client_id,
            'OIDC_CLIENT_SECRET': self.secret,
            'OIDC_BUTTON_LABEL': 'Sign in with Test ID',
        }

    def set_account(self, login: str, **claims: object) -> None:
        """Change what the provider says about `login` at its next sign-in (email, email_verified, name)."""
        accounts = json.loads(self._accounts.read_text())
        accounts[login] = {**accounts.get(login, {}), **claims}
        tmp = self._accounts.with_suffix('.tmp')
        tmp.write_text(json.dumps(accounts))
        os.replace(tmp, self._accounts)

    def sign_in(self, authorize_url: str, login: str, *, client: httpx.Client | None = None) -> str:
        """Follow the authorization request through the provider's login form and consent page as `login`, and
        answer the URL it sends the browser back to (the app's callback with code and state). `client` keeps the
        provider's cookies between sign-ins (a person already signed in there)."""
        own = client is None
        client = client or httpx.Client(timeout=10)
        try:
            url = authorize_url
            for _ in range(12):
                response = client.get(url)
                if response.is_redirect:
                    target = urljoin(url, response.headers['location'])
                    if urlsplit(target).netloc != urlsplit(self.url).netloc:
                        return target  # leaving the provider: the redirect to the app's callback
                    url = target
                    continue
                assert response.status_code == 200, f'{response.status_code}: {response.text[:500]}'
                action = _FORM_ACTION.search(response.text)
                assert action, f'no form on the provider page: {response.text[:500]}'
                if 'name="login"' in response.text:
                    form = {'prompt': 'login', 'login': login, 'password': 'any password'}
                else:
                    form = {'prompt': 'consent'}
                posted = client.post(urljoin(url, action.group(1)), data=form)
                assert posted.is_redirect, f'{posted.status_code}: {posted.text[:500]}'
                url = urljoin(url, posted.headers['location'])
                if urlsplit(url).netloc != urlsplit(self.url).netloc:
                    return url
            raise AssertionError('the provider never sent the browser back')
        finally:
            if own:
                client.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
