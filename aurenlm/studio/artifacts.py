"""Studio artifacts as a service: start a generation job, keep versions, grade quizzes, save marks and mind-map edits.

Every call takes the acting user first; somebody else's artifact answers None, exactly like a missing one. The
generation itself is `aurenlm.studio.generate`, run in a durable job and cached on disk by kind, options, the
sources' contents and the model, so the same request twice calls the model once.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections import defaultdict
from typing import Any

from loguru import logger
from pydantic import ValidationError

from aurenlm import db, events, jobs, repos, studio
from aurenlm.config import get_settings
from aurenlm.llm import LLMError, cache, get_provider
from aurenlm.models import Artifact, QuizAttempt, User
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.repos.artifacts import Lineage
from aurenlm.studio.inputs import selection_title
from aurenlm.studio.schemas import iter_nodes

JOB = 'studio_generate'
KIND_LABELS = {
    'mindmap': 'Mind map',
    'quiz': 'Quiz',
    'flashcards': 'Flashcards',
    'study_guide': 'Study guide',
    'briefing': 'Briefing doc',
    'faq': 'FAQ',
    'timeline': 'Timeline',
}
OFFLINE_LABEL = 'Offline — built from your sources'
RUNNING = ('queued', 'running')
PROGRESS_TICK_S = 0.25
MAX_NODES = 1000
MAX_DEPTH = 12
MAX_LABEL = 200
_COLOR = re.compile(r'^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$')
_NODE_ID = re.compile(r'^[A-Za-z0-9_-]{1,40}$')

_lock = threading.Lock()
_stats = {'hits': 0, 'misses': 0}


class ArtifactError(ValueError):
    """A request that cannot be served; the message says what to do and is safe to show."""


class ArtifactForbidden(ArtifactError):
    """The user can see the notebook but may not change it (a viewer)."""


# -- cache ------------------------------------------------------------------------------------------------------


def cache_stats() -> dict[str, int]:
    """Generations served from the cache (`hits`) and generations that ran (`misses`) since the process started."""
    with _lock:
        return dict(_stats)


def _count(name: str) -> None:
    with _lock:
        _stats[name] += 1


# -- reading ----------------------------------------------------------------------------------------------------


def get(user: User, artifact_id: str) -> Artifact | None:
    return artifact_repo.get(user, artifact_id)


def list_for(user: User, notebook_id: str) -> list[Artifact]:
    """Every artifact (all versions) of a notebook the user belongs to, newest first."""
    return artifact_repo.list_for(user, notebook_id)


def lineages(user: User, notebook_id: str) -> list[Lineage]:
    """The notebook's artifacts grouped into version chains, the chain with the newest version first."""
    return artifact_repo.lineages(list_for(user, notebook_id))


def versions(user: User, artifact_id: str) -> list[Artifact]:
    """All versions of the artifact's chain, oldest first (empty for a stranger's id)."""
    lineage = artifact_repo.lineage_of(user, artifact_id)
    return lineage.versions if lineage else []


def public_data(artifact: Artifact) -> dict[str, Any] | None:
    """What a client may see of the result. A quiz is questions and options only: no answers before grading."""
    if artifact.data is None:
        return None
    if artifact.kind == 'quiz':
        return studio.public_quiz(studio.Quiz.model_validate(artifact.data))
    return dict(artifact.data)


def is_offline(artifact: Artifact) -> bool:
    return artifact.engine == 'offline'


# -- starting, cancelling, deleting -----------------------------------------------------------------------------


def _check_enabled() -> None:
    if not get_settings().feature_studio:
        raise ArtifactError('The studio is turned off on this server. Ask your administrator to enable it.')


def _check_writer(user: User, notebook_id: str) -> None:
    if not repos.notebooks.can_write(user, notebook_id):
        raise ArtifactForbidden('You can view this notebook but not change it. Ask its owner for editor access.')


def _stored_options(kind: str, options: dict[str, Any] | None) -> dict[str, Any]:
    try:
        parsed = studio.parse_options(kind, options)
    except studio.StudioError as e:
        raise ArtifactError(str(e)) from None
    stored: dict[str, Any] = {}
    if kind in ('quiz', 'flashcards'):
        stored['count'] = parsed.count
    if kind == 'quiz':
        stored['difficulty'] = parsed.difficulty
    if parsed.focus:
        stored['focus'] = parsed.focus
    if parsed.title:
        stored['title'] = parsed.title
    return stored


def _chosen_sources(user: User, notebook_id: str, source_ids: list[str] | None):
    listed = repos.sources.list_for(user, notebook_id)
    if source_ids is None:
        off = repos.notebooks.deselected_sources(user, notebook_id)
        chosen = [s for s in listed if s.status == 'ready' and s.id not in off]
    else:
        wanted = set(source_ids)
        known = {s.id for s in listed}
        if wanted - known:
            raise ArtifactError('Some of the chosen sources are not in this notebook. Reload the page and try again.')
        chosen = [s for s in listed if s.id in wanted]  # notebook order, so the same selection gives the same key
        waiting = [s for s in chosen if s.status != 'ready']
        if waiting:
            raise ArtifactError(f'“{waiting[0].title}” is not ready yet. Wait until it is processed, or leave it out.')
    if not chosen:
        raise ArtifactError('Select at least one source that has finished processing, then try again.')
    return chosen


