"""/notes and /notebooks/{id}/export: notes with their versions, and whole-notebook exports as attachments."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from aurenlm import repos
from aurenlm.exchange import export
from aurenlm.models import Note
from aurenlm.notes import service as notes
from aurenlm.sharing.access import Forbidden
from aurenlm.sharing.roles import Capability
from aurenlm.web.api import pagination
from aurenlm.web.api.deps import Access, Caller, NotebookReader
from aurenlm.web.api.errors import ApiError, responses
from aurenlm.web.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from aurenlm.web.api.schemas import UtcDatetime
from aurenlm.web.files import attachment_headers

router = APIRouter(tags=['notes'])
MAX_BODY = 200_000
NotebookWriter = Annotated[Caller, Depends(Access(write=True, needs=Capability.WRITE_NOTES))]
NoteReader = Annotated[Caller, Depends(Access(needs=Capability.READ, via='note_id'))]
NoteWriter = Annotated[Caller, Depends(Access(write=True, needs=Capability.WRITE_NOTES, via='note_id'))]


class NoteIn(BaseModel):
    title: str = Field(default='', max_length=300)
    body: str = Field(default='', max_length=MAX_BODY)


class NotePatch(BaseModel):
    title: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=MAX_BODY)


class NoteOut(BaseModel):
    id: str
    notebook_id: str
    title: str
    body: str
    kind: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class VersionOut(BaseModel):
    id: str
    created_at: UtcDatetime
    title: str
    body: str


class NotePage(Page[NoteOut]):
    pass


class VersionPage(Page[VersionOut]):
    pass


def _out(note: Note) -> NoteOut:
    return NoteOut.model_validate(note, from_attributes=True)


def _note(caller: Caller, note_id: str) -> Note:
    note = notes.get(caller.user, note_id)
    if note is None:
        raise ApiError(404, 'not_found', 'No such note. List them with GET /api/v1/notebooks/{id}/notes.')
    return note


def _notebook_exists(caller: Caller, notebook_id: str) -> None:
    if repos.notebooks.get(caller.user, notebook_id) is None:
        raise ApiError(404, 'not_found', 'No such notebook. List yours with GET /api/v1/notebooks.')


def _refused(e: Exception) -> ApiError:
    if isinstance(e, Forbidden):
        return ApiError(403, 'forbidden', str(e))
    return ApiError(422, 'invalid', str(e))


@router.get('/notebooks/{notebook_id}/notes', summary='List notes, most recently changed first')
def list_notes(
    notebook_id: str, caller: NotebookReader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> NotePage:
    _notebook_exists(caller, notebook_id)
    rows = notes.list_notes(caller.user, notebook_id, limit=limit + 1, before=pagination.decode(cursor))
    page, next_cursor = pagination.cut(rows, limit, lambda n: (n.updated_at, n.id))
    return NotePage(items=[_out(n) for n in page], next_cursor=next_cursor)


@router.post('/notebooks/{notebook_id}/notes', status_code=201, summary='Create a note', responses=responses(403))
def create_note(notebook_id: str, body: NoteIn, caller: NotebookWriter) -> NoteOut:
    _notebook_exists(caller, notebook_id)
    try:
        note = notes.create(caller.user, notebook_id, body.title, body.body)
    except ValueError as e:
        raise _refused(e) from None
    if note is None:
        raise ApiError(404, 'not_found', 'No such notebook.')
    return _out(note)


@router.get('/notes/{note_id}', summary='Read a note')
def read_note(note_id: str, caller: NoteReader) -> NoteOut:
    return _out(_note(caller, note_id))


@router.patch('/notes/{note_id}', summary='Change a note; every change is a new version', responses=responses(403))
def update_note(note_id: str, body: NotePatch, caller: NoteWriter) -> NoteOut:
    _note(caller, note_id)
    try:
        note = notes.update(caller.user, note_id, title=body.title, body=body.body)
    except ValueError as e:
        raise _refused(e) from None
    if note is None:
        raise ApiError(404, 'not_found', 'No such note.')
    return _out(note)


@router.delete('/notes/{note_id}', status_code=204, summary='Delete a note', responses=responses(403))
def delete_note(note_id: str, caller: NoteWriter) -> Response:
    _note(caller, note_id)
    try:
        notes.delete(caller.user, note_id)
    except ValueError as e:
        raise _refused(e) from None
    return Response(status_code=204)


@router.get('/notes/{note_id}/versions', summary='List the versions of a note, newest first')
def list_versions(note_id: str, caller: NoteReader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> VersionPage:
    _note(caller, note_id)
    rows = notes.versions(caller.user, note_id, limit=limit + 1, before=pagination.decode(cursor))
    page, next_cursor = pagination.cut(rows, limit, lambda v: (v.created_at, v.id))
    return VersionPage(
        items=[VersionOut(id=v.id, created_at=v.created_at, title=v.title, body=v.body) for v in page],
        next_cursor=next_cursor,
    )


@router.get(
    '/notebooks/{notebook_id}/export',
    summary='Export the notebook as Markdown, JSON (importable) or PDF',
    response_class=Response,
    responses={
        200: {
            'description': 'An attachment',
            'content': {
                'text/markdown': {'schema': {'type': 'string'}},
                'application/json': {'schema': {'type': 'object'}},
                'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}},
            },
        },
        **responses(404, 422),
    },
)
async def export_notebook(
    notebook_id: str,
    caller: NotebookReader,
    format: Literal['md', 'json', 'pdf'] = 'md',  # noqa: A002
) -> Response:
    try:
        exported = await export.export_notebook(caller.user, notebook_id, format)
    except export.ExportError as e:
        raise ApiError(422, 'invalid', str(e)) from None
    if exported is None:
        raise ApiError(404, 'not_found', 'No such notebook. List yours with GET /api/v1/notebooks.')
    return Response(exported.content, media_type=exported.media_type, headers=attachment_headers(exported.filename))
