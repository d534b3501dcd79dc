"""Version history: a note's versions with time and author, a word diff of any two, and Restore (as a new version).
Also small helpers for chat message versions: a "‹ 2 / 3 ›" stepper and an edit-question dialog."""

from __future__ import annotations

import html
from collections.abc import Callable

from nicegui import ui

from aurenlm.chat import versions as chat_versions
from aurenlm.models import ChatMessage, Note
from aurenlm.notes import diffing
from aurenlm.notes import service as notes
from aurenlm.repos.notes import VersionInfo
from aurenlm.sharing.roles import Capability
from components import frame, timefmt
from components.notebook_state import NotebookState

PAGE = 20


def _marked(tag: str, label: str, escaped: str) -> str:
    # the hidden words tell screen readers what the colours show
    return f'<{tag}><span class="auren-sr-only">[{label}: </span>{escaped}<span class="auren-sr-only">]</span></{tag}>'


def diff_html(old: str, new: str) -> str:
    """The word diff as HTML built from escaped text: <ins> for added, <del> for removed. No user markup survives."""
    parts = []
    for op, text in diffing.diff(old, new):
        escaped = html.escape(text)
        if op == 'insert':
            parts.append(_marked('ins', 'added', escaped))
        elif op == 'delete':
            parts.append(_marked('del', 'removed', escaped))
        else:
            parts.append(escaped)
    return '<div class="auren-diff">' + ''.join(parts) + '</div>'


class HistoryDialog:
    """Pick two versions to compare (the newest two at first); Restore makes an old one current again."""

    def __init__(self, state: NotebookState, note_id: str, on_restored: Callable[[Note], None] | None = None) -> None:
        self.state, self.note_id, self.on_restored = state, note_id, on_restored
        self.versions: list[VersionInfo] = []
        self.picked: list[str] = []
        self.checks: dict[str, ui.checkbox] = {}
        note = notes.get(state.user, note_id)
        title = notes.display_title(note) if note else 'Note'
        with ui.dialog() as self.dialog, ui.card().classes('w-full max-w-5xl gap-2').mark('history-dialog'):
            with ui.row().classes('w-full items-center justify-between no-wrap'):
                ui.label(f'History of “{title}”').classes('text-lg font-semibold truncate')
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close history"')
            ui.label('Tick two versions to compare them. Restoring adds the old text as a new version.').classes(
                'text-sm text-slate-500'
            )
            with ui.element('div').classes('w-full flex flex-col md:flex-row gap-3'):
                with ui.column().classes('md:w-80 w-full gap-0 shrink-0'):
                    with ui.scroll_area().classes('w-full h-64 md:h-[60vh] border rounded'):
                        self.list = ui.column().classes('w-full gap-0').mark('version-list')
                        self.more = frame.more_button('Older versions', 'expand_more', self.load_more, 'versions-more')
                with ui.column().classes('flex-grow min-w-0 gap-1'):
                    self.summary = ui.label('').classes('text-sm text-slate-600').mark('diff-summary')
                    self.title_change = ui.label('').classes('text-sm').mark('diff-title')
                    with ui.scroll_area().classes('w-full h-64 md:h-[60vh] border rounded p-2'):
                        self.diff = ui.html('', sanitize=False).classes('w-full').mark('diff')
        self.dialog.on('hide', self.dialog.delete)  # one dialog per opening; gone once closed
        self.load_more()
        self.picked = [v.id for v in self.versions[:2]]
        self._sync_checks()
        self.show_diff()

    def open(self) -> None:
        self.dialog.open()

    def load_more(self) -> None:
        before = (self.versions[-1].created_at, self.versions[-1].id) if self.versions else None
        page = notes.versions(self.state.user, self.note_id, limit=PAGE, before=before)
        newest = not self.versions
        self.versions.extend(page)
        with self.list:
            for index, version in enumerate(page):
                self._row(version, current=newest and index == 0)
        self.more.visible = len(page) == PAGE

    def _row(self, version: VersionInfo, *, current: bool) -> None:
        when = timefmt.clock(version.created_at)
        with ui.row().classes('w-full items-center no-wrap gap-2 px-2 py-1 border-b').mark('version-row'):
            check = ui.checkbox(on_change=lambda e, v=version.id: self._pick(v, bool(e.value))).props('dense')
            check.props['aria-label'] = f'Compare the version of {when}'
            self.checks[version.id] = check
            with ui.column().classes('flex-grow min-w-0 gap-0'):
                label = timefmt.relative(version.created_at) + (' · current' if current else '')
                ui.label(label).classes('text-sm font-medium').mark('version-time')
                ui.label(f'{when} · {version.author}').classes('text-xs text-slate-500').mark('version-author')
            if not current and self.state.can(Capability.WRITE_NOTES):  # a viewer compares; restoring is a write
                restore = ui.button(icon='restore', on_click=lambda v=version: self.restore(v))
                restore.props('flat round dense size=sm').tooltip('Restore this version').mark('restore-version')
                restore.props['aria-label'] = f'Restore the version of {when}'

    def _pick(self, version_id: str, on: bool) -> None:
        if on and version_id not in self.picked:
            self.picked.append(version_id)
            if len(self.picked) > 2:
                self.picked.pop(0)
        elif not on and version_id in self.picked:
            self.picked.remove(version_id)
        self._sync_checks()
        self.show_diff()

    def _sync_checks(self) -> None:
        for version_id, check in self.checks.items():
            wanted = version_id in self.picked
            if check.value != wanted:
                check.set_value(wanted)

    def show_diff(self) -> None:
        chosen = sorted((v for v in self.versions if v.id in self.picked), key=lambda v: (v.created_at, v.id))
        if len(chosen) < 2:
            self.summary.text = 'Only one version so far.' if len(self.versions) < 2 else 'Tick two versions.'
            self.title_change.text = ''
            self.diff.set_content(diff_html(chosen[0].body, chosen[0].body) if chosen else '')
            return
        old, new = chosen
        segments = diffing.diff(old.body, new.body)
        added, removed = diffing.counts(segments)
        self.summary.text = (
            f'From {timefmt.clock(old.created_at)} to {timefmt.clock(new.created_at)}: '
            f'{added} word(s) added, {removed} removed'
        )
        self.title_change.text = f'Title: “{old.title}” → “{new.title}”' if old.title != new.title else ''
        self.diff.set_content(diff_html(old.body, new.body))

    def restore(self, version: VersionInfo) -> None:
        try:
            note = notes.restore(self.state.user, self.note_id, version.id)
        except notes.NoteError as e:
            ui.notify(str(e), type='warning')
            return
        if note is None:
            ui.notify('That version is gone.', type='warning')
            return
        ui.notify(f'Restored the version of {timefmt.clock(version.created_at)}', type='positive')
        self.dialog.close()
        if self.on_restored is not None:
            self.on_restored(note)


