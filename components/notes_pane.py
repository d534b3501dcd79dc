"""The Notes pane: notes newest first, an editor with live preview that autosaves, Ctrl/Cmd+S, delete with Undo,
History, Export and "Use as source". Also `save_answer_as_note` for the chat's "Save as note" button."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from nicegui import ui

from aurenlm.models import Note
from aurenlm.notes import service as notes
from aurenlm.sharing.roles import Capability
from components import frame, timefmt
from components.history_dialog import HistoryDialog
from components.markdown_view import CiteInfo, MarkdownView
from components.notebook_state import NotebookState

PAGE = 30
# The browser throttles the editor's change events (no timer polls): while someone types, the preview follows about
# 4 times a second and an autosave runs at most once a second, the last one within a second of the last key.
PREVIEW_EVERY_S = 0.25
AUTOSAVE_EVERY_S = 1.0
VALUE_CHANGED = 'update:model-value'
NO_ARGS = '() => emit()'  # the text itself reaches the server through the field's own value event
# focus leaving the editor (not moving between its own fields, nor to its buttons, which save anyway)
LEFT_EDITOR = '(e) => { if (!e.currentTarget.contains(e.relatedTarget)) emit(); }'
UNDO_S = 8.0
KIND_ICONS = {'note': 'sticky_note_2', 'answer': 'question_answer', 'report': 'summarize'}
SAVE_KEYS = (
    '(e) => { if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S")) '
    '{ e.preventDefault(); e.stopPropagation(); emit(); } }'
)


def snippet(body: str, limit: int = 140) -> str:
    """A plain one-liner of a note's text for the list."""
    text = re.sub(r'```.*?```', ' ', body or '', flags=re.S)
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = re.sub(r'\[\d+(?:[,;–-]\s*\d+)*\]|[#>*_`~|]', '', text)
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + '…'


def note_cites(note: Note) -> dict[int, CiteInfo]:
    out: dict[int, CiteInfo] = {}
    for c in note.citations:
        if isinstance(c, dict) and isinstance(c.get('marker'), int):
            out[c['marker']] = CiteInfo(
                c['marker'],
                c.get('source_id') or '',
                c.get('source_title') or 'Source',
                int(c.get('page') or 1),
                str(c.get('quote') or ''),
                c.get('chunk_id'),
            )
    return out


def save_answer_as_note(state: NotebookState, message_id: str, pane: NotesPane | None = None) -> Note | None:
    """For the chat's "Save as note" button: the answer with its citations becomes a note (and opens, with a pane)."""
    return _saved_as_note(lambda: notes.from_answer(state.user, message_id), 'That answer', pane)


def save_artifact_as_note(state: NotebookState, artifact_id: str, pane: NotesPane | None = None) -> Note | None:
    """For the studio's "Save as note": a report (or other finished artifact) becomes a note."""
    return _saved_as_note(lambda: notes.from_artifact(state.user, artifact_id), 'That item', pane)


def _saved_as_note(make: Callable[[], Note | None], what: str, pane: NotesPane | None) -> Note | None:
    try:
        note = make()
    except notes.NoteError as e:
        ui.notify(str(e), type='warning')
        return None
    if note is None:
        ui.notify(f'{what} is no longer available.', type='warning')
        return None
    ui.notify(f'Saved as note “{notes.display_title(note)}”', type='positive', timeout=2000)
    if pane is not None:
        pane.open(note.id)
    return note


class NoteCard:
    def __init__(self, pane: NotesPane, note: Note) -> None:
        title = notes.display_title(note)
        with (
            ui.column()
            .classes('w-full gap-0 px-3 py-2 auren-note-card')
            .props('tabindex=0 role=button')
            .on('click', lambda: pane.open(note.id))
            .on('keydown.enter', lambda: pane.open(note.id))
            .mark('note-card') as self.root
        ):
            self.root.props['aria-label'] = f'Open note {title}'  # untrusted: the dict, never a props string
            with ui.row().classes('w-full items-center no-wrap gap-2'):
                ui.icon(KIND_ICONS.get(note.kind, 'sticky_note_2'), size='18px').classes('text-primary')
                ui.label(title).classes('text-sm font-medium truncate flex-grow').mark('note-card-title')
                if note.source_id:
                    ui.icon('library_books', size='16px').classes('text-slate-400').tooltip('Also a source')
            text = snippet(note.body)
            if text:
                ui.label(text).classes('text-xs text-slate-500 auren-note-snippet')
            ui.label(timefmt.relative(note.updated_at)).classes('text-xs text-slate-400')


