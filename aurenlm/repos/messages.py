"""Chat messages and their citations, scoped by notebook membership; pages of messages newest first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete as sa_delete
from sqlmodel import select

from aurenlm import db
from aurenlm.models import ChatMessage, Citation, NotebookMember, User, utcnow


def _member_of(user: User):
    return select(NotebookMember.notebook_id).where(NotebookMember.user_id == user.id)


def add(
    notebook_id: str,
    *,
    role: str,
    content: str,
    user_id: str | None,
    status: str = 'complete',
    reply_to_id: str | None = None,
    engine: str = '',
    after: datetime | None = None,
) -> ChatMessage:
    now = utcnow()
    if after is not None and now <= after:
        now = after + timedelta(microseconds=1)  # an answer always sorts after its question
    message = ChatMessage(
        notebook_id=notebook_id,
        user_id=user_id,
        role=role,
        content=content,
        status=status,
        reply_to_id=reply_to_id,
        engine=engine,
        created_at=now,
    )
    with db.session() as s:
        s.add(message)
        s.commit()
    return message


def update(message_id: str, **values) -> ChatMessage | None:
    with db.session() as s:
        row = s.get(ChatMessage, message_id)
        if row is None:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
        s.commit()
        return row


def get(user: User, message_id: str) -> ChatMessage | None:
    with db.session() as s:
        return s.exec(
            select(ChatMessage).where(ChatMessage.id == message_id, ChatMessage.notebook_id.in_(_member_of(user)))
        ).first()


def page(
    user: User, notebook_id: str, *, limit: int = 30, before: tuple[datetime, str] | None = None
) -> list[ChatMessage]:
    """Current messages (not superseded versions), newest first, keyset-paginated by (created_at, id)."""
    query = select(ChatMessage).where(
        ChatMessage.notebook_id == notebook_id,
        ChatMessage.notebook_id.in_(_member_of(user)),
        ChatMessage.superseded_by.is_(None),
    )
    if before is not None:
        at, last_id = before
        query = query.where(
            (ChatMessage.created_at < at) | ((ChatMessage.created_at == at) & (ChatMessage.id < last_id))
        )
    with db.session() as s:
        return list(s.exec(query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(limit)))


def history(notebook_id: str, *, before: datetime, limit: int = 12) -> list[ChatMessage]:
    """The last complete turns before a moment, oldest first, for the prompt."""
    with db.session() as s:
        rows = s.exec(
            select(ChatMessage)
            .where(
                ChatMessage.notebook_id == notebook_id,
                ChatMessage.superseded_by.is_(None),
                ChatMessage.created_at < before,
                ChatMessage.status == 'complete',
            )
            .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
            .limit(limit)
        ).all()
    return list(reversed(rows))


def citations(message_ids: list[str]) -> dict[str, list[Citation]]:
    if not message_ids:
        return {}
    with db.session() as s:
        rows = s.exec(
            select(Citation).where(Citation.message_id.in_(message_ids)).order_by(Citation.marker, Citation.id)
        ).all()
    grouped: dict[str, list[Citation]] = {mid: [] for mid in message_ids}
    for row in rows:
        grouped[row.message_id].append(row)
    return grouped


def save_citations(message_id: str, rows: list[Citation]) -> None:
    with db.session() as s:
        s.exec(sa_delete(Citation).where(Citation.message_id == message_id))
        s.add_all(rows)
        s.commit()


def supersede(old_id: str, new_id: str) -> None:
    update(old_id, superseded_by=new_id)


def versions(user: User, message: ChatMessage) -> list[ChatMessage]:
    """Every answer to the same question, oldest first (regenerations keep the earlier answers)."""
    if message.reply_to_id is None:
        return [message]
    with db.session() as s:
        return list(
            s.exec(
                select(ChatMessage)
                .where(
                    ChatMessage.reply_to_id == message.reply_to_id,
                    ChatMessage.notebook_id.in_(_member_of(user)),
                )
                .order_by(ChatMessage.created_at, ChatMessage.id)
            )
        )


def clear(user: User, notebook_id: str) -> int:
    with db.session() as s:
        if s.get(NotebookMember, (notebook_id, user.id)) is None:
            return 0
        result = s.exec(sa_delete(ChatMessage).where(ChatMessage.notebook_id == notebook_id))
        s.commit()
        return result.rowcount or 0
