"""OpenID Connect sign-in, the relying party's half: discovery, the authorization request, the code exchange and
every check on what comes back.

The flow is the authorization code flow with PKCE (S256), a `state` bound to the browser and a `nonce` bound to the
ID token. The provider is found by discovery (`<issuer>/.well-known/openid-configuration`), so Keycloak, Authentik,
Google or Entra ID work by configuration alone. authlib makes the random values, the code challenge and the
authorization URL, and checks the ID token's claims; joserfc (authlib's JOSE layer) checks its signature against the
provider's published keys.

Nothing here knows about accounts or cookies: `begin` answers where to send the browser and what to remember,
`finish` answers who the provider says signed in, or raises `OidcError` with one of a fixed set of codes that the
sign-in page turns into a message (the provider's own text is only logged).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from aurenlm.config import Settings

# the error codes the sign-in page knows (pages/login.py maps each to a fixed message)
STATE = 'state'  # no such sign-in under way in this browser, or it is older than FLOW_TTL_S
DENIED = 'denied'  # the person cancelled at the provider, or the provider refused to sign them in
CODE = 'code'  # the provider refused the code: used before (a replay), expired, or for another verifier
UNAVAILABLE = 'unavailable'  # the provider did not answer, or answered with a server error
ISSUER = 'issuer'  # the provider calls itself something other than OIDC_ISSUER (a mix-up or a misconfiguration)
TOKEN = 'token'  # noqa: S105 - an error code. The ID token's signature, audience, nonce or lifetime is wrong
NO_EMAIL = 'no_email'  # the provider shares no email address (the email scope is missing)
UNVERIFIED = 'unverified'  # the provider has not verified the email address
CODES = frozenset({STATE, DENIED, CODE, UNAVAILABLE, ISSUER, TOKEN, NO_EMAIL, UNVERIFIED})

FLOW_TTL_S = 600  # from the click on "Sign in with ..." to the callback
METADATA_TTL_S = 3600  # discovery documents and signing keys are fetched again after an hour
HTTP_TIMEOUT_S = 10.0
LEEWAY_S = 60  # clock skew allowed on exp/iat
_LOOPBACK = {'127.0.0.1', '::1', 'localhost'}


class OidcError(Exception):
    """A sign-in that cannot go on; `code` is one of CODES, `detail` goes to the log only."""

    def __init__(self, code: str, detail: str = '') -> None:
        assert code in CODES, code
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery says about the provider (only the fields this client uses)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]
    signing_algs: tuple[str, ...]
    iss_in_response: bool  # RFC 9207: the provider names itself in the authorization response


@dataclass
class PendingFlow:
    """What the browser's session keeps between `begin` and the callback."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    issuer: str
    started_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingFlow | None:
        try:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})
        except (KeyError, TypeError):
            return None

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.started_at > FLOW_TTL_S


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: an account there (issuer + subject) and its verified email."""

    issuer: str
    subject: str
    email: str
    name: str


# -- discovery and keys, cached per issuer ---------------------------------------------------------------------------

_cache_lock = threading.Lock()
_metadata: dict[str, tuple[float, ProviderMetadata]] = {}
_jwks: dict[str, tuple[float, dict]] = {}


def forget() -> None:
    """Drop every cached discovery document and key set (tests; a provider that moved)."""
    with _cache_lock:
        _metadata.clear()
        _jwks.clear()


def _client() -> httpx.Client:
    return httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=False, headers={'Accept': 'application/json'})


def _get_json(url: str, headers: dict[str, str] | None = None, name: str | None = None) -> dict:
    """A JSON object from the provider; any other answer is a fault (a signed JWT userinfo answer is not asked for).
    `name` stands for the URL in the error when the URL itself is not worth logging."""
    what = name or url
    try:
        with _client() as client:
            response = client.get(url, headers=headers)
    except httpx.HTTPError as e:
        raise OidcError(UNAVAILABLE, f'GET {what}: {type(e).__name__}: {e}') from None
    if response.status_code != 200:
        raise OidcError(UNAVAILABLE, f'GET {what}: HTTP {response.status_code}')
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise OidcError(UNAVAILABLE, f'GET {what}: not a JSON object')
    return data


def _secure(url: str, settings: Settings) -> bool:
    """https, or plain http to this machine or in development (a provider on loopback in tests)."""
    parts = urlsplit(url)
    if parts.scheme == 'https':
        return True
    return parts.scheme == 'http' and (settings.is_development or (parts.hostname or '') in _LOOPBACK)


def _same_issuer(a: str, b: str) -> bool:
    # OIDC_ISSUER may be written with or without the trailing slash some providers (Authentik) use
    return a.rstrip('/') == b.rstrip('/')


def discover(settings: Settings) -> ProviderMetadata:
    """The provider's metadata from `<OIDC_ISSUER>/.well-known/openid-configuration`, cached for an hour."""
    configured = (settings.oidc_issuer or '').strip()
    with _cache_lock:
        cached = _metadata.get(configured)
    if cached and time.monotonic() - cached[0] < METADATA_TTL_S:
        return cached[1]
    if not _secure(configured, settings):
        raise OidcError(ISSUER, f'OIDC_ISSUER {configured!r} is not https')
    data = _get_json(configured.rstrip('/') + '/.well-known/openid-configuration')
    issuer = data.get('issuer')
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was fetched for
    if not isinstance(issuer, str) or not _same_issuer(issuer, configured):
        raise OidcError(ISSUER, f'discovery names issuer {issuer!r}, OIDC_ISSUER is {configured!r}')
    try:
        meta = ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=str(data['authorization_endpoint']),
            token_endpoint=str(data['token_endpoint']),
            jwks_uri=str(data['jwks_uri']),
            userinfo_endpoint=str(data['userinfo_endpoint']) if data.get('userinfo_endpoint') else None,
            token_auth_methods=tuple(data.get('token_endpoint_auth_methods_supported') or ('client_secret_basic',)),
            signing_algs=tuple(
                a for a in (data.get('id_token_signing_alg_values_supported') or ('RS256',)) if a != 'none'
            ),
            iss_in_response=data.get('authorization_response_iss_parameter_supported') is True,
        )
    except KeyError as e:
        raise OidcError(UNAVAILABLE, f'discovery document lacks {e}') from None
    endpoints = (meta.authorization_endpoint, meta.token_endpoint, meta.jwks_uri, meta.userinfo_endpoint or '')
    if not all(_secure(url, settings) for url in endpoints if url):
        raise OidcError(ISSUER, 'the discovery document names an endpoint that is not https')
    with _cache_lock:
        _metadata[configured] = (time.monotonic(), meta)
    return meta


