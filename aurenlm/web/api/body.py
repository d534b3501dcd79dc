"""Request bodies: size caps and content types checked at the door, and a multipart reader that streams one file.

The cap is checked twice: against Content-Length before anything is read, and by counting bytes as they arrive,
which also covers chunked requests that announce no length. Uploads get the upload limit, everything else 1 MB.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from fastapi import HTTPException, Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurenlm.config import get_settings
from aurenlm.ingest.checks import format_size
from aurenlm.web.api.errors import ApiError, error_response, route_path

JSON_MAX_BYTES = 1024 * 1024
MULTIPART_SLACK = 64 * 1024  # part headers and boundaries around the file itself
BODY_METHODS = {'POST', 'PUT', 'PATCH'}
# routes that take a file (multipart) besides JSON, and so the upload limit
UPLOAD_ROUTES = [re.compile(r'^/notebooks/[^/]+/sources/?$')]


def is_upload_route(path: str) -> bool:
    return any(pattern.match(path) for pattern in UPLOAD_ROUTES)


def _too_large(cap: int) -> str:
    return f'The request body is larger than the {format_size(cap)} limit. Send less at once.'


class BodyLimitMiddleware:
    """Pure ASGI, so streamed responses (chat) pass through unbuffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['method'] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode('latin-1').lower(): v.decode('latin-1') for k, v in scope.get('headers', [])}
        upload = is_upload_route(route_path(scope))
        cap = get_settings().max_upload_bytes + MULTIPART_SLACK if upload else JSON_MAX_BYTES
        length = headers.get('content-length', '')
        if length.isdigit() and int(length) > cap:
            await error_response(413, 'too_large', _too_large(cap))(scope, receive, send)
            return
        has_body = (length.isdigit() and int(length) > 0) or 'transfer-encoding' in headers
        media_type = parse_options_header(headers.get('content-type', ''))[0].decode('latin-1')
        accepted = {'application/json'} | ({'multipart/form-data'} if upload else set())
        if has_body and media_type not in accepted and not media_type.endswith('+json'):
            message = (
                'Send JSON with "Content-Type: application/json", or a file as multipart/form-data in a field named '
                '"file".'
                if upload
                else 'Send JSON with "Content-Type: application/json".'
            )
            await error_response(415, 'unsupported_media_type', message)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > cap:
                    # raised inside the route's own read; FastAPI passes an HTTPException on to the error handler
                    raise HTTPException(413, _too_large(cap))
            return message

        await self.app(scope, counting_receive, send)


class MultipartFile:
    """Reads multipart/form-data as it arrives and hands on the bytes of one file field, never the whole body."""

    def __init__(self, request: Request, field: str = 'file') -> None:
        _media, options = parse_options_header(request.headers.get('content-type', ''))
        boundary = options.get(b'boundary')
        if not boundary:
            raise ApiError(400, 'bad_multipart', 'The multipart body has no boundary. Let your HTTP client set it.')
        self.field = field.encode()
        self.filename: str | None = None
        self._stream = request.stream().__aiter__()
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b''
        self._header_value = b''
        self._in_target = False
        self._target_done = False
        self._pending: list[bytes] = []
        self._parser = MultipartParser(
            boundary,
            {
                'on_part_begin': self._part_begin,
                'on_header_field': self._on_header_field,
                'on_header_value': self._on_header_value,
                'on_header_end': self._header_end,
                'on_headers_finished': self._headers_finished,
                'on_part_data': self._part_data,
                'on_part_end': self._part_end,
            },
        )

    def _part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b''

    def _headers_finished(self) -> None:
        _kind, options = parse_options_header(self._headers.get(b'content-disposition', b'').decode('latin-1'))
        if self.filename is None and options.get(b'name') == self.field:
            self._in_target = True
            raw = options.get(b'filename', b'upload')
            try:
                self.filename = raw.decode('utf-8') or 'upload'
            except UnicodeDecodeError:
                self.filename = raw.decode('latin-1') or 'upload'

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_target:
            self._pending.append(bytes(data[start:end]))

    def _part_end(self) -> None:
        if self._in_target:
            self._in_target, self._target_done = False, True

    async def _feed(self) -> bool:
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            return False
        if chunk:
            try:
                self._parser.write(chunk)
            except MultipartParseError:
                raise ApiError(
                    400, 'bad_multipart', 'The multipart body is malformed. Let your HTTP client build it.'
                ) from None
        return True

    async def open(self) -> str:
        """Read up to the start of the file field; answers its file name."""
        while self.filename is None:
            if not await self._feed():
                raise ApiError(
                    422, 'missing_file', 'Send the file in a multipart field named "file", or send JSON instead.'
                )
        return self.filename

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            if self._pending:
                data = b''.join(self._pending)
                self._pending.clear()
                yield data
            if self._target_done:
                return
            if not await self._feed():
                raise ApiError(400, 'bad_multipart', 'The upload ended before the file did. Send it again.')
