"""What the panes of one open notebook share: the person's role, the source selection, the notebook's live events,
and a few cross-pane actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nicegui import ui

from aurenlm import events, repos
from aurenlm.models import Notebook, User
from aurenlm.sharing import access, roles
from aurenlm.sharing.roles import Capability


@dataclass
class NotebookState:
    """One per open tab: never a module global."""

    user: User
    notebook: Notebook
    role: str
    shared: bool = False  # more than one member: the page says that each chat is private
    deselected: set[str] = field(default_factory=set)
    source_ids: list[str] = field(default_factory=list)
    ready_ids: set[str] = field(default_factory=set)
    on_selection: list[Callable[[], None]] = field(default_factory=list)
    open_source: Callable[..., None] | None = None  # (source_id, chunk_id=None, page=None, quote=None)
    ask: Callable[[str], None] | None = None  # put a question into the chat and send it
    closed: bool = False
    _unsubscribers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def load(cls, user: User, notebook: Notebook) -> NotebookState | None:
        """None when the user is not (or no longer) a member."""
        role = access.role_of(user, notebook.id)
        if role is None:
            return None
        shared = repos.members.count(notebook.id) > 1
        return cls(user, notebook, role, shared, repos.notebooks.deselected_sources(user, notebook.id))

    def can(self, capability: Capability) -> bool:
        """What to show: the UI offers only what the role may do (the services check again on every call)."""
        return roles.allows(self.role, capability)

    def listen(self, callback: Callable[[dict[str, Any]], Any]) -> None:
        """Follow the notebook's live events until the page goes or loses access to the notebook."""
        unsubscribe = events.subscribe(events.notebook_topic(self.notebook.id), callback)
        self._unsubscribers.append(unsubscribe)
        ui.context.client.on_delete(unsubscribe)

    def close(self) -> None:
        """The person lost access: stop following the notebook, so nothing more of it reaches this page."""
        self.closed = True
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()

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
