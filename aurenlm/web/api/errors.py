"""One error shape for the whole API, `{"error": {"code", "message"}}`, whatever raised it.

Routes raise `ApiError`; FastAPI's own 404/405/422 and Starlette's HTTP errors are rewritten into the same shape,
and service errors (ingest, sources, notebooks) are mapped to the status that fits them here, in one place.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from aurenlm.ingest import IngestError
from aurenlm.log import request_id_var
from aurenlm.sharing.access import Forbidden


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


DEFAULT_CODES = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    413: 'too_large',
    415: 'unsupported_media_type',
    422: 'invalid',
    429: 'rate_limited',
    503: 'unavailable',
}
DEFAULT_MESSAGES = {
    404: 'Nothing here. Check the path against /api/v1/openapi.json.',
    405: 'This path does not take that method. The Allow header lists the ones it does.',
}
DESCRIPTIONS = {
    400: 'Malformed request (a bad cursor or a broken multipart body)',
    401: 'Missing, unknown, revoked or expired token',
    403: 'The token may not do this (a read-only token writing, or a role that cannot)',
    404: 'No such thing, or it belongs to someone else',
    409: 'Conflicts with what is there (the same file twice, a full notebook)',
    413: 'The request body or the file is too large',
    415: 'The content type or the file type is not accepted',
    422: 'The request is well-formed but its values are not valid',
    429: 'Too many requests for this token; wait for Retry-After seconds',
    503: 'A service the request needs (the virus scanner) is down; try again after Retry-After seconds',
}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {'error': {'code': code, 'message': message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give (401, 404 and 429 are added by the router)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {'model': ErrorResponse, 'description': DESCRIPTIONS.get(status, 'Error')}
        if status in (429, 503):
            entry['headers'] = {
                'Retry-After': {'description': 'Seconds to wait before trying again', 'schema': {'type': 'integer'}}
            }
        documented[status] = entry
    return documented


# every authenticated route can answer these
COMMON_RESPONSES = responses(400, 401, 403, 404, 413, 415, 422, 429)


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ('body', 'query', 'path', 'header')]
    return '.'.join(parts) or 'body'


def validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        msg = str(err.get('msg', 'is not valid'))
        if err.get('type') == 'json_invalid':
            problems.append('The body is not valid JSON.')
        else:
            problems.append(f'{_field(err.get("loc", ()))}: {msg}')
    return ' '.join(problems) + ' Fix the request and send it again.'


def rate_limited(retry_after: int, message: str) -> ApiError:
    """Every limit answers alike: 429 `rate_limited`, and Retry-After in whole seconds (at least 1)."""
    return ApiError(429, 'rate_limited', message, headers={'Retry-After': str(max(1, int(retry_after)))})


def from_ingest_error(e: IngestError) -> ApiError:
    """Each ingest reason to the status a client can act on."""
    status = {
        'unsupported': 415,
        'mismatch': 415,
        'not_text': 415,
        'too_large': 413,
        'scanner_unavailable': 503,
    }.get(e.code, 422)
    headers = {'Retry-After': '30'} if status == 503 else None
    return ApiError(status, e.code, e.message, headers=headers)


def from_source_error(e: Exception) -> ApiError:
    """SourceError carries no code (yet): use one when it has it, else read the case from the message."""
    code = getattr(e, 'code', None)
    message = str(e)
    lowered = message.lower()
    if code is None:
        if 'already in the notebook' in lowered:
            code = 'duplicate'
        elif 'limit of' in lowered:
            code = 'too_many_sources'
        elif 'cannot add' in lowered:
            code = 'forbidden'
        else:
            code = 'invalid'
    status = {'duplicate': 409, 'too_many_sources': 409, 'forbidden': 403}.get(code, 422)
    return ApiError(status, code, message)


def route_path(scope: Scope) -> str:
    """The path inside the API app, whether it runs alone or mounted under /api/v1."""
    path, root = scope['path'], scope.get('root_path', '')
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == '/'):
        return path[len(root) :] or '/'
    return path


def _fits(template: str, path: str) -> bool:
    wanted, given = template.strip('/').split('/'), path.strip('/').split('/')
    return len(wanted) == len(given) and all(w.startswith('{') or w == g for w, g in zip(wanted, given, strict=True))


def allowed_methods(api: FastAPI, request: Request) -> list[str]:
    """Every method the requested path takes, read from the OpenAPI paths (Starlette names only one route's)."""
    path = route_path(request.scope)
    methods: set[str] = set()
    for template, operations in api.openapi().get('paths', {}).items():
        if _fits(template, path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def install(api: FastAPI) -> None:
    @api.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @api.exception_handler(Forbidden)
    async def forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        # a role that does not allow it, found by a service after the route's own check (a role changed meanwhile)
        return error_response(403, 'forbidden', str(exc))

    @api.exception_handler(IngestError)
    async def ingest_error(_request: Request, exc: IngestError) -> JSONResponse:
        err = from_ingest_error(exc)
        return error_response(err.status, err.code, err.message, err.headers)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        message = exc.detail if isinstance(exc.detail, str) and status not in DEFAULT_MESSAGES else None
        message = message or DEFAULT_MESSAGES.get(status) or 'The request could not be handled.'
        headers = dict(exc.headers or {})
        if status == 405:
            headers['Allow'] = ', '.join(allowed_methods(api, request))
        return error_response(status, DEFAULT_CODES.get(status, 'error'), message, headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, 'invalid', validation_message(exc))

    @api.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        request_id = request_id_var.get()
        logger.opt(exception=exc).error('API request failed')
        return error_response(
            500, 'internal', f'Something went wrong on the server. If it keeps happening, quote {request_id}.'
        )
