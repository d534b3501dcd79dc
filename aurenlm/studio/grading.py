"""Quiz delivery and grading: the browser only ever sees questions and options; answers are checked here."""

from __future__ import annotations

from typing import Any

from aurenlm.studio.schemas import Grade, GradeResult, Quiz


def public_quiz(quiz: Quiz) -> dict[str, list[dict[str, Any]]]:
    """The quiz without answers, explanations or citations, safe to send to the client before it is graded."""
    return {
        'questions': [
            {'id': question.id, 'question': question.question, 'options': list(question.options)}
            for question in quiz.questions
        ]
    }


def grade(quiz: Quiz, answers: dict[str, int]) -> Grade:
    """Score a submission. Missing answers count as wrong; anything a real client cannot send raises ValueError."""
    if not isinstance(answers, dict):
        raise ValueError('The submission must map question ids to the chosen option number.')
    by_id = {question.id: question for question in quiz.questions}
    unknown = sorted(str(key) for key in answers if key not in by_id)
    if unknown:
        raise ValueError(f'The submission answers questions that are not in this quiz: {", ".join(unknown)}.')
    for question_id, chosen in answers.items():
        # bool is an int subclass; True/False as a choice means the submission was forged or garbled
        if chosen is not None and (isinstance(chosen, bool) or not isinstance(chosen, int)):
            raise ValueError(f'The answer to question {question_id} must be an option number, got {chosen!r}.')
        count = len(by_id[question_id].options)
        if chosen is not None and not 0 <= chosen < count:
            raise ValueError(f'The answer to question {question_id} must be between 0 and {count - 1}.')
    results = []
    for question in quiz.questions:
        chosen = answers.get(question.id)
        results.append(
            GradeResult(
                question_id=question.id,
                chosen=chosen,
                correct=chosen == question.correct_index,
                correct_index=question.correct_index,
                explanation=question.explanation,
                citation=question.citation,
            )
        )
    return Grade(score=sum(r.correct for r in results), total=len(results), results=results)
