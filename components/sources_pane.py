"""The Sources pane: the list with live status, selection, rename, delete, retry, download, and the add dialog."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from aurenlm import repos
from aurenlm.models import Source
from aurenlm.sharing.roles import Capability
from aurenlm.sources import service as sources
from components import dialogs, frame
from components.add_sources import AddSourcesDialog
from components.notebook_state import NotebookState

KIND_ICONS = {
    'pdf': 'picture_as_pdf',
    'docx': 'description',
    'html': 'language',
    'url': 'link',
    'markdown': 'article',
    'text': 'notes',
    'note': 'sticky_note_2',
}
STAGE_LABELS = {
    'queued': 'Queued',
    'extracting': 'Extracting text',
    'indexing': 'Indexing',
    'embedding': 'Embedding',
    'guide': 'Writing the guide',
}


class SourceRow:
    def __init__(self, pane: SourcesPane, source: Source) -> None:
        self.pane, self.source = pane, source
        state = pane.state
        with (
            ui.row()
            .classes('w-full items-start no-wrap gap-2 px-3 py-2 auren-source-row')
            .mark('source-row') as self.root
        ):
            self.check = (
                ui.checkbox(value=state.is_selected(source.id), on_change=self._toggle)
                .props('dense')
                .mark('source-check')
            )
            ui.icon(KIND_ICONS.get(source.kind, 'description'), size='22px').classes('text-primary mt-1')
            with ui.column().classes('flex-grow min-w-0 gap-0'):
                self.title = (
                    ui.label(source.title)
                    .classes('text-sm font-medium truncate w-full cursor-pointer hover:underline')
                    .props('tabindex=0 role=button')
                    .on('click', self._open)
                    .on('keydown.enter', self._open)
                    .mark('source-title')
                )
                self.status = ui.label('').classes('text-xs text-slate-500').mark('source-status')
                self.progress = ui.linear_progress(value=0, show_value=False).props('rounded size=4px')
                self.error = ui.label('').classes('text-xs text-negative break-words w-full').mark('source-error')
                self.retry = (
                    ui.button('Retry', icon='refresh', on_click=self._retry)
                    .props('flat dense size=sm color=primary')
                    .mark('source-retry')
                )
            editor = state.can(Capability.EDIT_SOURCES)  # a viewer opens and downloads; the rest is not offered
            with ui.button(icon='more_vert').props('flat round dense size=sm') as self.actions:
                with ui.menu().props('auto-close'):
                    with ui.item(on_click=self._open):
                        ui.item_section('Open')
                    if editor:
                        with ui.item(on_click=self._rename).mark('rename-source'):
                            ui.item_section('Rename')
                    with ui.item(on_click=self._download).mark('download-source'):
                        ui.item_section('Download original')
                    if editor:
                        with ui.item(on_click=self._delete).mark('delete-source'):
                            ui.item_section('Delete').classes('text-negative')
        self.show(source)

    def show(self, source: Source) -> None:
        self.source = source
        self.title.text = source.title
        # titles are untrusted (file names, PDF metadata, imports): on the props dict, never in a props string
        self.title.props['title'] = source.title
        self.check.props['aria-label'] = f'Use {source.title} in chat and studio'
        self.actions.props['aria-label'] = f'Actions for {source.title}'
        busy = source.status in ('queued', 'processing')
        if source.status == 'ready':
            pages = f'{source.page_count} page' + ('' if source.page_count == 1 else 's')
            self.status.text = f'{pages} · {source.word_count:,} words'
        elif source.status == 'failed':
            self.status.text = 'Failed'
        else:
            self.status.text = STAGE_LABELS.get(source.stage, 'Processing') + '…'
        self.progress.value = source.progress
        self.progress.visible = busy
        self.error.text = source.error or ''
        self.error.visible = source.status == 'failed'
        self.retry.visible = source.status == 'failed' and self.pane.state.can(Capability.EDIT_SOURCES)

    def update(self, event: dict[str, Any]) -> None:
        for name in ('status', 'stage', 'progress', 'error'):
            setattr(self.source, name, event[name])
        if event['status'] in ('ready', 'failed'):
            fresh = repos.sources.get(self.pane.state.user, self.source.id)
            if fresh is not None:
                self.source = fresh
        self.show(self.source)

    def _toggle(self, e) -> None:
        self.pane.state.set_selected(self.source.id, bool(e.value))
        self.pane.sync_select_all()

    def _open(self) -> None:
        if self.pane.state.open_source:
            self.pane.state.open_source(self.source.id)

    def _retry(self) -> None:
        try:
            fresh = sources.retry(self.pane.state.user, self.source.id)
        except sources.SourceError as e:  # a role that does not allow it: the message says what it allows
            ui.notify(str(e), type='warning', multi_line=True)
            return
        if fresh is not None:
            self.show(fresh)

    def _download(self) -> None:
        ui.download.from_url(f'/download/source/{self.source.id}')

    async def _rename(self) -> None:
        title = await dialogs.ask_text('Rename source', label='Title', value=self.source.title)
        if title is None:
            return
        try:
            renamed = sources.rename(self.pane.state.user, self.source.id, title)
        except ValueError as e:
            ui.notify(str(e), type='warning')
            return
        if renamed is not None:
            self.show(renamed)

    async def _delete(self) -> None:
        ok = await dialogs.confirm(
            'Delete source?', f'“{self.source.title}” and its passages will be removed from this notebook.'
        )
        if not ok:
            return
        try:
            deleted = sources.delete(self.pane.state.user, self.source.id)
        except sources.SourceError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        if deleted:
            ui.notify('Source deleted', type='positive')
            self.pane.refresh()


class SourcesPane:
    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.rows: dict[str, SourceRow] = {}
        editor = state.can(Capability.EDIT_SOURCES)
        self.add_dialog = AddSourcesDialog(state, on_added=self.refresh) if editor else None
        with ui.row().classes('w-full items-center justify-between px-4 pt-3 pb-1'):
            ui.label('Sources').classes('auren-pane-title')
            if self.add_dialog is not None:
                ui.button('Add', icon='add', on_click=self.add_dialog.open).props(
                    'unelevated dense size=sm aria-label="Add sources"'
                ).mark('add-sources')
        self.select_all = (
            ui.checkbox('Select all', on_change=self._select_all)
            .props('dense aria-label="Select all sources"')
            .classes('px-4 text-sm')
            .mark('select-all')
        )
        self.list = ui.column().classes('w-full gap-0 overflow-y-auto flex-grow')
        self.refresh()
        state.listen(self._on_event)

    def refresh(self) -> None:
        listed = repos.sources.list_for(self.state.user, self.state.notebook.id)
        self.state.source_ids = [s.id for s in listed]
        self.state.ready_ids = {s.id for s in listed if s.status == 'ready'}
        self.rows.clear()
        self.list.clear()
        with self.list:
            if not listed and self.add_dialog is not None:
                frame.empty_state(
                    'upload_file', 'No sources yet', 'Add PDFs, Word files, web pages, Markdown or pasted text.'
                )
            elif not listed:
                frame.empty_state('upload_file', 'No sources yet', 'An editor of this notebook adds them.')
            for source in listed:
                self.rows[source.id] = SourceRow(self, source)
        self.select_all.visible = bool(listed)
        self.sync_select_all()
        for listener in self.state.on_selection:
            listener()

    def sync_select_all(self) -> None:
        chosen = len(self.state.selected_ids())
        total = len(self.state.source_ids)
        value = None if 0 < chosen < total else (chosen == total and total > 0)
        self.select_all.set_value(value)

    def _select_all(self, e) -> None:
        if e.value is None:
            return
        self.state.select_all(bool(e.value))
        for row in self.rows.values():
            row.check.set_value(bool(e.value))

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get('type') == 'source':
            row = self.rows.get(event['source_id'])
            if row is None:
                self.refresh()
                return
            row.update(event)
            was_ready = event['source_id'] in self.state.ready_ids
            if event['status'] == 'ready':
                self.state.ready_ids.add(event['source_id'])
            else:
                self.state.ready_ids.discard(event['source_id'])
            if was_ready != (event['status'] == 'ready'):
                for listener in self.state.on_selection:
                    listener()
        elif event.get('type') == 'source_deleted' and event['source_id'] in self.rows:
            self.refresh()
