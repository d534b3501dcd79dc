"""Home: the signed-in person's notebooks."""

from __future__ import annotations

from nicegui import ui

from components import frame
from components.notebook_list import NotebookList
from pages.guard import current_user


@ui.page('/')
def home_page() -> None:
    user = current_user()
    if user is None:
        return
    with frame.shell(user, 'Notebooks'):
        NotebookList(user)
