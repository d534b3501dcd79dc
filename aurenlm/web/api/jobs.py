"""/jobs/{id}: the progress of background work (processing a source, generating an artifact)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from aurenlm import jobs
from aurenlm.models import Job, User
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.web.api.deps import Access, Caller
from aurenlm.web.api.errors import ApiError

router = APIRouter(tags=['jobs'])


class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal['queued', 'running', 'done', 'failed', 'cancelled']
    progress: float = Field(ge=0, le=1)
    error: str | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id, kind=job.kind, status=job.status, progress=max(0.0, min(1.0, job.progress)), error=job.error
        )


def visible_job(user: User, job_id: str) -> Job | None:
    """A job is the caller's when they started it or can see the notebook it works in."""
    job = jobs.get(job_id)
    if job is None:
        return None
    if job.user_id == user.id:
        return job
    if job.notebook_id and access.can(user, job.notebook_id, Capability.READ):
        return job
    return None


@router.get('/jobs/{job_id}', summary='The status and progress of a background job')
def get_job(job_id: str, caller: Annotated[Caller, Depends(Access(needs=Capability.READ, via='job_id'))]) -> JobOut:
    job = visible_job(caller.user, job_id)
    if job is None:
        raise ApiError(404, 'not_found', 'No such job.')
    return JobOut.of(job)
