"""The "Add sources" dialog: files (several at once), a web address, or pasted text."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import events as ui_events
from nicegui import ui

from aurenlm.config import get_settings
from aurenlm.ingest import IngestError
from aurenlm.sources import service as sources
from components.notebook_state import NotebookState

ACCEPT = '.pdf,.docx,.html,.htm,.md,.markdown,.txt,.text'


class AddSourcesDialog:
    def __init__(self, state: NotebookState, on_added: Callable[[], None]) -> None:
        self.state, self.on_added = state, on_added
        settings = get_settings()
        with ui.dialog() as self.dialog, ui.card().classes('w-full max-w-xl gap-3'):
            with ui.row().classes('w-full items-center justify-between'):
                ui.label('Add sources').classes('text-lg font-semibold')
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close"')
            with ui.tabs().classes('w-full') as tabs:
                files_tab = ui.tab('Files', icon='upload_file')
                url_tab = ui.tab('Web address', icon='link').mark('tab-url')
                text_tab = ui.tab('Paste text', icon='content_paste').mark('tab-text')
            with ui.tab_panels(tabs, value=files_tab).classes('w-full'):
                with ui.tab_panel(files_tab).classes('p-0 gap-2'):
                    ui.label(
                        f'PDF, Word (.docx), HTML, Markdown or plain text, up to {settings.max_upload_mb} MB each.'
                    ).classes('text-sm text-slate-500')
                    self.upload = (
                        ui.upload(multiple=True, auto_upload=True, on_upload=self._on_file)
                        .props(f'accept="{ACCEPT}" flat bordered label="Drop files here or click to choose"')
                        .classes('w-full')
                        .mark('upload')
                    )
                with ui.tab_panel(url_tab).classes('p-0 gap-2'):
                    self.url = (
                        ui.input('Web address', placeholder='https://example.org/article')
                        .props('outlined type=url aria-label="Web address"')
                        .classes('w-full')
                        .mark('url-input')
                    )
                    self.url.on('keydown.enter', self._add_url)
                    ui.button('Add web page', icon='add_link', on_click=self._add_url).props('unelevated').mark(
                        'add-url'
                    )
                with ui.tab_panel(text_tab).classes('p-0 gap-2'):
                    self.text_title = (
                        ui.input('Title').props('outlined aria-label="Title"').classes('w-full').mark('text-title')
                    )
                    self.text_body = (
                        ui.textarea('Text', placeholder='Paste text here')
                        .props('outlined autogrow input-style="min-height: 10rem; max-height: 40vh" aria-label="Text"')
                        .classes('w-full')
                        .mark('text-body')
                    )
                    ui.button('Add text', icon='add', on_click=self._add_text).props('unelevated').mark('add-text')
            self.message = ui.label('').classes('text-sm').props('role=status aria-live=polite').mark('add-message')

    def open(self) -> None:
        self.message.text = ''
        self.dialog.open()

    def _say(self, text: str, ok: bool) -> None:
        self.message.text = text
        self.message.classes(replace='text-sm ' + ('text-positive' if ok else 'text-negative'))

    async def _on_file(self, e: ui_events.UploadEventArguments) -> None:
        name = e.file.name or 'upload'
        try:
            source = await sources.add_upload(self.state.user, self.state.notebook.id, name, e.file.iterate())
        except (IngestError, sources.SourceError) as error:
            self._say(f'{name}: {error}', ok=False)
            ui.notify(f'{name} was not added: {error}', type='warning', multi_line=True)
            return
        self._say(f'Added “{source.title}”. It is being processed.', ok=True)
        self.on_added()

    async def _add_url(self) -> None:
        url = (self.url.value or '').strip()
        self._say('Fetching…', ok=True)
        try:
            source = await sources.add_url(self.state.user, self.state.notebook.id, url)
        except (IngestError, sources.SourceError) as error:
            self._say(str(error), ok=False)
            return
        self.url.value = ''
        self._say(f'Added “{source.title}”.', ok=True)
        self.on_added()

    async def _add_text(self) -> None:
        try:
            source = await sources.add_text(
                self.state.user, self.state.notebook.id, self.text_title.value or '', self.text_body.value or ''
            )
        except (IngestError, sources.SourceError) as error:
            self._say(str(error), ok=False)
            return
        self.text_title.value, self.text_body.value = '', ''
        self._say(f'Added “{source.title}”.', ok=True)
        self.on_added()