def _key_set(meta: ProviderMetadata, *, fresh: bool = False) -> KeySet:
    with _cache_lock:
        cached = _jwks.get(meta.jwks_uri)
    if fresh or not cached or time.monotonic() - cached[0] >= METADATA_TTL_S:
        data = _get_json(meta.jwks_uri)
        with _cache_lock:
            _jwks[meta.jwks_uri] = (time.monotonic(), data)
    else:
        data = cached[1]
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as e:
        raise OidcError(UNAVAILABLE, f'the provider published keys that do not parse: {e}') from None


# -- the flow --------------------------------------------------------------------------------------------------------


def begin(settings: Settings, redirect_uri: str, next_path: str) -> tuple[str, PendingFlow]:
    """Where to send the browser, and what to remember for the callback (in that browser's session only)."""
    meta = discover(settings)
    flow = PendingFlow(
        state=generate_token(43),
        nonce=generate_token(43),
        code_verifier=generate_token(64),  # RFC 7636: 43 to 128 unreserved characters
        redirect_uri=redirect_uri,
        next_path=next_path,
        issuer=meta.issuer,
        started_at=time.time(),
    )
    url = prepare_grant_uri(
        meta.authorization_endpoint,
        settings.oidc_client_id,
        'code',
        redirect_uri=redirect_uri,
        scope=settings.oidc_scopes.split(),
        state=flow.state,
        nonce=flow.nonce,
        code_challenge=create_s256_code_challenge(flow.code_verifier),
        code_challenge_method='S256',
    )
    return url, flow


def finish(settings: Settings, flow: PendingFlow, params: dict[str, str]) -> Identity:
    """Check the callback's parameters against the pending flow, redeem the code and check the ID token.

    The caller has already matched `params['state']` to `flow` (and removed the flow, so it cannot be used twice).
    """
    meta = discover(settings)
    if not _same_issuer(meta.issuer, flow.issuer):
        raise OidcError(ISSUER, f'the flow began at {flow.issuer!r}, the provider is now {meta.issuer!r}')
    iss = params.get('iss')
    # RFC 9207: a provider that names itself in the response must name itself, or the code may be another's
    if (iss is not None or meta.iss_in_response) and iss != meta.issuer:
        raise OidcError(ISSUER, f'the authorization response came from issuer {iss!r}, expected {meta.issuer!r}')
    if params.get('error'):
        raise OidcError(DENIED, f'{params.get("error")}: {params.get("error_description", "")}'[:300])
    code = params.get('code')
    if not code:
        raise OidcError(CODE, 'the callback carries no code')
    tokens = _redeem(settings, meta, flow, code)
    claims = _check_id_token(settings, meta, flow, tokens)
    return _identity(meta, claims, tokens.get('access_token'))


