"""/artifacts: start a studio generation, read the result, and take quizzes graded on the server."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from aurenlm.sharing.roles import Capability
from aurenlm.studio import artifacts
from aurenlm.studio import options as studio_options
from aurenlm.web.api.deps import Access, Caller
from aurenlm.web.api.errors import ApiError, responses
from aurenlm.web.api.schemas import UtcDatetime

router = APIRouter(tags=['studio'])
Kind = Literal['mindmap', 'quiz', 'flashcards', 'study_guide', 'briefing', 'faq', 'timeline']


class ArtifactIn(BaseModel):
    kind: Kind
    source_ids: list[str] | None = Field(default=None, max_length=200, description='Default: the selected sources.')
    options: dict[str, Any] | None = Field(
        default=None, description='For quizzes: {"count": 5..20, "difficulty": "easy" | "normal" | "hard"}.'
    )


class StartedOut(BaseModel):
    job_id: str
    artifact_id: str


class ArtifactOut(BaseModel):
    id: str
    kind: str
    status: str = Field(description='queued | running | done | failed | cancelled')
    data: dict[str, Any] | None = Field(
        description='A mind map: {title, nodes: [{id, label, color?, children}]}. A quiz: {questions: [{id, '
        'question, options}]} with no answers. Flashcards: {cards}. Reports: {title, markdown, citations}.'
    )
    created_at: UtcDatetime


class AttemptIn(BaseModel):
    answers: dict[str, int] = Field(max_length=100, description='{"<question_id>": <option index 0..3>}')


class CitationOut(BaseModel):
    source_id: str
    chunk_id: str
    page: int
    quote: str


class ResultOut(BaseModel):
    question_id: str
    chosen: int | None
    correct_index: int
    explanation: str
    citation: CitationOut


class GradeOut(BaseModel):
    score: int
    total: int
    results: list[ResultOut]


def _not_found() -> ApiError:
    return ApiError(404, 'not_found', 'No such artifact. Start one with POST /api/v1/notebooks/{id}/artifacts.')


def _artifact(caller: Caller, artifact_id: str):
    artifact = artifacts.get(caller.user, artifact_id)
    if artifact is None:
        raise _not_found()
    return artifact


@router.post(
    '/notebooks/{notebook_id}/artifacts',
    status_code=202,
    summary='Start generating a mind map, quiz, flashcards or report',
    responses=responses(403, 404, 422, 429),
)
def start(
    notebook_id: str,
    body: ArtifactIn,
    caller: Annotated[Caller, Depends(Access(write=True, group='generate', needs=Capability.GENERATE))],
) -> StartedOut:
    try:
        artifact = artifacts.start(caller.user, notebook_id, body.kind, body.source_ids, body.options)
    except artifacts.ArtifactForbidden as e:
        raise ApiError(403, 'forbidden', str(e)) from None
    except (artifacts.ArtifactError, studio_options.StudioError) as e:
        raise ApiError(422, 'invalid', str(e)) from None
    if artifact is None:
        raise ApiError(404, 'not_found', 'No such notebook. List yours with GET /api/v1/notebooks.')
    return StartedOut(job_id=artifact.job_id or '', artifact_id=artifact.id)


@router.get('/artifacts/{artifact_id}', summary='Read an artifact', responses=responses(404))
def read(
    artifact_id: str, caller: Annotated[Caller, Depends(Access(needs=Capability.READ, via='artifact_id'))]
) -> ArtifactOut:
    artifact = _artifact(caller, artifact_id)
    return ArtifactOut(
        id=artifact.id,
        kind=artifact.kind,
        status=artifact.status,
        data=artifacts.public_data(artifact) if artifact.status == 'done' else None,
        created_at=artifact.created_at,
    )


@router.post(
    '/artifacts/{artifact_id}/attempts',
    summary='Submit quiz answers; the server grades them and only then reveals the answers',
    responses=responses(404, 422),
)
def attempt(
    artifact_id: str,
    body: AttemptIn,
    # a member's own practice: every role may take a quiz
    caller: Annotated[Caller, Depends(Access(write=True, needs=Capability.CHAT, via='artifact_id'))],
) -> GradeOut:
    artifact = _artifact(caller, artifact_id)
    if artifact.kind != 'quiz' or artifact.status != 'done':
        raise ApiError(422, 'not_a_quiz', 'Only a finished quiz can be answered.')
    try:
        grade = artifacts.submit_attempt(caller.user, artifact_id, body.answers)
    except ValueError as e:
        raise ApiError(422, 'invalid_answers', str(e)) from None
    if grade is None:
        raise _not_found()
    return GradeOut(
        score=grade.score,
        total=grade.total,
        results=[
            ResultOut(
                question_id=r.question_id,
                chosen=r.chosen,
                correct_index=r.correct_index,
                explanation=r.explanation,
                citation=CitationOut(
                    source_id=r.citation.source_id,
                    chunk_id=str(r.citation.chunk_id),
                    page=r.citation.page,
                    quote=r.citation.quote,
                ),
            )
            for r in grade.results
        ],
    )
