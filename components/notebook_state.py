"""What the panes of one open notebook share: the source selection and a few cross-pane actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aurenlm import repos
from aurenlm.models import Notebook, User


@dataclass
class NotebookState:
    """One per open tab: never a module global."""

    user: User
    notebook: Notebook
    deselected: set[str] = field(default_factory=set)
    source_ids: list[str] = field(default_factory=list)
    ready_ids: set[str] = field(default_factory=set)
    on_selection: list[Callable[[], None]] = field(default_factory=list)
    open_source: Callable[..., None] | None = None  # (source_id, chunk_id=None, page=None, quote=None)
    ask: Callable[[str], None] | None = None  # put a question into the chat and send it

    @classmethod
    def load(cls, user: User, notebook: Notebook) -> NotebookState:
        return cls(user, notebook, repos.notebooks.deselected_sources(user, notebook.id))

    def selected_ids(self) -> list[str]:
        return [sid for sid in self.source_ids if sid not in self.deselected]

    def selected_ready_ids(self) -> list[str]:
        return [sid for sid in self.selected_ids() if sid in self.ready_ids]

    def is_selected(self, source_id: str) -> bool:
        return source_id not in self.deselected

    def set_selected(self, source_id: str, selected: bool) -> None:
        (self.deselected.discard if selected else self.deselected.add)(source_id)
        self._save()

    def select_all(self, selected: bool) -> None:
        self.deselected = set() if selected else set(self.source_ids)
        self._save()

    def _save(self) -> None:
        self.deselected &= set(self.source_ids)  # forget deleted sources
        repos.notebooks.set_deselected_sources(self.user, self.notebook.id, self.deselected)
        for listener in self.on_selection:
            listener()
