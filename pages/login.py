"""Sign in with email and password; generic failures, limited per account and per address."""

from __future__ import annotations

from fastapi import Request
from nicegui import app, ui

from aurenlm import repos
from aurenlm.config import get_settings
from aurenlm.security import ratelimit, sessions
from components import frame
from pages.guard import next_target


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ''


@ui.page('/login')
def login_page(request: Request, next: str | None = None) -> None:  # noqa: A002 - the query parameter's name
    if sessions.resolve(app.storage.user.get('session')) is not None:
        ui.navigate.to(next_target(next))
        return
    settings = get_settings()
    ip = client_ip(request)
    user_agent = request.headers.get('user-agent', '')

    def attempt() -> None:
        email = (email_input.value or '').strip().lower()
        error.text = ''
        for verdict in (
            ratelimit.hit(settings.rate_login, 'login-ip', ip),
            ratelimit.hit(settings.rate_login, 'login', email),
        ):
            if not verdict.allowed:
                error.text = verdict.wait_message()
                return
        user = repos.users.authenticate(email, password.value or '')
        if user is None:
            repos.audit.record(None, 'login_failed', ip=ip, email=email[:320])
            error.text = 'Email or password is not right. Check both and try again.'
            return
        sessions.revoke(app.storage.user.get('session'))  # a new id on every login
        app.storage.user['session'] = sessions.create(user, ip=ip, user_agent=user_agent).token
        repos.audit.record(user.id, 'login', ip=ip)
        ui.navigate.to(next_target(next))

    with frame.public('Sign in'):
        email_input = ui.input('Email').props('type=email autocomplete=email autofocus outlined aria-label="Email"')
        email_input.classes('w-full').mark('email')
        password = (
            ui.input('Password', password=True, password_toggle_button=True)
            .props('autocomplete=current-password outlined aria-label="Password"')
            .classes('w-full')
            .mark('password')
        )
        password.on('keydown.enter', attempt)
        error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('login-error')
        ui.button('Sign in', on_click=attempt).props('unelevated').classes('w-full').mark('sign-in')
        if settings.feature_registration:
            with ui.row().classes('w-full justify-center text-sm gap-1'):
                ui.label('New here?')
                ui.link('Create an account', '/register')
