"""Durable jobs: run, retry with backoff, fail clearly, survive a killed worker, never run twice."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aurenlm import db, jobs
from aurenlm.models import Job

ROOT = Path(__file__).resolve().parent.parent
calls: dict[str, int] = {}


@jobs.handler('test_ok')
async def ok_handler(ctx: jobs.JobContext) -> None:
    await ctx.progress(0.5, 'halfway', force=True)
    calls[ctx.job.id] = calls.get(ctx.job.id, 0) + 1


@jobs.handler('test_flaky')
async def flaky_handler(ctx: jobs.JobContext) -> None:
    calls[ctx.job.id] = calls.get(ctx.job.id, 0) + 1
    if calls[ctx.job.id] < 3:
        raise RuntimeError('transient trouble')


@jobs.handler('test_broken')
async def broken_handler(ctx: jobs.JobContext) -> None:
    raise RuntimeError('always broken')


@jobs.handler('test_permanent')
async def permanent_handler(ctx: jobs.JobContext) -> None:
    raise jobs.PermanentJobError('This PDF is password-protected.')


@jobs.handler('test_slow')
async def slow_handler(ctx: jobs.JobContext) -> None:
    for i in range(100):
        await ctx.progress(i / 100, 'working', force=True)
        await asyncio.sleep(0.02)


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setattr(jobs, 'BACKOFF_BASE_S', 0.0)


async def run_until_drained(kinds: set[str]) -> None:
    worker = jobs.Worker(concurrency=2, poll_s=0.05, kinds=kinds)
    worker.start()
    try:
        await worker.drain(timeout_s=20)
    finally:
        await worker.stop()


async def test_a_job_runs_to_done() -> None:
    job = jobs.enqueue('test_ok', {'x': 1})
    await run_until_drained({'test_ok'})
    done = jobs.get(job.id)
    assert done.status == 'done' and done.progress == 1.0 and done.attempts == 1
    assert calls[job.id] == 1


async def test_failures_retry_with_backoff_then_succeed(no_backoff) -> None:
    job = jobs.enqueue('test_flaky', {})
    await run_until_drained({'test_flaky'})
    done = jobs.get(job.id)
    assert done.status == 'done' and done.attempts == 3


def test_backoff_grows_and_is_capped() -> None:
    highs = [max(jobs.backoff_delay(n) for _ in range(200)) for n in (1, 2, 3, 4)]
    assert highs[0] <= 2.0 < highs[2] <= 8.0
    assert all(jobs.backoff_delay(50) <= jobs.BACKOFF_CAP_S for _ in range(50))


async def test_failing_past_max_attempts_is_failed_with_a_message(no_backoff) -> None:
    job = jobs.enqueue('test_broken', {}, max_attempts=2)
    await run_until_drained({'test_broken'})
    failed = jobs.get(job.id)
    assert failed.status == 'failed' and failed.attempts == 2
    assert 'went wrong' in failed.error


async def test_a_permanent_error_fails_at_once() -> None:
    job = jobs.enqueue('test_permanent', {})
    await run_until_drained({'test_permanent'})
    failed = jobs.get(job.id)
    assert failed.status == 'failed' and failed.attempts == 1
    assert failed.error == 'This PDF is password-protected.'


async def test_cancel_stops_a_running_job() -> None:
    job = jobs.enqueue('test_slow', {})
    worker = jobs.Worker(concurrency=1, poll_s=0.05, kinds={'test_slow'})
    worker.start()
    try:
        for _ in range(100):
            if jobs.get(job.id).status == 'running':
                break
            await asyncio.sleep(0.02)
        assert jobs.cancel(job.id)
        await worker.drain(timeout_s=10)
    finally:
        await worker.stop()
    assert jobs.get(job.id).status == 'cancelled'


def test_workers_never_take_the_same_job() -> None:
    ids = {jobs.enqueue('test_ok', {'n': n}).id for n in range(40)}

    def grab(worker: str) -> list[str]:
        taken = []
        while (job := jobs.claim(worker, {'test_ok'})) is not None:
            taken.append(job.id)
        return taken

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(grab, [f'w{i}' for i in range(6)]))
    claimed = [job_id for taken in results for job_id in taken]
    assert sorted(claimed) == sorted(ids), 'every job claimed exactly once'
    with db.session() as s:
        rows = s.query(Job).filter(Job.id.in_(ids)).all()
    assert all(row.status == 'running' and row.attempts == 1 for row in rows)


CHILD = """
import asyncio, sys
from aurenlm import jobs

@jobs.handler('test_hang')
async def hang(ctx):
    await ctx.progress(0.1, 'started', force=True)
    await asyncio.sleep(3600)

async def main():
    worker = jobs.Worker(concurrency=1, poll_s=0.05, kinds={'test_hang'})
    worker.start()
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_a_killed_workers_job_is_finished_by_another(monkeypatch) -> None:
    job = jobs.enqueue('test_hang', {})
    env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}
    child = subprocess.Popen([sys.executable, '-c', CHILD], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while jobs.get(job.id).status != 'running':
            assert time.monotonic() < deadline, 'the child worker never took the job'
            await asyncio.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert jobs.get(job.id).status == 'running', 'a dead worker leaves its job running'

    @jobs.handler('test_hang')
    async def finish(ctx):
        await ctx.progress(0.9, 'finishing', force=True)

    await asyncio.sleep(0.2)
    assert jobs.requeue_stale(stale_after_s=0.1) == 1
    await run_until_drained({'test_hang'})
    done = jobs.get(job.id)
    assert done.status == 'done' and done.attempts == 2
