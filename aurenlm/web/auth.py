"""The sign-in cookie: set when a one-time ticket is redeemed, cleared on sign-out, never visible to scripts.

A password is checked over the socket, which cannot set cookies. The page then sends the browser here with a ticket
(aurenlm/security/sessions.py); this request creates the session, sets our own cookie, gives the browser a fresh
NiceGUI identity, and redirects. So nothing the browser held before signing in is worth anything after it, and NiceGUI's
storage never holds a token.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from aurenlm.config import Settings, get_settings
from aurenlm.models import User
from aurenlm.security import sessions, totp

router = APIRouter(include_in_schema=False)

COMPLETE_PATH = '/auth/complete'
SIGN_OUT_PATH = '/auth/sign-out'


def cookie_name(settings: Settings | None = None) -> str:
    """`__Host-` outside development: the browser then refuses the cookie unless it is Secure, for this host only and
    for path /, so a sibling subdomain cannot plant one (a way to fix a session on someone)."""
    settings = settings or get_settings()
    return 'aurenlm_session' if settings.is_development else '__Host-aurenlm_session'


def browser_cookie_kwargs(settings: Settings) -> dict[str, object]:
    """Starlette's SessionMiddleware options for NiceGUI's own cookie (the signed id of a browser's storage, which the
    sign-in ticket is bound to). Outside development it is `__Host-` prefixed like ours, so a sibling subdomain cannot
    plant one; that needs Secure, path / and no domain, which https_only and the defaults give. In development, over
    plain http, it keeps NiceGUI's name. Nothing reads it by name: NiceGUI and we use request.session."""
    development = settings.is_development
    return {
        'session_cookie': 'session' if development else '__Host-aurenlm_browser',
        'same_site': 'lax',
        'https_only': not development,
        'path': '/',
    }


def session_token(request: Request | None) -> str | None:
    """The sign-in token this request carries, if any. Pages pass their own request (ui.context.client.request)."""
    if request is None:
        return None
    return request.cookies.get(cookie_name()) or None


def current_user(request: Request | None):
    """The signed-in user of this request, resolved now (a revoked session stops working at once), or None.

    While the instance requires two-factor sign-in, an account without it is nobody here either (as on every page
    but the set-up one, pages/guard.py): a file or an export is not a way around setting it up."""
    user = sessions.resolve(session_token(request))
    if user is not None and totp.must_enrol(user):
        return None
    return user


def safe_next(raw: str | None) -> str:
    """Only local paths, so the sign-in flow cannot bounce people to another site; never back into /auth."""
    if not raw or not raw.startswith('/') or raw.startswith('//') or '\\' in raw:
        return '/'
    if any(ch < ' ' or ch == '\x7f' for ch in raw):  # browsers drop tabs and newlines: '/\t/evil.example'
        return '/'
    if raw.startswith(('/auth/', '/login', '/register')):
        return '/'
    return raw


def complete_url(ticket: str, next_path: str | None) -> str:
    return f'{COMPLETE_PATH}?{urlencode({"ticket": ticket, "next": safe_next(next_path)})}'


def _cross_site(request: Request) -> bool:
    # a browser says where a navigation came from; another site must not sign anyone in or out (a missing header
    # is an older browser or a script, which the browser binding of tickets still covers)
    return request.headers.get('sec-fetch-site', 'same-origin') not in ('same-origin', 'none')


def _redirect(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Referrer-Policy'] = 'no-referrer'  # the ticket is in this URL
    return response


def _new_browser_identity(request: Request) -> None:
    """Starlette's SessionMiddleware signs a new NiceGUI `session` cookie for this response; NiceGUI keys its user
    storage by request.session['id'], so whoever knew the old cookie now holds a stranger's empty storage."""
    request.session.clear()
    request.session['id'] = str(uuid.uuid4())


def _cookie_flags(settings: Settings) -> dict:
    return {'path': '/', 'httponly': True, 'samesite': 'lax', 'secure': not settings.is_development}


@router.get(COMPLETE_PATH)
def complete_sign_in(request: Request, ticket: str = '', next: str = '/') -> Response:  # noqa: A002 - query name
    target = safe_next(next)
    user = None
    if not _cross_site(request):
        user = sessions.redeem_ticket(ticket, request.session.get('id', ''))
    if user is None:
        return _redirect(f'/login?next={quote(target, safe="")}')
    return start_session(request, user, target)


def start_session(request: Request, user: User, target: str) -> Response:
    """Sign `user` in on this browser and go to `target` (already made safe): the one place a session cookie is
    made, for a redeemed ticket and for an OpenID Connect callback (aurenlm/web/oidc.py) alike."""
    settings = get_settings()
    sessions.revoke(session_token(request))  # whatever this browser held before is gone
    ip = request.client.host if request.client else ''
    made = sessions.create(user, ip=ip, user_agent=request.headers.get('user-agent', ''))
    response = _redirect(target)
    response.set_cookie(
        cookie_name(settings), made.token, max_age=settings.session_max_hours * 3600, **_cookie_flags(settings)
    )
    _new_browser_identity(request)
    return response


@router.get(SIGN_OUT_PATH)
def sign_out(request: Request) -> Response:
    """Pages revoke the session in their handler first; this clears the cookie and the browser identity."""
    if _cross_site(request):
        return _redirect('/')
    settings = get_settings()
    sessions.revoke(session_token(request))
    response = _redirect('/login')
    response.delete_cookie(cookie_name(settings), **_cookie_flags(settings))
    _new_browser_identity(request)
    return response
