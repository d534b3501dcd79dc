"""Authenticated export downloads for the browser (the session cookie, not API tokens): Markdown, JSON or PDF."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from aurenlm.exchange import export
from aurenlm.models import User
from aurenlm.web.auth import current_user
from aurenlm.web.files import attachment_headers

router = APIRouter(include_in_schema=False)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {'error': {'code': code, 'message': message}},
        status_code=status,
        headers={'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store'},
    )


async def _serve(
    request: Request, fmt: str, make: Callable[[User, str], Awaitable[export.Exported | None]]
) -> Response:
    user = current_user(request)
    if user is None:
        return _error(401, 'unauthorized', 'Sign in first, then export again.')
    try:
        exported = await make(user, export.check_format(fmt))
    except export.ExportError as e:
        return _error(400, 'bad_request', str(e))
    if exported is None:  # missing, or somebody else's: the same answer
        return _error(404, 'not_found', 'Nothing to export here. It may have been deleted, or it is not yours.')
    return Response(exported.content, media_type=exported.media_type, headers=attachment_headers(exported.filename))


EXPORTERS: dict[str, Callable[[User, str, str], Awaitable[export.Exported | None]]] = {
    'notebook': export.export_notebook,  # by notebook id
    'note': export.export_note,  # by note id
    'chat': export.export_chat,  # by notebook id
    'artifact': export.export_artifact,  # by artifact id
}


@router.get('/export/{scope}/{item_id}')
async def export_one(scope: str, item_id: str, request: Request, format: str = 'md') -> Response:
    """`/export/notebook/<id>?format=pdf` and the like: one route for the four things the menu exports."""
    exporter = EXPORTERS.get(scope)
    if exporter is None:
        return _error(404, 'not_found', f'Exports are for one of: {", ".join(EXPORTERS)}.')
    return await _serve(request, format, lambda user, fmt: exporter(user, item_id, fmt))


def install(app: FastAPI) -> None:
    """Include the routes once (main.py does this; tests call it when they run before main.py has them)."""
    if not any(getattr(route, 'path', '') == '/export/{scope}/{item_id}' for route in app.routes):
        app.include_router(router)
