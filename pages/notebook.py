"""A notebook: Sources | Chat | Studio."""

from __future__ import annotations

from nicegui import ui

from aurenlm import repos
from aurenlm.llm import get_provider
from aurenlm.repos.notebooks import NotebookError
from components import frame
from components.chat_pane import ChatPane
from components.notebook_state import NotebookState
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
        StudioPane(state)
