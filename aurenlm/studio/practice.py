"""A member's own practice with a finished artifact: quiz attempts graded on the server, and flashcard marks.

Both are personal: another member of the notebook sees neither. Someone who cannot see the artifact gets None.
The grading itself is `aurenlm.studio.grading`, which alone reveals answers, explanations and citations.
"""

from __future__ import annotations

from typing import Any

from aurenlm.models import QuizAttempt, User
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.studio.grading import grade
from aurenlm.studio.schemas import Grade, Quiz
from aurenlm.studio.validation import ArtifactError, require_done


@access.guarded(Capability.CHAT, via='artifact_id')  # studying is every member's, like their own chat
def submit_attempt(user: User, artifact_id: str, answers: dict[str, Any]) -> Grade | None:
    """Grade a submission on the server and save it. A forged or garbled one raises ValueError with the reason."""
    artifact = artifact_repo.get(user, artifact_id)
    if artifact is None:
        return None
    require_done(artifact, 'quiz', 'a quiz')
    result = grade(Quiz.model_validate(artifact.data), answers)  # ValueError on unknown questions or choices
    artifact_repo.add_attempt(
        QuizAttempt(
            artifact_id=artifact.id, user_id=user.id, answers=dict(answers), score=result.score, total=result.total
        )
    )
    return result


def attempts(user: User, artifact_id: str) -> list[QuizAttempt] | None:
    """The user's own attempts, newest first; None for an artifact they cannot see."""
    if artifact_repo.get(user, artifact_id) is None:
        return None
    return artifact_repo.attempts(user, artifact_id)


@access.guarded(Capability.CHAT, via='artifact_id')
def mark_card(user: User, artifact_id: str, card_id: str, known: bool) -> bool | None:
    """Remember whether the user knows a card of a finished deck."""
    artifact = artifact_repo.get(user, artifact_id)
    if artifact is None:
        return None
    require_done(artifact, 'flashcards', 'a flashcard deck')
    if card_id not in {card.get('id') for card in artifact.data.get('cards', [])}:
        raise ArtifactError('That card is not in this deck. Reload the deck and try again.')
    artifact_repo.set_mark(user, artifact_id, card_id, bool(known))
    return bool(known)


def marks(user: User, artifact_id: str) -> dict[str, bool] | None:
    """card id -> known, for this user only."""
    if artifact_repo.get(user, artifact_id) is None:
        return None
    return artifact_repo.marks(user, artifact_id)
