"""Give every HTTP request an id: in the log lines it causes and in the X-Request-ID response header."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurenlm.log import new_request_id, request_id_var

_SAFE_ID = re.compile(r'^[A-Za-z0-9._-]{6,64}$')


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get('headers', [])).get(b'x-request-id', b'').decode('latin-1')
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        scope.setdefault('state', {})['request_id'] = request_id

        async def send_with_id(message: Message) -> None:
            if message['type'] == 'http.response.start':
                message['headers'] = [*message.get('headers', []), (b'x-request-id', request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
