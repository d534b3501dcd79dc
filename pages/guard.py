"""The session check every private page runs in its builder (sub-pages bypass HTTP middleware)."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui

from aurenlm.models import User
from aurenlm.security import sessions


def current_user(*, redirect: bool = True) -> User | None:
    """The signed-in user; otherwise send the browser to the sign-in page and answer None."""
    user = sessions.resolve(app.storage.user.get('session'))
    if user is None:
        app.storage.user.pop('session', None)
        if redirect:
            ui.navigate.to('/login')
    return user


def next_target(raw: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to bounce people elsewhere."""
    if raw and raw.startswith('/') and not raw.startswith('//') and '\\' not in raw:
        return raw
    return '/'


def login_url(path: str) -> str:
    return f'/login?next={quote(path, safe="")}'
