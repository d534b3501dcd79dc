"""Chat messages and their citations; pages of messages newest first.

Each member's chat is private, as in NotebookLM: a message is reachable by the member whose conversation it is (the
asker, for a question and for its answers) and only while they are a member of its notebook. Also the versions of a
message: regenerated answers, and a question replaced by its edit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete as sa_delete
from sqlmodel import select

from aurenlm import db
from aurenlm.models import ChatMessage, Citation, NotebookMember, User, utcnow
from aurenlm.repos import scope


def mine(user: User):
    """The condition that a message is in the user's own chat of a notebook they belong to."""
    return (ChatMessage.user_id == user.id) & scope.visible(user, ChatMessage)


def _in_my_chat(user: User, notebook_id: str):
    return select(ChatMessage).where(ChatMessage.notebook_id == notebook_id, mine(user))


def _reach(s, user: User, message_id: str, *, lock: bool = False) -> ChatMessage | None:
    query = select(ChatMessage).where(ChatMessage.id == message_id, mine(user))
    return s.exec(query.with_for_update() if lock else query).first()


def add(
    notebook_id: str,
    *,
    role: str,
    content: str,
    user_id: str,
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


def update(user: User, message_id: str, *, citations: list[Citation] | None = None, **values) -> ChatMessage | None:
    """Set fields of a message in the user's own chat (None if it is not); `citations` replace its earlier ones in
    the same transaction, so an answer's text and its citations never disagree."""
    with db.session() as s:
        row = _reach(s, user, message_id)
        if row is None:
            return None
        if citations is not None:
            s.exec(sa_delete(Citation).where(Citation.message_id == message_id))
            s.add_all(citations)
        scope.assign(s, row, values)
        s.commit()
        return row


def get(user: User, message_id: str) -> ChatMessage | None:
    with db.session() as s:
        return _reach(s, user, message_id)


def page(
    user: User, notebook_id: str, *, limit: int = 30, before: tuple[datetime, str] | None = None
) -> list[ChatMessage]:
    """Current messages (not superseded versions), newest first, keyset-paginated by (created_at, id)."""
    query = _in_my_chat(user, notebook_id).where(ChatMessage.superseded_by.is_(None))
    with db.session() as s:
        return list(s.exec(scope.keyset(query, ChatMessage.created_at, ChatMessage.id, before).limit(limit)))


def history(user: User, notebook_id: str, *, before: datetime, limit: int = 12) -> list[ChatMessage]:
    """The last complete turns before a moment, oldest first, for the prompt."""
    query = _in_my_chat(user, notebook_id).where(
        ChatMessage.superseded_by.is_(None), ChatMessage.created_at < before, ChatMessage.status == 'complete'
    )
    with db.session() as s:
        rows = s.exec(scope.keyset(query, ChatMessage.created_at, ChatMessage.id, None).limit(limit)).all()
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


def supersede(user: User, old_id: str, new_id: str) -> None:
    update(user, old_id, superseded_by=new_id)


def versions(user: User, message: ChatMessage) -> list[ChatMessage]:
    """Every answer to the same question, oldest first (regenerations keep the earlier answers)."""
    if message.reply_to_id is None:
        return [message]
    with db.session() as s:
        return list(
            s.exec(
                select(ChatMessage)
                .where(ChatMessage.reply_to_id == message.reply_to_id, mine(user))
                .order_by(ChatMessage.created_at, ChatMessage.id)
            )
        )


def all_for(user: User, notebook_id: str) -> list[ChatMessage]:
    """Every message of the user's own chat, superseded versions included, oldest first (for exports)."""
    query = _in_my_chat(user, notebook_id).order_by(ChatMessage.created_at, ChatMessage.id)
    with db.session() as s:
        return list(s.exec(query))


def earlier_questions(user: User, message_id: str) -> list[ChatMessage]:
    """The questions an edit replaced with `message_id` (its versions one step back), oldest first."""
    query = select(ChatMessage).where(ChatMessage.role == 'user', ChatMessage.superseded_by == message_id, mine(user))
    with db.session() as s:
        return list(s.exec(query.order_by(ChatMessage.created_at, ChatMessage.id)))


def replace_question(user: User, old_id: str, content: str, now: datetime) -> ChatMessage | None:
    """The edited question as a new message; the old one and its current answers point at it. One transaction."""
    with db.session() as s:
        old = _reach(s, user, old_id, lock=True)
        if old is None or old.superseded_by is not None:
            return None
        new = ChatMessage(notebook_id=old.notebook_id, user_id=user.id, role='user', content=content, created_at=now)
        s.add(new)
        s.flush()
        old.superseded_by = new.id
        s.add(old)
        for answer in s.exec(
            select(ChatMessage).where(
                ChatMessage.reply_to_id == old.id, ChatMessage.superseded_by.is_(None), mine(user)
            )
        ):
            answer.superseded_by = new.id
            s.add(answer)
        s.commit()
        return new


def clear(user: User, notebook_id: str) -> int:
    """Delete the user's own chat in a notebook; the other members' chats stay."""
    with db.session() as s:
        if s.get(NotebookMember, (notebook_id, user.id)) is None:
            return 0
        result = s.exec(
            sa_delete(ChatMessage).where(ChatMessage.notebook_id == notebook_id, ChatMessage.user_id == user.id)
        )
        s.commit()
        return result.rowcount or 0
