"""Studio artifacts as a service, the one module pages and routes call: start a generation, keep versions, cancel
and delete, save mind-map edits, and (from `practice`) grade quizzes and keep flashcard marks.

Every call takes the acting user first; somebody else's artifact answers None, exactly like a missing one. The
generation itself is `aurenlm.studio.generate`, run by the durable job in `runner` and cached on disk by kind,
options, the sources' contents and the model, so the same request twice calls the model once. What is refused,
and why, is `validation`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aurenlm import db, events, jobs, repos, studio
from aurenlm.config import get_settings
from aurenlm.llm import get_provider
from aurenlm.models import Artifact, User
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.repos.artifacts import Lineage
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.studio.inputs import selection_title
from aurenlm.studio.options import KIND_LABELS
from aurenlm.studio.practice import attempts, mark_card, marks, submit_attempt
from aurenlm.studio.runner import JOB, RUNNING, announce, cache_stats
from aurenlm.studio.validation import ArtifactError, ArtifactForbidden, clean_mindmap, require_done

__all__ = [
    'JOB',
    'KIND_LABELS',
    'OFFLINE_LABEL',
    'RUNNING',
    'ArtifactError',
    'ArtifactForbidden',
    'attempts',
    'cache_stats',
    'cancel',
    'clean_mindmap',
    'delete',
    'get',
    'is_offline',
    'lineages',
    'list_for',
    'mark_card',
    'marks',
    'public_data',
    'regenerate',
    'save_mindmap_edit',
    'start',
    'submit_attempt',
    'versions',
]

OFFLINE_LABEL = 'Offline — built from your sources'


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


@access.guarded(Capability.GENERATE, via='notebook_id', refuse=ArtifactForbidden)
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
    jobs.enqueue(
        JOB, {'artifact_id': artifact.id, 'fresh': fresh}, user_id=user.id, notebook_id=notebook_id, row=artifact
    )
    announce(artifact)
    return artifact


@access.guarded(Capability.GENERATE, via='artifact_id', refuse=ArtifactForbidden)
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


@access.guarded(Capability.GENERATE, via='artifact_id', refuse=ArtifactForbidden)
def cancel(user: User, artifact_id: str) -> Artifact | None:
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    if artifact.status not in RUNNING:
        return artifact
    if artifact.job_id:
        jobs.cancel(artifact.job_id)
    updated = artifact_repo.set_fields(
        user, artifact.id, only_if_status=RUNNING, status='cancelled', error='Cancelled.'
    )
    if updated is not None:
        announce(updated)
        return updated
    return get(user, artifact.id)


@access.guarded(Capability.GENERATE, via='artifact_id', missing=False, refuse=ArtifactForbidden)
def delete(user: User, artifact_id: str, *, with_versions: bool = False) -> bool:
    """Delete one version (its successors keep the chain), or with `with_versions` the whole chain."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return False
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


# -- mind-map edits ---------------------------------------------------------------------------------------------


@access.guarded(Capability.GENERATE, via='artifact_id', refuse=ArtifactForbidden)
def save_mindmap_edit(user: User, artifact_id: str, new_data: Any) -> Artifact | None:
    """Save an edited mind map as the next version (a new artifact whose parent is the edited one)."""
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    require_done(artifact, 'mindmap', 'a mind map')
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
    announce(edited)
    return edited
