"""Sign in with email and password; generic failures; wrong passwords slow down per account and per address."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm import repos
from aurenlm.accounts import admin, registration
from aurenlm.config import get_settings
from aurenlm.models import User
from aurenlm.security import ratelimit, sessions
from aurenlm.web import auth
from aurenlm.web import oidc as oidc_web
from components import frame
from pages.guard import current_user, next_target


def client_ip(request: Request) -> str:
    """The client's address; behind a configured proxy, the one it forwarded (aurenlm/web/proxies.py)."""
    return request.client.host if request.client else ''


def finish_sign_in(request: Request, user: User, next_path: str | None) -> None:
    """Hand over to an HTTP request, which alone can set the cookie (aurenlm/web/auth.py)."""
    ticket = sessions.issue_ticket(user, request.session.get('id', ''))
    ui.navigate.to(auth.complete_url(ticket, next_path))


@ui.page('/login')
def login_page(request: Request, next: str | None = None, oidc: str | None = None) -> None:  # noqa: A002 - query names
    if current_user(redirect=False) is not None:
        ui.navigate.to(next_target(next))
        return
    settings = get_settings()
    ip = client_ip(request)

    def attempt() -> None:
        email = (email_input.value or '').strip().lower()
        error.text = ''
        waiting = ratelimit.signin_allowed(email, ip)
        if not waiting.allowed:  # not even checked: a guesser learns nothing while the wait lasts
            error.text = waiting.wait_message()
            return
        user = repos.users.authenticate(email, password.value or '')
        if user is None:
            lock = ratelimit.signin_failed(email, ip)
            repos.audit.signin_failed(email, ip=ip)
            error.text = 'Email or password is not right. Check both and try again.'
            if not lock.allowed:
                error.text += ' ' + lock.wait_message()
            return
        if user.disabled_at is not None:  # the right password: saying so tells them whom to ask
            repos.audit.record(user.id, 'login_refused_disabled', ip=ip)
            error.text = admin.DISABLED_MESSAGE
            return
        ratelimit.signin_succeeded(email)
        repos.audit.record(user.id, 'login', ip=ip)
        finish_sign_in(request, user, next)

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
        ui.link('Forgot password?', '/forgot').classes('text-sm self-center').mark('forgot-password')
        if oidc:  # a single sign-on that came back with a problem: a fixed message for its code, never its text
            error.text = oidc_web.message(oidc) or ''
        if settings.oidc_enabled:
            ui.label('or').classes('text-xs text-slate-500 self-center')
            sso = ui.button(settings.oidc_button_label).props('outline no-caps').classes('w-full').mark('sign-in-oidc')
            sso.props['href'] = oidc_web.start_url(next)  # a real link: the provider's page is a full navigation
            sso.props['aria-label'] = settings.oidc_button_label
        if registration.accepts_anyone():
            with ui.row().classes('w-full justify-center text-sm gap-1'):
                ui.label('New here?')
                ui.link('Create an account', '/register')
