"""/notebooks: list, create, read, rename and delete the caller's notebooks (their own and those shared with them)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from aurenlm import repos
from aurenlm.repos.notebooks import MAX_TITLE, NotebookError, NotebookSummary
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from aurenlm.web.api import pagination
from aurenlm.web.api.deps import Access, Caller, Reader, Writer
from aurenlm.web.api.errors import ApiError, responses
from aurenlm.web.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from aurenlm.web.api.schemas import UtcDatetime

router = APIRouter(tags=['notebooks'])


class NotebookOut(BaseModel):
    id: str
    title: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    source_count: int
    role: Literal['owner', 'editor', 'viewer'] = Field(description="The caller's role in this notebook")

    @classmethod
    def of(cls, n: NotebookSummary) -> NotebookOut:
        return cls(
            id=n.id,
            title=n.title,
            created_at=n.created_at,
            updated_at=n.updated_at,
            source_count=n.source_count,
            role=n.role,
        )


class NotebookPage(Page[NotebookOut]):
    pass


class NotebookIn(BaseModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=['Field notes'])


def not_found() -> ApiError:
    return ApiError(404, 'not_found', 'No such notebook. List yours with GET /api/v1/notebooks.')


def _summary(caller: Caller, notebook_id: str) -> NotebookSummary:
    found = repos.notebooks.summary(caller.user, notebook_id)
    if found is None:
        raise not_found()
    return found


def _invalid(e: NotebookError) -> ApiError:
    return ApiError(422, 'invalid', str(e))


@router.get('/notebooks', summary='List your notebooks, most recently changed first')
def list_notebooks(caller: Reader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> NotebookPage:
    rows = repos.notebooks.list_for(caller.user, limit=limit + 1, before=pagination.decode(cursor))
    page, next_cursor = pagination.cut(rows, limit, lambda n: (n.updated_at, n.id))
    return NotebookPage(items=[NotebookOut.of(n) for n in page], next_cursor=next_cursor)


@router.post('/notebooks', status_code=201, summary='Create a notebook')
def create_notebook(body: NotebookIn, caller: Writer) -> NotebookOut:
    try:
        notebook = repos.notebooks.create(caller.user, body.title)
    except NotebookError as e:
        raise _invalid(e) from None
    return NotebookOut.of(_summary(caller, notebook.id))


@router.get('/notebooks/{notebook_id}', summary='Read a notebook')
def get_notebook(notebook_id: str, caller: Annotated[Caller, Depends(Access(needs=Capability.READ))]) -> NotebookOut:
    return NotebookOut.of(_summary(caller, notebook_id))


@router.patch('/notebooks/{notebook_id}', summary='Rename a notebook (the owner only)', responses=responses(403))
def rename_notebook(
    notebook_id: str, body: NotebookIn, caller: Annotated[Caller, Depends(Access(write=True, needs=Capability.MANAGE))]
) -> NotebookOut:
    _summary(caller, notebook_id)
    try:
        sharing.rename_notebook(caller.user, notebook_id, body.title)
    except NotebookError as e:
        raise _invalid(e) from None
    return NotebookOut.of(_summary(caller, notebook_id))


@router.delete(
    '/notebooks/{notebook_id}',
    status_code=204,
    summary='Delete a notebook with its sources, for every member (the owner only)',
    responses=responses(403),
)
def delete_notebook(
    notebook_id: str, caller: Annotated[Caller, Depends(Access(write=True, needs=Capability.MANAGE))]
) -> Response:
    _summary(caller, notebook_id)
    if not sharing.delete_notebook(caller.user, notebook_id):
        raise not_found()
    return Response(status_code=204)
