"""Human time: "just now", "5 min ago", "3 Mar"."""

from __future__ import annotations

from datetime import UTC, datetime


def relative(at: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return 'just now'
    if seconds < 3600:
        return f'{int(seconds // 60)} min ago'
    if seconds < 86400:
        return f'{int(seconds // 3600)} h ago'
    if seconds < 7 * 86400:
        return f'{int(seconds // 86400)} d ago'
    return at.strftime('%-d %b %Y')


def clock(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.strftime('%Y-%m-%d %H:%M UTC')
