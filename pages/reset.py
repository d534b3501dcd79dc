"""Choose a new password through the link in a reset mail. Setting it uses the link up and signs the account out
everywhere; the person then signs in with it (and their 2FA code, when enrolled), so the link alone never signs in."""

from __future__ import annotations

from fastapi import Request
from nicegui import run, ui

from aurenlm.accounts import reset
from components import forms, frame
from pages.login import client_ip


@ui.page('/reset')
def reset_page(request: Request, token: str = '') -> None:
    ip = client_ip(request)
    account = reset.account_for(token)
    with frame.public('Reset your password'):
        if account is None:
            ui.label(reset.EXPIRED).classes('text-slate-600').mark('reset-expired')
            ui.link('Ask for a new link', '/forgot').classes('text-sm self-center')
            return
        form = ui.column().classes('w-full gap-3 p-0')
        done = ui.column().classes('w-full gap-3 p-0')
        done.set_visibility(False)

        async def submit() -> None:
            error.text = ''
            if (password.value or '') != (confirm.value or ''):
                error.text = 'The two passwords differ. Type the same password twice.'
                return
            try:
                await run.io_bound(reset.choose_password, token, password.value or '', ip=ip)  # argon2: a thread
            except reset.ResetError as e:
                error.text = str(e)
                return
            form.set_visibility(False)
            done.set_visibility(True)

        with form:
            ui.label(f'For {account.email}').classes('text-slate-600 text-sm')
            password, confirm = forms.new_password_pair('New password', 'Repeat new password', autofocus=True)
            confirm.on('keydown.enter', submit)
            error = forms.error_and_submit(
                'Set new password', submit, error_marker='reset-error', button_marker='set-password'
            )
        with done:
            ui.label(
                'Your password has been changed, every device that was signed in is signed out, and every API token '
                'of the account is revoked: make new ones under Settings → API tokens.'
            ).classes('text-positive').props('role=status').mark('reset-done')
            ui.button('Sign in', on_click=lambda: ui.navigate.to('/login')).props('unelevated').classes('w-full').mark(
                'go-sign-in'
            )
