"""The Admin page's two dialogs that ask for more than yes or no: an account's quotas, and deleting an account
(a typed confirmation, and a choice for each shared notebook it owns: hand it to a member, or delete it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nicegui import ui

from aurenlm.accounts import admin
from aurenlm.accounts.quotas import human_bytes
from aurenlm.models import User
from aurenlm.repos.admin import UserRow
from components import cards

MB = 1024 * 1024
DELETE_IT = ''  # the hand-over select's value for "delete the notebook"


@dataclass(frozen=True)
class Quotas:
    sources: int | None
    storage_bytes: int | None


@dataclass(frozen=True)
class DeletionChoice:
    typed: str
    transfer_to: dict[str, str] = field(default_factory=dict)


def counted(n: int, word: str) -> str:
    """'1 notebook', '2 notebooks'."""
    return f'{n} {word}' + ('' if n == 1 else 's')


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


async def ask_quotas(row: UserRow) -> Quotas | None:
    """The limits the admin typed (empty: no limit), or None when they cancelled."""
    person, used = row.user, row.usage
    current_mb = None if person.quota_storage_bytes is None else round(person.quota_storage_bytes / MB, 1)
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md gap-3'):
        cards.dialog_heading(
            f'Quotas for {person.email}',
            f'They store {counted(used.sources, "source")}, {human_bytes(used.bytes)} (sources they added, and '
            'sources in their notebooks). A quota refuses new sources past it; nothing stored is removed. '
            'Leave a field empty for no limit.',
        )
        sources = (
            ui.number('Most sources', value=person.quota_sources, min=0, precision=0, format='%d')
            .props('outlined clearable aria-label="Most sources"')
            .classes('w-full')
            .mark('quota-sources')
        )
        storage = (
            ui.number('Most storage, in MB', value=current_mb, min=0, precision=1)
            .props('outlined clearable aria-label="Most storage in megabytes"')
            .classes('w-full')
            .mark('quota-storage')
        )

        def save() -> None:
            megabytes = storage.value
            dialog.submit(
                Quotas(_whole(sources.value), None if megabytes is None else int(round(float(megabytes) * MB)))
            )

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button('Save quotas', on_click=save).props('unelevated').mark('quota-save')
    result = await dialog
    dialog.delete()
    return result


async def ask_deletion(row: UserRow, actor: User) -> DeletionChoice | None:
    """What the admin chose for the account's shared notebooks and the email they typed, or None (cancelled)."""
    person = row.user
    shared = admin.shared_notebooks(actor, person.id)
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-lg gap-3'):
        cards.dialog_heading(
            f'Delete {person.email}?',
            f'The account and everything it owns go for good: {counted(row.notebooks_owned, "notebook")} with '
            'their sources, notes, chats and files, its sessions and API tokens, and its private chats in '
            'notebooks of others. Sources and notes it added to notebooks of others stay there. This cannot be undone.',
        )
        heirs: dict[str, ui.select] = {}
        if shared:
            ui.label('Shared notebooks it owns: hand each to a member, or delete it.').classes('text-sm font-medium')
            for notebook in shared:
                options = {DELETE_IT: 'Delete it'} | {
                    m.user_id: f'Hand to {m.email} ({m.role})' for m in notebook.members
                }
                with ui.row().classes('w-full items-center gap-2 no-wrap'):
                    ui.label(notebook.title).classes('text-sm grow min-w-0 truncate')
                    choice = ui.select(options, value=DELETE_IT).props('outlined dense').classes('w-64')
                    choice.props['aria-label'] = f'What happens to {notebook.title}'  # a title is untrusted: the dict
                    choice.mark('heir-choice')
                    heirs[notebook.id] = choice
        ui.label(f'Type {person.email} to confirm.').classes('text-sm')
        typed = ui.input('Email of the account').props('outlined autofocus').classes('w-full').mark('delete-typed')
        typed.props['aria-label'] = 'Type the email of the account to confirm'
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            confirm = (
                ui.button('Delete account', on_click=lambda: dialog.submit(_choice(typed.value, heirs)))
                .props('unelevated color=negative')
                .mark('delete-confirm')
            )
        confirm.bind_enabled_from(typed, 'value', lambda value: (value or '').strip().lower() == person.email)
    result = await dialog
    dialog.delete()
    return result


def _choice(typed: str | None, heirs: dict[str, ui.select]) -> DeletionChoice:
    return DeletionChoice(
        typed or '', {notebook_id: select.value for notebook_id, select in heirs.items() if select.value != DELETE_IT}
    )
