"""Studio artifacts, quiz attempts and flashcard marks, always reached through the acting user's notebook membership.

The generation job is the one exception, and says so in its functions' names (`*_for_job`): it runs as the system,
not as a member, so it reaches an artifact through the notebook id the job was queued with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import update
from sqlmodel import select

from aurenlm import db
from aurenlm.models import Artifact, FlashcardMark, QuizAttempt, Source, SourceChunk, User, utcnow
from aurenlm.repos import scope


@dataclass
class Lineage:
    """One artifact and its versions (regenerations and edits), oldest first; `latest` is what a card shows."""

    versions: list[Artifact]

    @property
    def latest(self) -> Artifact:
        return self.versions[-1]

    @property
    def root_id(self) -> str:
        return self.versions[0].id


def get(user: User, artifact_id: str) -> Artifact | None:
    return scope.find(user, Artifact, artifact_id)


def get_for_job(notebook_id: str, artifact_id: str) -> Artifact | None:
    """For the generation job: the artifact it was queued for, in the notebook it was queued in."""
    with db.session() as s:
        return s.exec(select(Artifact).where(Artifact.id == artifact_id, Artifact.notebook_id == notebook_id)).first()


def list_for(user: User, notebook_id: str) -> list[Artifact]:
    """Every artifact of the notebook, newest first."""
    with db.session() as s:
        return list(
            s.exec(scope.keyset(scope.in_notebook(user, Artifact, notebook_id), Artifact.created_at, Artifact.id, None))
        )


def lineages(artifacts: list[Artifact]) -> list[Lineage]:
    """Group artifacts into version chains by following parent ids; newest chain first."""
    by_id_ = {a.id: a for a in artifacts}

    def root_of(artifact: Artifact) -> str:
        seen = set()
        current = artifact
        while current.parent_id and current.parent_id in by_id_ and current.id not in seen:
            seen.add(current.id)
            current = by_id_[current.parent_id]
        return current.id

    groups: dict[str, list[Artifact]] = {}
    for artifact in artifacts:
        groups.setdefault(root_of(artifact), []).append(artifact)
    result = [Lineage(sorted(group, key=lambda a: (a.version, a.created_at))) for group in groups.values()]
    return sorted(result, key=lambda lineage: (lineage.latest.created_at, lineage.latest.id), reverse=True)


def lineage_of(user: User, artifact_id: str) -> Lineage | None:
    artifact = get(user, artifact_id)
    if artifact is None:
        return None
    with db.session() as s:
        same_kind = list(
            s.exec(select(Artifact).where(Artifact.notebook_id == artifact.notebook_id, Artifact.kind == artifact.kind))
        )
    return next((group for group in lineages(same_kind) if any(a.id == artifact_id for a in group.versions)), None)


def _set(
    where: Any, artifact_id: str, only_if_status: tuple[str, ...] | None, values: dict[str, Any]
) -> Artifact | None:
    with db.session() as s:
        query = update(Artifact).where(Artifact.id == artifact_id, where)
        if only_if_status is not None:
            query = query.where(Artifact.status.in_(only_if_status))
        result = s.exec(query.values(**values))
        s.commit()
        if result.rowcount != 1:
            return None
        return s.get(Artifact, artifact_id)


def set_fields(
    user: User, artifact_id: str, *, only_if_status: tuple[str, ...] | None = None, **values: Any
) -> Artifact | None:
    """Update an artifact of one of the user's notebooks; with `only_if_status`, only while it is in one of those
    states. None when it was not (or the user cannot reach it)."""
    return _set(scope.visible(user, Artifact), artifact_id, only_if_status, values)


def set_fields_for_job(
    notebook_id: str, artifact_id: str, *, only_if_status: tuple[str, ...] | None = None, **values: Any
) -> Artifact | None:
    """`set_fields` for the generation job, scoped by the notebook the job was queued in."""
    return _set(Artifact.notebook_id == notebook_id, artifact_id, only_if_status, values)


def delete_rows(user: User, artifact_ids: list[str]) -> None:
    """Artifacts with their attempts and marks (foreign keys cascade on both databases; deleted here to be sure).
    Ids of artifacts the user cannot reach are left alone."""
    if not artifact_ids:
        return
    with db.session() as s:
        artifact_ids = list(
            s.exec(select(Artifact.id).where(Artifact.id.in_(artifact_ids), scope.visible(user, Artifact)))
        )
        deleted = list(s.exec(select(Artifact).where(Artifact.id.in_(artifact_ids))))
        parents = {a.id: a.parent_id for a in deleted}
        # children of a deleted version hang on to its parent, so a chain never breaks in two
        for child in s.exec(select(Artifact).where(Artifact.parent_id.in_(artifact_ids))):
            if child.id in parents:
                continue
            parent = child.parent_id
            while parent in parents:
                parent = parents[parent]
            child.parent_id = parent
            s.add(child)
        s.exec(sa_delete(QuizAttempt).where(QuizAttempt.artifact_id.in_(artifact_ids)))
        s.exec(sa_delete(FlashcardMark).where(FlashcardMark.artifact_id.in_(artifact_ids)))
        s.exec(sa_delete(Artifact).where(Artifact.id.in_(artifact_ids)))
        s.commit()


# -- what the generator reads -------------------------------------------------------------------------------------


def ready_sources(notebook_id: str, source_ids: list[str]) -> list[Source]:
    """The given sources of the notebook that are ready, in the notebook's order (oldest first)."""
    if not source_ids:
        return []
    with db.session() as s:
        return list(
            s.exec(
                select(Source)
                .where(Source.notebook_id == notebook_id, Source.id.in_(source_ids), Source.status == 'ready')
                .order_by(Source.created_at, Source.id)
            )
        )


def chunk_rows(source_ids: list[str]) -> list[tuple[int, str, int, str, str]]:
    """(id, source_id, page, heading, text) of every chunk of the sources, in reading order; no embeddings."""
    if not source_ids:
        return []
    with db.session() as s:
        return list(
            s.exec(
                select(SourceChunk.id, SourceChunk.source_id, SourceChunk.page, SourceChunk.heading, SourceChunk.text)
                .where(SourceChunk.source_id.in_(source_ids))
                .order_by(SourceChunk.source_id, SourceChunk.ordinal)
            )
        )


# -- quiz attempts and flashcard marks: personal to each member ---------------------------------------------------


def add_attempt(attempt: QuizAttempt) -> QuizAttempt:
    with db.session() as s:
        s.add(attempt)
        s.commit()
        return attempt


def attempts(user: User, artifact_id: str) -> list[QuizAttempt]:
    """The user's own attempts at a quiz, newest first."""
    with db.session() as s:
        return list(
            s.exec(
                select(QuizAttempt)
                .where(QuizAttempt.artifact_id == artifact_id, QuizAttempt.user_id == user.id)
                .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc())
            )
        )


def set_mark(user: User, artifact_id: str, card_id: str, known: bool) -> FlashcardMark:
    with db.session() as s:
        mark = s.get(FlashcardMark, (artifact_id, user.id, card_id))
        if mark is None:
            mark = FlashcardMark(artifact_id=artifact_id, user_id=user.id, card_id=card_id)
        mark.known, mark.updated_at = known, utcnow()
        s.add(mark)
        s.commit()
        return mark


def marks(user: User, artifact_id: str) -> dict[str, bool]:
    with db.session() as s:
        rows = s.exec(
            select(FlashcardMark).where(FlashcardMark.artifact_id == artifact_id, FlashcardMark.user_id == user.id)
        )
        return {row.card_id: row.known for row in rows}
