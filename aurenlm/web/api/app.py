"""The API application: a FastAPI app of its own, mounted at /api/v1, with its own OpenAPI and error handlers.

To add a resource, write a module with a `router` and append it to ROUTERS.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from aurenlm.web.api import artifacts, chat, errors, jobs, members, notebooks, notes, sources
from aurenlm.web.api.body import BodyLimitMiddleware

PREFIX = '/api/v1'
DOCS_PATH = '/api/docs'
ROUTERS: list[APIRouter] = [
    notebooks.router,
    members.router,
    sources.router,
    jobs.router,
    chat.router,
    artifacts.router,
    notes.router,
]

DESCRIPTION = """
The AurenLM REST API. Every request carries a personal access token, `Authorization: Bearer aur_…`, made on the
Settings page or with `python -m aurenlm create-token`. Cookies never authenticate here.

Errors are always `{"error": {"code": "<slug>", "message": "<what to do>"}}`. Lists answer
`{"items": [...], "next_cursor": "…" | null}`: pass `next_cursor` back as `?cursor=` for the next page.
"""

# Swagger UI is served from the swagger-ui-bundle package: no CDN, so it works on a server without internet
DOCS_STATIC = f'{DOCS_PATH}/static'


def create_api() -> FastAPI:
    api = FastAPI(
        title='AurenLM API',
        version='1',
        description=DESCRIPTION,
        openapi_url='/openapi.json',
        docs_url=None,
        redoc_url=None,
        responses=errors.COMMON_RESPONSES,
    )
    errors.install(api)
    api.add_middleware(BodyLimitMiddleware)
    for router in ROUTERS:
        api.include_router(router)
    return api


def docs_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=f'{PREFIX}/openapi.json',
        title='AurenLM API',
        swagger_js_url=f'{DOCS_STATIC}/swagger-ui-bundle.js',
        swagger_css_url=f'{DOCS_STATIC}/swagger-ui.css',
        swagger_favicon_url=f'{DOCS_STATIC}/favicon-32x32.png',
    )


def mount(app: FastAPI) -> None:
    """Serve the API at /api/v1 and its Swagger UI at /api/docs on the main (NiceGUI) app."""
    # the test fixture builds the app many times on one app object: drop an earlier build's mounts, not pile them up
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, 'path', None) not in (PREFIX, DOCS_STATIC)]
    app.mount(PREFIX, create_api())
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_ui_path), name='swagger-ui')
    app.add_api_route(DOCS_PATH, docs_page, methods=['GET'], include_in_schema=False)