class NoteEditor:
    """One open note: title, Markdown text with live preview, autosave while typing and on leaving a field."""

    def __init__(self, pane: NotesPane, note: Note) -> None:
        self.pane, self.note = pane, note
        self.saved = (note.title, note.body)
        self.dirty = False
        self.seal_next = False  # after an explicit save, the next autosave starts a new version
        self.previewed = note.body
        with ui.column().classes('w-full h-full gap-2 px-3 py-2 no-wrap').mark('note-editor') as self.root:
            with ui.row().classes('w-full items-center no-wrap gap-1'):
                ui.button(icon='arrow_back', on_click=self.close).props(
                    'flat round dense aria-label="Back to notes"'
                ).mark('notes-back')
                self.status = ui.label('Saved').classes('text-xs text-slate-500 flex-grow').mark('note-status')
                self.status.props('role=status aria-live=polite')
                writable = pane.writable
                save = ui.button(icon='save', on_click=self.save_now).props(
                    'flat round dense aria-label="Save (Ctrl+S)"'
                )
                save.tooltip('Save (Ctrl/Cmd+S)').mark('save-note').visible = writable
                ui.button(icon='history', on_click=self.history).props('flat round dense aria-label="History"').tooltip(
                    'History'
                ).mark('note-history')
                with (
                    ui.button(icon='more_vert')
                    .props('flat round dense aria-label="More note actions"')
                    .mark('note-menu')
                ):
                    with ui.menu().props('auto-close'):
                        with ui.item(on_click=self.use_as_source).mark('use-as-source') as item:
                            ui.item_section('Use as source')
                        item.visible = writable
                        with ui.item(on_click=lambda: self.export('md')).mark('export-note-md'):
                            ui.item_section('Export as Markdown')
                        with ui.item(on_click=lambda: self.export('pdf')).mark('export-note-pdf'):
                            ui.item_section('Export as PDF')
                        with ui.item(on_click=self.delete).mark('delete-note') as item:
                            ui.item_section('Delete').classes('text-negative')
                        item.visible = writable
            self.title = (
                ui.input(value=note.title, placeholder='Untitled note', on_change=self.changed)
                .props('dense outlined maxlength=300 aria-label="Note title"')
                .classes('w-full')
                .mark('note-title')
            )
            self.body = (
                ui.textarea(value=note.body, placeholder='Write in Markdown…', on_change=self.changed)
                .props('outlined autogrow input-style="min-height: 10rem; max-height: 45vh" aria-label="Note text"')
                .classes('w-full auren-note-body')
                .mark('note-body')
            )
            with ui.row().classes('w-full items-center justify-between'):
                ui.label('Preview').classes('auren-pane-title')
                self.source_button = (
                    ui.button('Use as source', icon='library_add', on_click=self.use_as_source)
                    .props('flat dense no-caps size=sm')
                    .mark('use-as-source-button')
                )
                self.source_button.visible = writable and not note.source_id
            with ui.column().classes('w-full auren-note-preview pt-2').mark('note-preview'):
                self.preview = MarkdownView(note.body, note_cites(note), on_cite=self.open_cite)
        if not writable:  # a viewer reads notes; saving would only be refused
            self.title.props('readonly')
            self.body.props('readonly')
            self.status.text = 'Read only'
            return
        self.root.on('keydown', self.save_now, js_handler=SAVE_KEYS)
        self.root.on('focusout', self.flush, js_handler=LEFT_EDITOR)
        self.body.on(VALUE_CHANGED, self.show_preview, js_handler=NO_ARGS, throttle=PREVIEW_EVERY_S)
        for field in (self.title, self.body):
            field.on(VALUE_CHANGED, self.flush, js_handler=NO_ARGS, throttle=AUTOSAVE_EVERY_S, leading_events=False)

    # --- saving ---

    def changed(self) -> None:
        if (self.title.value or '', self.body.value or '') == self.saved:
            return
        self.dirty = True
        self.status.text = 'Unsaved changes'

    def show_preview(self) -> None:
        body = self.body.value or ''
        if body != self.previewed:
            self.previewed = body
            self.preview.finish(body, self.preview.cites)

    def save(self, *, autosave: bool) -> bool:
        title, body = (self.title.value or '').strip(), self.body.value or ''
        try:
            saved = notes.update(self.pane.state.user, self.note.id, title=title, body=body, autosave=autosave)
        except notes.NoteError as e:
            self.dirty = False  # do not repeat a refused save on every event; the next edit tries again
            self.status.text = 'Not saved'
            ui.notify(str(e), type='warning')
            return False
        if saved is None:
            self.dirty = False
            ui.notify('This note was deleted elsewhere. Copy its text if you want to keep it.', type='warning')
            self.status.text = 'Deleted elsewhere'
            return False
        self.note = saved
        self.saved = (saved.title, saved.body)
        self.dirty = (self.title.value or '', self.body.value or '') != self.saved
        self.seal_next = False
        self.status.text = 'Saved'
        return True

    def save_now(self) -> None:
        """Ctrl/Cmd+S or the Save button: a version now, confirmed with a toast."""
        if self.save(autosave=False):
            self.seal_next = True
            self.preview.finish(self.body.value or '', self.preview.cites)
            ui.notify('Saved', type='positive', timeout=1200)

    def flush(self) -> None:
        """Save what is not saved yet (an autosave, folded into the current version unless one was just sealed)."""
        self.show_preview()
        if self.dirty:
            self.save(autosave=not self.seal_next)

    def close(self) -> None:
        self.flush()
        self.pane.show_list()

    def reload(self, note: Note) -> None:
        """Show the note as stored (after a restore)."""
        self.note = note
        self.saved = (note.title, note.body)
        self.title.value, self.body.value = note.title, note.body
        self.dirty, self.seal_next = False, True
        self.previewed = note.body
        self.preview.finish(note.body, note_cites(note))
        self.status.text = 'Restored'

    # --- actions ---

    def open_cite(self, marker: int) -> None:
        cite = self.preview.cites.get(marker)
        if cite is not None and cite.source_id and self.pane.state.open_source is not None:
            self.pane.state.open_source(cite.source_id, chunk_id=cite.chunk_id, quote=cite.quote)

    def history(self) -> None:
        self.flush()
        HistoryDialog(self.pane.state, self.note.id, on_restored=self.reload).open()

    async def use_as_source(self) -> None:
        self.flush()
        try:
            source = await notes.use_as_source(self.pane.state.user, self.note.id)
        except notes.NoteError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        if source is None:
            return
        self.source_button.visible = False
        ui.notify(f'Added “{source.title}” to your sources. It is being indexed.', type='positive')

    def export(self, fmt: str) -> None:
        self.flush()
        ui.download.from_url(f'/export/note/{self.note.id}?format={fmt}')

    def delete(self) -> None:
        self.pane.delete(self.note.id)


