"""The Admin page's accounts: a searchable list with what each person owns, and the actions on one account.

Every action asks aurenlm/accounts/admin.py, which checks again that the person acting is still an admin, refuses
what would lock the instance out (disabling or deleting oneself, removing the last admin) and audits the change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from nicegui import ui

from aurenlm.accounts import admin
from aurenlm.accounts.quotas import human_bytes
from aurenlm.models import User
from aurenlm.repos.admin import PAGE, UserRow
from components import admin_dialogs, dialogs, frame
from components.admin_dialogs import counted
from components.timefmt import clock, relative

GRID = 'auren-admin-grid w-full'
HEADINGS = ('Account', 'Created', 'Last seen', 'Notebooks', 'Stored', 'Two-factor', '')
Done = TypeVar('Done')


class AdminUsers:
    def __init__(self, actor: User, ip: str) -> None:
        self.actor, self.ip = actor, ip
        self.last_email: str | None = None
        with ui.card().classes('w-full gap-3'):
            with ui.row().classes('w-full items-center justify-between gap-3'):
                ui.label('Accounts').classes('text-lg font-medium')
                self.search = (
                    ui.input(placeholder='Search by email or name')
                    .props('outlined dense clearable debounce=300 aria-label="Search accounts"')
                    .classes('w-72')
                    .mark('admin-search')
                )
                self.search.on_value_change(lambda: self.show())
            with ui.element('div').classes(GRID + ' auren-admin-head px-2'):
                for heading in HEADINGS:
                    ui.label(heading).classes('auren-admin-wide' if heading in ('Created', 'Notebooks') else '')
            self.rows = ui.column().classes('w-full gap-0')
            self.more = frame.more_button('Show more accounts', 'expand_more', self.show_more, 'admin-more-users')
        self.show()

    # -- the list ----------------------------------------------------------------------------------------------------

    def show(self) -> None:
        self.rows.clear()
        self.last_email = None
        self._add_page()

    def show_more(self) -> None:
        self._add_page()

    def _add_page(self) -> None:
        try:
            page = admin.list_users(self.actor, search=self.search.value or '', after=self.last_email, limit=PAGE)
        except admin.NotAdmin as e:
            ui.notify(str(e), type='negative')
            return
        with self.rows:
            if not page and self.last_email is None:
                ui.label('No account matches this search.').classes('text-sm text-slate-500 p-2').mark('no-users')
            for row in page:
                self._row(row)
        if page:
            self.last_email = page[-1].user.email
        self.more.set_visibility(len(page) == PAGE)

    def _row(self, row: UserRow) -> None:
        person = row.user
        with ui.element('div').classes(GRID + ' auren-admin-row px-2 py-2').mark('admin-user-row'):
            with ui.column().classes('gap-0 min-w-0'):
                ui.label(person.email).classes('font-medium truncate').mark('admin-user-email')
                with ui.row().classes('items-center gap-1'):
                    if person.display_name:
                        ui.label(person.display_name).classes('text-xs text-slate-500 truncate')
                    if person.id == self.actor.id:
                        ui.badge('you').props('outline color=primary')
                    if person.is_admin:
                        ui.badge('admin').props('color=primary')
                    if row.disabled:
                        ui.badge('disabled').props('color=negative').mark('badge-disabled')
            ui.label(clock(person.created_at)[:10]).classes('text-sm auren-admin-wide')
            ui.label(relative(person.last_seen_at) if person.last_seen_at else 'never').classes('text-sm')
            ui.label(str(row.notebooks_owned)).classes('text-sm auren-admin-wide')
            self._stored(row)
            ui.label('on' if row.two_factor else 'off').classes(
                'text-sm text-positive font-medium' if row.two_factor else 'text-sm text-slate-500'
            )
            self._actions(row)

    def _stored(self, row: UserRow) -> None:
        person, used = row.user, row.usage
        storage = human_bytes(used.bytes)
        if person.quota_storage_bytes is not None:
            storage += f' of {human_bytes(person.quota_storage_bytes)}'
        sources = counted(used.sources, 'source')
        if person.quota_sources is not None:
            sources += f' of {person.quota_sources}'
        with ui.column().classes('gap-0'):
            ui.label(storage).classes('text-sm')
            ui.label(sources).classes('text-xs text-slate-500')

    def _actions(self, row: UserRow) -> None:
        person = row.user
        with ui.button(icon='more_vert').props('flat round dense').mark(f'user-actions-{person.id}') as button:
            button.props['aria-label'] = f'Actions for {person.email}'  # an email is typed by a person: the dict
            with ui.menu().props('auto-close'):
                if row.disabled:
                    self._item('Enable account', 'enable', lambda: self.enable(row))
                else:
                    self._item('Disable account…', 'disable', lambda: self.disable(row))
                if row.two_factor:
                    self._item('Reset two-factor…', 'reset-2fa', lambda: self.reset_two_factor(row))
                self._item('Sign out everywhere and revoke tokens…', 'cut-off', lambda: self.cut_off(row))
                self._item('Set quotas…', 'quotas', lambda: self.quotas(row))
                if person.is_admin:
                    self._item('Remove admin rights…', 'revoke-admin', lambda: self.set_admin(row, False))
                else:
                    self._item('Make admin…', 'grant-admin', lambda: self.set_admin(row, True))
                ui.separator()
                self._item('Delete account…', 'delete', lambda: self.delete(row), danger=True)

    @staticmethod
    def _item(text: str, marker: str, action: Callable[[], Awaitable[None] | None], *, danger: bool = False) -> None:
        with ui.item(on_click=action).mark(f'admin-{marker}'):
            ui.item_section(text).classes('text-negative' if danger else '')

    # -- the actions -------------------------------------------------------------------------------------------------

    def _refused(self, error: admin.AdminError) -> None:
        ui.notify(str(error), type='warning', multi_line=True)

    def _guard(self, row: UserRow, check: Callable[[], None]) -> bool:
        """Run a refusal check before asking for confirmation, so nobody confirms something that will be refused."""
        try:
            check()
        except admin.AdminError as e:
            self._refused(e)
            return False
        return True

    def _apply(self, change: Callable[[], Done], message: Callable[[Done], str]) -> None:
        """Make the change, then say what it did and redraw the list; or say why it was refused."""
        try:
            done = change()
        except admin.AdminError as e:
            self._refused(e)
            return
        ui.notify(message(done), type='positive')
        self.show()

    async def disable(self, row: UserRow) -> None:
        email = row.user.email
        if not self._guard(row, lambda: admin.check_can_remove(self.actor, row.user.id, 'disable')):
            return
        if not await dialogs.confirm(
            f'Disable {email}?',
            'They are signed out everywhere at once, cannot sign in, and their API tokens stop working until you '
            'enable the account again. Their notebooks and files stay as they are.',
            action='Disable',
        ):
            return
        self._apply(
            lambda: admin.disable(self.actor, row.user.id, ip=self.ip),
            lambda _: f'{email} is disabled and signed out everywhere',
        )

    def enable(self, row: UserRow) -> None:
        self._apply(
            lambda: admin.enable(self.actor, row.user.id, ip=self.ip), lambda _: f'{row.user.email} can sign in again'
        )

    async def reset_two_factor(self, row: UserRow) -> None:
        email = row.user.email
        if not await dialogs.confirm(
            f'Reset two-factor sign-in for {email}?',
            'Their authenticator app and recovery codes stop working. They sign in with their password alone, and '
            'can set up two-factor again from Settings. Do this only when you are sure it is really them asking.',
            action='Reset two-factor',
        ):
            return
        self._apply(
            lambda: admin.reset_two_factor(self.actor, row.user.id, ip=self.ip),
            lambda _: f'Two-factor sign-in is off for {email}',
        )

    async def cut_off(self, row: UserRow) -> None:
        email = row.user.email
        if not await dialogs.confirm(
            f'Sign {email} out everywhere?',
            'Every browser they are signed in on is signed out now, and every API token they made is revoked for '
            'good (scripts using one get 401). They can sign in again with their password.',
            action='Sign out and revoke',
        ):
            return
        self._apply(
            lambda: admin.cut_off(self.actor, row.user.id, ip=self.ip),
            lambda done: f'{email}: {counted(done.sessions, "session")} ended, {counted(done.tokens, "token")} revoked',
        )

    async def quotas(self, row: UserRow) -> None:
        chosen = await admin_dialogs.ask_quotas(row)
        if chosen is None:
            return
        self._apply(
            lambda: admin.set_quotas(
                self.actor, row.user.id, max_sources=chosen.sources, max_storage_bytes=chosen.storage_bytes, ip=self.ip
            ),
            lambda _: f'Quotas saved for {row.user.email}',
        )

    async def set_admin(self, row: UserRow, value: bool) -> None:
        email = row.user.email
        if not value and not self._guard(
            row, lambda: admin.check_can_remove(self.actor, row.user.id, 'remove administrator rights from')
        ):
            return
        question = f'Make {email} an admin?' if value else f'Remove admin rights from {email}?'
        detail = (
            'Admins see every account and the whole audit log, and can disable, reset and delete accounts.'
            if value
            else 'They keep their account and notebooks, but lose the Admin page.'
        )
        if not await dialogs.confirm(question, detail, action='Make admin' if value else 'Remove', danger=not value):
            return
        self._apply(
            lambda: admin.set_admin(self.actor, row.user.id, value, ip=self.ip),
            lambda _: f'{email} is {"now" if value else "no longer"} an admin',
        )

    async def delete(self, row: UserRow) -> None:
        if not self._guard(row, lambda: admin.check_can_remove(self.actor, row.user.id, 'delete')):
            return
        try:
            choice = await admin_dialogs.ask_deletion(row, self.actor)
        except admin.AdminError as e:
            self._refused(e)
            return
        if choice is None:
            return
        self._apply(
            lambda: admin.delete(
                self.actor, row.user.id, typed=choice.typed, transfer_to=choice.transfer_to, ip=self.ip
            ),
            lambda done: (
                f'{done.email} deleted, with {counted(done.notebooks_deleted, "notebook")}; '
                f'{counted(done.notebooks_transferred, "notebook")} handed over'
            ),
        )


def build(actor: User, ip: str) -> AdminUsers:
    return AdminUsers(actor, ip)
