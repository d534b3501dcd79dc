"""Flashcards: one card at a time, flipped with Space or a click, Left/Right to move, shuffle, and "Know it" /
"Still learning" marks saved for the user."""

from __future__ import annotations

import random

from nicegui import ui

from aurenlm.models import Artifact
from aurenlm.studio import artifacts
from components.notebook_state import NotebookState
from components.report_view import citation_chip, source_titles

# Keys act anywhere in the deck (the dialog keeps focus inside it), except while typing. preventDefault stops Space
# from also pressing a focused button or scrolling.
KEYS_JS = (
    '(e) => { const t = e.target; if (t && ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return; '
    'if (e.altKey || e.ctrlKey || e.metaKey) return; '
    'if ([" ", "ArrowLeft", "ArrowRight"].includes(e.key)) { e.preventDefault(); emit(e.key); } }'
)
CARD_CLASSES = (
    'w-full min-h-[16rem] items-center text-center gap-3 p-8 cursor-pointer outline-none '
    'focus-visible:ring-2 focus-visible:ring-indigo-300'
)


class FlashcardsView:
    def __init__(self, state: NotebookState, artifact: Artifact) -> None:
        self.state, self.artifact = state, artifact
        self.cards = (artifacts.public_data(artifact) or {}).get('cards', [])
        self.order = list(range(len(self.cards)))
        self.index = 0
        self.flipped = False
        self.marks = artifacts.marks(state.user, artifact.id) or {}
        self.titles = source_titles(state)
        with (
            ui.column()
            .classes('w-full max-w-2xl mx-auto flex-grow gap-4 px-6 py-6 items-center')
            .mark('flashcards-view') as self.root
        ):
            with ui.row().classes('w-full items-center gap-2'):
                self.position = ui.label('').classes('text-sm text-slate-500').mark('card-position')
                self.tally = ui.label('').classes('text-sm text-slate-500').mark('card-tally')
                ui.space()
                ui.button('Shuffle', icon='shuffle', on_click=self.shuffle).props('flat dense no-caps size=sm').mark(
                    'card-shuffle'
                )
            with (
                ui.card()
                .classes(CARD_CLASSES)
                .props('bordered tabindex=0 role=button autofocus')
                .style('transition: background-color .2s ease')
                .on('click', self.flip)
                .mark('flashcard') as self.card
            ):
                with ui.column().classes('w-full items-center gap-3 my-auto'):  # centred in the card's height
                    self.side = ui.label('').classes('auren-pane-title').mark('card-side')
                    self.text = ui.label('').classes('text-xl font-medium break-words w-full').mark('card-text')
                    self.cite = ui.row().classes('justify-center')
                    self.status = ui.label('').classes('text-xs').mark('card-mark')
            with ui.row().classes('items-center gap-2'):
                ui.button(icon='chevron_left', on_click=lambda: self.move(-1)).props(
                    'flat round aria-label="Previous card (Left arrow)"'
                ).mark('card-prev')
                ui.button('Flip', icon='flip', on_click=self.flip).props('flat no-caps aria-label="Flip (Space)"').mark(
                    'card-flip'
                )
                ui.button(icon='chevron_right', on_click=lambda: self.move(1)).props(
                    'flat round aria-label="Next card (Right arrow)"'
                ).mark('card-next')
            with ui.row().classes('items-center gap-2'):
                ui.button('Still learning', icon='school', on_click=lambda: self.mark(False)).props(
                    'outline no-caps color=warning'
                ).mark('card-learning')
                ui.button('Know it', icon='check', on_click=lambda: self.mark(True)).props(
                    'unelevated no-caps color=positive'
                ).mark('card-known')
            ui.label('Space flips the card; Left and Right move between cards.').classes('text-xs text-slate-400')
        self.root.on('keydown', self._key, js_handler=KEYS_JS)
        self.show()

    @property
    def current(self) -> dict | None:
        return self.cards[self.order[self.index]] if self.cards else None

    def show(self) -> None:
        card = self.current
        self.cite.clear()
        if card is None:
            self.position.text, self.side.text, self.text.text = '', '', 'This deck has no cards.'
            self.status.text = ''
            return
        self.position.text = f'Card {self.index + 1} of {len(self.cards)}'
        known = sum(1 for value in self.marks.values() if value)
        learning = sum(1 for value in self.marks.values() if not value)
        self.tally.text = f'· {known} known · {learning} still learning'
        self.side.text = 'Answer' if self.flipped else 'Question'
        self.text.text = card['back'] if self.flipped else card['front']
        self.card.props['aria-label'] = f'Flashcard {self.index + 1}, {self.side.text.lower()} side. Space flips it.'
        if self.flipped:
            self.card.classes(add='bg-indigo-50')
        else:
            self.card.classes(remove='bg-indigo-50')
        if self.flipped:
            with self.cite:
                citation_chip(self.state, card['citation'], self.titles)
        mark = self.marks.get(card['id'])
        self.status.text = {True: 'You know this one', False: 'Still learning', None: ''}[mark]
        self.status.classes(replace='text-xs ' + ('text-positive' if mark else 'text-amber-700'))

    def flip(self) -> None:
        self.flipped = not self.flipped
        self.show()

    def move(self, step: int) -> None:
        if not self.cards:
            return
        self.index = (self.index + step) % len(self.cards)
        self.flipped = False
        self.show()

    def shuffle(self) -> None:
        random.shuffle(self.order)
        self.index, self.flipped = 0, False
        self.show()

    def mark(self, known: bool) -> None:
        card = self.current
        if card is None:
            return
        try:
            saved = artifacts.mark_card(self.state.user, self.artifact.id, card['id'], known)
        except ValueError as e:
            ui.notify(str(e), type='warning')
            return
        if saved is None:
            ui.notify('This deck is no longer available.', type='warning')
            return
        self.marks[card['id']] = known
        self.move(1)

    def _key(self, e) -> None:
        if e.args == ' ':
            self.flip()
        elif e.args == 'ArrowLeft':
            self.move(-1)
        elif e.args == 'ArrowRight':
            self.move(1)
