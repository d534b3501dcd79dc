"""When to retry a failed Gemini call, how long to wait, and what to tell the user when we give up."""

from __future__ import annotations

import asyncio
import math
import random
import re
from dataclasses import dataclass

import httpx
from google.genai import errors as genai_errors

from aurenlm.llm.base import LLMError, LLMTimeout

try:  # the SDK talks through aiohttp when it is installed, else through httpx
    import aiohttp

    _AIOHTTP_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError,)
    _AIOHTTP_CONNECT: tuple[type[BaseException], ...] = (aiohttp.ClientConnectorError,)
except ImportError:  # pragma: no cover - aiohttp ships with nicegui
    _AIOHTTP_ERRORS = _AIOHTTP_CONNECT = ()
# never got a connection at all, as opposed to losing one mid-answer
_CONNECT_ERRORS = _AIOHTTP_CONNECT + (httpx.ConnectError, httpx.ConnectTimeout, ConnectionRefusedError)

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})

MSG_KEY_REJECTED = 'The AI service rejected the API key. Ask your administrator to check GEMINI_API_KEY.'
MSG_BAD_REQUEST = 'The AI service could not process this request. Try a shorter question or fewer sources.'
MSG_UNREACHABLE = 'The AI service could not be reached. Check the network connection, then press Retry.'
MSG_CUT_OFF = 'The connection to the AI service dropped mid-answer. Your message is saved; press Retry.'
MSG_DECLINED = 'The AI service declined to answer this. Try rephrasing your question.'
MSG_NO_MODEL = 'The AI model configured for AurenLM was not found. Ask your administrator to check GEMINI_MODEL.'


def msg_busy(seconds: float | None) -> str:
    if seconds is None:
        return 'The AI service is busy (rate limit reached). Wait a minute, then press Retry.'
    return f'The AI service is busy (rate limit reached). Try again in about {max(1, math.ceil(seconds))} s.'


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter; a server-sent RetryInfo delay wins, up to `max_server_delay_s`."""

    base_s: float = 0.5
    cap_s: float = 8.0
    max_server_delay_s: float = 20.0

    def delay(self, attempt: int, server_delay_s: float | None = None) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if server_delay_s is not None:
            return min(server_delay_s, self.max_server_delay_s)
        # full jitter spreads the retries of many clients that failed at the same moment
        return random.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Failure:
    """How one failed attempt is handled: retry or not, whether it counts against the breaker, what to raise."""

    error: LLMError
    transient: bool  # worth another attempt
    service_fault: bool  # counts towards opening the circuit breaker
    server_delay_s: float | None = None


def classify(exc: BaseException, scrub) -> Failure:
    """Map an exception from the SDK or the network to a Failure; `scrub` removes the key from any text kept."""
    detail = scrub(f'{type(exc).__name__}: {exc or "(no message)"}')[:500]
    if isinstance(exc, genai_errors.APIError):
        code = exc.code or 0
        detail = scrub(f'HTTP {code} {exc.status or ""}: {exc.message or ""}')[:500]
        if code in TRANSIENT_STATUS:
            delay = retry_delay_s(exc)
            error = LLMTimeout(detail=detail) if code in (408, 504) else LLMError(detail=detail)
            if code == 429:
                error = LLMError(msg_busy(delay), detail=detail)
            return Failure(error, transient=True, service_fault=True, server_delay_s=delay)
        if code in (401, 403) or (code == 400 and 'API_KEY' in str(exc.details)):
            return Failure(LLMError(MSG_KEY_REJECTED, detail=detail), transient=False, service_fault=False)
        if code == 404:
            return Failure(LLMError(MSG_NO_MODEL, detail=detail), transient=False, service_fault=False)
        return Failure(LLMError(MSG_BAD_REQUEST, detail=detail), transient=False, service_fault=False)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return Failure(LLMTimeout(detail=detail), transient=True, service_fault=True)
    if isinstance(exc, _CONNECT_ERRORS):
        return Failure(LLMError(MSG_UNREACHABLE, detail=detail), transient=True, service_fault=True)
    if isinstance(exc, _AIOHTTP_ERRORS + (httpx.TransportError, ConnectionError)):
        return Failure(LLMError(MSG_CUT_OFF, detail=detail), transient=True, service_fault=True)
    if isinstance(exc, genai_errors.UnknownApiResponseError | ValueError):
        # an unreadable reply: the service is up but answered nonsense; another try usually works
        return Failure(LLMError(detail=detail), transient=True, service_fault=False)
    return Failure(LLMError(detail=detail), transient=False, service_fault=True)


_DURATION = re.compile(r'^\s*(\d+(?:\.\d+)?)s\s*$')


def retry_delay_s(exc: genai_errors.APIError) -> float | None:
    """The google.rpc.RetryInfo delay in an error reply ('1.5s' -> 1.5), if the server sent one."""
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get('error', body)
    details = error.get('details') if isinstance(error, dict) else None
    for detail in details or []:
        if isinstance(detail, dict) and str(detail.get('@type', '')).endswith('google.rpc.RetryInfo'):
            match = _DURATION.match(str(detail.get('retryDelay', '')))
            if match:
                return float(match.group(1))
    return None
