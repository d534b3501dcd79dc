"""The Studio pane: buttons that turn the selected sources into mind maps, quizzes, flashcards and reports, and a
live list of what was made, each opened in a large dialog."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from aurenlm.config import get_settings
from aurenlm.models import Artifact
from aurenlm.repos.artifacts import Lineage
from aurenlm.sharing.roles import Capability
from aurenlm.studio import artifacts
from components import dialogs, frame, timefmt
from components.flashcards_view import FlashcardsView
from components.mindmap import MindMapView
from components.notebook_state import NotebookState
from components.quiz_view import QuizView
from components.report_view import ReportView

KIND_ICONS = {
    'mindmap': 'account_tree',
    'quiz': 'quiz',
    'flashcards': 'style',
    'study_guide': 'school',
    'briefing': 'description',
    'faq': 'help_outline',
    'timeline': 'timeline',
}
BUTTONS = ('mindmap', 'quiz', 'flashcards', 'study_guide', 'briefing', 'faq', 'timeline')
STATUS_LABELS = {'queued': 'Waiting to start…', 'running': 'Working…', 'cancelled': 'Cancelled', 'failed': 'Failed'}
DIALOG_SIZE = 'width: min(1200px, 96vw); max-width: 96vw; height: 92vh'
FULLSCREEN_SIZE = 'width: 100vw; max-width: 100vw; height: 100vh; max-height: 100vh; border-radius: 0'


class ArtifactCard:
    """One version chain, showing its latest version: progress while running, actions when done."""

    def __init__(self, pane: StudioPane, lineage: Lineage) -> None:
        self.pane, self.lineage = pane, lineage
        artifact = lineage.latest
        self.artifact = artifact
        label = artifacts.KIND_LABELS[artifact.kind]
        maker = pane.state.can(Capability.GENERATE)  # a viewer opens what is made; making and deleting are not offered
        with (
            ui.card()
            .classes('w-full gap-1 p-3 auren-artifact-card')
            .props('flat bordered')
            .mark('artifact-card') as self.root
        ):
            self.root.props['data-kind'] = artifact.kind
            with ui.row().classes('w-full items-start no-wrap gap-2'):
                ui.icon(KIND_ICONS[artifact.kind], size='22px').classes('text-primary mt-0.5')
                with ui.column().classes('flex-grow min-w-0 gap-0'):
                    title = ui.label(artifact.title).classes('text-sm font-medium w-full truncate')
                    title.props['title'] = artifact.title
                    title.mark('artifact-title')
                    meta = f'{label} · {timefmt.relative(artifact.created_at)}'
                    if len(lineage.versions) > 1:
                        meta += f' · version {artifact.version}'
                    ui.label(meta).classes('text-xs text-slate-500').mark('artifact-meta')
                    if artifact.status == 'done' and artifacts.is_offline(artifact):
                        ui.label(artifacts.OFFLINE_LABEL).classes('text-xs text-amber-700').mark('offline-label')
                if artifact.status == 'done' and (maker or len(lineage.versions) > 1):
                    self._menu(maker)
            self.status = ui.label(STATUS_LABELS.get(artifact.status, '')).classes('text-xs text-slate-500')
            self.status.props('role=status aria-live=polite').mark('artifact-status')
            self.status.visible = artifact.status != 'done'
            self.progress = ui.linear_progress(value=0.02, show_value=False).props('rounded size=5px')
            self.progress.mark('artifact-progress')
            self.progress.visible = artifact.status in artifacts.RUNNING
            if artifact.status == 'failed' and artifact.error:
                ui.label(artifact.error).classes('text-xs text-negative break-words w-full').mark('artifact-error')
            with ui.row().classes('w-full justify-end gap-1'):
                if artifact.status in artifacts.RUNNING and maker:
                    cancel = ui.button('Cancel', icon='stop', on_click=self._cancel)
                    cancel.props('flat dense size=sm color=negative').mark('artifact-cancel')
                    cancel.props['aria-label'] = f'Cancel {label}'
                elif artifact.status == 'done':
                    opener = ui.button('Open', icon='open_in_full', on_click=lambda: pane.open(artifact))
                    opener.props('unelevated dense size=sm').mark('artifact-open')
                    opener.props['aria-label'] = f'Open {artifact.title}'
                elif maker:
                    ui.button('Retry', icon='refresh', on_click=self._regenerate).props(
                        'flat dense size=sm color=primary'
                    ).mark('artifact-retry')
                    ui.button('Delete', icon='delete', on_click=self._delete).props(
                        'flat dense size=sm color=negative'
                    ).mark('artifact-delete')

    def _menu(self, maker: bool) -> None:
        button = ui.button(icon='more_vert').props('flat round dense size=sm').mark('artifact-menu')
        button.props['aria-label'] = f'More actions for {self.artifact.title}'
        with button:
            with ui.menu().props('auto-close'):
                if maker:
                    with ui.item(on_click=self._regenerate).mark('artifact-regenerate'):
                        ui.item_section('Regenerate')
                for version in reversed(self.lineage.versions[:-1]):
                    with ui.item(on_click=lambda v=version: self.pane.open(v)).mark('artifact-version'):
                        ui.item_section(f'Open version {version.version} · {timefmt.relative(version.created_at)}')
                if maker:
                    ui.separator()
                    with ui.item(on_click=self._delete).mark('artifact-delete'):
                        ui.item_section('Delete').classes('text-negative')

    def show_job(self, event: dict[str, Any]) -> None:
        if event['status'] not in artifacts.RUNNING:
            return  # the artifact's own event follows and redraws the card
        self.progress.value = max(0.02, float(event.get('progress') or 0))
        self.progress.visible = True
        self.status.text = event.get('message') or STATUS_LABELS['running']
        self.status.visible = True

    def _cancel(self) -> None:
        try:
            artifacts.cancel(self.pane.state.user, self.artifact.id)
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning')
        self.pane.refresh()

    def _regenerate(self) -> None:
        try:
            artifacts.regenerate(self.pane.state.user, self.artifact.id)
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        self.pane.refresh()

    async def _delete(self) -> None:
        count = len(self.lineage.versions)
        what = artifacts.KIND_LABELS[self.artifact.kind].lower()
        extra = f' and its {count - 1} earlier version{"s" if count > 2 else ""}' if count > 1 else ''
        if not await dialogs.confirm(f'Delete {what}?', f'“{self.artifact.title}”{extra} will be deleted.'):
            return
        try:
            artifacts.delete(self.pane.state.user, self.artifact.id, with_versions=True)
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning')
            return
        ui.notify('Deleted', type='positive', timeout=1500)
        self.pane.refresh()


class ArtifactDialog:
    """A large dialog showing one artifact; mind maps can go fullscreen."""

    def __init__(self, pane: StudioPane, artifact: Artifact) -> None:
        self.pane, self.artifact = pane, artifact
        self.fullscreen = False
        with pane.dialog_host:
            self.dialog = ui.dialog().mark('artifact-dialog')
        with (
            self.dialog,
            ui.card().classes('p-0 gap-0 no-wrap auren-studio-dialog').style(DIALOG_SIZE) as self.card,
        ):
            with ui.row().classes('w-full items-center no-wrap gap-2 px-4 py-2 border-b'):
                ui.icon(KIND_ICONS[artifact.kind], size='24px').classes('text-primary')
                with ui.column().classes('flex-grow min-w-0 gap-0'):
                    self.title = ui.label(artifact.title).classes('text-lg font-semibold truncate w-full')
                    self.title.mark('dialog-title')
                    self.meta = ui.label('').classes('text-xs text-slate-500').mark('dialog-meta')
                if artifact.kind == 'mindmap':
                    self.full_button = (
                        ui.button(icon='fullscreen', on_click=self.toggle_fullscreen)
                        .props('flat round dense aria-label="Fullscreen"')
                        .tooltip('Fullscreen')
                        .mark('mindmap-fullscreen')
                    )
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close"').mark(
                    'dialog-close'
                )
            self.body = ui.column().classes('w-full flex-grow min-h-0 gap-0 no-wrap')
        self.dialog.on('hide', self._hidden)
        self.show(artifact)
        self.dialog.open()

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        if self.fullscreen:
            self.dialog.props('maximized')
        else:
            self.dialog.props(remove='maximized')
        self.card.style(replace=FULLSCREEN_SIZE if self.fullscreen else DIALOG_SIZE)
        self.full_button.props(f'icon={"fullscreen_exit" if self.fullscreen else "fullscreen"}')

    def _header(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.title.text = artifact.title
        meta = [f'Version {artifact.version}', timefmt.relative(artifact.created_at)]
        if artifacts.is_offline(artifact):
            meta.append(artifacts.OFFLINE_LABEL)
        self.meta.text = ' · '.join(meta)

    def show(self, artifact: Artifact) -> None:
        self._header(artifact)
        self.body.clear()
        state = self.pane.state
        with self.body:
            if artifact.kind == 'mindmap':
                # an edit is a new version: the header follows it, the map keeps its zoom and folding
                MindMapView(state, artifact, on_saved=self._header, on_ask=self.dialog.close)
            elif artifact.kind == 'quiz':
                with ui.scroll_area().classes('w-full flex-grow'):
                    QuizView(state, artifact)
            elif artifact.kind == 'flashcards':
                FlashcardsView(state, artifact)
            else:
                with ui.scroll_area().classes('w-full flex-grow'):
                    ReportView(state, artifact)

    def _hidden(self) -> None:
        self.dialog.delete()


class StudioPane:
    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.cards: dict[str, ArtifactCard] = {}
        enabled = get_settings().feature_studio
        with ui.column().classes('w-full gap-2 p-0 no-wrap flex-grow min-h-0').mark('studio-pane') as self.root:
            with ui.row().classes('w-full items-center justify-between px-4 pt-3'):
                ui.label('Studio').classes('auren-pane-title')
            if not enabled:
                frame.empty_state('block', 'Studio is turned off', 'Ask your administrator to enable it.')
                return
            with ui.element('div').classes('grid grid-cols-2 gap-2 px-4 w-full') as buttons:
                for kind in BUTTONS:
                    label = artifacts.KIND_LABELS[kind]
                    button = ui.button(label, icon=KIND_ICONS[kind], on_click=lambda k=kind: self.create(k))
                    button.props('outline no-caps align=left color=primary').classes('w-full text-sm')
                    button.props['aria-label'] = f'Create {label.lower()}'
                    button.mark(f'studio-{kind}')
            buttons.visible = state.can(Capability.GENERATE)
            self.hint = ui.label('').classes('text-xs text-slate-500 px-4').mark('studio-hint')
            ui.separator().classes('mt-1')
            with ui.scroll_area().classes('w-full flex-grow'):
                self.list = ui.column().classes('w-full gap-2 px-3 pb-4').mark('artifact-list')
            self.dialog_host = ui.element('div').classes('hidden')
        state.on_selection.append(self._selection_changed)
        self._selection_changed()
        self.refresh()
        state.listen(self._on_event)

    def _selection_changed(self) -> None:
        if not self.state.can(Capability.GENERATE):
            self.hint.text = 'As a viewer you open what editors make here. Ask the owner to make you an editor.'
            return
        count = len(self.state.selected_ready_ids())
        if count:
            self.hint.text = f'Uses the {count} selected source{"s" if count != 1 else ""}.'
            self.hint.classes(replace='text-xs text-slate-500 px-4')
        else:
            self.hint.text = 'Select at least one ready source on the left to create something.'
            self.hint.classes(replace='text-xs text-amber-700 px-4')

    def refresh(self) -> None:
        groups = artifacts.lineages(self.state.user, self.state.notebook.id)
        self.cards.clear()
        self.list.clear()
        with self.list:
            if not groups:
                frame.empty_state('auto_awesome', 'Nothing generated yet', 'Mind maps, quizzes and guides appear here.')
            for lineage in groups:
                card = ArtifactCard(self, lineage)
                self.cards[lineage.latest.id] = card

    async def create(self, kind: str) -> None:
        source_ids = self.state.selected_ready_ids()
        if not source_ids:
            ui.notify('Select at least one source that has finished processing.', type='warning')
            return
        options: dict[str, Any] = {}
        if kind == 'quiz':
            chosen = await quiz_options()
            if chosen is None:
                return
            options = chosen
        try:
            artifacts.start(self.state.user, self.state.notebook.id, kind, source_ids, options)
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return
        self.refresh()

    def open(self, artifact: Artifact) -> None:
        fresh = artifacts.get(self.state.user, artifact.id)
        if fresh is None or fresh.status != 'done':
            ui.notify('This is no longer available.', type='warning')
            self.refresh()
            return
        ArtifactDialog(self, fresh)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get('type')
        if kind == 'job' and event.get('kind') == artifacts.JOB:
            card = self.cards.get(event.get('ref_id') or '')
            if card is not None:
                card.show_job(event)
        elif kind in ('artifact', 'artifact_deleted'):
            self.refresh()


async def quiz_options() -> dict[str, Any] | None:
    """Ask for the number of questions and the difficulty; None when cancelled."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-sm gap-3').mark('quiz-options'):
        ui.label('New quiz').classes('text-lg font-semibold')
        count_label = ui.label('10 questions').classes('text-sm text-slate-600')
        count = ui.slider(min=5, max=20, step=1, value=10).props('label aria-label="Number of questions"')
        count.mark('quiz-count')
        count.on_value_change(lambda e: count_label.set_text(f'{int(e.value)} questions'))
        ui.label('Difficulty').classes('text-sm text-slate-600')
        difficulty = ui.toggle({'easy': 'Easy', 'normal': 'Normal', 'hard': 'Hard'}, value='normal').props(
            'no-caps spread aria-label="Difficulty"'
        )
        difficulty.mark('quiz-difficulty')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(
                'Create quiz',
                on_click=lambda: dialog.submit({'count': int(count.value), 'difficulty': difficulty.value}),
            ).props('unelevated').mark('quiz-create')
    result = await dialog
    dialog.delete()
    return result
