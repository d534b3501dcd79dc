"""Account settings: profile, password, signed-in sessions, API tokens, activity, and the account's data."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components import account_panel, activity_log, frame, password_panel, sessions_panel, tokens_panel, two_factor
from pages.guard import current_user, page_request, session_token
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
        ip, token = client_ip(page_request()), session_token()
        password_panel.build(user, token, ip, on_change=lambda: (signed_in.show(), log.show()))
        signed_in = sessions_panel.build(user, token, ip, on_change=lambda: log.show())
        tokens_panel.build(user)
        log = activity_log.build(user)
        account_panel.build(user, ip, token)
