"""Test set-up: one migrated database per run (SQLite file, or a fresh PostgreSQL database), emptied per test.

AURENLM_TEST_DB=postgres runs the suite on PostgreSQL, creating a database from AURENLM_TEST_POSTGRES_URL
and dropping it at the end. Nothing is skipped: a missing URL fails the run.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from aurenlm import db, migrate, repos
from aurenlm.config import reset_settings
from aurenlm.models import Notebook, Source, User
from aurenlm.security import ratelimit
from tests.helpers import person
from tests.sourcekit import ready_source

pytest_plugins = ['nicegui.testing.user_plugin']

DATA = Path(__file__).parent / 'data'
BACKEND = os.environ.get('AURENLM_TEST_DB', 'sqlite')
# a developer's own settings of these kinds must not change what a test sees
ISOLATED_SETTINGS = (
    'GEMINI_',
    'FEATURE_',
    'RATE_',
    'REDIS_URL',
    'ENVIRONMENT',
    'CLAMD_',
    'ALLOW_PRIVATE',
    'OIDC_',
    'SMTP_',
    'MAIL_',
    'PUBLIC_URL',
    'REGISTRATION_POLICY',
    'FORWARDED_ALLOW_IPS',
    'LOGIN_BACKOFF',
)
TEST_SECRET = 'test-secret-' + 'x' * 40


def _create_postgres_database() -> tuple[str, str]:
    server = os.environ.get('AURENLM_TEST_POSTGRES_URL')
    if not server:
        raise RuntimeError(
            'AURENLM_TEST_DB=postgres needs AURENLM_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1)'
        )
    name = f'aurenlm_test_{secrets.token_hex(4)}'
    with psycopg.connect(server, autocommit=True, dbname='postgres') as conn:
        conn.execute(f'CREATE DATABASE {name}')
    base = server.rstrip('/')
    if base.count('/') > 2:  # a URL that names a database: swap it for ours
        base = base.rsplit('/', 1)[0]
    return server, f'{base}/{name}'


def _drop_postgres_database(server: str, url: str) -> None:
    db.dispose()
    name = url.rsplit('/', 1)[1]
    with psycopg.connect(server, autocommit=True, dbname='postgres') as conn:
        conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


@pytest.fixture(scope='session')
def database_url() -> Iterator[str]:
    session_dir = Path(tempfile.mkdtemp(prefix='aurenlm-test-'))
    if BACKEND == 'postgres':
        server, url = _create_postgres_database()
    else:
        server, url = '', f'sqlite:///{session_dir / "test.db"}'
    os.environ.update(DATABASE_URL=url, DATA_DIR=str(session_dir / 'data'), SECRET_KEY=TEST_SECRET)
    reset_settings()
    db.dispose()
    migrate.upgrade()
    yield url
    if BACKEND == 'postgres':
        _drop_postgres_database(server, url)


def empty_database() -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs ~0.6 s, a DELETE of a few rows ~15 ms
    with db.engine().begin() as connection:
        for table in tables:
            connection.execute(text(f'DELETE FROM "{table}"'))


def default_settings(env: pytest.MonkeyPatch, database_url: str, data_dir: Path) -> None:
    """The settings every test starts from: none of the developer's own, this database and DATA_DIR, a test secret."""
    for name in list(os.environ):
        if name.startswith(ISOLATED_SETTINGS):
            env.delenv(name, raising=False)
    env.setenv('DATABASE_URL', database_url)
    env.setenv('DATA_DIR', str(data_dir))
    env.setenv('SECRET_KEY', TEST_SECRET)
    env.setenv('LOG_LEVEL', 'WARNING')


@pytest.fixture(autouse=True)
def fresh_state(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test: an empty database, its own DATA_DIR, default settings, fresh rate limits."""
    data_dir = tmp_path / 'data'
    default_settings(monkeypatch, database_url, data_dir)
    reset_settings()
    ratelimit.reset()
    empty_database()
    yield data_dir
    reset_settings()
    ratelimit.reset()


@pytest.fixture
def ann() -> User:
    """Ann, a signed-up user: the one most tests act as."""
    return person('ann@example.com')


@pytest.fixture
def notebook(ann: User) -> Notebook:
    """Ann's notebook "Manuals", empty."""
    return repos.notebooks.create(ann, 'Manuals')


@pytest.fixture
async def manual(ann: User, notebook: Notebook) -> Source:
    """The libtasn1 manual (a 36-page PDF), uploaded to Ann's notebook and ready."""
    return await ready_source(ann, notebook.id, 'libtasn1.pdf')


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    """Change settings for one test: settings_env(RATE_LOGIN='2/minute')."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        ratelimit.reset()

    return apply
