"""A notebook: Sources | Chat | Studio and Notes, with the export menu."""

from __future__ import annotations

from nicegui import ui

from aurenlm import repos
from aurenlm.llm import get_provider
from aurenlm.repos.notebooks import NotebookError
from components import frame
from components.chat_pane import ChatPane
from components.export_menu import ExportMenu
from components.notebook_state import NotebookState
from components.notes_pane import NotesPane
from components.source_viewer import SourceViewer
from components.sources_pane import SourcesPane
from components.studio_pane import StudioPane
from pages.guard import current_user


@ui.page('/notebook/{notebook_id}')
def notebook_page(notebook_id: str) -> None:
    user = current_user()
    if user is None:
        return
    notebook = repos.notebooks.get(user, notebook_id)  # a stranger's id looks exactly like a missing one
    if notebook is None:
        frame.not_found()
        return

    def rename(title: str) -> str | None:
        try:
            if repos.notebooks.rename(user, notebook_id, title) is None:
                return 'You cannot rename this notebook.'
        except NotebookError as e:
            return str(e)
        return None

    state = NotebookState.load(user, notebook)
    workspace = frame.Workspace(user, notebook.title, rename, get_provider().label)
    viewer = SourceViewer(state)
    state.open_source = viewer.open
    with workspace.left:
        SourcesPane(state)
    with workspace.center:
        ChatPane(state)
    with workspace.right:
        with ui.row().classes('w-full items-center no-wrap gap-0 pr-1 border-b'):
            with ui.tabs().props('dense no-caps inline-label').classes('flex-grow') as tabs:
                studio_tab = ui.tab('Studio', icon='auto_awesome')
                notes_tab = ui.tab('Notes', icon='sticky_note_2')
            ExportMenu(state, light=False)
        with ui.tab_panels(tabs, value=studio_tab).props('keep-alive').classes('w-full flex-grow'):
            with ui.tab_panel(studio_tab).classes('p-0'):
                StudioPane(state)
            with ui.tab_panel(notes_tab).classes('p-0'):
                NotesPane(state)
