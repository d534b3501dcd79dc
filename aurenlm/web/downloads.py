"""Authenticated downloads for the browser (the session cookie, not API tokens): original source files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from aurenlm.sources import service as sources
from aurenlm.web.auth import current_user
from aurenlm.web.files import attachment_headers

router = APIRouter(include_in_schema=False)


def _not_found() -> JSONResponse:
    return JSONResponse({'error': {'code': 'not_found', 'message': 'No such file.'}}, status_code=404)


@router.get('/download/source/{source_id}')
def download_source(source_id: str, request: Request):
    user = current_user(request)
    if user is None:
        return JSONResponse({'error': {'code': 'unauthorized', 'message': 'Sign in first.'}}, status_code=401)
    source = sources.for_download(user, source_id)
    path = sources.file_path(source) if source else None
    if source is None or path is None or not path.exists():
        return _not_found()
    name = source.filename or f'{source.title}.{sources.extension(source)}'
    return FileResponse(path, media_type=source.mime or 'application/octet-stream', headers=attachment_headers(name))