def _subject(titles: list[str]) -> str:
    return selection_title([studio.StudioSource(source_id='', title=t, sha256='') for t in titles])


def start(
    user: User,
    notebook_id: str,
    kind: str,
    source_ids: list[str] | None = None,
    options: dict[str, Any] | None = None,
    *,
    parent_id: str | None = None,
    fresh: bool = False,
) -> Artifact | None:
    """Queue a generation over the chosen ready sources (all selected ones when `source_ids` is None).

    Returns the new artifact (status queued, with its `job_id`), or None when the notebook is not the user's.
    With `parent_id` it is the next version of that artifact. `fresh` skips the cache lookup (a regeneration).
    Raises ArtifactError (a ValueError) with a message to show when the request cannot be served.
    """
    _check_enabled()
    if repos.notebooks.get(user, notebook_id) is None:
        return None
    _check_writer(user, notebook_id)
    stored = _stored_options(kind, options)
    chosen = _chosen_sources(user, notebook_id, source_ids)
    version = 1
    if parent_id is not None:
        lineage = artifact_repo.lineage_of(user, parent_id)
        if lineage is None or lineage.latest.notebook_id != notebook_id or lineage.latest.kind != kind:
            raise ArtifactError('The earlier version was not found. Start a new one instead.')
        version = max(a.version for a in lineage.versions) + 1
    artifact = Artifact(
        notebook_id=notebook_id,
        user_id=user.id,
        kind=kind,
        title=f'{KIND_LABELS[kind]}: {stored.get("title") or _subject([s.title for s in chosen])}'[:300],
        status='queued',
        engine=get_provider().name,
        options=stored,
        source_ids=[s.id for s in chosen],
        source_hash=hashlib.sha256('\n'.join(s.sha256 for s in chosen).encode()).hexdigest(),
        version=version,
        parent_id=parent_id,
    )
    with db.session() as s:
        s.add(artifact)
        s.flush()
        job = jobs.enqueue(
            JOB,
            {'artifact_id': artifact.id, 'fresh': fresh},
            user_id=user.id,
            notebook_id=notebook_id,
            ref_id=artifact.id,
            session=s,
        )
        artifact.job_id = job.id
        s.add(artifact)
        s.commit()
    jobs.wake()
    _announce(artifact)
    return artifact


def regenerate(user: User, artifact_id: str) -> Artifact | None:
    """A new version from the same sources and options, bypassing the cache; older versions stay."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    ready = {s.id for s in repos.sources.list_for(user, artifact.notebook_id) if s.status == 'ready'}
    still_there = [sid for sid in artifact.source_ids if sid in ready]
    if not still_there:
        raise ArtifactError('The sources this was made from are gone. Select sources and start a new one.')
    return start(
        user, artifact.notebook_id, artifact.kind, still_there, artifact.options, parent_id=artifact.id, fresh=True
    )


def cancel(user: User, artifact_id: str) -> Artifact | None:
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    _check_writer(user, artifact.notebook_id)
    if artifact.status not in RUNNING:
        return artifact
    if artifact.job_id:
        jobs.cancel(artifact.job_id)
    updated = artifact_repo.set_fields(
        user, artifact.id, only_if_status=RUNNING, status='cancelled', error='Cancelled.'
    )
    if updated is not None:
        _announce(updated)
        return updated
    return get(user, artifact.id)


def delete(user: User, artifact_id: str, *, with_versions: bool = False) -> bool:
    """Delete one version (its successors keep the chain), or with `with_versions` the whole chain."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return False
    _check_writer(user, artifact.notebook_id)
    doomed = versions(user, artifact_id) if with_versions else [artifact]
    for item in doomed:
        if item.status in RUNNING and item.job_id:
            jobs.cancel(item.job_id)
    artifact_repo.delete_rows(user, [a.id for a in doomed])
    for item in doomed:
        events.publish(
            events.notebook_topic(item.notebook_id),
            {'type': 'artifact_deleted', 'artifact_id': item.id, 'kind': item.kind},
        )
    return True


def _announce(artifact: Artifact) -> None:
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


# -- the job ----------------------------------------------------------------------------------------------------


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
    running = artifact_repo.set_fields_for_job(
        notebook_id, artifact.id, only_if_status=RUNNING, status='running', error=None
    )
    if running is None:
        return
    _announce(running)
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
        _announce(saved)


@jobs.on_failure(JOB)
def _generation_ended(job) -> None:
    cancelled = job.status == 'cancelled'
    error = 'Cancelled.' if cancelled else (job.error or 'The generation failed. Press Retry to try again.')
    updated = artifact_repo.set_fields_for_job(
        job.notebook_id, job.ref_id, only_if_status=RUNNING, status='cancelled' if cancelled else 'failed', error=error
    )
    if updated is not None:
        _announce(updated)


# -- quizzes ----------------------------------------------------------------------------------------------------


