"""Sign in with email and password; generic failures; wrong passwords slow down per account and per address."""

from __future__ import annotations

from fastapi import Request
from nicegui import run, ui

from aurenlm import repos
from aurenlm.accounts import admin, registration
from aurenlm.config import get_settings
from aurenlm.models import User
from aurenlm.security import ratelimit, sessions, totp
from aurenlm.web import auth
from aurenlm.web import oidc as oidc_web
from components import forms, frame, two_factor
from pages.guard import current_user, login_url, next_target


def client_ip(request: Request) -> str:
    """The client's address; behind a configured proxy, the one it forwarded (aurenlm/web/proxies.py)."""
    return request.client.host if request.client else ''


def finish_sign_in(request: Request, user: User, next_path: str | None, *, second_factor: bool = False) -> None:
    """Hand over to an HTTP request, which alone can set the cookie (aurenlm/web/auth.py).

    An account with two-factor sign-in gets a ticket only once its code was checked (`second_factor=True`, from
    the sign-in page); any other way of getting here is sent to the sign-in page, which asks for the code."""
    if not second_factor and totp.enabled(user.id):
        ui.navigate.to(login_url(next_target(next_path)))
        return
    ticket = sessions.issue_ticket(user, request.session.get('id', ''))
    ui.navigate.to(auth.complete_url(ticket, next_path))


@ui.page('/login')
def login_page(request: Request, next: str | None = None, oidc: str | None = None) -> None:  # noqa: A002 - query names
    if current_user(redirect=False) is not None:
        ui.navigate.to(next_target(next))
        return
    settings = get_settings()
    ip = client_ip(request)

    async def attempt() -> None:
        email = (email_input.value or '').strip().lower()
        error.text = ''
        # counted as a failure before the check, which runs in a thread: guesses sent at once cannot all pass a look
        # at the count; a right password takes the count back
        counted = ratelimit.begin_signin(email, ip)
        if not counted.verdict.allowed:  # not even checked: a guesser learns nothing while the wait lasts
            error.text = counted.verdict.wait_message()
            return
        user = await run.io_bound(repos.users.authenticate, email, password.value or '')  # argon2: off the loop
        if user is None:
            lock = ratelimit.signin_attempt_failed(counted)
            repos.audit.signin_failed(email, ip=ip)
            error.text = 'Email or password is not right. Check both and try again.'
            if not lock.allowed:
                error.text += ' ' + lock.wait_message()
            return
        if user.disabled_at is not None:  # the right password: saying so tells them whom to ask
            ratelimit.signin_attempt_right(counted, clear_account=False)
            repos.audit.record(user.id, 'login_refused_disabled', ip=ip)
            error.text = admin.DISABLED_MESSAGE
            return
        ratelimit.signin_attempt_right(counted)
        if totp.enabled(user.id):  # no ticket yet: this page alone holds the account until the code is right
            password.value = ''
            second_step.ask(user)
            return
        repos.audit.record(user.id, 'login', ip=ip)
        finish_sign_in(request, user, next)

    def second_factor_passed(user: User, how: str) -> None:
        repos.audit.record(user.id, 'login', ip=ip, second_factor=how)
        finish_sign_in(request, user, next, second_factor=True)

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
        error = forms.error_and_submit('Sign in', attempt, error_marker='login-error', button_marker='sign-in')
        second_step = two_factor.CodePrompt(ip, second_factor_passed)  # hidden until a right password
        # signed in at the identity provider, and this account asks for its TOTP code too (asked at the end below)
        after_provider = oidc_web.awaiting_second_factor(request) if oidc == oidc_web.SECOND_FACTOR else None
        if oidc and after_provider is None:  # single sign-on came back with a problem: a fixed message for its code
            error.text = oidc_web.message(oidc) or ''
        if settings.oidc_enabled:
            ui.label('or').classes('text-xs text-slate-500 self-center')
            sso = ui.button(settings.oidc_button_label).props('outline no-caps').classes('w-full').mark('sign-in-oidc')
            sso.props['href'] = oidc_web.start_url(next)  # a real link: the provider's page is a full navigation
            sso.props['aria-label'] = settings.oidc_button_label
        ui.link('Forgot password?', '/forgot').classes('text-sm self-center').mark('forgot-password')
        if registration.accepts_anyone():
            with ui.row().classes('w-full justify-center text-sm gap-1'):
                ui.label('New here?')
                ui.link('Create an account', '/register')
        if after_provider is not None:  # after every element of the card, so that the code step hides them all
            second_step.ask(after_provider)
