"""The Settings page's signed-in sessions: each browser with its device, address, sign-in time and last activity;
this one marked; sign out one, every other one, or all of them."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from aurenlm.accounts import devices
from aurenlm.models import AuthSession, User
from aurenlm.repos import audit
from aurenlm.security import sessions
from components import dialogs, frame
from components.timefmt import clock, relative


def _icon(device: str) -> str:
    return (
        'smartphone' if device.endswith(('iPhone', 'Android')) else 'tablet' if device.endswith('iPad') else 'computer'
    )


class SessionsPanel:
    def __init__(self, user: User, token: str | None, ip: str, on_change: Callable[[], None] | None = None) -> None:
        self.user, self.token, self.ip = user, token, ip
        self.current = sessions.token_hash(token or '')
        self.on_change = on_change
        with ui.card().classes('w-full gap-2') as self.root:
            ui.label('Signed-in sessions').classes('text-lg font-medium')
            ui.label(
                'Every browser signed in to your account. Sign out any you do not recognise. '
                'Scripts using an API token are not sessions: revoke their tokens under API tokens below.'
            ).classes('text-sm text-slate-600')
            self.rows = ui.column().classes('w-full gap-0')
            with ui.row().classes('gap-2'):
                self.others = (
                    ui.button('Sign out all other sessions', icon='devices_other', on_click=self.sign_out_others)
                    .props('outline aria-label="Sign out all other sessions"')
                    .mark('sign-out-others')
                )
                ui.button('Sign out everywhere', icon='logout', on_click=self.sign_out_everywhere).props(
                    'outline color=negative aria-label="Sign out everywhere, this browser too"'
                ).mark('sign-out-everywhere')
        self.show()

    def show(self) -> None:
        self.rows.clear()
        active = sessions.active(self.user)
        with self.rows:
            for row in sorted(active, key=lambda r: r.id != self.current):  # this browser first
                self._row(row)
        self.others.set_enabled(any(row.id != self.current for row in active))

    def _row(self, row: AuthSession) -> None:
        this = row.id == self.current
        device = devices.describe(row.user_agent)
        with ui.row().classes('w-full items-center gap-3 py-2 border-b border-slate-200 no-wrap').mark('session-row'):
            ui.icon(_icon(device), size='28px').classes('text-slate-500')
            with ui.column().classes('gap-0 grow min-w-0'):
                with ui.row().classes('items-center gap-2'):
                    ui.label(device).classes('font-medium').mark('session-device')
                    if this:
                        ui.badge('This device', color='positive').props('outline').mark('this-device')
                where = row.ip or 'unknown address'
                ui.label(f'{where} · signed in {clock(row.created_at)} · last seen {relative(row.last_seen)}').classes(
                    'text-sm text-slate-500'
                )
            if not this:
                button = ui.button('Sign out', on_click=lambda r=row, d=device: self.revoke(r, d))
                button.props('flat color=negative no-caps')
                button.props['aria-label'] = f'Sign out {device} at {where}'  # from a header: the dict, not a string
                button.mark('revoke-session')

    async def revoke(self, row: AuthSession, device: str) -> None:
        if not await dialogs.confirm(
            'Sign out this session?',
            f'{device} ({row.ip or "unknown address"}) will have to sign in again.',
            action='Sign out',
        ):
            return
        if sessions.revoke_session(self.user, row.id):
            audit.record(self.user.id, 'session_revoked', ip=self.ip, device=device, address=row.ip)
            ui.notify(f'Signed out {device}', type='positive')
        self._changed()

    async def sign_out_others(self) -> None:
        if not await dialogs.confirm(
            'Sign out all other sessions?',
            'Every other browser and device signed in to your account will have to sign in again. This one stays.',
            action='Sign out others',
        ):
            return
        count = sessions.revoke_others(self.user, self.token)
        audit.record(self.user.id, 'sessions_revoked_others', ip=self.ip, sessions=count)
        ui.notify(f'Signed out {count} other session{"s" * (count != 1)}', type='positive')
        self._changed()

    def sign_out_everywhere(self) -> None:
        audit.record(self.user.id, 'signed_out_everywhere', ip=self.ip)
        frame.sign_out(everywhere=self.user)

    def _changed(self) -> None:
        self.show()
        if self.on_change is not None:
            self.on_change()


def build(user: User, token: str | None, ip: str, on_change: Callable[[], None] | None = None) -> SessionsPanel:
    return SessionsPanel(user, token, ip, on_change)
