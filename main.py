"""Start AurenLM: settings, logging, the migration check, HTTP routes, pages, then ui.run."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import sys
from pathlib import Path

from fastapi import APIRouter
from fastapi.middleware.cors import CORSMiddleware
from loguru import logger
from nicegui import app, core, ui
from nicegui.storage import Storage
from pydantic import ValidationError

from aurenlm import migrate
from aurenlm.config import ConfigError, Settings, get_settings
from aurenlm.log import new_request_id, request_id_var, setup_logging
from aurenlm.security import sessions
from aurenlm.security.headers import SecurityHeadersMiddleware, socket_origin_check
from aurenlm.web import account, api, auth, downloads, exports, health, oidc
from aurenlm.web.proxies import TrustedProxyMiddleware
from aurenlm.web.request_id import RequestIdMiddleware

ROOT = Path(__file__).resolve().parent


def load_settings() -> Settings:
    """Settings, or a one-line reason on stderr and a non-zero exit."""
    try:
        return get_settings()
    except ConfigError as e:
        print(f'aurenlm: configuration error: {e}', file=sys.stderr)
    except ValidationError as e:
        first = e.errors()[0]
        name = str(first['loc'][0]).upper() if first['loc'] else 'a setting'
        print(f'aurenlm: configuration error: {name}: {first["msg"]}', file=sys.stderr)
    sys.exit(2)


def ensure_schema(settings: Settings) -> None:
    if migrate.at_head():
        return
    if settings.is_development:
        logger.info('Migrating the database to the latest schema')
        migrate.upgrade()
        return
    print('aurenlm: the database schema is not current; run `python -m aurenlm migrate` first.', file=sys.stderr)
    sys.exit(3)


def install_middleware(settings: Settings) -> None:
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_credentials=False,
            allow_methods=['GET', 'POST', 'PATCH', 'DELETE'],
            allow_headers=['Authorization', 'Content-Type'],
        )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(TrustedProxyMiddleware)  # outermost of ours: everything after sees the real client
    core.sio.eio.cors_allowed_origins = socket_origin_check(settings)


def refuse_events_after_sign_out() -> None:
    """Socket events from a page whose session is gone go nowhere, and the page is sent to sign in. On a notebook
    page, events from a person who is no longer a member (or whose role changed) go nowhere either: the page says why
    (components/access_watch.py)."""
    from nicegui import Client

    from aurenlm.sharing import access
    from components import access_watch
    from pages import guard

    handlers = core.sio.handlers.get('/', {})
    original = handlers['event']
    if getattr(original, '_auren_guarded', False):  # built once per process: the test fixture builds many times
        return

    @functools.wraps(original)
    def event(sid: str, msg: dict) -> None:
        client = Client.instances.get(msg.get('client_id', '')) if isinstance(msg, dict) else None
        if client is not None and guard.refuses_events(client):
            with client:
                ui.navigate.to('/login')
            return None
        if client is not None and not access_watch.allows_event(client):
            return None
        if client is not None:
            with contextlib.suppress(RuntimeError):  # a client without a request has no address to record
                access.client_ip.set(client.ip)  # for the audit of a refused action
        return original(sid, msg)

    event._auren_guarded = True  # type: ignore[attr-defined]
    handlers['event'] = event


def tag_socket_events() -> None:
    """Every websocket event gets a request id of its own, like an HTTP request."""
    handlers = core.sio.handlers.get('/', {})
    for name, handler in list(handlers.items()):
        if not getattr(handler, '_auren_tagged', False):
            handlers[name] = _with_request_id(handler)


def _with_request_id(handler):
    # socket.io awaits coroutine functions and calls plain ones: keep the handler's kind
    if inspect.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def tagged(*args, **kwargs):
            token = request_id_var.set('ws-' + new_request_id())
            try:
                return await handler(*args, **kwargs)
            finally:
                request_id_var.reset(token)

    else:

        @functools.wraps(handler)
        def tagged(*args, **kwargs):
            token = request_id_var.set('ws-' + new_request_id())
            try:
                return handler(*args, **kwargs)
            finally:
                request_id_var.reset(token)

    tagged._auren_tagged = True  # type: ignore[attr-defined]
    return tagged


def install_error_pages() -> None:
    @app.on_page_exception
    def page_failed(exception: Exception) -> None:
        request_id = request_id_var.get()
        logger.opt(exception=exception).error('page failed')
        with ui.column().classes('w-full min-h-screen items-center justify-center gap-3 p-6'):
            ui.icon('error_outline', size='48px').classes('text-negative')
            ui.label('Something went wrong').classes('text-2xl font-semibold')
            ui.label('Please reload the page. If it keeps happening, tell your administrator this reference:')
            ui.label(request_id).classes('font-mono text-lg').mark('request-id')
            ui.link('Back to your notebooks', '/')

    @app.on_exception
    def handler_failed(exception: Exception) -> None:
        from aurenlm.sharing.access import Forbidden

        if isinstance(exception, Forbidden):  # a role that does not allow it: say what the role allows, no traceback
            logger.info(f'refused: {exception}')
            with contextlib.suppress(RuntimeError):
                ui.notify(str(exception), type='warning', multi_line=True)
            return
        request_id = request_id_var.get()
        logger.opt(exception=exception).error('event handler failed')
        # without a client in context (a background task) the log line is all there is
        with contextlib.suppress(RuntimeError):
            ui.notify(
                f'Something went wrong. Please try again. (Reference {request_id})', type='negative', multi_line=True
            )


def install_worker() -> None:
    """The job worker lives as long as the server; leftovers from a crash are swept at start."""
    from aurenlm import jobs  # noqa: F401 - importing registers their job handlers
    from aurenlm.sources import service as sources

    worker = jobs.Worker()

    async def start() -> None:
        await asyncio.to_thread(sources.sweep_orphan_files)
        worker.start()

    app.on_startup(start)
    app.on_shutdown(worker.stop)


def install_session_purge() -> None:
    """Expired sessions and sign-in tickets already fail to resolve; an hourly purge keeps the tables small."""
    running: list[asyncio.Task] = []

    async def start() -> None:
        running.append(asyncio.create_task(sessions.purge_forever(), name='purge-sessions'))

    async def stop() -> None:
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup(start)
    app.on_shutdown(stop)


def place_browser_storage(settings: Settings) -> None:
    """NiceGUI's per-browser storage: on Redis with REDIS_URL, else in DATA_DIR/nicegui, private to this user.

    NiceGUI reads its location from NICEGUI_* variables when it is imported, defaulting to ./.nicegui (shared by
    every instance started in that directory); settings are read only in aurenlm/config.py, so they are passed on
    here, and the `general` storage NiceGUI made at import is made again in the new place.
    """
    if settings.redis_url:
        Storage.redis_url = settings.redis_url
        Storage.redis_key_prefix = 'aurenlm:nicegui:'
    else:
        path = (settings.data_dir / 'nicegui').resolve()
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
        Storage.path = path
    app.storage._general = Storage._create_persistent_dict('general')  # made again: see the docstring
    app.storage._general.initialize_sync()


def include_routers(*routers: APIRouter) -> None:
    """Our routers have no lifespan of their own, but FastAPI wraps the app's lifespan once per include; the test
    fixture builds the app once per test on the same app object, so the wrappers would nest until Python's
    recursion limit. Keep the app's lifespan as it was."""
    lifespan = app.router.lifespan_context
    for router in routers:
        assert not router.on_startup and not router.on_shutdown, 'start-up work belongs in main.py, not a router'
        app.include_router(router)
    app.router.lifespan_context = lifespan


