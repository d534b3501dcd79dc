"""The account's data as a ZIP download, for the browser (the session cookie, like aurenlm/web/exports.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from aurenlm.accounts import archive
from aurenlm.repos import audit
from aurenlm.security import ratelimit
from aurenlm.web.auth import current_user
from aurenlm.web.files import attachment_headers

router = APIRouter(include_in_schema=False)

EXPORT_PATH = '/account/export'
# each archive renders every notebook the person belongs to: a few a day is plenty, a loop of them is a load
EXPORTS_PER_HOUR = '10/hour'


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {'error': {'code': code, 'message': message}},
        status_code=status,
        headers={'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store'},
    )


@router.get(EXPORT_PATH)
async def export_account(request: Request) -> Response:
    user = current_user(request)
    if user is None:
        return _error(401, 'unauthorized', 'Sign in first, then download your data again.')
    verdict = ratelimit.hit(EXPORTS_PER_HOUR, 'account-export', user.id)
    if not verdict.allowed:
        return _error(429, 'rate_limited', verdict.wait_message())
    made = await archive.account_archive(user)
    ip = request.client.host if request.client else ''
    audit.record(user.id, 'account_exported', ip=ip, notebooks=made.notebooks)
    return Response(made.content, media_type='application/zip', headers=attachment_headers(made.filename))
