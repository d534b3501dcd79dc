"""Durable jobs: a table any process can claim from, and an in-process worker with bounded concurrency.

PostgreSQL claims with FOR UPDATE SKIP LOCKED so several processes share the queue; SQLite serialises writers,
so a conditional UPDATE is enough there. A running job writes a heartbeat; one whose heartbeat goes stale (its
process died) is queued again. Failures retry with exponential backoff up to max_attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from loguru import logger
from sqlalchemy import update
from sqlmodel import SQLModel, select

from aurenlm import db, events
from aurenlm.config import get_settings
from aurenlm.models import Job, utcnow

Handler = Callable[['JobContext'], Awaitable[None]]
_handlers: dict[str, Handler] = {}
_wakeup: asyncio.Event | None = None

PROGRESS_EVERY_S = 0.2  # at most ~5 progress writes per second per job
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0


class PermanentJobError(Exception):
    """A failure that retrying cannot fix (an encrypted PDF); the message is shown to the user."""


class JobCancelled(Exception):
    """Raised inside a handler when its job was cancelled."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def job_event(job: Job) -> dict[str, Any]:
    return {
        'type': 'job',
        'job_id': job.id,
        'kind': job.kind,
        'status': job.status,
        'progress': job.progress,
        'message': job.message,
        'error': job.error,
        'ref_id': job.ref_id,
        'payload': job.payload,
    }


def _announce(job: Job) -> None:
    if job.notebook_id:
        events.publish(events.notebook_topic(job.notebook_id), job_event(job))


def enqueue(
    kind: str,
    payload: dict[str, Any],
    *,
    user_id: str | None = None,
    notebook_id: str | None = None,
    ref_id: str | None = None,
    max_attempts: int = 3,
    row: SQLModel | None = None,
) -> Job:
    """Add a job. With `row`, the job works on that row (its `ref_id` is the row's id) and the row, new or changed,
    is written in the job's transaction, so neither is saved without the other; a row with a `job_id` field is
    pointed at the job."""
    job = Job(
        kind=kind,
        payload=payload,
        user_id=user_id,
        notebook_id=notebook_id,
        ref_id=row.id if row is not None else ref_id,
        max_attempts=max_attempts,
    )
    with db.session() as s:
        if row is not None:
            if hasattr(row, 'job_id'):
                row.job_id = job.id
            s.add(row)
        s.add(job)
        s.commit()
    wake()
    return job


def wake() -> None:
    """Tell this process's worker that there is work; other processes find it on their next poll."""
    if _wakeup is not None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            _wakeup.set()
        else:
            _worker_loop = getattr(_wakeup, '_loop', None)
            if _worker_loop is not None and not _worker_loop.is_closed():
                _worker_loop.call_soon_threadsafe(_wakeup.set)


def get(job_id: str) -> Job | None:
    with db.session() as s:
        return s.get(Job, job_id)


def cancel(job_id: str) -> bool:
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None or job.status not in ('queued', 'running'):
            return False
        job.status = 'cancelled'
        job.finished_at = utcnow()
        job.message = 'Cancelled'
        s.add(job)
        s.commit()
    _announce(job)
    return True


def claim(worker_id: str, kinds: set[str] | None = None) -> Job | None:
    """Take the oldest runnable job, or None. Safe with many workers in many processes."""
    now = utcnow()
    with db.session() as s:
        query = select(Job).where(Job.status == 'queued', Job.run_after <= now)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        query = query.order_by(Job.created_at, Job.id).limit(1)
        if s.bind.dialect.name == 'postgresql':
            query = query.with_for_update(skip_locked=True)
        job = s.exec(query).first()
        if job is None:
            return None
        result = s.exec(
            update(Job)
            .where(Job.id == job.id, Job.status == 'queued')
            .values(status='running', worker_id=worker_id, heartbeat_at=now, started_at=now, attempts=Job.attempts + 1)
        )
        s.commit()
        if result.rowcount != 1:
            return None  # another worker won the race
        s.refresh(job)
        return job


def requeue_stale(stale_after_s: float | None = None) -> int:
    """Queue again the running jobs whose worker stopped sending heartbeats."""
    stale_after_s = stale_after_s if stale_after_s is not None else get_settings().job_stale_after_s
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    with db.session() as s:
        stale = s.exec(select(Job).where(Job.status == 'running', Job.heartbeat_at < cutoff)).all()
        for job in stale:
            if job.attempts >= job.max_attempts:
                job.status, job.finished_at = 'failed', utcnow()
                job.error = job.error or 'The job stopped responding too many times.'
            else:
                job.status, job.worker_id = 'queued', None
                job.message = 'Restarting after an interruption'
            s.add(job)
        s.commit()
    for job in stale:
        logger.warning(f'job {job.id} ({job.kind}) had a stale heartbeat: now {job.status}')
        _announce(job)
    return len(stale)


def backoff_delay(attempts: int) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^attempts)]."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** max(0, attempts - 1))))  # noqa: S311


@dataclass
class JobContext:
    job: Job
    worker_id: str
    _last_write: float = 0.0

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    async def progress(self, fraction: float, message: str = '', *, force: bool = False) -> None:
        """Record progress (throttled) and tell listeners; raises JobCancelled when the job was cancelled."""
        self.job.progress = max(0.0, min(1.0, fraction))
        self.job.message = message or self.job.message
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_EVERY_S:
            return
        self._last_write = now
        status = await asyncio.to_thread(self._write_progress)
        if status == 'cancelled':
            raise JobCancelled()
        _announce(self.job)

    def _write_progress(self) -> str:
        with db.session() as s:
            row = s.get(Job, self.job.id)
            if row is None:
                return 'cancelled'
            if row.status == 'cancelled':
                return 'cancelled'
            row.progress, row.message, row.heartbeat_at = self.job.progress, self.job.message, utcnow()
            s.add(row)
            s.commit()
            return row.status

    def cancelled(self) -> bool:
        with db.session() as s:
            row = s.get(Job, self.job.id)
            return row is None or row.status == 'cancelled'


