"""Set up two-factor sign-in before anything else, when the instance requires it of everyone (pages/guard.py sends
every page here until the account has it). People who choose it themselves use the card on the Settings page."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm.security import totp
from components import frame, two_factor
from pages.guard import ENROL_PATH, current_user
from pages.login import client_ip


@ui.page(ENROL_PATH)
def two_factor_page(request: Request) -> None:
    user = current_user(enrolling=True)
    if user is None:
        return
    if not totp.must_enrol(user):  # on already, or not required: the Settings card has the rest
        ui.navigate.to('/settings' if user.totp_enabled_at is not None else '/')
        return
    with frame.public('Set up two-factor sign-in'):
        ui.label(
            'This server asks everyone to sign in with a code from their phone as well as a password. '
            'Set it up now to continue; it takes a minute.'
        ).classes('text-slate-600').mark('totp-required')
        two_factor.Enrol(user, client_ip(request), on_done=lambda _codes: ui.navigate.to('/'))
        ui.separator()
        with ui.row().classes('w-full justify-between items-center text-sm'):
            ui.label(f'Signed in as {user.email}').classes('text-slate-500')
            ui.button('Sign out', on_click=lambda: frame.sign_out()).props('flat dense no-caps').mark('sign-out')
