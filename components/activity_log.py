"""The Settings page's activity log: the person's own security events (sign-ins, failed attempts with their email,
password and 2FA changes, sharing, tokens, admin actions on them), newest first, a page at a time. Read only."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from aurenlm.accounts import activity
from aurenlm.models import User
from aurenlm.repos import audit
from components import cards, frame
from components.timefmt import clock

PAGE = 20


class ActivityLog:
    def __init__(self, user: User) -> None:
        self.user = user
        self.before: tuple[datetime, str] | None = None
        with cards.section(
            'Activity',
            'Sign-ins, failed attempts with your email, password and two-factor changes, sharing, API tokens and '
            'what an admin did to your account. Entries cannot be changed or removed.',
        ):
            self.rows = ui.column().classes('w-full gap-0').mark('activity')
            self.more = frame.more_button('Show older activity', 'expand_more', self.show_more, 'activity-more')
        self.show()

    def show(self) -> None:
        """From the newest again (after something on the page added an event)."""
        self.rows.clear()
        self.before = None
        self.show_more()

    def show_more(self) -> None:
        events = audit.for_user(self.user, limit=PAGE, before=self.before)
        lines = activity.entries(
            events, self.user.id, self.user.email, audit.emails_of(events), audit.notebook_titles(events)
        )
        with self.rows:
            if not lines and self.before is None:
                ui.label('Nothing yet.').classes('text-sm text-slate-500')
            for line in lines:
                self._line(line)
        if events:
            self.before = (events[-1].created_at, events[-1].id)
        self.more.set_visibility(len(events) == PAGE)

    @staticmethod
    def _line(line: activity.Entry) -> None:
        with ui.row().classes('w-full items-start gap-3 py-2 border-b border-slate-200 no-wrap').mark('activity-line'):
            with ui.column().classes('gap-0 grow min-w-0'):
                ui.label(line.what).classes('font-medium')
                if line.details:
                    ui.label(line.details).classes('text-xs text-slate-500 break-all')
            with ui.column().classes('gap-0 items-end shrink-0 text-right'):
                ui.label(clock(line.at)).classes('text-sm text-slate-600')
                by = line.who if not line.ip else f'{line.who} · {line.ip}'
                ui.label(by).classes('text-xs text-slate-500')


def build(user: User) -> ActivityLog:
    return ActivityLog(user)
