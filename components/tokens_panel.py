"""The Settings page's API tokens: make one (shown once, with a copy button), see each one's last use, revoke."""

from __future__ import annotations

from nicegui import ui

from aurenlm.config import get_settings
from aurenlm.models import ApiToken, User
from aurenlm.repos import tokens as token_rows
from aurenlm.security import tokens
from components import dialogs
from components.timefmt import clock, relative

SCOPES = {'read': 'Read only', 'write': 'Read and write'}
EXPIRIES = {0: 'No expiry', 7: '7 days', 30: '30 days', 90: '90 days', 365: '1 year'}


class TokensPanel:
    def __init__(self, user: User) -> None:
        self.user = user
        with ui.card().classes('w-full gap-3') as self.root:
            ui.label('API tokens').classes('text-lg font-medium')
            with ui.row().classes('items-center gap-1 text-sm text-slate-600'):
                ui.label('Scripts and tools use the REST API as you with a personal access token.')
                ui.link('API reference', '/api/docs', new_tab=True)
            if not get_settings().feature_api:
                ui.label('The API is turned off on this server. Ask its administrator to turn it on.')
                return
            with ui.row().classes('w-full items-end gap-4'):
                self.name = (
                    ui.input('Token name', placeholder='e.g. backup script')
                    .props('outlined dense aria-label="Token name" maxlength=100')
                    .classes('w-64')
                    .mark('token-name')
                )
                self.name.on('keydown.enter', self.create)
                self.scope = ui.radio(SCOPES, value='read').props('inline aria-label="Access"').mark('token-scope')
                self.expiry = (
                    ui.select(EXPIRIES, value=90, label='Expires')
                    .props('outlined dense aria-label="Expires"')
                    .classes('w-36')
                    .mark('token-expiry')
                )
                ui.button('Create token', icon='key', on_click=self.create).props('unelevated').mark('create-token')
            self.error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('token-error')
            self.rows = ui.column().classes('w-full gap-1')
        self.show()

    async def create(self) -> None:
        expires = int(self.expiry.value or 0)
        try:
            made = tokens.issue(
                self.user,
                self.name.value,
                can_write=self.scope.value == 'write',
                expires_days=expires or None,
                ip=_client_ip(),
            )
        except tokens.TokenError as e:
            self.error.text = str(e)
            return
        self.error.text = ''
        self.name.value = ''
        self.show()
        await self._show_once(made)

    async def _show_once(self, made: tokens.NewToken) -> None:
        """The full token lives only in this dialog; closing it deletes the element and the token with it."""
        with ui.dialog().props('persistent') as dialog, ui.card().classes('w-full max-w-xl gap-3'):
            ui.label(f'Token “{made.row.name}” created').classes('text-lg font-semibold')
            ui.label(
                'Copy it now: this is the only time it is shown. Keep it somewhere safe, like a password manager.'
            ).classes('text-slate-600')
            ui.input('New token', value=made.token).props('readonly outlined aria-label="New token"').classes(
                'w-full font-mono'
            ).mark('new-token')

            def copy() -> None:
                ui.clipboard.write(made.token)
                ui.notify('Token copied', type='positive')

            with ui.row().classes('w-full justify-end gap-2'):
                ui.button('Copy', icon='content_copy', on_click=copy).props('outline').mark('copy-token')
                ui.button('Done', on_click=lambda: dialog.submit(True)).props('unelevated').mark('token-done')
        dialog.open()
        await dialog
        dialog.delete()

    def show(self) -> None:
        self.rows.clear()
        rows = token_rows.list_for(self.user)
        with self.rows:
            if not rows:
                ui.label('No tokens yet.').classes('text-sm text-slate-500').mark('no-tokens')
                return
            for row in rows:
                self._row(row)

    def _row(self, row: ApiToken) -> None:
        state = tokens.status(row)
        with ui.row().classes('w-full items-center gap-3 py-1 border-b border-slate-200').mark(f'token-{row.id}'):
            with ui.column().classes('gap-0 grow'):
                with ui.row().classes('items-center gap-2'):
                    ui.label(row.name).classes('font-medium')
                    ui.label(f'{row.prefix}…').classes('font-mono text-xs text-slate-500')
                    ui.badge('read and write' if row.can_write else 'read only').props('outline')
                    if state != 'active':
                        ui.badge(state, color='negative').props('outline')
                used = relative(row.last_used_at) if row.last_used_at else 'never'
                expires = clock(row.expires_at) if row.expires_at else 'never'
                ui.label(f'Created {clock(row.created_at)} · last used {used} · expires {expires}').classes(
                    'text-xs text-slate-500'
                )
            if state == 'active':
                revoke = ui.button('Revoke', on_click=lambda r=row: self.revoke(r)).props('flat color=negative')
                revoke.props['aria-label'] = f'Revoke token {row.name}'  # the name is typed by a person: the dict
                revoke.mark('revoke-token')

    async def revoke(self, row: ApiToken) -> None:
        if not await dialogs.confirm(
            'Revoke this token?',
            f'Scripts using “{row.name}” will get 401 from now on. This cannot be undone.',
            action='Revoke',
        ):
            return
        tokens.revoke(self.user, row.id, ip=_client_ip())
        ui.notify(f'Token “{row.name}” revoked')
        self.show()


def _client_ip() -> str:
    """The address of the browser this page serves (behind a configured proxy, the one it forwarded)."""
    request = ui.context.client.request
    return request.client.host if request.client else ''


def build(user: User) -> TokensPanel:
    return TokensPanel(user)