class NotesPane:
    """A tab of the right drawer. One per open notebook page."""

    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.writable = state.can(Capability.WRITE_NOTES)
        self.editor: NoteEditor | None = None
        self.oldest: tuple | None = None
        self.deleted: notes.DeletedNote | None = None
        self.undo_timer: ui.timer | None = None
        with ui.column().classes('w-full h-full gap-0 no-wrap auren-notes').mark('notes-pane') as self.root:
            with ui.column().classes('w-full h-full gap-0 no-wrap') as self.list_view:
                with ui.row().classes('w-full items-center justify-between px-4 pt-3 pb-1'):
                    ui.label('Notes').classes('auren-pane-title')
                    new = ui.button('New note', icon='add', on_click=self.new_note).props(
                        'unelevated dense size=sm no-caps aria-label="New note"'
                    )
                    new.mark('new-note').visible = self.writable
                self.undo_bar = ui.row().classes('w-full items-center gap-2 mx-2 px-3 py-1 rounded bg-slate-100')
                self.undo_bar.props('role=status aria-live=polite').mark('undo-bar')
                self.undo_bar.visible = False
                with ui.scroll_area().classes('w-full flex-grow'):
                    self.list = ui.column().classes('w-full gap-0 px-1').mark('notes-list')
                    self.more = frame.more_button('Load more', 'expand_more', self.load_more, 'notes-more')
            self.editor_view = ui.column().classes('w-full h-full gap-0 no-wrap')
            self.editor_view.visible = False
        state.listen(self._on_event)
        ui.context.client.on_disconnect(self._flush)
        self.refresh()

    # --- the list ---

    def refresh(self) -> None:
        self.list.clear()
        self.oldest = None
        self.load_more()
        if self.oldest is None:
            with self.list:
                frame.empty_state('sticky_note_2', 'No notes yet', 'Write a note, or save a chat answer as a note.')

    def load_more(self) -> None:
        page = notes.list_notes(self.state.user, self.state.notebook.id, limit=PAGE, before=self.oldest)
        if page:
            self.oldest = (page[-1].updated_at, page[-1].id)
        with self.list:
            for note in page:
                NoteCard(self, note)
        self.more.visible = len(page) == PAGE

    def show_list(self) -> None:
        self.editor_view.clear()
        self.editor = None
        self.editor_view.visible = False
        self.list_view.visible = True
        self.refresh()

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get('type') != 'note':
            return
        if self.editor is None:
            self.refresh()  # the list is rebuilt when the editor closes anyway
            return
        mine = event.get('by') == self.state.user.id
        if event.get('action') == 'deleted' and event.get('note_id') == self.editor.note.id and not mine:
            with self.root:
                ui.notify('Someone else deleted this note. Copy its text if you want to keep it.', type='warning')

    def _flush(self) -> None:
        if self.editor is not None:
            self.editor.flush()

    # --- opening, creating, deleting ---

    def open(self, note_id: str) -> None:
        note = notes.get(self.state.user, note_id)
        if note is None:
            ui.notify('That note is gone.', type='warning')
            self.refresh()
            return
        if self.editor is not None:
            self.editor.flush()
        self.editor_view.clear()
        with self.editor_view:
            self.editor = NoteEditor(self, note)
        self.list_view.visible = False
        self.editor_view.visible = True

    def new_note(self) -> None:
        try:
            note = notes.create(self.state.user, self.state.notebook.id)
        except notes.NoteError as e:
            ui.notify(str(e), type='warning')
            return
        if note is not None:
            self.open(note.id)
            self.editor.title.run_method('focus')

    def delete(self, note_id: str) -> None:
        try:
            deleted = notes.delete(self.state.user, note_id)
        except notes.NoteError as e:
            ui.notify(str(e), type='warning')
            return
        if deleted is None:
            return
        self.show_list()
        self.deleted = deleted
        self.undo_bar.clear()
        with self.undo_bar:
            ui.label(f'Deleted “{notes.display_title(deleted.note)}”').classes('text-sm flex-grow truncate')
            ui.button('Undo', on_click=self.undo).props('flat dense no-caps color=primary').mark('undo-delete')
        self.undo_bar.visible = True
        if self.undo_timer is not None:
            self.undo_timer.cancel()
        with self.root:  # the editor that asked for the delete is gone by now
            self.undo_timer = ui.timer(UNDO_S, self._forget_deleted, once=True)

    def _forget_deleted(self) -> None:
        self.deleted = None
        self.undo_bar.visible = False

    def undo(self) -> None:
        deleted, self.deleted = self.deleted, None
        self.undo_bar.visible = False
        if deleted is None:
            return
        note = notes.undelete(self.state.user, deleted)
        if note is None:
            ui.notify('The note could not be restored.', type='warning')
            return
        ui.notify(f'Restored “{notes.display_title(note)}”', type='positive', timeout=1500)
        self.refresh()