# -- chat message versions (for the chat pane) ------------------------------------------------------------------------


class VersionStepper:
    """ "‹ 2 / 3 ›" under an answer or question with earlier versions; `on_show(message)` displays the chosen one."""

    def __init__(self, versions: list[ChatMessage], current_id: str, on_show: Callable[[ChatMessage], None]) -> None:
        self.versions, self.on_show = versions, on_show
        ids = [m.id for m in versions]
        self.index = ids.index(current_id) if current_id in ids else len(versions) - 1
        with ui.row().classes('items-center gap-0 text-xs text-slate-500').mark('version-stepper') as self.root:
            self.back = ui.button(icon='chevron_left', on_click=lambda: self.step(-1)).props(
                'flat round dense size=sm aria-label="Earlier version"'
            )
            self.label = ui.label('').props('aria-live=polite')
            self.forward = ui.button(icon='chevron_right', on_click=lambda: self.step(1)).props(
                'flat round dense size=sm aria-label="Later version"'
            )
        self.root.visible = len(versions) > 1
        self._show_label()

    def _show_label(self) -> None:
        self.label.text = f'{self.index + 1} / {len(self.versions)}'
        self.back.enabled = self.index > 0
        self.forward.enabled = self.index < len(self.versions) - 1

    def step(self, delta: int) -> None:
        index = max(0, min(len(self.versions) - 1, self.index + delta))
        if index != self.index:
            self.index = index
            self._show_label()
            self.on_show(self.versions[index])


async def edit_question(state: NotebookState, message: ChatMessage) -> ChatMessage | None:
    """Ask for the edited text and keep the old question as a version. The caller answers the returned question with
    `chat.ask(..., question_message=new)`. None when cancelled or refused (the reason is shown)."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-xl gap-2'):
        ui.label('Edit question').classes('text-lg font-semibold')
        field = (
            ui.textarea(value=message.content)
            .props('outlined autogrow autofocus aria-label="Edited question"')
            .classes('w-full')
            .mark('edit-question-input')
        )
        ui.label('The earlier question and its answer stay available as versions.').classes('text-xs text-slate-500')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button('Ask again', on_click=lambda: dialog.submit(field.value)).props('unelevated').mark(
                'edit-question-ok'
            )
    text = await dialog
    dialog.delete()
    if text is None:
        return None
    try:
        edited = chat_versions.edit_question(state.user, message.id, text)
    except chat_versions.EditError as e:
        ui.notify(str(e), type='warning')
        return None
    if edited is None:
        ui.notify('You can only edit your own questions.', type='warning')
    return edited
