"""Account settings: profile, appearance, signed-in sessions."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm.security import sessions
from components import frame, tokens_panel, two_factor
from components.timefmt import clock
from pages.guard import current_user, session_token
from pages.login import client_ip


@ui.page('/settings')
def settings_page(request: Request) -> None:
    user = current_user()
    if user is None:
        return
    with frame.shell(user, 'Settings'):
        ui.label('Settings').classes('text-2xl font-semibold')
        with ui.card().classes('w-full gap-2'):
            ui.label('Account').classes('text-lg font-medium')
            ui.label(f'Signed in as {user.email}').classes('text-slate-600')
        two_factor.TwoFactorPanel(user, client_ip(request))
        with ui.card().classes('w-full gap-2'):
            ui.label('Signed-in sessions').classes('text-lg font-medium')
            current = sessions.token_hash(session_token() or '')
            rows = [
                {
                    'where': (row.user_agent or 'Unknown browser')[:80],
                    'ip': row.ip or '—',
                    'last_seen': clock(row.last_seen),
                    'this': 'this browser' if row.id == current else '',
                }
                for row in sessions.active(user)
            ]
            ui.table(
                columns=[
                    {'name': 'where', 'label': 'Browser', 'field': 'where', 'align': 'left'},
                    {'name': 'ip', 'label': 'Address', 'field': 'ip', 'align': 'left'},
                    {'name': 'last_seen', 'label': 'Last seen', 'field': 'last_seen', 'align': 'left'},
                    {'name': 'this', 'label': '', 'field': 'this', 'align': 'left'},
                ],
                rows=rows,
            ).classes('w-full').props('flat dense')

            ui.button('Sign out everywhere', on_click=lambda: frame.sign_out(everywhere=user)).props(
                'outline color=negative'
            ).mark('sign-out-everywhere')
        tokens_panel.build(user)
