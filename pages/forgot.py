"""Forgot password: ask for a reset link by email. The answer is the same whether or not the address has an account
(aurenlm/accounts/reset.py explains how that holds even when the mail server is down)."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm.accounts import reset
from components import frame
from pages.login import client_ip


@ui.page('/forgot')
def forgot_page(request: Request) -> None:
    ip = client_ip(request)
    with frame.public('Reset your password'):
        if not reset.available():
            ui.label(
                'This server is not set up to send email, so passwords cannot be reset by mail here. '
                'Ask your administrator to help you back into your account.'
            ).classes('text-slate-600').mark('reset-unavailable')
            ui.link('Back to sign in', '/login').classes('text-sm self-center')
            return

        async def send() -> None:
            button.disable()
            result_label.text = ''
            try:
                result = await reset.ask(email.value or '', ip=ip)
            finally:
                button.enable()
            result_label.text = result.message
            good = result.outcome == reset.Asked.sent
            result_label.classes(
                replace='text-sm ' + ('text-positive' if good else 'text-negative')
            )  # our own fixed class names, never user text

        ui.label('Enter the email address of your account. We will mail you a link to choose a new password.').classes(
            'text-slate-600 text-sm'
        )
        email = ui.input('Email').props('type=email autocomplete=email autofocus outlined aria-label="Email"')
        email.classes('w-full').mark('email')
        email.on('keydown.enter', send)
        result_label = ui.label('').classes('text-sm').props('role=status aria-live=polite').mark('forgot-result')
        button = (
            ui.button('Send reset link', on_click=send)
            .props('unelevated aria-label="Send reset link"')
            .classes('w-full')
            .mark('send-reset')
        )
        ui.link('Back to sign in', '/login').classes('text-sm self-center')
