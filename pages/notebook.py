"""A notebook: Sources | Chat | Studio and Notes, with the export menu and the Share dialog. What is on screen follows
the person's role (viewer, editor, owner); the services check the role again on every action."""

from __future__ import annotations

from nicegui import ui

from aurenlm import repos
from aurenlm.llm import get_provider
from aurenlm.repos.notebooks import NotebookError
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from components import frame
from components.access_watch import NO_ACCESS, NO_ACCESS_HINT, AccessWatch
from components.chat_pane import ChatPane
from components.export_menu import ExportMenu
from components.notebook_state import NotebookState
from components.notes_pane import NotesPane
from components.share_dialog import ShareDialog, share_button
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
    state = NotebookState.load(user, notebook) if notebook is not None else None
    if notebook is None or state is None:
        frame.not_found()
        return

    def rename(title: str) -> str | None:
        try:
            if sharing.rename_notebook(user, notebook_id, title) is None:
                return 'This notebook is gone. Go back to your notebooks.'
        except (NotebookError, sharing.SharingError) as e:
            return str(e)
        return None

    owner = state.can(Capability.MANAGE)
    workspace = frame.Workspace(user, notebook.title, rename if owner else None, get_provider().label)
    with workspace.actions:
        share_button(state, ShareDialog(state))
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
    AccessWatch(state, on_lost=lambda: workspace.close(NO_ACCESS, NO_ACCESS_HINT))
