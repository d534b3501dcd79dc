"""Sources: add (a file streamed as multipart, a URL, or pasted text), list, read, page text, download, delete."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aurenlm import repos
from aurenlm.models import Source, User
from aurenlm.sharing.roles import Capability
from aurenlm.sources import service as sources
from aurenlm.sources.service import MIME, SourceError
from aurenlm.web.api import pagination
from aurenlm.web.api.body import MultipartFile
from aurenlm.web.api.deps import Access, Caller, NotebookReader
from aurenlm.web.api.errors import ApiError, from_source_error, responses
from aurenlm.web.api.notebooks import not_found as notebook_not_found
from aurenlm.web.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from aurenlm.web.api.schemas import UtcDatetime
from aurenlm.web.files import attachment_headers

router = APIRouter(tags=['sources'])


class GuideOut(BaseModel):
    summary: str = ''
    topics: list[str] = []
    questions: list[str] = []


class SourceOut(BaseModel):
    id: str
    notebook_id: str
    title: str
    kind: str = Field(description='pdf | docx | html | markdown | text | url | note')
    status: Literal['queued', 'processing', 'ready', 'failed']
    progress: float = Field(ge=0, le=1)
    error: str | None
    page_count: int
    word_count: int
    guide: GuideOut | None
    created_at: UtcDatetime

    @field_validator('progress', mode='before')
    @classmethod
    def _clamp(cls, value: float) -> float:
        return max(0.0, min(1.0, value))

    @field_validator('guide', mode='before')
    @classmethod
    def _no_empty_guide(cls, value: dict | None) -> dict | None:
        return value or None

    @classmethod
    def of(cls, s: Source) -> SourceOut:
        return cls.model_validate(s, from_attributes=True)


class SourcePage(Page[SourceOut]):
    pass


class PageText(BaseModel):
    source_id: str
    page: int
    text: str


class UrlSourceIn(BaseModel):
    model_config = ConfigDict(extra='forbid', title='UrlSourceIn')
    url: str = Field(min_length=1, max_length=2000, examples=['https://example.org/article'])


class TextSourceIn(BaseModel):
    model_config = ConfigDict(extra='forbid', title='TextSourceIn')
    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1)


# the body is read by hand (to stream files), so it is described to OpenAPI here
ADD_SOURCE_BODY: dict[str, Any] = {
    'requestBody': {
        'required': True,
        'content': {
            'multipart/form-data': {
                'schema': {
                    'type': 'object',
                    'properties': {'file': {'type': 'string', 'format': 'binary'}},
                    'required': ['file'],
                }
            },
            'application/json': {
                'schema': {'oneOf': [UrlSourceIn.model_json_schema(), TextSourceIn.model_json_schema()]}
            },
        },
    }
}
PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description='1-based page number')]
SourceReader = Annotated[Caller, Depends(Access(needs=Capability.READ, via='source_id'))]
FILE_TYPES = sorted({*MIME.values(), 'application/octet-stream'})


def source_not_found() -> ApiError:
    return ApiError(404, 'not_found', "No such source. List a notebook's sources with GET /notebooks/{id}/sources.")


def _source(user: User, source_id: str) -> Source:
    source = repos.sources.get(user, source_id)
    if source is None:
        raise source_not_found()
    return source


def _json_source(raw: bytes) -> UrlSourceIn | TextSourceIn:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, 'invalid', 'The body is not valid JSON. Fix the request and send it again.') from None
    if not isinstance(data, dict) or not ({'url', 'text', 'title'} & data.keys()):
        raise ApiError(
            422, 'invalid', 'Send {"url": ...}, {"title": ..., "text": ...}, or a file as multipart field "file".'
        )
    model = UrlSourceIn if 'url' in data else TextSourceIn
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = ' '.join(f'{".".join(map(str, err["loc"])) or "body"}: {err["msg"]}.' for err in e.errors()[:5])
        raise ApiError(422, 'invalid', f'{problems} Fix the request and send it again.') from None


@router.post(
    '/notebooks/{notebook_id}/sources',
    status_code=202,
    summary='Add a source: a file (multipart field "file"), {"url"} or {"title", "text"}',
    description='Answers at once with the queued source; poll GET /sources/{id} until its status is ready.',
    openapi_extra=ADD_SOURCE_BODY,
    responses=responses(403, 409, 503),
)
async def add_source(
    notebook_id: str,
    request: Request,
    caller: Annotated[Caller, Depends(Access(write=True, group='upload', needs=Capability.EDIT_SOURCES))],
) -> SourceOut:
    if await asyncio.to_thread(repos.notebooks.get, caller.user, notebook_id) is None:
        raise notebook_not_found()
    media_type = request.headers.get('content-type', '').split(';')[0].strip().lower()
    try:
        if media_type == 'multipart/form-data':
            upload = MultipartFile(request)
            filename = await upload.open()
            source = await sources.add_upload(caller.user, notebook_id, filename, upload.chunks())
        else:
            body = _json_source(await request.body())
            if isinstance(body, UrlSourceIn):
                source = await sources.add_url(caller.user, notebook_id, body.url)
            else:
                source = await sources.add_text(caller.user, notebook_id, body.title, body.text)
    except SourceError as e:
        raise from_source_error(e) from None
    return SourceOut.of(source)


@router.get('/notebooks/{notebook_id}/sources', summary="List a notebook's sources, oldest first")
def list_sources(
    notebook_id: str, caller: NotebookReader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> SourcePage:
    if repos.notebooks.get(caller.user, notebook_id) is None:
        raise notebook_not_found()
    after = pagination.decode(cursor)
    rows = repos.sources.page_of(caller.user, notebook_id, limit=limit + 1, after=after)
    page, next_cursor = pagination.cut(rows, limit, lambda s: (s.created_at, s.id))
    return SourcePage(items=[SourceOut.of(s) for s in page], next_cursor=next_cursor)


@router.get('/sources/{source_id}', summary='Read a source and its processing status')
def get_source(source_id: str, caller: SourceReader) -> SourceOut:
    return SourceOut.of(_source(caller.user, source_id))


@router.get(
    '/sources/{source_id}/text',
    summary='The extracted text of one page (1-based; text without pages is page 1)',
    responses=responses(409),
)
def page_text(source_id: str, caller: SourceReader, page: PageNumber = 1) -> PageText:
    source = _source(caller.user, source_id)
    if source.status != 'ready':
        raise ApiError(
            409, 'not_ready', f'This source is {source.status}; its text can be read once its status is ready.'
        )
    found = repos.sources.page(caller.user, source_id, page)
    if found is None:
        raise ApiError(404, 'page_not_found', f'This source has {source.page_count} page(s). Ask for 1 to that.')
    return PageText(source_id=source_id, page=page, text=found.text)


@router.get(
    '/sources/{source_id}/file',
    summary='Download the original file',
    response_class=FileResponse,
    responses={200: {'description': 'The file, as an attachment', 'content': {t: {} for t in FILE_TYPES}}},
)
def download_source(source_id: str, caller: SourceReader) -> FileResponse:
    source = sources.for_download(caller.user, source_id)
    if source is None:
        raise source_not_found()
    path = sources.file_path(source)
    if path is None or not path.exists():
        raise ApiError(404, 'file_missing', 'The stored file for this source is missing. Add the source again.')
    name = source.filename or f'{source.title}.{sources.extension(source)}'
    return FileResponse(path, media_type=source.mime or 'application/octet-stream', headers=attachment_headers(name))


@router.delete(
    '/sources/{source_id}',
    status_code=204,
    summary='Delete a source, its text and its file',
    responses=responses(403),
)
def delete_source(
    source_id: str,
    caller: Annotated[Caller, Depends(Access(write=True, needs=Capability.EDIT_SOURCES, via='source_id'))],
) -> Response:
    _source(caller.user, source_id)
    if not sources.delete(caller.user, source_id):
        raise source_not_found()
    return Response(status_code=204)
