"""Two-factor sign-in in the UI: the Settings card (set up, new recovery codes, turn off), the set-up steps it shares
with the page that makes people enrol, the recovery codes shown once, and the sign-in page's code step.

Pending state (a secret offered but not confirmed, a password checked but no code yet) lives in these objects, which
belong to one page of one client; nothing is kept at module level or in NiceGUI's storage.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable

from nicegui import ui

from aurenlm import repos
from aurenlm.models import User
from aurenlm.security import totp
from components.timefmt import clock

CODE_LABEL = '6-digit code or recovery code'
RECOVERY_FILE = 'aurenlm-recovery-codes.txt'
PROMPT_TTL_S = 300.0  # a password checked this long ago no longer leads to a ticket: sign in again


async def _call(callback: Callable[..., object], *args: object) -> None:
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


def _code_input(label: str = CODE_LABEL) -> ui.input:
    field = ui.input(label).props('outlined autocomplete=one-time-code spellcheck=false maxlength=40')
    field.props['aria-label'] = label
    return field.classes('w-full font-mono')


async def show_recovery_codes(codes: list[str], email: str) -> None:
    """The new recovery codes, once: copy or download them, then Done; closing the dialog forgets them."""
    text = '\n'.join(
        [f'AurenLM recovery codes for {email}', 'Each code works once, in place of the code from your app.', ''] + codes
    )
    with ui.dialog().props('persistent') as dialog, ui.card().classes('w-full max-w-lg gap-3'):
        ui.label('Save your recovery codes').classes('text-lg font-semibold')
        ui.label(
            'If you lose your phone, each of these codes signs you in once instead of a code from your app. '
            'This is the only time they are shown: keep them in a password manager or print them.'
        ).classes('text-slate-600')
        grid = ui.element('div').classes('grid grid-cols-2 gap-x-8 gap-y-1 font-mono text-base self-center')
        grid.props['aria-label'] = 'Recovery codes'
        with grid:
            for code in codes:
                ui.label(code).mark('recovery-code')

        def copy() -> None:
            ui.clipboard.write(text)
            ui.notify('Recovery codes copied', type='positive')

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Copy', icon='content_copy', on_click=copy).props('outline').mark('copy-recovery-codes')
            ui.button(
                'Download', icon='download', on_click=lambda: ui.download.content(text, RECOVERY_FILE, 'text/plain')
            ).props('outline').mark('download-recovery-codes')
            ui.button('I have saved them', on_click=lambda: dialog.submit(True)).props('unelevated').mark(
                'recovery-codes-done'
            )
    dialog.open()
    await dialog
    dialog.delete()


class Enrol:
    """Scan the QR code (or type the key), type the code the app shows, turn on. The offered secret lives in this
    object only, so a reload simply offers a new one."""

    def __init__(self, user: User, ip: str, on_done: Callable[[list[str]], object], on_cancel=None) -> None:
        self.user, self.ip, self.on_done = user, ip, on_done
        self.enrolment = totp.start(user)
        with ui.column().classes('w-full gap-3').mark('totp-enrol') as self.root:
            ui.label('1. Scan this QR code with an authenticator app').classes('font-medium')
            ui.label('Any TOTP app works: Aegis, 2FAS, Google Authenticator, 1Password, Bitwarden…').classes(
                'text-sm text-slate-600'
            )
            qr = ui.image(self.enrolment.qr_data_url()).props('no-transition no-spinner')
            qr.classes('w-48 h-48 border border-slate-200 rounded')
            qr.props['alt'] = 'QR code for your authenticator app'
            qr.mark('totp-qr')
            ui.label('Can’t scan it? Type this key into the app instead:').classes('text-sm text-slate-600')
            key = ui.label(self.enrolment.grouped()).classes('font-mono text-base tracking-wide select-all')
            key.props['aria-label'] = 'Set-up key'
            key.mark('totp-secret')
            ui.label('2. Type the 6-digit code the app shows').classes('font-medium')
            self.code = _code_input('6-digit code').classes('max-w-xs').mark('totp-confirm-code')
            self.code.props('inputmode=numeric')
            self.code.on('keydown.enter', self.confirm)
            self.error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('totp-enrol-error')
            with ui.row().classes('gap-2'):
                ui.button('Turn on', icon='verified_user', on_click=self.confirm).props('unelevated').mark(
                    'totp-turn-on'
                )
                if on_cancel is not None:
                    ui.button('Cancel', on_click=on_cancel).props('flat').mark('totp-cancel')

    async def confirm(self) -> None:
        if not (self.code.value or '').strip():
            self.error.text = 'Type the 6-digit code your app shows first.'
            return
        try:
            codes = totp.confirm(self.user, self.enrolment, self.code.value or '', ip=self.ip)
        except totp.TwoFactorError as e:
            self.error.text = str(e)
            return
        self.error.text = ''
        await show_recovery_codes(codes, self.user.email)
        await _call(self.on_done, codes)


class TwoFactorPanel:
    """The Settings card: the state of 2FA, and what can be done with it."""

    def __init__(self, user: User, ip: str) -> None:
        self.user, self.ip = user, ip
        with ui.card().classes('w-full gap-3').mark('two-factor') as self.root:
            ui.label('Two-factor sign-in').classes('text-lg font-medium')
            self.body = ui.column().classes('w-full gap-3')
        self.show()

    def show(self) -> None:
        self.body.clear()
        fresh = repos.users.get(self.user.id) or self.user
        with self.body:
            if fresh.totp_enabled_at is None:
                self._off()
            else:
                self._on(fresh)

    def _off(self) -> None:
        ui.label(
            'Off. Turn it on and signing in will also ask for a 6-digit code from an app on your phone, '
            'so a stolen password alone is not enough.'
        ).classes('text-slate-600').mark('totp-state')
        ui.button('Set up two-factor sign-in', icon='phonelink_lock', on_click=self.start).props('unelevated').mark(
            'totp-start'
        )

    def _on(self, fresh: User) -> None:
        left = totp.recovery_codes_left(fresh.id)
        assert fresh.totp_enabled_at is not None
        ui.label(f'On since {clock(fresh.totp_enabled_at)}.').classes('text-slate-600').mark('totp-state')
        note = ui.label(f'{left} of {totp.RECOVERY_COUNT} recovery codes left.').classes('text-sm')
        if left <= 3:
            note.text += ' Make new ones before you run out.'
            note.classes('text-negative')
        note.mark('recovery-left')
        with ui.row().classes('gap-2'):
            ui.button('New recovery codes', icon='autorenew', on_click=self.regenerate).props('outline').mark(
                'totp-regenerate'
            )
            ui.button('Turn off', icon='no_encryption', on_click=self.turn_off).props('outline color=negative').mark(
                'totp-turn-off'
            )

    def start(self) -> None:
        self.body.clear()
        with self.body:
            try:
                Enrol(self.user, self.ip, on_done=lambda _codes: self._enrolled(), on_cancel=self.show)
            except totp.TwoFactorError as e:
                ui.label(str(e)).classes('text-negative text-sm').props('role=alert')

    def _enrolled(self) -> None:
        ui.notify('Two-factor sign-in is on', type='positive')
        self.show()

    async def _ask(
        self, title: str, message: str, label: str, action: str, attempt: Callable[[str], object], danger: bool = False
    ):
        """A dialog with one field that stays open, showing the reason, until `attempt` stops raising (its answer
        comes back) or the person cancels (None)."""
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-md gap-3'):
            ui.label(title).classes('text-lg font-semibold')
            ui.label(message).classes('text-slate-600')
            field = _code_input(label).props('autofocus').mark('totp-dialog-code')
            if 'password' in label:  # masked: it may be the password
                field.props('type=password autocomplete=current-password')
            error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('totp-dialog-error')

            async def go() -> None:
                typed = (field.value or '').strip()
                if not typed:
                    error.text = f'Type your {label.lower()} first.'
                    return
                try:
                    result = attempt(typed)
                    answer = await result if inspect.isawaitable(result) else result
                except totp.TwoFactorError as e:
                    error.text = str(e)
                    field.value = ''
                    return
                dialog.submit(answer)

            field.on('keydown.enter', go)
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat').mark('totp-dialog-cancel')
                ok = ui.button(action, on_click=go).props('unelevated').mark('totp-dialog-ok')
                ok.props['color'] = 'negative' if danger else 'primary'
        dialog.open()
        answer = await dialog
        dialog.delete()
        return answer

    async def regenerate(self) -> None:
        codes = await self._ask(
            'New recovery codes',
            'Type the current code from your app, or a recovery code. Your old recovery codes stop working.',
            CODE_LABEL,
            'Make new codes',
            lambda code: totp.regenerate_recovery_codes(self.user, code, ip=self.ip),
        )
        if codes:
            await show_recovery_codes(codes, self.user.email)
            self.show()

    async def turn_off(self) -> None:
        done = await self._ask(
            'Turn off two-factor sign-in?',
            'Signing in will ask for your password only. Type a current code from your app, a recovery code, '
            'or your password.',
            'Code, recovery code or password',
            'Turn off',
            lambda answer: totp.disable(self.user, answer, ip=self.ip) or True,
            danger=True,
        )
        if done:
            ui.notify('Two-factor sign-in is off', type='warning')
            self.show()


class CodePrompt:
    """The sign-in page's second step. `ask` is called only after a right password and holds that account for
    PROMPT_TTL_S in this object (this page of this client); `on_passed(user, how)` then issues the ticket."""

    def __init__(self, ip: str, on_passed: Callable[[User, str], None]) -> None:
        self.ip, self.on_passed = ip, on_passed
        self.pending: tuple[str, float] | None = None  # (user id, monotonic deadline)
        self.hidden: list[ui.element] = []
        with ui.column().classes('w-full gap-3').mark('totp-prompt') as self.root:
            ui.label('Two-factor code').classes('font-medium')
            ui.label('Open your authenticator app and type the 6-digit code it shows for AurenLM.').classes(
                'text-sm text-slate-600'
            )
            self.code = _code_input().mark('totp-code')
            self.code.on('keydown.enter', self.submit)
            ui.label('Lost your phone? Type one of your recovery codes instead.').classes('text-xs text-slate-500')
            self.error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('totp-error')
            ui.button('Verify', on_click=self.submit).props('unelevated').classes('w-full').mark('totp-verify')
            ui.button('Back to sign in', on_click=self.back).props('flat').classes('w-full').mark('totp-back')
        self.root.visible = False

    def ask(self, user: User) -> None:
        """Swap the sign-in form for the code field: every other element of the card hides, except its title."""
        self.pending = (user.id, time.monotonic() + PROMPT_TTL_S)
        siblings = [el for el in self.root.parent_slot.children if el is not self.root] if self.root.parent_slot else []
        self.hidden = [el for el in siblings[1:] if el.visible]
        for element in self.hidden:
            element.visible = False
        self.code.value = ''
        self.error.text = ''
        self.root.visible = True
        self.code.run_method('focus')

    def back(self) -> None:
        self.pending = None
        self.root.visible = False
        for element in self.hidden:
            element.visible = True
        self.hidden = []

    def submit(self) -> None:
        pending, self.error.text = self.pending, ''
        if pending is not None and not (self.code.value or '').strip():
            self.error.text = 'Type the 6-digit code from your app first.'
            return
        if pending is None or time.monotonic() > pending[1]:
            self.back()
            if pending is not None:
                ui.notify('That took too long. Sign in with your password again.', type='warning')
            return
        verdict = totp.check(pending[0], self.code.value or '', ip=self.ip)
        if not verdict.ok:
            self.error.text = verdict.message
            return
        user = repos.users.get(pending[0])
        self.pending = None
        if user is None or user.disabled_at is not None:
            self.back()
            ui.notify('This account cannot sign in. Ask your administrator.', type='negative')
            return
        self.on_passed(user, 'recovery code' if verdict.recovery else 'code')
