"""The session check every private page runs in its builder (sub-pages bypass HTTP middleware)."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import Request
from nicegui import Client, ui

from aurenlm.models import User
from aurenlm.security import sessions, totp
from aurenlm.web import auth

RECHECK_EVERY_S = 1.0
# where an account goes while the instance requires two-factor sign-in and it has none (pages/two_factor.py)
ENROL_PATH = '/two-factor'


def page_request() -> Request:
    """The HTTP request that built this page; socket handlers see it too, with the cookies it carried."""
    return ui.context.client.request


def session_token() -> str | None:
    return auth.session_token(page_request())


def current_user(*, redirect: bool = True, enrolling: bool = False) -> User | None:
    """The signed-in user, resolved on every call so a revoked session stops working at once, in event handlers
    too; otherwise send the browser to the sign-in page and answer None.

    While the instance requires two-factor sign-in, an account without it is the user of the set-up page only
    (`enrolling=True`): every other page answers None and sends it there."""
    user = sessions.resolve(session_token())
    if user is not None:
        ui.context.client.auren_signed_in = True  # type: ignore[attr-defined] - see lost_session
        if not enrolling and totp.must_enrol(user):
            if redirect:
                ui.navigate.to(ENROL_PATH)
            return None
    elif redirect:
        ui.navigate.to('/login')
    return user


def lost_session(client: Client) -> bool:
    """True once the session a page was built with has been revoked or has expired.

    Components keep the user they were built for, so an open page would otherwise go on acting for that person over
    its socket after "Sign out everywhere". main.py asks this before every socket event. A live answer is kept for a
    second so typing does not cost a query per key, unless this process has revoked a session since: then the
    check is immediate (a revocation made by another process is seen within the second).
    """
    if not getattr(client, 'auren_signed_in', False):
        return False
    now, epoch = time.monotonic(), sessions.revocations()
    fresh = now - getattr(client, 'auren_checked_at', 0.0) < RECHECK_EVERY_S
    if fresh and getattr(client, 'auren_epoch', None) == epoch:
        return False
    client.auren_checked_at, client.auren_epoch = now, epoch  # type: ignore[attr-defined]
    if sessions.resolve(auth.session_token(client.request)) is not None:
        return False
    client.auren_signed_in = False  # type: ignore[attr-defined]
    client.auren_lost = True  # type: ignore[attr-defined]
    return True


def refuses_events(client: Client) -> bool:
    """A page whose session was lost takes no more events, whatever its browser does with the redirect."""
    return getattr(client, 'auren_lost', False) or lost_session(client)


def next_target(raw: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to bounce people elsewhere."""
    return auth.safe_next(raw)


def login_url(path: str) -> str:
    return f'/login?next={quote(path, safe="")}'