def _finish(job_id: str, **values: Any) -> Job | None:
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None:
            return None
        if job.status == 'cancelled':
            return job
        for name, value in values.items():
            setattr(job, name, value)
        s.add(job)
        s.commit()
        return job


async def run_one(job: Job, worker_id: str) -> None:
    """Run a claimed job to its end: done, queued again for a retry, failed, or cancelled."""
    fn = _handlers.get(job.kind)
    ctx = JobContext(job, worker_id)
    beat = asyncio.create_task(_heartbeat(job.id))
    try:
        if fn is None:
            raise PermanentJobError(f'No handler for job kind {job.kind!r}.')
        await fn(ctx)
    except JobCancelled:
        finished = _finish(job.id, status='cancelled', finished_at=utcnow(), message='Cancelled')
    except PermanentJobError as e:
        finished = _finish(job.id, status='failed', error=str(e), finished_at=utcnow(), message='Failed')
    except asyncio.CancelledError:
        # the process is stopping: leave the job for the stale check to hand to another worker
        raise
    except Exception as e:  # noqa: BLE001 - a handler's bug must not kill the worker
        logger.opt(exception=e).error(f'job {job.id} ({job.kind}) failed on attempt {job.attempts}')
        message = getattr(e, 'user_message', None) or 'Something went wrong while processing. It will be retried.'
        if job.attempts < job.max_attempts:
            run_after = utcnow() + timedelta(seconds=backoff_delay(job.attempts))
            finished = _finish(job.id, status='queued', error=message, run_after=run_after, worker_id=None)
        else:
            finished = _finish(job.id, status='failed', error=message, finished_at=utcnow(), message='Failed')
    else:
        finished = _finish(job.id, status='done', progress=1.0, finished_at=utcnow(), message='Done', error=None)
    finally:
        beat.cancel()
    if finished is not None:
        _announce(finished)
        if finished.status in ('failed', 'cancelled'):
            await _after_failure(finished)


_failure_hooks: dict[str, Callable[[Job], Awaitable[None] | None]] = {}


def on_failure(kind: str) -> Callable:
    """Register what to do when a job of this kind ends failed or cancelled (e.g. mark its source failed)."""

    def register(fn: Callable[[Job], Awaitable[None] | None]) -> Callable:
        _failure_hooks[kind] = fn
        return fn

    return register


async def _after_failure(job: Job) -> None:
    hook = _failure_hooks.get(job.kind)
    if hook is None:
        return
    try:
        result = hook(job)
        if asyncio.iscoroutine(result):
            await result
    except Exception:  # noqa: BLE001
        logger.exception(f'failure hook for {job.kind} failed')


async def _heartbeat(job_id: str) -> None:
    interval = max(1.0, get_settings().job_stale_after_s / 4)
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(_beat, job_id)


def _beat(job_id: str) -> None:
    with db.session() as s:
        s.exec(update(Job).where(Job.id == job_id, Job.status == 'running').values(heartbeat_at=utcnow()))
        s.commit()


class Worker:
    """Runs up to `concurrency` jobs at once on the event loop; CPU-heavy steps go to threads inside handlers."""

    def __init__(self, concurrency: int | None = None, poll_s: float = 1.0, kinds: set[str] | None = None) -> None:
        self.concurrency = concurrency or get_settings().worker_concurrency
        self.poll_s = poll_s
        self.kinds = kinds
        self.id = f'{socket.gethostname()}-{uuid.uuid4().hex[:8]}'
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._stopping = False

    def start(self) -> None:
        global _wakeup  # noqa: PLW0603 - the one wake-up signal of this process's worker
        _wakeup = asyncio.Event()
        _wakeup._loop = asyncio.get_running_loop()  # type: ignore[attr-defined]
        self._loop_task = asyncio.create_task(self._run(), name='aurenlm-worker')

    async def stop(self) -> None:
        global _wakeup  # noqa: PLW0603
        self._stopping = True
        if self._loop_task:
            self._loop_task.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._loop_task] if self._loop_task else []), return_exceptions=True)
        _wakeup = None

    async def _run(self) -> None:
        last_stale_check = 0.0
        while not self._stopping:
            try:
                if time.monotonic() - last_stale_check > 5:
                    last_stale_check = time.monotonic()
                    await asyncio.to_thread(requeue_stale)
                while len(self._tasks) < self.concurrency:
                    job = await asyncio.to_thread(claim, self.id, self.kinds)
                    if job is None:
                        break
                    task = asyncio.create_task(run_one(job, self.id), name=f'job-{job.id}')
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database may be briefly away; try again on the next tick
                logger.exception('worker loop error')
            assert _wakeup is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_wakeup.wait(), timeout=self.poll_s)
            _wakeup.clear()

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if _wakeup is not None and not self._stopping:
            _wakeup.set()  # a slot is free: look for the next job now

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until nothing is queued or running (tests and benchmarks)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with db.session() as s:
                busy = s.exec(select(Job.id).where(Job.status.in_(('queued', 'running'))).limit(1)).first()
            if busy is None and not self._tasks:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError('jobs did not finish in time')
