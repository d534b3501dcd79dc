"""Security headers on every response, CORS only for listed origins, and the socket's origin check."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurenlm.config import Settings

# As tight as NiceGUI allows (docs/architecture.md, "Content Security Policy", says why each exception stays):
# - script-src 'unsafe-eval': NiceGUI evaluates `:prop` values, JavaScript event handlers and run_javascript with
#   eval/new Function, and Vue compiles element templates in the browser;
# - script-src 'unsafe-inline': every page carries inline scripts (the import map and the page's elements as JSON)
#   with no nonce, and they differ per page, so neither a nonce nor a hash can list them;
# - style-src 'unsafe-inline': Quasar and Vue set style attributes, and Tailwind writes <style> at run time.
# Everything else comes from our own origin only; 'self' in connect-src covers our own ws:/wss: socket (CSP 3).
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "worker-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = [
        (b'x-content-type-options', b'nosniff'),
        (b'x-frame-options', b'DENY'),
        (b'referrer-policy', b'strict-origin-when-cross-origin'),
        (b'content-security-policy', CSP.encode()),
        (b'permissions-policy', b'camera=(), microphone=(), geolocation=()'),
        (b'cross-origin-opener-policy', b'same-origin'),
    ]
    if not settings.is_development:
        headers.append((b'strict-transport-security', b'max-age=63072000; includeSubDomains'))
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so streaming responses are not buffered."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                present = {name.lower() for name, _ in message.get('headers', [])}
                message['headers'] = list(message.get('headers', [])) + [
                    (name, value) for name, value in self.headers if name not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def socket_origin_check(settings: Settings):
    """For engine.io: accept same-origin browsers, listed origins and non-browser clients; refuse the rest."""
    allowed = {o.rstrip('/') for o in settings.allowed_origins}

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if not origin:
            return True
        origin = origin.rstrip('/')
        if origin in allowed:
            return True
        # X-Forwarded-Host counts only when the immediate peer is a configured proxy (web/proxies.py marks the
        # scope); from anyone else a client could name any host it likes and pass as same-origin
        from_proxy = environ.get('asgi.scope', {}).get('aurenlm.from_proxy', False)
        forwarded = environ.get('HTTP_X_FORWARDED_HOST', '') if from_proxy else ''
        host = forwarded or environ.get('HTTP_HOST', '')
        return urlsplit(origin).netloc == host.split(',')[0].strip()

    return is_allowed
