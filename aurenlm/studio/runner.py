"""The generation job's life: queued -> running -> done, failed or cancelled, with progress, the disk cache, and the
events the open pages listen to.

The job runs as the system, not as a member, so it reaches its artifact through the notebook it was queued in. It
reads every chunk of every selected ready source, serves the result from the cache when the same kind, options,
source contents and model were generated before, and otherwise generates with progress.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any

from loguru import logger

from aurenlm import events, jobs, studio
from aurenlm.llm import LLMError, cache, get_provider
from aurenlm.models import Artifact
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability

JOB = 'studio_generate'
RUNNING = ('queued', 'running')
PROGRESS_TICK_S = 0.25

_lock = threading.Lock()
_stats = {'hits': 0, 'misses': 0}


def cache_stats() -> dict[str, int]:
    """Generations served from the cache (`hits`) and generations that ran (`misses`) since the process started."""
    with _lock:
        return dict(_stats)


def _count(name: str) -> None:
    with _lock:
        _stats[name] += 1


def announce(artifact: Artifact) -> None:
    """Tell the notebook's open pages that an artifact changed state."""
    events.publish(
        events.notebook_topic(artifact.notebook_id),
        {
            'type': 'artifact',
            'artifact_id': artifact.id,
            'kind': artifact.kind,
            'status': artifact.status,
            'error': artifact.error,
        },
    )


def _inputs(artifact: Artifact) -> list[studio.StudioSource]:
    """Every chunk of every selected ready source, in notebook and reading order."""
    sources = artifact_repo.ready_sources(artifact.notebook_id, artifact.source_ids)
    titles = {s.id: s.title for s in sources}
    chunks: dict[str, list[studio.StudioChunk]] = defaultdict(list)
    for chunk_id, source_id, page, heading, text in artifact_repo.chunk_rows(list(titles)):
        chunks[source_id].append(studio.StudioChunk(chunk_id, source_id, titles[source_id], page, heading, text))
    return [
        studio.StudioSource(s.id, s.title, s.sha256, outline=list(s.outline or []), chunks=chunks[s.id])
        for s in sources
    ]


async def _generate_with_progress(ctx: jobs.JobContext, artifact: Artifact, inputs, provider) -> dict[str, Any]:
    """Run the generator while reporting its progress; a cancelled job stops it at the next tick."""
    latest: list[Any] = [0.05, 'Reading the sources']

    def on_progress(fraction: float, message: str) -> None:
        latest[0], latest[1] = fraction, message

    task = asyncio.create_task(studio.generate(artifact.kind, inputs, artifact.options, provider, on_progress))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=PROGRESS_TICK_S)
            if done:
                return task.result()
            await ctx.progress(0.05 + 0.9 * float(latest[0]), str(latest[1]))
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise


@jobs.handler(JOB)
async def run_generation(ctx: jobs.JobContext) -> None:
    notebook_id = ctx.job.notebook_id
    artifact = await asyncio.to_thread(artifact_repo.get_for_job, notebook_id, ctx.payload['artifact_id'])
    if artifact is None or artifact.status not in RUNNING:
        return  # deleted or cancelled while queued
    if not access.still_allowed(ctx.job.user_id, notebook_id, Capability.GENERATE):
        raise jobs.PermanentJobError('The person who asked for this can no longer generate in this notebook.')
    running = artifact_repo.set_fields_for_job(
        notebook_id, artifact.id, only_if_status=RUNNING, status='running', error=None
    )
    if running is None:
        return
    announce(running)
    await ctx.progress(0.02, 'Reading the sources', force=True)
    inputs = await asyncio.to_thread(_inputs, artifact)
    if not any(source.chunks for source in inputs):
        raise jobs.PermanentJobError('The selected sources are gone or have no text. Select ready sources and retry.')
    provider = get_provider()
    key = studio.cache_key(artifact.kind, artifact.options, [s.sha256 for s in inputs], provider.name)
    store = cache.shared()
    data = None if ctx.payload.get('fresh') else await asyncio.to_thread(store.get, key)
    if data is not None:
        _count('hits')
        logger.info(f'studio {artifact.kind} {artifact.id}: served from the cache')
    else:
        _count('misses')
        try:
            data = await _generate_with_progress(ctx, artifact, inputs, provider)
        except studio.StudioError as e:
            raise jobs.PermanentJobError(str(e)) from e
        except LLMError as e:
            raise jobs.PermanentJobError(e.user_message) from e
        await asyncio.to_thread(store.set, key, data, tag='studio')
    saved = artifact_repo.set_fields_for_job(
        notebook_id, artifact.id, only_if_status=RUNNING, status='done', data=data, engine=provider.name, error=None
    )
    if saved is not None:
        announce(saved)


@jobs.on_failure(JOB)
def _generation_ended(job) -> None:
    cancelled = job.status == 'cancelled'
    error = 'Cancelled.' if cancelled else (job.error or 'The generation failed. Press Retry to try again.')
    updated = artifact_repo.set_fields_for_job(
        job.notebook_id, job.ref_id, only_if_status=RUNNING, status='cancelled' if cancelled else 'failed', error=error
    )
    if updated is not None:
        announce(updated)
