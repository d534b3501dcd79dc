"""/notebooks/{id}/chat and /messages: ask with a streamed (SSE) or whole answer; read the conversation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from aurenlm import repos
from aurenlm.chat import service as chat
from aurenlm.chat.citations import Cite
from aurenlm.models import ChatMessage, Citation, Notebook
from aurenlm.sharing.roles import Capability
from aurenlm.web.api import pagination
from aurenlm.web.api.deps import Access, Caller
from aurenlm.web.api.errors import ApiError, rate_limited, responses
from aurenlm.web.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from aurenlm.web.api.schemas import UtcDatetime

router = APIRouter(tags=['chat'])
MAX_QUESTION = 8000


class ChatIn(BaseModel):
    message: str = Field(min_length=1, max_length=MAX_QUESTION, examples=['What does asn1_create_element do?'])
    source_ids: list[str] | None = Field(
        default=None, max_length=200, description='Sources to answer from; default: every ready source.'
    )
    stream: bool = Field(default=True, description='true: text/event-stream of token, then done or error events.')


class CitationOut(BaseModel):
    marker: int
    source_id: str
    chunk_id: str
    page: int
    quote: str = Field(description='Text as it stands in the source at that page.')


class DoneOut(BaseModel):
    message_id: str
    content: str
    citations: list[CitationOut]


class MessageOut(BaseModel):
    id: str
    role: str
    content: str
    status: str = Field(description='complete | streaming | interrupted | failed')
    error: str | None
    citations: list[CitationOut]
    created_at: UtcDatetime


class MessagePage(Page[MessageOut]):
    pass


def _notebook(caller: Caller, notebook_id: str) -> Notebook:
    notebook = repos.notebooks.get(caller.user, notebook_id)
    if notebook is None:
        raise ApiError(404, 'not_found', 'No such notebook. List yours with GET /api/v1/notebooks.')
    return notebook


def _cite(c: Cite | Citation) -> CitationOut:
    """A citation as the API shows it, from a fresh answer (Cite) or a stored one (whose source may be gone)."""
    return CitationOut(
        marker=c.marker, source_id=c.source_id or '', chunk_id=str(c.chunk_id or ''), page=c.page, quote=c.quote
    )


def _done(event: chat.Done) -> DoneOut:
    return DoneOut(
        message_id=event.message.id, content=event.message.content, citations=[_cite(c) for c in event.citations]
    )


def _sources(caller: Caller, notebook: Notebook, wanted: list[str] | None) -> list[str]:
    if wanted is None:
        return [s.id for s in repos.sources.list_for(caller.user, notebook.id) if s.status == 'ready']
    known = {s.id for s in repos.sources.list_for(caller.user, notebook.id)}
    unknown = [sid for sid in wanted if sid not in known]
    if unknown:
        raise ApiError(422, 'unknown_source', f'These sources are not in this notebook: {", ".join(unknown[:5])}.')
    return wanted


def _sse(event: str, data: dict) -> bytes:
    return f'event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n'.encode()


@router.post(
    '/notebooks/{notebook_id}/chat',
    summary='Ask a question about the notebook sources',
    response_model=DoneOut,
    responses={
        200: {
            'description': 'With stream=false: the answer. With stream=true: text/event-stream of `token` {text} '
            'events, then `done` {message_id, content, citations} or `error` {code, message}.',
            'content': {'text/event-stream': {'schema': {'type': 'string'}}},
        },
        **responses(422, 429),
    },
)
async def ask(
    notebook_id: str,
    body: ChatIn,
    # a question is saved: it is a write for the token, and every member may ask
    caller: Annotated[Caller, Depends(Access(write=True, group='chat', needs=Capability.CHAT))],
):
    notebook = _notebook(caller, notebook_id)
    source_ids = _sources(caller, notebook, body.source_ids)
    events = chat.ask(caller.user, notebook, body.message, source_ids=source_ids)
    try:
        first = await anext(events)  # fails here (no sources, rate limit) before any byte is sent
    except chat.ChatRateLimited as e:  # the per-person limit the UI shares: a limit, so 429 like every other
        raise rate_limited(e.retry_after, str(e)) from None
    except chat.ChatError as e:
        raise ApiError(422, 'cannot_answer', str(e)) from None
    if not body.stream:
        async for event in events:
            if isinstance(event, chat.Done):
                return _done(event)
            if isinstance(event, chat.Failed):
                raise ApiError(503, 'llm_failed', event.error, headers={'Retry-After': '10'})
        raise ApiError(503, 'llm_failed', 'The answer did not finish. Try again.')
    return StreamingResponse(
        _stream(first, events), media_type='text/event-stream', headers={'Cache-Control': 'no-cache'}
    )


async def _stream(first: chat.ChatEvent, events: AsyncIterator[chat.ChatEvent]) -> AsyncIterator[bytes]:
    async def all_events():
        yield first
        async for event in events:
            yield event

    async for event in all_events():
        if isinstance(event, chat.Token):
            yield _sse('token', {'text': event.text})
        elif isinstance(event, chat.Done):
            yield _sse('done', _done(event).model_dump())
        elif isinstance(event, chat.Failed):
            yield _sse('error', {'code': 'llm_failed', 'message': event.error})


@router.get(
    '/notebooks/{notebook_id}/messages',
    summary="List your own conversation, newest first (each member's chat is private)",
)
def list_messages(
    notebook_id: str,
    caller: Annotated[Caller, Depends(Access(needs=Capability.CHAT))],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> MessagePage:
    notebook = _notebook(caller, notebook_id)
    rows = repos.messages.page(caller.user, notebook.id, limit=limit + 1, before=pagination.decode(cursor))
    page, next_cursor = pagination.cut(rows, limit, lambda m: (m.created_at, m.id))
    cites = repos.messages.citations([m.id for m in page])
    return MessagePage(items=[_message(m, cites.get(m.id, [])) for m in page], next_cursor=next_cursor)


def _message(message: ChatMessage, cites) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error,
        citations=[_cite(c) for c in cites],
        created_at=message.created_at,
    )
