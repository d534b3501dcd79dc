"""A chat turn: save the question, retrieve passages, stream the answer, store it with its citations.

The question is saved before anything can fail; an error or a Stop keeps the partial answer, marked so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from loguru import logger

from aurenlm import repos
from aurenlm.chat import prompts
from aurenlm.chat.citations import Cite, resolve
from aurenlm.config import get_settings
from aurenlm.llm import LLMError, Provider, get_provider
from aurenlm.llm.base import Passage
from aurenlm.models import ChatMessage, Citation, Notebook, User
from aurenlm.search import retrieval
from aurenlm.security import ratelimit
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability

NO_SOURCES = 'Select at least one ready source in the Sources pane, then ask again.'


class ChatError(Exception):
    """A turn that could not start (no sources, rate limit); the message is for the user."""


class ChatRateLimited(ChatError):
    """Too many questions from this person for now: the API answers 429 with `retry_after` (whole seconds)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f'You are sending questions quickly. Please wait {retry_after} s and ask again.')


@dataclass
class Started:
    question: ChatMessage
    answer: ChatMessage
    passages: list[Passage]


@dataclass
class Token:
    text: str


@dataclass
class Done:
    message: ChatMessage
    citations: list[Cite] = field(default_factory=list)


@dataclass
class Failed:
    message: ChatMessage
    error: str


ChatEvent = Started | Token | Done | Failed


def check_rate(user: User) -> None:
    verdict = ratelimit.hit(get_settings().rate_chat, 'chat', user.id)
    if not verdict.allowed:
        raise ChatRateLimited(verdict.retry_after)


@access.declares(Capability.CHAT)
async def ask(
    user: User,
    notebook: Notebook,
    question: str,
    *,
    source_ids: list[str],
    provider: Provider | None = None,
    question_message: ChatMessage | None = None,
) -> AsyncIterator[ChatEvent]:
    """One turn. Pass `question_message` to answer an existing question again (Regenerate, Retry)."""
    question = (question or '').strip()
    if not question:
        raise ChatError('Type a question first.')
    if access.require(user, notebook.id, Capability.CHAT, where='chat.ask') is None:
        raise ChatError('You no longer have access to this notebook. Go back to your notebooks.')
    ready = repos.sources.ready_ids(user, notebook.id, source_ids)
    if not ready:
        raise ChatError(NO_SOURCES)
    check_rate(user)
    provider = provider or get_provider()
    if question_message is None:
        question_message = repos.messages.add(notebook.id, role='user', content=question, user_id=user.id)
    answer = repos.messages.add(
        notebook.id,
        role='assistant',
        content='',
        user_id=user.id,  # the asker's: each member's chat is private to them
        status='streaming',
        reply_to_id=question_message.id,
        engine=provider.name,
        after=question_message.created_at,
    )
    history = repos.messages.history(user, notebook.id, before=question_message.created_at)
    try:
        passages = await retrieval.best_passages(notebook.id, question, ready)
    except Exception:  # noqa: BLE001 - retrieval trouble must not lose the question
        logger.exception('retrieval failed')
        failed = repos.messages.update(user, answer.id, status='failed', error='Searching your sources failed. Retry.')
        yield Started(question_message, answer, [])
        yield Failed(failed, failed.error)
        return
    yield Started(question_message, answer, passages)
    prompt = prompts.grounded(question, passages, history)
    parts: list[str] = []
    try:
        async for piece in provider.stream(prompt.system, prompt.messages, passages=prompt.passages):
            parts.append(piece)
            yield Token(piece)
    except asyncio.CancelledError:
        _finish(user, answer, ''.join(parts), passages, status='interrupted', error='Stopped.')
        raise
    except LLMError as e:
        failed = _finish(
            user, answer, ''.join(parts), passages, status='interrupted' if parts else 'failed', error=str(e)
        )
        yield Failed(failed, str(e))
        return
    except Exception:  # noqa: BLE001 - never a traceback in the chat
        logger.exception('answer stream failed')
        message = 'The answer failed part way. Your question is saved; press Retry.'
        failed = _finish(
            user, answer, ''.join(parts), passages, status='interrupted' if parts else 'failed', error=message
        )
        yield Failed(failed, message)
        return
    content = ''.join(parts)
    cites = resolve(content, passages)
    done = _finish(user, answer, content, passages, status='complete', error=None, cites=cites)
    yield Done(done, cites)


def _finish(
    user: User,
    answer: ChatMessage,
    content: str,
    passages: list[Passage],
    *,
    status: str,
    error: str | None,
    cites: list[Cite] | None = None,
) -> ChatMessage:
    """Store the answer's text, state and citations together."""
    cites = cites if cites is not None else resolve(content, passages)
    rows = [Citation.model_validate(c, from_attributes=True, update={'message_id': answer.id}) for c in cites]
    return repos.messages.update(user, answer.id, citations=rows, content=content, status=status, error=error)


async def regenerate(
    user: User, notebook: Notebook, answer_id: str, *, source_ids: list[str]
) -> AsyncIterator[ChatEvent]:
    """Answer the same question again; the earlier answer is kept as a superseded version."""
    old = repos.messages.get(user, answer_id)
    if old is None or old.role != 'assistant' or old.reply_to_id is None:
        raise ChatError('That answer is no longer available.')
    question = repos.messages.get(user, old.reply_to_id)
    if question is None:
        raise ChatError('The question of that answer is gone.')
    first = True
    async for event in ask(user, notebook, question.content, source_ids=source_ids, question_message=question):
        if first and isinstance(event, Started):
            repos.messages.supersede(user, old.id, event.answer.id)
            first = False
        yield event
