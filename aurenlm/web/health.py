"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import tempfile

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from aurenlm import db, migrate
from aurenlm.config import get_settings

router = APIRouter(include_in_schema=False)


@router.get('/health')
def health() -> dict:
    return {'status': 'ok'}


def _check_database() -> str | None:
    try:
        with db.engine().connect() as connection:
            connection.execute(text('SELECT 1'))
    except Exception as e:  # noqa: BLE001 - any failure means "not ready", and the name says which
        return f'database unreachable: {type(e).__name__}'
    return None


def _check_migrations() -> str | None:
    try:
        current, head = migrate.current_revision(), migrate.head_revision()
    except Exception as e:  # noqa: BLE001
        return f'migration state unknown: {type(e).__name__}'
    return None if current == head else f'migrations not at head (database {current}, code {head})'


def _check_data_dir() -> str | None:
    data_dir = get_settings().data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix='.ready-'):
            pass
    except OSError as e:
        return f'DATA_DIR not writable: {e.strerror}'
    return None


@router.get('/ready')
def ready() -> JSONResponse:
    checks = {'database': _check_database(), 'migrations': _check_migrations(), 'data_dir': _check_data_dir()}
    failing = {name: problem for name, problem in checks.items() if problem}
    if failing:
        return JSONResponse({'status': 'unavailable', 'failing': failing}, status_code=503)
    return JSONResponse({'status': 'ready', 'checks': {name: 'ok' for name in checks}})
