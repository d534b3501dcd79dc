"""The session check every private page runs in its builder (sub-pages bypass HTTP middleware)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from nicegui import ui

from aurenlm.models import User
from aurenlm.security import sessions
from aurenlm.web import auth


def page_request() -> Request:
    """The HTTP request that built this page; socket handlers see it too, with the cookies it carried."""
    return ui.context.client.request


def session_token() -> str | None:
    return auth.session_token(page_request())


def current_user(*, redirect: bool = True) -> User | None:
    """The signed-in user, resolved on every call so a revoked session stops working at once, in event handlers
    too; otherwise send the browser to the sign-in page and answer None."""
    user = sessions.resolve(session_token())
    if user is None and redirect:
        ui.navigate.to('/login')
    return user


def next_target(raw: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to bounce people elsewhere."""
    return auth.safe_next(raw)


def login_url(path: str) -> str:
    return f'/login?next={quote(path, safe="")}'
