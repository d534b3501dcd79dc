"""Adding sources in tests the way the UI does (streamed upload), and waiting for their jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from aurenlm import jobs, repos
from aurenlm.config import get_settings
from aurenlm.models import Source, User
from aurenlm.sources import service as sources

DATA = Path(__file__).parent / 'data'


async def stream(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def upload(user: User, notebook_id: str, name: str, data: bytes | None = None) -> Source:
    payload = data if data is not None else (DATA / name).read_bytes()
    return await sources.add_upload(user, notebook_id, name, stream(payload))


async def drain(timeout_s: float = 60) -> None:
    worker = jobs.Worker(concurrency=2, poll_s=0.05)
    worker.start()
    try:
        await worker.drain(timeout_s=timeout_s)
    finally:
        await worker.stop()


async def ready_source(user: User, notebook_id: str, name: str, data: bytes | None = None) -> Source:
    source = await upload(user, notebook_id, name, data)
    await drain()
    fresh = repos.sources.get(user, source.id)
    assert fresh is not None and fresh.status == 'ready', (fresh.status, fresh.error) if fresh else 'gone'
    return fresh


def stored_files() -> list[Path]:
    folder = get_settings().files_dir
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def run(coro):
    return asyncio.get_event_loop().run_until_complete(coro)
