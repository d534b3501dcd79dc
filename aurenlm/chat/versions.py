"""Versions of chat messages: Regenerate keeps the earlier answers to a question, and editing a sent question keeps
the old question and its answers. The current version of each is the one whose `superseded_by` is None.

Every call takes the acting user first; somebody else's message answers like a missing one.
"""

from __future__ import annotations

from datetime import datetime

from aurenlm import repos
from aurenlm.models import ChatMessage, User, utcnow

MAX_QUESTION = 10_000


class EditError(ValueError):
    """Why an edit of a question was refused, in words the person can act on."""


def versions(user: User, message_id: str) -> list[ChatMessage]:
    """Every version of a message, oldest first: all answers to its question (regenerations), or for a question
    every edit of it."""
    message = repos.messages.get(user, message_id)
    if message is None:
        return []
    if message.role == 'assistant':
        return repos.messages.versions(user, message)
    chain = [message]
    seen = {message.id}
    current = message
    while current.superseded_by and current.superseded_by not in seen:  # forwards, to the current question
        following = repos.messages.get(user, current.superseded_by)
        if following is None or following.role != 'user':
            break
        chain.append(following)
        seen.add(following.id)
        current = following
    current = message
    while True:  # backwards: the questions an edit replaced with this one
        earlier = [m for m in repos.messages.earlier_questions(user, current.id) if m.id not in seen]
        if not earlier:
            break
        current = earlier[-1]
        chain.insert(0, current)
        seen.add(current.id)
    return chain


def edit_question(user: User, message_id: str, new_text: str, *, now: datetime | None = None) -> ChatMessage | None:
    """Replace a sent question with an edited one, keeping the old question and its answers as earlier versions.

    Answer it with `aurenlm.chat.service.ask(..., question_message=new)`. None when the message is not the user's.
    """
    message = repos.messages.get(user, message_id)
    if message is None or message.role != 'user' or message.user_id != user.id:
        return None
    text = (new_text or '').strip()
    if not text:
        raise EditError('Type a question first.')
    if len(text) > MAX_QUESTION:
        raise EditError(f'Keep the question under {MAX_QUESTION:,} characters.')
    if message.superseded_by is not None:
        raise EditError('This question was already edited. Edit its latest version instead.')
    if text == message.content.strip():
        raise EditError('The question is unchanged. Change it, or press Regenerate to ask it again.')
    return repos.messages.replace_question(user, message.id, text, now or utcnow())
