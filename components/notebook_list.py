"""The home page's grid of notebooks, the person's own and those shared with them (with the owner's name and their
role): create, open, rename and delete one's own, leave a shared one."""

from __future__ import annotations

from nicegui import ui

from aurenlm import repos
from aurenlm.models import User
from aurenlm.repos.notebooks import NotebookError, NotebookSummary
from aurenlm.sharing import roles
from aurenlm.sharing import service as sharing
from components import dialogs, frame
from components.timefmt import relative


class NotebookList:
    def __init__(self, user: User) -> None:
        self.user = user
        with ui.row().classes('w-full items-center justify-between'):
            ui.label('Your notebooks').classes('text-2xl font-semibold')
            ui.button('New notebook', icon='add', on_click=self.create).props('unelevated').mark('new-notebook')
        self.grid = ui.element('div').classes('w-full grid gap-4 grid-cols-1 sm:grid-cols-2 lg:grid-cols-3')
        self.refresh()

    def refresh(self) -> None:
        self.grid.clear()
        notebooks = repos.notebooks.list_for(self.user)
        with self.grid:
            if not notebooks:
                with ui.element('div').classes('col-span-full'):
                    frame.empty_state(
                        'library_add',
                        'No notebooks yet',
                        'Create a notebook, then add PDFs, documents, web pages or text.',
                    )
            for notebook in notebooks:
                self._card(notebook)

    def _card(self, notebook: NotebookSummary) -> None:
        with (
            ui.card()
            .classes('auren-notebook-card cursor-pointer gap-1 p-4')
            .on('click', lambda nb=notebook: ui.navigate.to(f'/notebook/{nb.id}'))
            .props('tabindex=0 role=link')
            .on('keydown.enter', lambda nb=notebook: ui.navigate.to(f'/notebook/{nb.id}'))
            .mark('notebook-card') as card
        ):
            # titles are untrusted: on the props dict, never inside a props string NiceGUI would parse
            card.props['aria-label'] = f'Open notebook {notebook.title}'
            with ui.row().classes('w-full items-start justify-between no-wrap'):
                ui.icon('auto_stories', size='28px').classes('text-primary')
                with (
                    ui.button(icon='more_vert')
                    .props('flat round dense')
                    .on('click.stop', lambda: None)
                    .mark('notebook-actions') as actions
                ):
                    actions.props['aria-label'] = f'Actions for {notebook.title}'
                    with ui.menu().props('auto-close'):
                        if notebook.role == roles.OWNER:
                            with ui.item(on_click=lambda nb=notebook: self.rename(nb)).mark('rename-notebook'):
                                ui.item_section('Rename')
                            with ui.item(on_click=lambda nb=notebook: self.delete(nb)).mark('delete-notebook'):
                                ui.item_section('Delete').classes('text-negative')
                        else:
                            with ui.item(on_click=lambda nb=notebook: self.leave(nb)).mark('leave-notebook'):
                                ui.item_section('Leave notebook').classes('text-negative')
            ui.label(notebook.title).classes('text-lg font-medium break-words w-full').mark('notebook-title')
            sources = f'{notebook.source_count} source' + ('' if notebook.source_count == 1 else 's')
            ui.label(f'{sources} · edited {relative(notebook.updated_at)}').classes('text-sm text-slate-500')
            if notebook.role != roles.OWNER:
                with ui.row().classes('items-center gap-1 text-sm text-slate-500 no-wrap w-full').mark('shared-by'):
                    ui.icon('group', size='18px')
                    ui.label(f'Shared by {notebook.owner_name}').classes('truncate')
                    ui.badge(roles.label(notebook.role)).props('outline').mark('notebook-role')

    async def create(self) -> None:
        title = await dialogs.ask_text('New notebook', label='Title', value='Untitled notebook', action='Create')
        if title is None:
            return
        try:
            notebook = repos.notebooks.create(self.user, title)
        except NotebookError as e:
            ui.notify(str(e), type='warning')
            return
        ui.navigate.to(f'/notebook/{notebook.id}')

    async def rename(self, notebook: NotebookSummary) -> None:
        title = await dialogs.ask_text('Rename notebook', label='Title', value=notebook.title)
        if title is None:
            return
        try:
            renamed = sharing.rename_notebook(self.user, notebook.id, title)
        except (NotebookError, sharing.SharingError) as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        if renamed is None:
            ui.notify('You cannot rename this notebook.', type='warning')
        else:
            ui.notify('Notebook renamed', type='positive', timeout=1500)
        self.refresh()

    async def delete(self, notebook: NotebookSummary) -> None:
        ok = await dialogs.confirm(
            'Delete notebook?', f'“{notebook.title}” and all its sources, chats and notes will be deleted for good.'
        )
        if not ok:
            return
        try:
            deleted = sharing.delete_notebook(self.user, notebook.id)
        except sharing.SharingError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        ui.notify('Notebook deleted' if deleted else 'That notebook was already gone', type='positive')
        self.refresh()

    async def leave(self, notebook: NotebookSummary) -> None:
        ok = await dialogs.confirm(
            'Leave notebook?',
            f'You lose access to “{notebook.title}”, shared by {notebook.owner_name}, and your chat in it is deleted.',
            action='Leave',
        )
        if not ok:
            return
        try:
            sharing.leave(self.user, notebook.id)
        except sharing.SharingError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        ui.notify('You left the notebook', type='positive')
        self.refresh()
