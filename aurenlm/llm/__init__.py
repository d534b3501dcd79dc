"""LLM providers: `get_provider(settings)` gives the process's one provider, Gemini with a key, offline without."""

from __future__ import annotations

import hashlib
import threading

from aurenlm.config import Settings, get_settings
from aurenlm.llm.base import LLMError, LLMTimeout, LLMUnavailable, Message, Passage, Provider, format_passages
from aurenlm.llm.offline import OfflineProvider

__all__ = [
    'LLMError',
    'LLMTimeout',
    'LLMUnavailable',
    'Message',
    'OfflineProvider',
    'Passage',
    'Provider',
    'format_passages',
    'get_provider',
    'reset_provider',
]

_lock = threading.Lock()
_cached: tuple[tuple, Provider] | None = None


def get_provider(settings: Settings | None = None) -> Provider:
    """The shared provider: one per process, so the circuit breaker sees every call. Rebuilt if its settings change."""
    settings = settings or get_settings()
    key = _identity(settings)
    global _cached
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, _build(settings))
        return _cached[1]


def reset_provider() -> None:
    """Forget the shared provider (tests; a settings reload)."""
    global _cached
    with _lock:
        _cached = None


def _build(settings: Settings) -> Provider:
    if not settings.gemini_enabled:
        return OfflineProvider()
    from aurenlm.llm.gemini import GeminiProvider  # google-genai is slow to import; offline never needs it

    return GeminiProvider(settings)


def _identity(settings: Settings) -> tuple:
    key = settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else ''
    return (
        settings.gemini_enabled,
        hashlib.sha256(key.encode()).hexdigest(),  # compare keys without keeping a second copy around
        settings.gemini_model,
        settings.gemini_embed_model,
        settings.gemini_base_url,
        settings.gemini_timeout_s,
        settings.gemini_max_attempts,
        settings.gemini_breaker_threshold,
        settings.gemini_breaker_cooldown_s,
    )
