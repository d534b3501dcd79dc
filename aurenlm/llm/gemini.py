"""Gemini through google-genai's async client, with our own retries, backoff, circuit breaker and timeouts.

The SDK's retries stay off (`HttpRetryOptions(attempts=1)` also turns off its hidden 1-10 s retry on refused
connections), so one loop here decides: back off with full jitter on 429/5xx/timeouts/dropped connections, honour
the server's RetryInfo delay, and never retry a stream that has already shown the user some of its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import numpy as np
from google import genai
from google.genai import types
from loguru import logger
from pydantic import ValidationError

from aurenlm.config import Settings
from aurenlm.llm.base import LLMError, LLMTimeout, LLMUnavailable, Message, ModelT, Passage, format_passages
from aurenlm.llm.breaker import BreakerOpen, BreakerState, CircuitBreaker
from aurenlm.llm.retry import MSG_CUT_OFF, MSG_DECLINED, Backoff, Failure, classify
from aurenlm.log import redact, register_secret

# systemInstruction and responseJsonSchema are documented for v1beta; the SDK's own default (v1) may refuse them
API_VERSION = 'v1beta'
STALL_TIMEOUT_S = 30.0  # longest silence between two chunks of a stream that has started
EMBED_BATCH = 100  # batchEmbedContents takes at most 100 texts
JSON_ECHO_CHARS = 4000  # how much of an invalid JSON reply goes back to the model when asking it to fix it
_CLOSE_READS = 50  # buffered chunks to skip while closing a stream before giving up on a clean close
_DECLINED = frozenset({'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'})

T = TypeVar('T')


class GeminiProvider:
    """One per process (see `aurenlm.llm.get_provider`), so every caller shares the breaker's view of the service."""

    def __init__(
        self,
        settings: Settings,
        *,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        key = settings.gemini_api_key.get_secret_value().strip() if settings.gemini_api_key else ''
        if not key:
            raise ValueError('GeminiProvider needs GEMINI_API_KEY; use OfflineProvider without one')
        self._key = key
        register_secret(key)  # every log line, ours and the SDK's, is scrubbed of it
        self.name = settings.gemini_model
        self.label = f'Gemini ({settings.gemini_model})'
        self.embed_model = settings.gemini_embed_model
        self.timeout_s = settings.gemini_timeout_s
        self.stall_timeout_s = min(stall_timeout_s, settings.gemini_timeout_s)
        self.max_attempts = max(1, settings.gemini_max_attempts)
        self.backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker(settings.gemini_breaker_threshold, settings.gemini_breaker_cooldown_s)
        self._sleep = sleep
        self._client = genai.Client(
            api_key=key,
            http_options=types.HttpOptions(
                base_url=settings.gemini_base_url,
                api_version=API_VERSION,
                # a little longer than our own limit, so ours fires first with its clear message
                timeout=int((settings.gemini_timeout_s + 5) * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )

    # --- the Provider API ---

    async def stream(
        self, system: str, messages: list[Message], *, passages: list[Passage] | None = None
    ) -> AsyncIterator[str]:
        """Yield the answer as it arrives. Retries only until the first piece is out; closing this closes the HTTP
        stream."""
        contents = _contents(messages, passages)
        config = _config(system)
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            self._admit()
            yielded = False
            chunks = None
            try:
                deadline = loop.time() + self.timeout_s
                chunks = await self._client.aio.models.generate_content_stream(
                    model=self.name, contents=contents, config=config
                )
                finished, blocked = False, False
                while True:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        raise TimeoutError(f'no complete answer within {self.timeout_s:g} s')
                    # before the first token the model may think for a while; after it, silence means a stall
                    wait = min(remaining, self.stall_timeout_s) if yielded else remaining
                    try:
                        chunk = await asyncio.wait_for(chunks.__anext__(), wait)
                    except StopAsyncIteration:
                        break
                    except TimeoutError:
                        raise TimeoutError(f'nothing from the stream for {wait:.1f} s') from None
                    text, finish, chunk_blocked = _read(chunk)
                    finished = finished or finish is not None
                    blocked = blocked or chunk_blocked or finish in _DECLINED
                    if text:
                        if not yielded:
                            self.breaker.record_success()  # the service is answering
                        yielded = True
                        yield text
                if blocked and not yielded:
                    raise LLMError(MSG_DECLINED)
                if not finished:
                    # the real service always ends with a finish reason; without one the answer is cut short
                    raise ConnectionError('the stream ended without a finish reason')
                self.breaker.record_success()
                return
            except (asyncio.CancelledError, GeneratorExit):
                self.breaker.release()
                raise
            except LLMError:
                self.breaker.record_success()  # the service answered; the answer was unusable
                raise
            except Exception as exc:
                failure = classify(exc, self._scrub)
                if yielded:
                    failure = _mid_stream(failure)
                delay = self._after_failure('stream', attempt, failure, may_retry=not yielded)
            finally:
                if chunks is not None:
                    await _close_stream(chunks)
            await self._sleep(delay)

    async def generate(self, system: str, messages: list[Message], *, passages: list[Passage] | None = None) -> str:
        contents = _contents(messages, passages)
        return await self._call('generate', lambda: self._text(contents, _config(system)))

    async def generate_json(
        self, system: str, messages: list[Message], schema: type[ModelT], *, passages: list[Passage] | None = None
    ) -> ModelT:
        """A reply validated against `schema`. Invalid JSON gets one retry that names the problem, then LLMError."""
        # response_json_schema, not response_schema: the latter's OpenAPI subset drops recursive models ($ref)
        config = _config(system, json_schema=schema.model_json_schema())
        contents = _contents(messages, passages)
        text = await self._call('generate_json', lambda: self._text(contents, config))
        try:
            return schema.model_validate_json(_strip_fence(text))
        except ValidationError as exc:
            problem = _validation_summary(exc)
            logger.info('Gemini JSON did not match {}: {}; asking once more', schema.__name__, problem)
        fix = [
            Message('model', text[:JSON_ECHO_CHARS]),
            Message('user', f'That reply is not valid JSON for the schema: {problem}. Reply again with only the JSON.'),
        ]
        retry_contents = contents + _contents(fix, None)
        text = await self._call('generate_json', lambda: self._text(retry_contents, config))
        try:
            return schema.model_validate_json(_strip_fence(text))
        except ValidationError as exc:
            raise LLMError(
                'The AI service returned data in the wrong shape twice. Press Retry to try again.',
                detail=f'{schema.__name__}: {_validation_summary(exc)}',
            ) from None

    async def embed(self, texts: list[str]) -> np.ndarray:
        """One float32 vector per text, in order (batches of 100), from settings.gemini_embed_model."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            got = await self._call('embed', lambda batch=batch: self._embed_batch(batch))
            if len(got) != len(batch):
                raise LLMError(detail=f'asked for {len(batch)} embeddings, got {len(got)}')
            vectors.extend(got)
        if not vectors:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(vectors, dtype=np.float32)

    async def aclose(self) -> None:
        """Close the SDK's HTTP sessions (at shutdown, or at the end of a test)."""
        await self._client.aio.aclose()

    # --- one request, retried ---

    async def _call(self, what: str, op: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            attempt += 1
            self._admit()
            try:
                result = await asyncio.wait_for(op(), self.timeout_s)
            except TimeoutError:
                failure = classify(TimeoutError(f'no reply within {self.timeout_s:g} s'), self._scrub)
                delay = self._after_failure(what, attempt, failure)
            except asyncio.CancelledError:
                self.breaker.release()
                raise
            except LLMError:
                self.breaker.record_success()
                raise
            except Exception as exc:
                delay = self._after_failure(what, attempt, classify(exc, self._scrub))
            else:
                self.breaker.record_success()
                return result
            await self._sleep(delay)

    async def _text(self, contents: list[types.Content], config: types.GenerateContentConfig) -> str:
        response = await self._client.aio.models.generate_content(model=self.name, contents=contents, config=config)
        text, finish, blocked = _read(response)
        if not text and (blocked or finish in _DECLINED):
            raise LLMError(MSG_DECLINED)
        return text

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        response = await self._client.aio.models.embed_content(model=self.embed_model, contents=batch)
        return [list(e.values or []) for e in response.embeddings or []]

    def _admit(self) -> None:
        try:
            self.breaker.before_call()
        except BreakerOpen as exc:
            raise LLMUnavailable(exc.retry_in_s) from None

    def _after_failure(self, what: str, attempt: int, failure: Failure, *, may_retry: bool = True) -> float:
        """Record the failure and return how long to wait, or raise the user-facing error when it is time to stop."""
        if failure.service_fault:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        error = failure.error
        if self.breaker.state is BreakerState.open:
            logger.warning('Gemini {} failed ({}); circuit breaker open', what, error.detail)
            raise LLMUnavailable(self.breaker.retry_in(), detail=error.detail) from None
        too_long = failure.server_delay_s is not None and failure.server_delay_s > self.backoff.max_server_delay_s
        if not failure.transient or not may_retry or attempt >= self.max_attempts or too_long:
            logger.warning('Gemini {} failed after {} attempt(s): {}', what, attempt, error.detail)
            raise error from None
        delay = self.backoff.delay(attempt, failure.server_delay_s)
        logger.info('Gemini {} attempt {} failed ({}); retrying in {:.2f} s', what, attempt, error.detail, delay)
        return delay

    def _scrub(self, text: str) -> str:
        return redact(text.replace(self._key, '***'))


async def _close_stream(chunks: AsyncIterator[types.GenerateContentResponse]) -> None:
    """Close the SDK's stream and its HTTP response now.

    aclose() alone only closes the outermost of the SDK's nested generators; the response, four generators down and
    held in a reference cycle, would stay open until the garbage collector came by. Cancelling a pending read
    instead unwinds the whole chain at once, running every `finally` down to the one that releases the connection.
    """
    for _ in range(_CLOSE_READS):
        read = asyncio.ensure_future(chunks.__anext__())
        await asyncio.sleep(0)  # let the read reach the socket
        if read.done():
            if read.cancelled() or read.exception() is not None:
                break  # finished or failed: the chain has already unwound
            continue  # a chunk was already buffered; read again
        read.cancel()
        await asyncio.wait([read])  # unlike `await read`, a cancel aimed at our own task still gets through
        if not read.cancelled():
            read.exception()  # mark it retrieved, so asyncio does not log it
        break
    with contextlib.suppress(Exception):
        await chunks.aclose()


def _contents(messages: list[Message], passages: list[Passage] | None) -> list[types.Content]:
    contents = [
        types.Content(role='model' if m.role in ('model', 'assistant') else 'user', parts=[types.Part(text=m.text)])
        for m in messages
    ]
    if passages:
        block = types.Part(text=format_passages(passages))
        users = [i for i, c in enumerate(contents) if c.role == 'user']
        if users:
            # the passages go with the question they answer, before it, fenced as data
            contents[users[-1]].parts = [block, *(contents[users[-1]].parts or [])]
        else:
            contents.append(types.Content(role='user', parts=[block]))
    return contents


def _config(system: str, json_schema: dict | None = None) -> types.GenerateContentConfig:
    config = types.GenerateContentConfig(system_instruction=system or None)
    if json_schema is not None:
        config.response_mime_type = 'application/json'
        config.response_json_schema = json_schema
    return config


def _read(response: types.GenerateContentResponse) -> tuple[str, str | None, bool]:
    """(answer text without thoughts, finish reason name or None, whether the prompt was blocked)."""
    blocked = bool(response.prompt_feedback and response.prompt_feedback.block_reason)
    if not response.candidates:
        return '', None, blocked
    candidate = response.candidates[0]
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    text = ''.join(p.text for p in parts if p.text and not p.thought)
    finish = candidate.finish_reason
    return text, getattr(finish, 'name', finish) if finish else None, blocked


def _mid_stream(failure: Failure) -> Failure:
    # part of the answer is already on screen: say that it broke off, rather than a generic failure
    error = failure.error
    if not isinstance(error, LLMTimeout) and error.user_message == LLMError.default_message:
        error = LLMError(MSG_CUT_OFF, detail=error.detail)
    return Failure(error, transient=False, service_fault=failure.service_fault)


def _strip_fence(text: str) -> str:
    text = text.strip()
    if text.startswith('```'):
        text = text.split('\n', 1)[1] if '\n' in text else ''
        text = text.rsplit('```', 1)[0]
    return text


def _validation_summary(exc: ValidationError) -> str:
    problems = [f'{".".join(str(p) for p in e["loc"]) or "(root)"}: {e["msg"]}' for e in exc.errors()[:5]]
    return '; '.join(problems)
