"""Audit trail: who did what security-relevant thing, and from where."""

from __future__ import annotations

from typing import Any

from aurenlm import db
from aurenlm.models import AuditEvent


def record(user_id: str | None, action: str, *, ip: str = '', **detail: Any) -> None:
    with db.session() as s:
        s.add(AuditEvent(user_id=user_id, action=action, ip=ip[:64], detail=detail))
        s.commit()
