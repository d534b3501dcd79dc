"""Quizzes: offline cloze questions with four distinct options, answers kept server-side, tamper-proof grading."""

from __future__ import annotations

import json
import re

import pytest
from test_studio_corpus import libtasn1, selection

from aurenlm.studio.corpus import Corpus
from aurenlm.studio.grading import grade, public_quiz
from aurenlm.studio.quiz import BLANK, offline_quiz
from aurenlm.studio.schemas import Quiz
from aurenlm.text.sentences import normalize_ws


@pytest.fixture(scope='module')
def corpus() -> Corpus:
    return Corpus(selection())


@pytest.fixture(scope='module')
def quiz(corpus: Corpus) -> Quiz:
    return offline_quiz(corpus, 12, 'normal')


def chunk_text(corpus: Corpus, chunk_id: int) -> str:
    return next(c.text for c in corpus.chunks if c.chunk_id == chunk_id)


@pytest.mark.parametrize('difficulty', ['easy', 'normal', 'hard'])
def test_questions_have_four_distinct_options_and_one_right_answer(corpus: Corpus, difficulty: str) -> None:
    quiz = offline_quiz(corpus, 10, difficulty)
    assert len(quiz.questions) == 10
    assert len({q.id for q in quiz.questions}) == 10
    for q in quiz.questions:
        assert len(q.options) == 4
        assert len({o.lower() for o in q.options}) == 4
        assert BLANK in q.question
        # putting the right option into the blank gives back the source sentence; wrong ones do not
        cloze = re.sub(r'^(Which term completes this definition\?|Fill in the blank:) ', '', q.question)
        filled = [cloze.replace(BLANK, option) for option in q.options]
        assert filled[q.correct_index] == q.explanation
        assert sum(f == q.explanation for f in filled) == 1
        assert q.citation.quote in chunk_text(corpus, q.citation.chunk_id)
        assert normalize_ws(q.citation.quote) == q.explanation


def test_questions_come_from_every_source(corpus: Corpus, quiz: Quiz) -> None:
    assert {q.citation.source_id for q in quiz.questions} == {s.source_id for s in corpus.sources}


def test_quiz_is_deterministic(corpus: Corpus, quiz: Quiz) -> None:
    assert offline_quiz(corpus, 12, 'normal') == quiz


def test_difficulty_changes_the_questions(corpus: Corpus) -> None:
    easy = offline_quiz(corpus, 10, 'easy')
    hard = offline_quiz(corpus, 10, 'hard')
    assert [q.options for q in easy.questions] != [q.options for q in hard.questions]


def test_small_source_gives_what_it_can() -> None:
    quiz = offline_quiz(Corpus([libtasn1()]), 20, 'hard')
    assert 5 <= len(quiz.questions) <= 20


def test_public_quiz_holds_no_answers(quiz: Quiz) -> None:
    public = public_quiz(quiz)
    dumped = json.dumps(public)
    for secret in ('correct_index', 'explanation', 'citation', 'quote', 'chunk_id'):
        assert secret not in dumped
    for q, shown in zip(quiz.questions, public['questions'], strict=True):
        assert set(shown) == {'id', 'question', 'options'}
        assert shown['options'] == q.options
        assert q.explanation not in dumped  # the explanation is the answer sentence


def test_grading_counts_right_wrong_and_missing(quiz: Quiz) -> None:
    first, second, *rest = quiz.questions
    answers = {first.id: first.correct_index, second.id: (second.correct_index + 1) % 4}
    result = grade(quiz, answers)
    assert (result.score, result.total) == (1, len(quiz.questions))
    by_id = {r.question_id: r for r in result.results}
    assert by_id[first.id].correct and by_id[first.id].chosen == first.correct_index
    assert not by_id[second.id].correct
    assert all(by_id[q.id].chosen is None and not by_id[q.id].correct for q in rest)
    assert by_id[second.id].citation == second.citation

    perfect = grade(quiz, {q.id: q.correct_index for q in quiz.questions})
    assert perfect.score == perfect.total == len(quiz.questions)


@pytest.mark.parametrize(
    'tamper, message',
    [
        (lambda q: {'q-not-in-quiz': 0}, 'not in this quiz'),
        (lambda q: {q.id: 4}, 'between 0 and 3'),
        (lambda q: {q.id: -1}, 'between 0 and 3'),
        (lambda q: {q.id: '1'}, 'must be an option number'),
        (lambda q: {q.id: 1.0}, 'must be an option number'),
        (lambda q: {q.id: True}, 'must be an option number'),
    ],
)
def test_tampered_submissions_are_rejected(quiz: Quiz, tamper, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grade(quiz, tamper(quiz.questions[0]))
