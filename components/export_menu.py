"""The notebook's Export menu (notebook as PDF, Markdown or JSON; the chat) and Import notebook from a JSON export."""

from __future__ import annotations

from nicegui import events as ui_events
from nicegui import ui

from aurenlm.exchange import importer
from aurenlm.models import User
from components.notebook_state import NotebookState

FORMAT_LABELS = (('pdf', 'PDF'), ('md', 'Markdown'), ('json', 'JSON (can be imported)'))


def download(path: str, fmt: str) -> None:
    if fmt == 'pdf':
        ui.notify('Preparing the PDF… the download starts when it is ready.', timeout=2500)
    ui.download.from_url(path)


class ImportDialog:
    """Upload a notebook's JSON export; it becomes a new notebook, and the page moves to it."""

    def __init__(self, user: User) -> None:
        self.user = user
        with ui.dialog() as self.dialog, ui.card().classes('w-full max-w-lg gap-3').mark('import-dialog'):
            with ui.row().classes('w-full items-center justify-between'):
                ui.label('Import a notebook').classes('text-lg font-semibold')
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close"')
            ui.label(
                'Choose a notebook export (.json) made with “Export notebook as JSON”. It is imported as a new '
                'notebook with its sources, notes, chat and studio items.'
            ).classes('text-sm text-slate-600')
            self.upload = (
                ui.upload(
                    auto_upload=True,
                    max_files=1,
                    max_file_size=importer.MAX_IMPORT_BYTES,
                    on_upload=self._on_file,
                    on_rejected=lambda: self._say(f'Choose one .json file under {importer.MAX_IMPORT_MB} MB.'),
                )
                .props('accept=".json,application/json" flat bordered label="Drop the .json file here or click"')
                .classes('w-full')
                .mark('import-upload')
            )
            with ui.row().classes('w-full items-center gap-2') as self.busy:
                ui.spinner(size='sm')
                ui.label('Importing… large notebooks take a moment to index.').classes('text-sm')
            self.busy.visible = False
            self.message = ui.label('').classes('text-sm text-negative break-words w-full').mark('import-error')
            self.message.props('role=alert')

    def open(self) -> None:
        self.message.text = ''
        self.dialog.open()

    def _say(self, text: str) -> None:
        self.message.text = text

    async def _on_file(self, e: ui_events.UploadEventArguments) -> None:
        self.message.text = ''
        self.busy.visible = True
        try:
            if e.file.size() > importer.MAX_IMPORT_BYTES:
                raise importer.NotebookImportError(f'The file is larger than {importer.MAX_IMPORT_MB} MB.')
            data = await e.file.read()
            result = await importer.import_notebook(self.user, data)
        except importer.NotebookImportError as error:
            self._say(str(error))
            return
        finally:
            self.busy.visible = False
            self.upload.reset()
        ui.notify(importer.describe(result), type='positive', multi_line=True, timeout=5000)
        self.dialog.close()
        ui.navigate.to(f'/notebook/{result.notebook.id}')


class ExportMenu:
    """A header button: export the notebook or its chat, or import a notebook. `light=True` for a white header."""

    def __init__(self, state: NotebookState, *, light: bool = True) -> None:
        self.state = state
        self.importer = ImportDialog(state.user)
        notebook_id = state.notebook.id
        with (
            ui.button(icon='ios_share')
            .props('flat round aria-label="Export or import"')
            .props('color=white' if light else '')
            .tooltip('Export or import')
            .mark('export-menu')
        ):
            with ui.menu().props('auto-close').mark('export-menu-list'):
                ui.item_label('Export notebook').props('header').classes('text-xs text-slate-500')
                for fmt, label in FORMAT_LABELS:
                    with ui.item(on_click=lambda f=fmt: download(f'/export/notebook/{notebook_id}?format={f}', f)).mark(
                        f'export-notebook-{fmt}'
                    ):
                        ui.item_section(f'Notebook as {label}')
                ui.separator()
                ui.item_label('Export chat').props('header').classes('text-xs text-slate-500')
                for fmt, label in FORMAT_LABELS[:2]:
                    with ui.item(on_click=lambda f=fmt: download(f'/export/chat/{notebook_id}?format={f}', f)).mark(
                        f'export-chat-{fmt}'
                    ):
                        ui.item_section(f'Chat as {label}')
                ui.separator()
                with ui.item(on_click=self.importer.open).mark('import-notebook'):
                    ui.item_section('Import notebook…')
