"""The Settings page's password change: the current password, the new one twice; other browsers are signed out."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import run, ui

from aurenlm.accounts.password_change import PasswordChangeError, change_password
from aurenlm.models import User
from aurenlm.security import passwords


class PasswordPanel:
    def __init__(self, user: User, token: str | None, ip: str, on_change: Callable[[], None] | None = None) -> None:
        self.user, self.token, self.ip, self.on_change = user, token, ip, on_change
        with ui.card().classes('w-full gap-2'):
            ui.label('Password').classes('text-lg font-medium')
            ui.label('Changing it signs you out on every other browser and device; this one stays signed in.').classes(
                'text-sm text-slate-600'
            )
            with ui.row().classes('w-full items-start gap-4'):
                self.current = self._field('Current password', 'current-password', 'current-password')
                self.new = self._field('New password', 'new-password', 'new-password')
                self.repeat = self._field('Repeat new password', 'new-password', 'repeat-password')
            ui.label(f'At least {passwords.MIN_LENGTH} characters; not a common password.').classes(
                'text-xs text-slate-500'
            )
            self.repeat.on('keydown.enter', self.change)
            self.error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('password-error')
            self.button = (
                ui.button('Change password', icon='password', on_click=self.change)
                .props('unelevated aria-label="Change password"')
                .mark('change-password')
            )

    @staticmethod
    def _field(label: str, autocomplete: str, marker: str) -> ui.input:
        field = ui.input(label, password=True, password_toggle_button=True).props('outlined dense')
        field.props['aria-label'] = label
        field.props['autocomplete'] = autocomplete
        return field.classes('w-64').mark(marker)

    async def change(self) -> None:
        self.error.text = ''
        if (self.new.value or '') != (self.repeat.value or ''):
            self.error.text = 'The two new passwords differ. Type the same new password twice.'
            return
        self.button.disable()
        try:  # argon2 twice (check and hash): in a thread, so other people's pages stay quick
            signed_out = await run.io_bound(
                change_password,
                self.user,
                self.current.value or '',
                self.new.value or '',
                keep_token=self.token,
                ip=self.ip,
            )
        except PasswordChangeError as e:
            self.error.text = str(e)
            return
        finally:
            self.button.enable()
        for field in (self.current, self.new, self.repeat):
            field.value = ''
        others = f' {signed_out} other session{"s" * (signed_out != 1)} signed out.' if signed_out else ''
        ui.notify(f'Password changed.{others}', type='positive')
        if self.on_change is not None:
            self.on_change()


def build(user: User, token: str | None, ip: str, on_change: Callable[[], None] | None = None) -> PasswordPanel:
    return PasswordPanel(user, token, ip, on_change)
