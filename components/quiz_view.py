"""Taking a quiz: the page is built from questions and options only; the server grades the submission and only
then are the right options, explanations and citations shown."""

from __future__ import annotations

from nicegui import ui

from aurenlm.models import Artifact
from aurenlm.studio import Grade, artifacts
from components import dialogs, timefmt
from components.notebook_state import NotebookState
from components.report_view import citation_chip, source_titles


class QuizView:
    def __init__(self, state: NotebookState, artifact: Artifact) -> None:
        self.state, self.artifact = state, artifact
        self.questions = (artifacts.public_data(artifact) or {}).get('questions', [])
        self.choices: dict[str, ui.radio] = {}
        self.slots: dict[str, ui.column] = {}
        with ui.column().classes('w-full max-w-3xl mx-auto gap-3 px-6 py-4').mark('quiz-view') as self.root:
            with ui.row().classes('w-full items-center gap-2'):
                difficulty = str(artifact.options.get('difficulty', 'normal')).capitalize()
                ui.label(f'{len(self.questions)} questions · {difficulty}').classes('text-sm text-slate-500')
                ui.space()
                self.score = ui.label('').classes('text-base font-semibold').props('role=status aria-live=polite')
                self.score.mark('quiz-score')
            self.body = ui.column().classes('w-full gap-3')
            with ui.row().classes('w-full items-center justify-end gap-2'):
                # the score again where the person is after submitting: at the end of the quiz
                self.result = ui.label('').classes('text-base font-semibold text-primary').mark('quiz-result-score')
                ui.space()
                self.retake_button = ui.button('Retake', icon='replay', on_click=self.start).props('flat no-caps')
                self.retake_button.mark('quiz-retake')
                self.submit_button = ui.button('Submit answers', icon='check', on_click=self.submit).props(
                    'unelevated no-caps'
                )
                self.submit_button.mark('quiz-submit')
            self.history = ui.column().classes('w-full gap-1').mark('quiz-attempts')
        self.start()
        self._show_attempts()

    def start(self) -> None:
        """A fresh, unanswered quiz."""
        self.choices.clear()
        self.slots.clear()
        self.body.clear()
        self.score.text = self.result.text = ''
        with self.body:
            for number, question in enumerate(self.questions, start=1):
                with ui.card().classes('w-full gap-1 p-4').props('flat bordered').mark('quiz-question'):
                    ui.label(f'{number}. {question["question"]}').classes('text-base font-medium break-words')
                    radio = ui.radio({i: option for i, option in enumerate(question['options'])})
                    radio.props['aria-label'] = f'Question {number}'
                    radio.mark('quiz-choice')
                    self.choices[question['id']] = radio
                    self.slots[question['id']] = ui.column().classes('w-full gap-1')
        self.submit_button.visible = True
        self.retake_button.visible = False

    async def submit(self) -> None:
        answers = {qid: int(radio.value) for qid, radio in self.choices.items() if radio.value is not None}
        missing = len(self.choices) - len(answers)
        if missing and not await dialogs.confirm(
            'Submit with unanswered questions?',
            f'{missing} question{"s are" if missing != 1 else " is"} unanswered and will count as wrong.',
            action='Submit',
            danger=False,
        ):
            return
        try:
            grade = artifacts.submit_attempt(self.state.user, self.artifact.id, answers)
        except ValueError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        if grade is None:
            ui.notify('This quiz is no longer available.', type='warning')
            return
        self.reveal(grade)
        self._show_attempts()

    def reveal(self, grade: Grade) -> None:
        percent = round(100 * grade.score / grade.total) if grade.total else 0
        self.score.text = f'Score: {grade.score} / {grade.total} ({percent}%)'
        self.result.text = f'You scored {grade.score} of {grade.total} ({percent}%)'
        titles = source_titles(self.state)
        options = {q['id']: q['options'] for q in self.questions}
        for result in grade.results:
            radio = self.choices.get(result.question_id)
            slot = self.slots.get(result.question_id)
            if radio is None or slot is None:
                continue
            radio.disable()
            with slot:
                with ui.row().classes('items-center gap-1 no-wrap').mark('quiz-result'):
                    if result.correct:
                        ui.icon('check_circle', size='20px').classes('text-positive')
                        ui.label('Correct').classes('text-sm font-medium text-positive')
                    else:
                        ui.icon('cancel', size='20px').classes('text-negative')
                        answer = options[result.question_id][result.correct_index]
                        prefix = 'Not answered' if result.chosen is None else 'Not quite'
                        ui.label(f'{prefix}. The answer is: {answer}').classes(
                            'text-sm font-medium text-negative break-words'
                        )
                ui.label(result.explanation).classes('text-sm text-slate-600 break-words').mark('quiz-explanation')
                citation_chip(self.state, result.citation.model_dump(), titles)
        self.submit_button.visible = False
        self.retake_button.visible = True
        # back to the top, where the score is and the first answer's result begins
        ui.run_javascript(f'getHtmlElement({self.score.id})?.scrollIntoView({{block: "start", behavior: "smooth"}})')

    def _show_attempts(self) -> None:
        attempts = artifacts.attempts(self.state.user, self.artifact.id) or []
        self.history.clear()
        with self.history:
            if attempts:
                ui.label('Your attempts').classes('auren-pane-title mt-2')
            for attempt in attempts[:10]:
                ui.label(f'{attempt.score} / {attempt.total} · {timefmt.relative(attempt.created_at)}').classes(
                    'text-sm text-slate-600'
                ).mark('quiz-attempt')
