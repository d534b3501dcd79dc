"""Pieces of the public forms (sign in, register, reset password): a new password typed twice with its rule shown,
and the error line with the submit button under a form. Labels go in as element text and the aria-label dict, never
into a props string."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from aurenlm.security import passwords

NEW_PASSWORD = 'autocomplete=new-password outlined'  # noqa: S105 (Quasar props)
NEW_PASSWORD_FOCUSED = 'autocomplete=new-password autofocus outlined'  # noqa: S105 (Quasar props)


def new_password_pair(label: str, repeat_label: str, *, autofocus: bool = False) -> tuple[ui.input, ui.input]:
    """The new password (with a show toggle and the rule under it) and its repetition, marked password and confirm."""
    password = (
        ui.input(label, password=True, password_toggle_button=True)
        .props(NEW_PASSWORD_FOCUSED if autofocus else NEW_PASSWORD)
        .classes('w-full')
        .mark('password')
    )
    password.props['aria-label'] = label
    ui.label(f'At least {passwords.MIN_LENGTH} characters; not a common password.').classes(
        'text-xs text-slate-500 -mt-2'
    )
    confirm = ui.input(repeat_label, password=True).props(NEW_PASSWORD).classes('w-full').mark('confirm')
    confirm.props['aria-label'] = repeat_label
    return password, confirm


def error_and_submit(action: str, on_click: Callable[[], object], *, error_marker: str, button_marker: str) -> ui.label:
    """An empty alert line for what went wrong, then the full-width submit button; returns the alert line."""
    error = ui.label('').classes('text-negative text-sm').props('role=alert').mark(error_marker)
    ui.button(action, on_click=on_click).props('unelevated').classes('w-full').mark(button_marker)
    return error
