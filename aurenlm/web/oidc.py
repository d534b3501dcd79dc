"""Sign in through an OpenID provider: two HTTP routes around the provider's own sign-in page.

`/auth/oidc/start` remembers a new flow (state, nonce, PKCE verifier, where to go afterwards) in this browser's
Starlette session (NiceGUI's signed, HttpOnly `session` cookie) and sends the browser to the provider.
`/auth/oidc/callback` takes the flow back out of the session by its state (so a state works once, and only in the
browser that started it), lets aurenlm/security/oidc.py redeem the code and check the ID token, finds or links the
account (aurenlm/accounts/single_sign_on.py), and signs in exactly as a password does (`auth.start_session`).

Every failure goes back to the sign-in page as `/login?oidc=<code>`, which shows a fixed message for the code; the
provider's own words go to the log only. Failures and successes are audited.

An account with two-factor sign-in still needs its TOTP code after the provider: the callback then does not sign in
but remembers the account for SECOND_FACTOR_TTL_S in this browser's session and sends it to the sign-in page, which
asks for the code and finishes as after a password (docs/oidc.md says why).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from loguru import logger

from aurenlm import repos
from aurenlm.accounts import single_sign_on
from aurenlm.accounts.single_sign_on import AccountRefused
from aurenlm.config import Settings, get_settings
from aurenlm.models import User
from aurenlm.security import oidc, totp
from aurenlm.security.oidc import OidcError, PendingFlow
from aurenlm.web import auth

router = APIRouter(include_in_schema=False)

START_PATH = '/auth/oidc/start'
CALLBACK_PATH = '/auth/oidc/callback'
FLOWS_KEY = 'oidc_flows'
MAX_FLOWS = 3  # sign-ins started in other tabs of the same browser stay valid, a few of them
MAX_NEXT = 400
OFF = 'off'
SECOND_FACTOR = 'second_factor'  # not an error: the provider said yes, and the account's TOTP code comes next
SECOND_FACTOR_KEY = 'oidc_second_factor'
SECOND_FACTOR_TTL_S = 300

# what the sign-in page says for each code: what happened and what to do next (never the provider's text)
MESSAGES: dict[str, str] = {
    oidc.STATE: 'That single sign-on attempt expired or was started in another browser. Start it again below.',
    oidc.DENIED: 'Sign-in was cancelled at your identity provider. Start it again below, or use your password.',
    oidc.CODE: 'Your identity provider did not accept this sign-in (its link may have been used already). '
    'Start it again below.',
    oidc.UNAVAILABLE: 'Your identity provider could not be reached. Try again in a few minutes, '
    'or sign in with your password.',
    oidc.ISSUER: 'Your identity provider did not identify itself as configured. '
    'Ask your administrator to check the OIDC_ISSUER setting.',
    oidc.TOKEN: 'The answer from your identity provider could not be verified. Try again; '
    'if it keeps happening, tell your administrator.',
    oidc.NO_EMAIL: 'Your identity provider did not share your email address. '
    'Ask your administrator to add the email scope.',
    oidc.UNVERIFIED: 'Your identity provider has not verified your email address. Verify it there, then sign in again.',
    single_sign_on.NO_ACCOUNT: 'There is no account for this email here, and new accounts need an invitation. '
    'Ask a teammate to invite you, or ask your administrator.',
    single_sign_on.DISABLED: 'This account is disabled. Ask your administrator to enable it.',
    single_sign_on.CONFLICT: 'This account is already linked to another account at your identity provider. '
    'Sign in with your password, or ask your administrator.',
    OFF: 'Single sign-on is not set up here. Sign in with your email and password.',
    SECOND_FACTOR: 'That took too long. Start single sign-on again below.',
}
GENERIC = 'Single sign-on did not work. Start it again below, or sign in with your password.'


def message(code: str | None) -> str | None:
    """The fixed text for a code from `/login?oidc=<code>`; anything unknown gets the generic one."""
    if not code:
        return None
    return MESSAGES.get(code, GENERIC)


def start_url(next_path: str | None) -> str:
    return f'{START_PATH}?{urlencode({"next": auth.safe_next(next_path)})}'


def redirect_uri(request: Request, settings: Settings) -> str:
    """Where the provider sends the browser back: under PUBLIC_URL when set (it must match what is registered at
    the provider), else under the address this request came to."""
    base = (settings.public_url or '').strip().rstrip('/') or str(request.base_url).rstrip('/')
    return base + CALLBACK_PATH


def _ip(request: Request) -> str:
    return request.client.host if request.client else ''


def _redirect(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Referrer-Policy'] = 'no-referrer'  # the callback's URL carries the code
    return response


def _fail(request: Request, code: str, next_path: str = '/', *, email: str = '', detail: str = '') -> Response:
    logger.warning('OIDC sign-in failed ({}): {}', code, detail)
    repos.audit.signin_failed(email, ip=_ip(request), method='oidc', reason=code)
    query = {'oidc': code}
    if auth.safe_next(next_path) != '/':
        query['next'] = auth.safe_next(next_path)
    return _redirect(f'/login?{urlencode(query)}')


def _pending(request: Request) -> dict[str, dict]:
    flows = request.session.get(FLOWS_KEY)
    if not isinstance(flows, dict):
        return {}
    live = {}
    for state, raw in flows.items():
        flow = PendingFlow.from_dict(raw) if isinstance(raw, dict) else None
        if flow is not None and not flow.expired():
            live[state] = raw
    return live


@router.get(START_PATH)
def start(request: Request, next: str = '/') -> Response:  # noqa: A002 - the query parameter's name
    settings = get_settings()
    # the flow rides in a cookie (4 KB at most): a page address longer than any of ours only goes home
    target = auth.safe_next(next) if len(next) <= MAX_NEXT else '/'
    if not settings.oidc_enabled:
        return _redirect(f'/login?{urlencode({"oidc": OFF})}')
    try:
        url, flow = oidc.begin(settings, redirect_uri(request, settings), target)
    except OidcError as e:
        return _fail(request, e.code, target, detail=e.detail)
    flows = _pending(request)
    flows[flow.state] = flow.to_dict()
    while len(flows) > MAX_FLOWS:  # the oldest goes first
        flows.pop(min(flows, key=lambda s: flows[s]['started_at']))
    request.session[FLOWS_KEY] = flows
    return _redirect(url)


@router.get(CALLBACK_PATH)
def callback(request: Request) -> Response:
    """Not refused when cross-site (it always is: the provider sends the browser here); the state, kept in this
    browser's own session, is what ties the answer to the person who asked."""
    settings = get_settings()
    params = {key: value for key, value in request.query_params.items()}
    flows = _pending(request)
    raw = flows.pop(params.get('state', ''), None)
    request.session[FLOWS_KEY] = flows  # the state is spent whatever happens next
    flow = PendingFlow.from_dict(raw) if raw else None
    if not settings.oidc_enabled:
        return _redirect(f'/login?{urlencode({"oidc": OFF})}')
    if flow is None:
        return _fail(request, oidc.STATE, detail='unknown, spent or expired state')
    try:
        identity = oidc.finish(settings, flow, params)
    except OidcError as e:
        return _fail(request, e.code, flow.next_path, detail=e.detail)
    try:
        result = single_sign_on.sign_in(identity.issuer, identity.subject, identity.email, identity.name)
    except AccountRefused as e:
        return _fail(request, e.code, flow.next_path, email=identity.email, detail=f'{identity.email}: {e.code}')
    user, ip = result.user, _ip(request)
    if result.how == 'created':
        repos.audit.record(user.id, 'register', ip=ip, method='oidc', issuer=identity.issuer[:500])
    elif result.how == 'linked':
        repos.audit.record(user.id, 'oidc_linked', ip=ip, issuer=identity.issuer[:500])
    if totp.enabled(user.id):  # the provider vouched for the person; the account also wants its own code
        request.session[SECOND_FACTOR_KEY] = {'user_id': user.id, 'at': time.time()}
        return _redirect(f'/login?{urlencode({"oidc": SECOND_FACTOR, "next": flow.next_path})}')
    repos.audit.record(user.id, 'login', ip=ip, method='oidc')
    return auth.start_session(request, user, flow.next_path)


def awaiting_second_factor(request: Request) -> User | None:
    """The account whose provider sign-in in this browser waits for its TOTP code (the sign-in page asks for it),
    if it is recent and the account may still sign in. /auth/complete clears it with the rest of the session."""
    pending = request.session.get(SECOND_FACTOR_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get('at'), int | float):
        return None
    if time.time() - pending['at'] > SECOND_FACTOR_TTL_S:
        return None
    user = repos.users.get(str(pending.get('user_id', '')))
    if user is None or user.disabled_at is not None or not totp.enabled(user.id):
        return None
    return user
