"""Keyset pagination: `{"items": [...], "next_cursor": str | null}` with `?limit=` and an opaque `?cursor=`.

A cursor is the url-safe base64 of the last row's sort key, `[timestamp, id]`, so a page never repeats or skips a
row when rows are added or removed between requests.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from aurenlm.web.api.errors import ApiError

T = TypeVar('T')
Row = TypeVar('Row')

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description='How many items to answer, 1 to 100.')]
Cursor = Annotated[
    str | None, Query(max_length=300, description='The `next_cursor` of the previous page; omit for the first.')
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode(at: datetime, row_id: str) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    raw = json.dumps([at.astimezone(UTC).isoformat(), row_id], separators=(',', ':')).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def decode(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4))
        at_text, row_id = json.loads(raw)
        at = datetime.fromisoformat(at_text)
        if not isinstance(row_id, str):
            raise TypeError(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(
            400,
            'invalid_cursor',
            'This cursor is not one this API gave out. Pass on `next_cursor` as it came, or omit it to start over.',
        ) from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)), row_id


def cut(rows: Sequence[Row], limit: int, key: Callable[[Row], tuple[datetime, str]]) -> tuple[list[Row], str | None]:
    """Rows were fetched with limit + 1: keep `limit` of them, and a cursor when there is more."""
    page = list(rows[:limit])
    if len(rows) > limit and page:
        return page, encode(*key(page[-1]))
    return page, None