def build(settings: Settings) -> None:
    place_browser_storage(settings)
    install_middleware(settings)
    tag_socket_events()
    install_error_pages()
    install_worker()
    install_session_purge()
    include_routers(health.router, auth.router, oidc.router, downloads.router, exports.router, account.router)
    api.mount(app)
    app.add_static_files('/assets', ROOT / 'assets')
    import pages  # noqa: F401 - registers every page

    refuse_events_after_sign_out()  # after the pages: it asks pages/guard.py


def main() -> None:
    # DATA_DIR holds the database, uploads, the development key and NiceGUI's storage: none of it is for other
    # local users, so every file this process makes is 0600 and every directory 0700
    os.umask(0o077)
    settings = load_settings()
    setup_logging(settings)
    ensure_schema(settings)
    build(settings)
    ui.run(
        host=settings.host,
        port=settings.port,
        title='AurenLM',
        favicon=ROOT / 'assets' / 'favicon.svg',
        storage_secret=settings.secret(),
        session_middleware_kwargs=auth.browser_cookie_kwargs(settings),
        reload=False,
        show=False,
        show_welcome_message=False,
        uvicorn_logging_level=settings.log_level.lower(),
        # TrustedProxyMiddleware does uvicorn's job, because it has to see the immediate peer first
        proxy_headers=False,
        forwarded_allow_ips=','.join(settings.forwarded_allow_ips),
        reconnect_timeout=10.0,
        log_config=None,  # uvicorn's own logging config would replace the loguru routing
    )


if __name__ in {'__main__', '__mp_main__'}:
    main()
