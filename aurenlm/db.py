"""Engine and sessions: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL through psycopg 3."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from aurenlm.config import get_settings

_lock = threading.Lock()
_engine: Engine | None = None


def is_sqlite(url: str) -> bool:
    return url.startswith('sqlite')


def normalise_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get psycopg 3."""
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url[len(prefix) :]
    return url


def build_engine(url: str) -> Engine:
    settings = get_settings()
    url = normalise_url(url)
    if is_sqlite(url):
        if url.startswith('sqlite:///') and not url.startswith('sqlite:///:memory:'):
            from pathlib import Path

            Path(url.removeprefix('sqlite:///')).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={'check_same_thread': False, 'timeout': 30})
        event.listen(engine, 'connect', _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=settings.db_pool_recycle_s,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.close()


def engine() -> Engine:
    global _engine  # noqa: PLW0603 - one engine per process, built lazily from settings
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = build_engine(get_settings().db_url)
    return _engine


def dispose() -> None:
    """Drop the engine (tests switch databases; workers fork)."""
    global _engine  # noqa: PLW0603
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as s:
        yield s


def dialect() -> str:
    return engine().dialect.name
