"""Types the API's response models share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ISO 8601 in UTC on the wire ("2025-01-31T12:00:00.123456Z"), whatever the database handed back
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