def _done_of_kind(artifact: Artifact, kind: str, what: str) -> None:
    if artifact.kind != kind:
        raise ArtifactError(f'This is not {what}.')
    if artifact.status != 'done' or artifact.data is None:
        raise ArtifactError(f'This {KIND_LABELS[kind].lower()} is not ready yet. Wait for it to finish.')


def submit_attempt(user: User, artifact_id: str, answers: dict[str, Any]) -> studio.Grade | None:
    """Grade a submission on the server and save it. A forged or garbled one raises ValueError with the reason."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    _done_of_kind(artifact, 'quiz', 'a quiz')
    quiz = studio.Quiz.model_validate(artifact.data)
    grade = studio.grade(quiz, answers)  # raises ValueError on unknown questions or impossible choices
    artifact_repo.add_attempt(
        QuizAttempt(
            artifact_id=artifact.id, user_id=user.id, answers=dict(answers), score=grade.score, total=grade.total
        )
    )
    return grade


def attempts(user: User, artifact_id: str) -> list[QuizAttempt] | None:
    """The user's own attempts, newest first; None for an artifact they cannot see."""
    if get(user, artifact_id) is None:
        return None
    return artifact_repo.attempts(user, artifact_id)


# -- flashcards -------------------------------------------------------------------------------------------------


def mark_card(user: User, artifact_id: str, card_id: str, known: bool) -> bool | None:
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    _done_of_kind(artifact, 'flashcards', 'a flashcard deck')
    if card_id not in {card.get('id') for card in artifact.data.get('cards', [])}:
        raise ArtifactError('That card is not in this deck. Reload the deck and try again.')
    artifact_repo.set_mark(user, artifact_id, card_id, bool(known))
    return bool(known)


def marks(user: User, artifact_id: str) -> dict[str, bool] | None:
    """card id -> known, for this user only."""
    if get(user, artifact_id) is None:
        return None
    return artifact_repo.marks(user, artifact_id)


# -- mind-map edits ---------------------------------------------------------------------------------------------


def clean_mindmap(data: Any) -> studio.MindMap:
    """Validate an edited map: text labels, hex colours, bounded size; nodes without an id get a stable one."""
    try:
        mindmap = studio.MindMap.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = '.'.join(str(part) for part in first['loc'])
        raise ArtifactError(f'The mind map is not valid ({where}: {first["msg"]}). Reload it and try again.') from None
    mindmap.title = ' '.join(mindmap.title.split())[:MAX_LABEL]
    if not mindmap.title:
        raise ArtifactError('The mind map needs a title.')
    nodes = iter_nodes(mindmap.nodes)
    if len(nodes) > MAX_NODES:
        raise ArtifactError(f'A mind map can have at most {MAX_NODES} nodes. Delete some branches first.')

    def check(items: list[studio.MindNode], depth: int) -> None:
        if items and depth > MAX_DEPTH:
            raise ArtifactError(f'A mind map can be at most {MAX_DEPTH} levels deep.')
        for node in items:
            node.label = ' '.join(node.label.split())[:MAX_LABEL]
            if not node.label:
                raise ArtifactError('Every node needs a label. Type a name, or delete the node.')
            if node.color is not None and not _COLOR.match(node.color):
                raise ArtifactError('Colours must be hex values like #4f46e5.')
            check(node.children, depth + 1)

    check(mindmap.nodes, 1)
    return _fill_ids(mindmap)


def _fill_ids(mindmap: studio.MindMap) -> studio.MindMap:
    """Keep every valid, unique id (so edits do not disturb the rest); give the others assign_ids' stable ids."""
    fresh = studio.assign_ids(mindmap)
    seen: set[str] = set()
    for node, candidate in zip(iter_nodes(mindmap.nodes), iter_nodes(fresh.nodes), strict=True):
        node_id = node.id if node.id and _NODE_ID.match(node.id) and node.id not in seen else candidate.id
        suffix = 1
        base = node_id
        while node_id in seen:
            suffix += 1
            node_id = f'{base}-{suffix}'
        node.id = node_id
        seen.add(node_id)
    return mindmap


def save_mindmap_edit(user: User, artifact_id: str, new_data: Any) -> Artifact | None:
    """Save an edited mind map as the next version (a new artifact whose parent is the edited one)."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    _check_writer(user, artifact.notebook_id)
    _done_of_kind(artifact, 'mindmap', 'a mind map')
    mindmap = clean_mindmap(new_data)
    lineage = artifact_repo.lineage_of(user, artifact_id)
    version = max(a.version for a in lineage.versions) + 1 if lineage else artifact.version + 1
    edited = Artifact(
        notebook_id=artifact.notebook_id,
        user_id=user.id,
        kind='mindmap',
        title=f'Mind map: {mindmap.title}'[:300],
        status='done',
        engine=artifact.engine,
        data=mindmap.model_dump(mode='json'),
        options=dict(artifact.options),
        source_ids=list(artifact.source_ids),
        source_hash=artifact.source_hash,
        version=version,
        parent_id=artifact.id,
    )
    with db.session() as s:
        s.add(edited)
        s.commit()
    _announce(edited)
    return edited