def _redeem(settings: Settings, meta: ProviderMetadata, flow: PendingFlow, code: str) -> dict:
    """The token endpoint's answer for this code and its PKCE verifier."""
    client_id = settings.oidc_client_id or ''
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else ''
    form = {
        'grant_type': 'authorization_code',
        'code': code,
        'redirect_uri': flow.redirect_uri,
        'code_verifier': flow.code_verifier,
    }
    auth: httpx.BasicAuth | None = None
    if 'client_secret_basic' in meta.token_auth_methods or 'client_secret_post' not in meta.token_auth_methods:
        # RFC 6749 2.3.1: the id and secret are form-encoded before they go into the Basic header
        auth = httpx.BasicAuth(quote(client_id, safe=''), quote(secret, safe=''))
    else:
        form.update(client_id=client_id, client_secret=secret)
    try:
        with _client() as client:
            response = client.post(meta.token_endpoint, data=form, auth=auth)
    except httpx.HTTPError as e:
        raise OidcError(UNAVAILABLE, f'POST token endpoint: {type(e).__name__}: {e}') from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500 or not isinstance(body, dict):
        raise OidcError(UNAVAILABLE, f'token endpoint answered HTTP {response.status_code}')
    if response.status_code != 200 or 'error' in body:
        # invalid_grant: a code used before, expired, or issued for another verifier or redirect URI
        raise OidcError(CODE, f'token endpoint: {body.get("error")}: {body.get("error_description", "")}'[:300])
    if not isinstance(body.get('id_token'), str):
        raise OidcError(TOKEN, 'the token response has no id_token (is "openid" in OIDC_SCOPES?)')
    return body


def _check_id_token(settings: Settings, meta: ProviderMetadata, flow: PendingFlow, tokens: dict) -> dict:
    """The ID token's claims once its signature (the provider's published keys), issuer, audience, nonce, expiry
    and access-token hash have been checked."""
    registry = JWSRegistry(algorithms=list(meta.signing_algs))
    try:
        try:
            decoded = jwt.decode(tokens['id_token'], _key_set(meta), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
            decoded = jwt.decode(tokens['id_token'], _key_set(meta, fresh=True), registry=registry)
    except JoseError as e:
        raise OidcError(TOKEN, f'ID token signature: {type(e).__name__}: {e}') from None
    except ValueError as e:
        raise OidcError(TOKEN, f'ID token does not parse: {e}') from None
    if decoded.claims.get('iss') != meta.issuer:  # said apart from the other checks: its own message helps admins
        raise OidcError(ISSUER, f'ID token issuer {decoded.claims.get("iss")!r}, expected {meta.issuer!r}')
    options = {
        'iss': {'essential': True, 'value': meta.issuer},
        # joserfc accepts a list audience when it contains the value; azp is then checked by authlib
        'aud': {'essential': True, 'value': settings.oidc_client_id},
        'sub': {'essential': True},
        'exp': {'essential': True},
        'nonce': {'essential': True, 'value': flow.nonce},
    }
    params = {'nonce': flow.nonce, 'client_id': settings.oidc_client_id, 'access_token': tokens.get('access_token')}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=LEEWAY_S)
    except JoseError as e:
        raise OidcError(TOKEN, f'ID token claims: {type(e).__name__}: {e}') from None
    return dict(claims)


def _identity(meta: ProviderMetadata, claims: dict, access_token: str | None) -> Identity:
    """The subject and verified email, from the ID token, or from the userinfo endpoint when the token leaves the
    email out (providers may keep scope claims for userinfo when an access token is issued)."""
    subject = str(claims['sub'])
    merged = dict(claims)
    unsure = 'email' not in claims or ('email_verified' not in claims and 'xms_edov' not in claims)
    if unsure and meta.userinfo_endpoint and access_token:
        info = _userinfo(meta, access_token)
        if str(info.get('sub')) != subject:  # Core 5.3.2: userinfo for another subject must not be used
            raise OidcError(TOKEN, 'userinfo is about another subject')
        merged.update({k: v for k, v in info.items() if k in ('email', 'email_verified', 'name')})
    email = merged.get('email')
    if not isinstance(email, str) or '@' not in email:
        raise OidcError(NO_EMAIL, 'no email claim (add "email" to OIDC_SCOPES)')
    if not _email_verified(merged):
        raise OidcError(UNVERIFIED, f'email_verified is {merged.get("email_verified")!r}')
    name = merged.get('name')
    return Identity(
        issuer=meta.issuer,
        subject=subject,
        email=email.strip().lower(),
        name=name.strip()[:120] if isinstance(name, str) else '',
    )


def _email_verified(claims: dict) -> bool:
    """`email_verified` true (a few providers send it as a string). Entra ID sends no `email_verified`; its optional
    `xms_edov` claim (the email's domain owner verified it) stands in for it there, and only when it is absent."""
    if 'email_verified' in claims:
        return claims['email_verified'] in (True, 'true')
    return claims.get('xms_edov') in (True, 'true', 1, '1')


def _userinfo(meta: ProviderMetadata, access_token: str) -> dict:
    assert meta.userinfo_endpoint is not None
    return _get_json(meta.userinfo_endpoint, headers={'Authorization': f'Bearer {access_token}'}, name='userinfo')
