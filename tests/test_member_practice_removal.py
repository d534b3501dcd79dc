"""A member who is removed from a notebook, or leaves it, takes their own practice with them: their quiz attempts and
flashcard marks on that notebook's studio outputs go, like their private chat. Other notebooks and other members keep
theirs."""

from __future__ import annotations

from sqlmodel import select

from aurenlm import db, repos
from aurenlm.models import Artifact, FlashcardMark, Notebook, QuizAttempt, User
from aurenlm.sharing import service as sharing
from aurenlm.studio import artifacts
from tests.helpers import person
from tests.sourcekit import drain, upload


async def practice_sets(owner: User, notebook: Notebook) -> tuple[Artifact, Artifact]:
    source = await upload(owner, notebook.id, 'gpl-3.txt')
    await drain()
    started = [artifacts.start(owner, notebook.id, kind, [source.id]) for kind in ('quiz', 'flashcards')]
    await drain()
    quiz, deck = (artifacts.get(owner, a.id) for a in started)
    assert quiz.status == deck.status == 'done'
    return quiz, deck


def practise(member: User, quiz: Artifact, deck: Artifact) -> None:
    artifacts.submit_attempt(member, quiz.id, {quiz.data['questions'][0]['id']: 0})
    artifacts.mark_card(member, deck.id, deck.data['cards'][0]['id'], True)


def practice_rows(member: User) -> tuple[set[str], set[str]]:
    """The artifacts this person has quiz attempts at, and flashcard marks on."""
    with db.session() as s:
        tried = set(s.exec(select(QuizAttempt.artifact_id).where(QuizAttempt.user_id == member.id)))
        marked = set(s.exec(select(FlashcardMark.artifact_id).where(FlashcardMark.user_id == member.id)))
    return tried, marked


async def test_removing_or_leaving_deletes_the_members_quiz_attempts_and_flashcard_marks(ann: User) -> None:
    bob, cara = person('bob@example.com'), person('cara@example.com')
    team = repos.notebooks.create(ann, 'Team handbook')
    other = repos.notebooks.create(ann, 'Reading group')
    for notebook in (team, other):
        sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    sharing.invite(ann, team.id, 'cara@example.com', 'editor')
    quiz, deck = await practice_sets(ann, team)
    other_quiz, other_deck = await practice_sets(ann, other)
    for member, sets in (
        (bob, (quiz, deck)),
        (bob, (other_quiz, other_deck)),
        (cara, (quiz, deck)),
        (ann, (quiz, deck)),
    ):
        practise(member, *sets)

    assert sharing.remove_member(ann, team.id, bob.id)
    assert practice_rows(bob) == ({other_quiz.id}, {other_deck.id}), 'only his practice in the other notebook stays'
    assert practice_rows(cara) == ({quiz.id}, {deck.id}), "another member's practice stays"
    assert practice_rows(ann) == ({quiz.id}, {deck.id})

    assert sharing.leave(cara, team.id)
    assert practice_rows(cara) == (set(), set())
    assert practice_rows(ann) == ({quiz.id}, {deck.id}), "the owner's own practice stays"

    sharing.invite(ann, team.id, 'bob@example.com', 'viewer')
    assert artifacts.attempts(bob, quiz.id) == [] and artifacts.marks(bob, deck.id) == {}, 'coming back starts afresh'
