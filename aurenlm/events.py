"""In-process publish/subscribe: jobs announce progress, open pages listen. No polling per client.

Subscribers are called on the event loop they subscribed from, whichever thread publishes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from loguru import logger

Callback = Callable[[dict[str, Any]], Any]

_lock = threading.Lock()
_subscribers: dict[str, list[tuple[Callback, asyncio.AbstractEventLoop | None]]] = defaultdict(list)


def notebook_topic(notebook_id: str) -> str:
    return f'notebook:{notebook_id}'


def subscribe(topic: str, callback: Callback) -> Callable[[], None]:
    """Call `callback(event)` for every event on `topic`; returns the function that unsubscribes."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    entry = (callback, loop)
    with _lock:
        _subscribers[topic].append(entry)

    def unsubscribe() -> None:
        with _lock:
            if entry in _subscribers.get(topic, []):
                _subscribers[topic].remove(entry)
            if not _subscribers.get(topic):
                _subscribers.pop(topic, None)

    return unsubscribe


def publish(topic: str, event: dict[str, Any]) -> None:
    with _lock:
        entries = list(_subscribers.get(topic, []))
    for callback, loop in entries:
        _deliver(callback, loop, event)


def _deliver(callback: Callback, loop: asyncio.AbstractEventLoop | None, event: dict[str, Any]) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is None or loop is running:
        _call(callback, event)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(_call, callback, event)


def _call(callback: Callback, event: dict[str, Any]) -> None:
    try:
        result = callback(event)
        if asyncio.iscoroutine(result):
            asyncio.ensure_future(result)  # noqa: RUF006 - fire and forget: a subscriber's own task
    except Exception:  # noqa: BLE001 - one broken subscriber (a closed tab) must not stop the others
        logger.exception('event subscriber failed')


def subscriber_count(topic: str) -> int:
    with _lock:
        return len(_subscribers.get(topic, []))
