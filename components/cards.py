"""Building blocks shared by the settings and admin panels: a card with a title and an optional muted subtitle, and
a row that explains an action on the left and holds its button on the right. Titles and subtitles are set as label
text, never as props, so they may hold any text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

MUTED = 'text-sm text-slate-600'
CARD = 'w-full gap-2'
ROOMY_CARD = 'w-full gap-3'


@contextmanager
def section(title: str, subtitle: str | None = None, *, roomy: bool = False) -> Iterator[ui.card]:
    """A full-width card headed by `title` (and `subtitle` below it in muted text); the body goes inside.
    `roomy` spaces its rows wider, for rows that hold buttons."""
    with ui.card().classes(ROOMY_CARD if roomy else CARD) as card:
        ui.label(title).classes('text-lg font-medium')
        if subtitle is not None:
            ui.label(subtitle).classes(MUTED)
        yield card


def dialog_heading(title: str, explanation: str) -> None:
    """A dialog's question in bold and what answering it does, in muted text below."""
    ui.label(title).classes('text-lg font-semibold')
    ui.label(explanation).classes(MUTED)


@contextmanager
def action_row(title: str, explanation: str) -> Iterator[ui.row]:
    """A row with `title` and its `explanation` growing on the left; what is added inside goes to the right."""
    with ui.row().classes('w-full items-center gap-3 no-wrap') as row:
        with ui.column().classes('gap-0 grow'):
            ui.label(title).classes('font-medium')
            ui.label(explanation).classes(MUTED)
        yield row
