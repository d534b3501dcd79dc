"""An open notebook page keeps checking that its person is still a member, with the same role.

main.py asks `allows_event` before every socket event of a page. A member who was removed meanwhile finds, on their
next action, that the page says "You no longer have access" and has closed its panes; a member whose role changed
sees the page reload with what the new role may do. In this process both also happen at once, through the
notebook's live events. Whatever the page still sends afterwards reaches services that refuse a non-member.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nicegui import Client, ui

from aurenlm.repos import members
from aurenlm.sharing import access, roles
from components.notebook_state import NotebookState

RECHECK_EVERY_S = 1.0  # a membership change made by another process is seen within this (this process's at once)
NO_ACCESS = 'You no longer have access'
NO_ACCESS_HINT = 'The owner removed you from this notebook, or it was deleted. Ask its owner if you need it again.'


class AccessWatch:
    def __init__(self, state: NotebookState, on_lost: Callable[[], None]) -> None:
        self.state, self.on_lost = state, on_lost
        self.client = ui.context.client
        self.lost = False
        self.checked_at, self.epoch = time.monotonic(), members.changes()
        self.client.auren_access = self  # type: ignore[attr-defined] - read by allows_event
        state.listen(self._on_event)

    def check(self) -> bool:
        """True when the event may go on: the person still holds the role the page was built for."""
        if self.lost:
            return True  # the page is closed already; what is left (the way home) may act
        now, epoch = time.monotonic(), members.changes()
        if epoch == self.epoch and now - self.checked_at < RECHECK_EVERY_S:
            return True
        self.checked_at, self.epoch = now, epoch
        role = access.role_of(self.state.user, self.state.notebook.id)
        if role == self.state.role:
            return True
        self._react(role)
        return False

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get('type') == 'member' and event.get('user_id') == self.state.user.id and not self.lost:
            with self.client:
                self._react(event.get('role'))

    def _react(self, role: str | None) -> None:
        if role is None:
            self.lost = True
            self.state.close()
            self.on_lost()
            ui.notify(NO_ACCESS, type='warning')
        elif role != self.state.role:
            ui.notify(f'You are now {roles.label(role).lower()} of this notebook. The page reloads to match.')
            ui.navigate.reload()


def allows_event(client: Client) -> bool:
    """Asked by main.py before each socket event: False drops the event (the page has been told why)."""
    watch = getattr(client, 'auren_access', None)
    if watch is None:
        return True
    with client:
        return watch.check()
