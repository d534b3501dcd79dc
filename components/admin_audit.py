"""The Admin page's audit log: everyone's events, newest first, a page at a time, narrowed by account or action."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from aurenlm.accounts import admin
from aurenlm.models import User
from aurenlm.repos.audit import PAGE
from components import frame
from components.timefmt import clock

ALL_ACTIONS = ''
GRID = 'auren-audit-grid w-full'


def describe(detail: dict) -> str:
    """The event's details as one line of text (shown as text, never as markup)."""
    parts = []
    for key, value in detail.items():
        if key in ('target_email', 'target_user_id'):
            continue  # shown in the Account column
        parts.append(f'{key.replace("_", " ")}: {value}')
    return ' · '.join(parts)


class AdminAudit:
    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.before: tuple[datetime, str] | None = None
        with ui.card().classes('w-full gap-3'):
            with ui.row().classes('w-full items-center justify-between gap-3'):
                ui.label('Audit log').classes('text-lg font-medium')
                with ui.row().classes('items-center gap-2'):
                    self.email = (
                        ui.input(placeholder='Account email')
                        .props('outlined dense clearable debounce=400 aria-label="Only events of this account"')
                        .classes('w-64')
                        .mark('audit-email')
                    )
                    self.email.on_value_change(lambda: self.show())
                    self.action = (
                        ui.select(self._action_options(), value=ALL_ACTIONS, on_change=lambda: self.show())
                        .props('outlined dense aria-label="Only this action"')
                        .classes('w-56')
                        .mark('audit-action')
                    )
            with ui.element('div').classes(GRID + ' auren-admin-head px-2'):
                for heading in ('When', 'Who', 'Action', 'Account', 'Details', 'Address'):
                    ui.label(heading)
            self.rows = ui.column().classes('w-full gap-0')
            self.more = frame.more_button('Show older events', 'expand_more', self.show_more, 'audit-more')
        self.show()

    def _action_options(self) -> dict[str, str]:
        return {ALL_ACTIONS: 'All actions'} | {a: a.replace('_', ' ') for a in admin.audit_actions(self.actor)}

    def refresh(self) -> None:
        """Newest events again, and the actions they hold (the filter's choices grow as things happen)."""
        self.action.set_options(self._action_options(), value=self.action.value)
        self.show()

    def show(self) -> None:
        self.rows.clear()
        self.before = None
        self._add_page()

    def show_more(self) -> None:
        self._add_page()

    def _add_page(self) -> None:
        try:
            entries = admin.audit_entries(
                self.actor,
                user_email=(self.email.value or '').strip() or None,
                action=self.action.value or None,
                before=self.before,
                limit=PAGE,
            )
        except admin.NotAdmin as e:
            ui.notify(str(e), type='negative')
            return
        with self.rows:
            if not entries and self.before is None:
                ui.label('No events match.').classes('text-sm text-slate-500 p-2').mark('no-audit-events')
            for entry in entries:
                event = entry.event
                with ui.element('div').classes(GRID + ' auren-admin-row px-2 py-1 text-sm').mark('audit-row'):
                    ui.label(clock(event.created_at)).classes('text-slate-500')
                    ui.label(entry.actor_email or '—').classes('truncate')
                    ui.label(event.action.replace('_', ' ')).classes('font-medium')
                    ui.label(entry.target_email or '').classes('truncate')
                    ui.label(describe(event.detail)).classes('text-slate-600 break-words')
                    ui.label(event.ip or '').classes('text-slate-500 font-mono text-xs')
        if entries:
            self.before = (entries[-1].event.created_at, entries[-1].event.id)
        self.more.set_visibility(len(entries) == PAGE)


def build(actor: User) -> AdminAudit:
    return AdminAudit(actor)
