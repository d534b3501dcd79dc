"""Create an account: email and a password that passes the rules, limited per address."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm import repos
from aurenlm.accounts import registration
from aurenlm.config import RegistrationPolicy, get_settings
from aurenlm.repos.users import RegistrationError
from aurenlm.security import passwords, ratelimit
from components import frame
from pages.login import client_ip, finish_sign_in


@ui.page('/register')
def register_page(request: Request) -> None:
    settings = get_settings()
    policy = registration.policy()
    if policy == RegistrationPolicy.closed and not registration.is_first_account():
        with frame.public('Registration is closed'):
            ui.label(registration.CLOSED).classes('text-slate-600').mark('registration-policy')
            ui.link('Back to sign in', '/login')
        return
    ip = client_ip(request)

    def submit() -> None:
        error.text = ''
        if (password.value or '') != (confirm.value or ''):
            error.text = 'The two passwords differ. Type the same password twice.'
            return
        verdict = ratelimit.hit(settings.rate_register, 'register-ip', ip)
        if not verdict.allowed:
            error.text = verdict.wait_message()
            return
        try:
            user = registration.register(email.value or '', password.value or '')
        except RegistrationError as e:
            error.text = str(e)
            return
        repos.audit.record(user.id, 'register', ip=ip)
        finish_sign_in(request, user, '/')

    with frame.public('Create your account'):
        ui.label(registration.explanation(policy)).classes('text-sm text-slate-600').mark('registration-policy')
        email = ui.input('Email').props('type=email autocomplete=email autofocus outlined aria-label="Email"')
        email.classes('w-full').mark('email')
        password = (
            ui.input('Password', password=True, password_toggle_button=True)
            .props('autocomplete=new-password outlined aria-label="Password"')
            .classes('w-full')
            .mark('password')
        )
        ui.label(f'At least {passwords.MIN_LENGTH} characters; not a common password.').classes(
            'text-xs text-slate-500 -mt-2'
        )
        confirm = (
            ui.input('Repeat password', password=True)
            .props('autocomplete=new-password outlined aria-label="Repeat password"')
            .classes('w-full')
            .mark('confirm')
        )
        confirm.on('keydown.enter', submit)
        error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('register-error')
        ui.button('Create account', on_click=submit).props('unelevated').classes('w-full').mark('create-account')
        with ui.row().classes('w-full justify-center text-sm gap-1'):
            ui.label('Have an account?')
            ui.link('Sign in', '/login')
