"""Shared plumbing for the benchmarks: a temporary DATA_DIR and database (SQLite or PostgreSQL), stats and tables.

Import this module before anything from aurenlm: it puts the repository on sys.path and gives the process a
throwaway DATA_DIR and SECRET_KEY, so a benchmark never touches ./data or a developer's .env database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name('out')  # git-ignored: generated inputs and cached databases
PG_SERVER = os.environ.get('AURENLM_BENCH_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')
PASSWORD = 'violet-harbour-lantern'

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.pop('PYTEST_CURRENT_TEST', None)
TMP = Path(tempfile.mkdtemp(prefix='aurenlm-bench-'))
os.environ.update(
    DATA_DIR=str(TMP / 'data'),
    DATABASE_URL=f'sqlite:///{TMP / "bench.db"}',
    SECRET_KEY=secrets.token_urlsafe(48),  # a throwaway key per run, never a literal
    LOG_LEVEL='WARNING',
    ENVIRONMENT='development',
)
for _name in list(os.environ):
    if _name.startswith(('GEMINI_', 'REDIS_URL', 'CLAMD_')):
        os.environ.pop(_name)


def quiet_logs() -> None:
    """Warnings and errors only: the app's info lines would drown the figures."""
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level='WARNING')
    for name in ('weasyprint', 'fontTools', 'pdfminer', 'pypdf', 'httpx', 'google_genai', 'alembic'):
        logging.getLogger(name).setLevel(logging.ERROR)


def use_database(url: str, data_dir: Path | None = None, *, migrate: bool = True) -> None:
    """Point the app at `url` (and `data_dir`), drop the old engine and bring the schema to head."""
    from aurenlm import db
    from aurenlm import migrate as migrations
    from aurenlm.config import reset_settings

    os.environ['DATABASE_URL'] = url
    if data_dir is not None:
        os.environ['DATA_DIR'] = str(data_dir)
    reset_settings()
    db.dispose()
    if migrate:
        migrations.upgrade()


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def postgres_database(prefix: str = 'aurenlm_bench') -> Iterator[str]:
    """A fresh PostgreSQL database for the duration, dropped (even if connections linger) at the end."""
    import psycopg

    from aurenlm import db

    name = f'{prefix}_{secrets.token_hex(4)}'
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE {name}')
    base = PG_SERVER.rstrip('/').rsplit('/', 1)[0] if PG_SERVER.count('/') > 2 else PG_SERVER.rstrip('/')
    try:
        yield f'{base}/{name}'
    finally:
        db.dispose()
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


def cleanup() -> None:
    from aurenlm import db

    db.dispose()
    shutil.rmtree(TMP, ignore_errors=True)


def make_user_and_notebook(email: str = 'bench@example.com', title: str = 'Benchmark'):
    from aurenlm import repos

    user = repos.users.by_email(email) or repos.users.create(email, PASSWORD)
    return user, repos.notebooks.create(user, title)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100), the same as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return float('nan')
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float('nan')


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a plain Markdown table (right-aligned numbers), easy to paste into a note."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return '| ' + ' | '.join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths)) + ' |'

    print(line(list(headers)))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for row in cells:
        print(line(row))


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return '—'
        return f'{value:,.1f}' if abs(value) >= 100 else f'{value:.3g}' if abs(value) < 1 else f'{value:.2f}'
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(',', '').replace('.', '', 1).replace('-', '', 1).replace('x', '', 1).isdigit()
