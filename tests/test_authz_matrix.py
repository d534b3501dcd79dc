"""The complete authorization matrix of issue 11: every API route, every other HTTP route, every page and every
service a UI event handler calls, against the eight callers, each cell checked against tests/authz_table.py.

The table must list exactly what exists: a new route, page or service entry point that it does not list fails
here (and so does a row whose door is gone), so new code cannot skip the matrix. One test per row asserts all of
its cells and reports every mismatch at once. The world (tests/authz_world.py) is built once for the module.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nicegui import Client, ElementFilter, core, ui
from nicegui.testing import User
from sqlmodel import func, select
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from aurenlm import db
from aurenlm.accounts import admin
from aurenlm.accounts.admin import NotAdmin
from aurenlm.config import reset_settings
from aurenlm.models import AuditEvent
from aurenlm.notes import service as notes
from aurenlm.repos import members
from aurenlm.security import ratelimit, sessions
from aurenlm.sharing.access import Forbidden
from aurenlm.web import auth
from aurenlm.web.api import create_api
from tests import authz_table as table
from tests.authz_calls import API_CALLS, HTTP_PATHS, PAGE_PATHS, SERVICE_CALLS, ServiceCall, path_value
from tests.authz_world import CALLERS, Cell, World, build, events_refused, quick_person, web_pages
from tests.conftest import default_settings, empty_database
from tests.helpers import navigation_done

ROOT = Path(__file__).resolve().parent.parent


# -- one world for the module ---------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The settings conftest's fresh_state gives each test, and the database emptied once, for the whole module."""
    data_dir = tmp_path_factory.mktemp('authz') / 'data'
    with pytest.MonkeyPatch.context() as env:
        default_settings(env, database_url, data_dir)
        env.setenv('ALLOW_PRIVATE_URLS', 'true')  # the page added by URL is served on loopback
        reset_settings()
        ratelimit.reset()
        empty_database()
        with web_pages() as url_base:
            yield asyncio.run(build(url_base))
    reset_settings()
    ratelimit.reset()


@pytest.fixture(autouse=True)
def fresh_state(world: World) -> Iterator[None]:
    """Replaces conftest's per-test emptying here: every row acts in the one world (fresh things per cell where a
    call would change the shared ones), with fresh rate limits."""
    ratelimit.reset()
    yield


def check_row(row: str, got: dict[str, object], expected: tuple) -> None:
    """Every cell of the row, all mismatches at once."""
    wrong = [
        f'{caller}: expected {want!r}, got {got[caller]!r}'
        for caller, want in zip(CALLERS, expected, strict=True)
        if got[caller] != want
    ]
    assert not wrong, f'{row}\n  ' + '\n  '.join(wrong)


def refusals(user_id: str | None) -> int:
    with db.session() as s:
        query = select(func.count()).select_from(AuditEvent)
        return s.exec(query.where(AuditEvent.action == 'access_refused', AuditEvent.user_id == user_id)).one()


def base_key(row: str) -> str:
    """A row's door without its variant: 'GET /export/{scope}/{item_id} [note]' -> 'GET /export/{scope}/{item_id}'."""
    return row.split(' [', 1)[0]


# -- what exists: the doors the table must list ------------------------------------------------------------------------


def flat_routes(routes: list[Any], prefix: str = '') -> Iterator[Any]:
    """Routes with their full paths, through FastAPI's included routers."""
    for route in routes:
        inner = getattr(route, 'original_router', None)
        if inner is not None:
            context = getattr(route, 'include_context', None)
            yield from flat_routes(inner.routes, prefix + (getattr(context, 'prefix', '') or ''))
        else:
            yield prefix, route


def route_keys(routes: list[Any]) -> set[str]:
    return {
        f'{method} {prefix}{route.path}'
        for prefix, route in flat_routes(routes)
        for method in sorted(getattr(route, 'methods', None) or ())
        if method != 'HEAD'
    }


def static_route(route: Any) -> bool:
    """Static files by rule: a mounted StaticFiles app (NiceGUI's, Swagger UI's), NiceGUI's own scripts, styles and
    favicon (its routes live in nicegui.nicegui), and the files app.add_static_files serves (our /assets)."""
    if isinstance(route, Mount):
        return isinstance(route.app, StaticFiles)
    endpoint = getattr(route, 'endpoint', None)
    return getattr(endpoint, '__module__', '') == 'nicegui.nicegui' or 'add_static_files' in getattr(
        endpoint, '__qualname__', ''
    )


SERVICE_PACKAGES = ('aurenlm.sharing', 'aurenlm.accounts', 'aurenlm.exchange')
SERVICE_MODULES = (
    'aurenlm.sources.service',
    'aurenlm.notes.service',
    'aurenlm.chat.service',
    'aurenlm.chat.versions',
    'aurenlm.studio.artifacts',
    'aurenlm.studio.practice',
)
ACTING = ('user', 'actor')


def acts_for_someone(fn: Any) -> bool:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] in ACTING


def name_of(fn: Any) -> str:
    return f'{fn.__module__}.{fn.__qualname__}'.removeprefix('aurenlm.')


def service_modules() -> Iterator[str]:
    yield from SERVICE_MODULES
    for package in SERVICE_PACKAGES:
        yield from (f'{package}.{m.name}' for m in pkgutil.iter_modules(importlib.import_module(package).__path__))


def called_from_the_ui() -> Iterator[Any]:
    """Every aurenlm function that components/ and pages/ call by name (module.function, through their imports)."""
    for path in sorted([*(ROOT / 'components').rglob('*.py'), *(ROOT / 'pages').rglob('*.py')]):
        tree = ast.parse(path.read_text())
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('aurenlm'):
                names.update({a.asname or a.name: f'{node.module}.{a.name}' for a in node.names})
            elif isinstance(node, ast.Import):
                names.update({a.asname or a.name: a.name for a in node.names if a.name.startswith('aurenlm')})
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            parts, target = [], node.func
            while isinstance(target, ast.Attribute):
                parts.insert(0, target.attr)
                target = target.value
            if isinstance(target, ast.Name) and target.id in names:
                found = resolve(names[target.id], parts)
                if found is not None:
                    yield found


def resolve(dotted: str, attrs: list[str]) -> Any:
    """The object `dotted.attr1.attr2` names, importing what it must; None when it is not importable."""
    module_name, rest = dotted, []
    while module_name:
        try:
            obj: Any = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, last = module_name.rpartition('.')
            rest.insert(0, last)
    else:
        return None
    for attr in [*rest, *attrs]:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj


def entry_points() -> set[str]:
    """The rule: a public function whose first parameter is the acting `user` or `actor`, defined in a service module
    (sharing, sources, notes, chat, studio artifacts and practice, exchange, accounts) or called by name from
    components/ or pages/ (the repos and security functions the UI uses directly)."""
    found: set[str] = set()
    for module_name in service_modules():
        module = importlib.import_module(module_name)
        for name, fn in vars(module).items():
            public = inspect.isfunction(fn) and not name.startswith('_') and fn.__module__ == module_name
            if public and acts_for_someone(fn):
                found.add(name_of(fn))
    for fn in called_from_the_ui():
        if inspect.isfunction(fn) and fn.__module__.startswith('aurenlm.') and acts_for_someone(fn):
            found.add(name_of(fn))
    return found


# -- completeness: the table lists exactly what exists -----------------------------------------------------------------


def test_the_table_lists_every_api_route_and_nothing_else() -> None:
    existing = route_keys(create_api().routes)
    listed = {base_key(row) for row in table.API}
    assert sorted(existing - listed) == [], 'API routes missing from tests/authz_table.py API'
    assert sorted(listed - existing) == [], 'rows in tests/authz_table.py API for routes that no longer exist'


def test_the_table_lists_every_service_entry_point_and_nothing_else() -> None:
    existing = entry_points()
    listed = {base_key(row) for row in table.SERVICES}
    assert sorted(existing - listed - set(table.NOT_ENTRY_POINTS)) == [], (
        'service entry points missing from tests/authz_table.py SERVICES (or NOT_ENTRY_POINTS, with the reason)'
    )
    assert sorted((listed | set(table.NOT_ENTRY_POINTS)) - existing) == [], 'rows for functions that are gone'
    assert not listed & set(table.NOT_ENTRY_POINTS)


async def test_the_table_lists_every_http_route_and_page_and_nothing_else(user: User) -> None:
    """The main app as main.py builds it (the user fixture runs main.py): the API mount is the API rows, the socket is
    the service rows, pages are the page rows, static files are left out by rule, and every other route is a row."""
    http, pages, api_mounts, sockets = set(), set(), set(), set()
    page_paths = set(Client.page_routes.values())
    for prefix, route in flat_routes(core.app.routes):
        path = prefix + getattr(route, 'path', '')
        if static_route(route):
            continue
        if isinstance(route, Mount):
            # a set: each simulated app mounts the API again on the one FastAPI app NiceGUI keeps between tests
            (api_mounts if path == '/api/v1' else sockets).add(path)
        elif path in page_paths:
            pages.add(path)
        else:
            http |= {f'{m} {path}' for m in getattr(route, 'methods', None) or () if m != 'HEAD'}
    assert api_mounts == {'/api/v1'}, 'the REST API is the API rows'
    assert sockets == {'/_nicegui_ws'}, 'the socket is the service rows (every other mount must be a row or static)'
    listed_http = {base_key(row) for row in table.HTTP}
    assert sorted(http - listed_http) == [], 'HTTP routes missing from tests/authz_table.py HTTP'
    assert sorted(listed_http - http) == [], 'HTTP rows for routes that no longer exist'
    assert sorted(pages ^ set(table.PAGES)) == [], 'pages missing from PAGES, or rows for pages that are gone'


def test_every_row_has_a_cell_per_caller_and_a_way_to_call_it() -> None:
    for rows in (table.API, table.HTTP, table.PAGES, table.SERVICES):
        assert all(len(cells) == len(CALLERS) for cells in rows.values())
    assert all(cells[-1] == table.NA for cells in table.PAGES.values()), 'tokens do not open pages'
    assert all(cells[0] == cells[-1] == table.NA for cells in table.SERVICES.values())
    assert set(API_CALLS) <= set(table.API)
    assert set(HTTP_PATHS) == set(table.HTTP)
    assert set(SERVICE_CALLS) == set(table.SERVICES)


# -- pages ------------------------------------------------------------------------------------------------------------

NOT_FOUND_TEXT = 'This page does not exist, or you do not have access to it.'
PROOF = {  # what each page shows when it opens for the caller
    '/settings': {'content': 'Signed in as'},
    '/admin': {'marker': 'tab-accounts'},
    '/login': {'marker': 'sign-in'},
    '/register': {'marker': 'registration-policy'},
    '/forgot': {'content': 'Reset your password'},
    '/reset': {'marker': 'reset-expired'},
    '/account-deleted': {'marker': 'account-deleted'},
    '/two-factor': {'marker': 'totp-required'},
}


def sees(user: User, **what: str) -> bool:
    assert user.client is not None
    with user.client:
        return bool(list(ElementFilter(only_visible=True, local_scope=False, **what)))  # type: ignore[call-overload]


def page_seen(user: User, path: str, world: World) -> object:
    final = user.back_history[-1]
    if final.startswith('/login') and path != '/login':
        return table.LOGIN
    if final == '/' and path != '/':
        return table.HOME
    if final.startswith('/notebook/') and path == '/invite/{token}':
        return table.HIDDEN if sees(user, content=NOT_FOUND_TEXT) else table.JOINS
    if sees(user, content=NOT_FOUND_TEXT):
        return table.HIDDEN
    if path == '/':
        return table.LISTED if sees(user, content=world.team.title) else table.UNLISTED
    if path == '/invite/{token}':
        if sees(user, marker='invite-sign-in'):
            return table.SIGN_IN_AS_INVITED
        return table.REFUSED if sees(user, content='This invitation is for') else 'an invitation page'
    if path == '/notebook/{notebook_id}':
        if sees(user, marker='share-button'):
            return table.OWNER_VIEW
        if sees(user, marker='add-sources'):
            return table.EDITOR_VIEW
        return table.VIEWER_VIEW if sees(user, marker='members-button') else 'an empty notebook page'
    return table.OK if sees(user, **PROOF[path]) else f'a page without {PROOF[path]}'


async def open_page(user: User, world: World, caller: str, path: str) -> object:
    if caller == 'read-only token':
        return table.NA
    user.http_client.cookies.clear()
    cookie = Cell(world, caller).cookie()
    if cookie:
        user.http_client.cookies.set(auth.cookie_name(), cookie)
    user.back_history.clear()
    await user.open(PAGE_PATHS[path](Cell(world, caller)) if path in PAGE_PATHS else path)
    await navigation_done()
    await asyncio.sleep(0)  # a navigation's page is built by now; let its first events settle
    return page_seen(user, path, world)


@pytest.mark.parametrize('path', list(table.PAGES))
async def test_page(user: User, world: World, path: str) -> None:
    got = {caller: await open_page(user, world, caller, path) for caller in CALLERS}
    check_row(path, got, table.PAGES[path])


# -- other HTTP routes ------------------------------------------------------------------------------------------------


async def http_outcome(world: World, caller: str, row: str) -> object:
    cell = Cell(world, caller)
    transport = httpx.ASGITransport(core.app)
    async with httpx.AsyncClient(transport=transport, base_url='http://test') as browser:
        cookie = cell.cookie()
        if cookie:
            browser.cookies.set(auth.cookie_name(), cookie)
        headers = {'Authorization': f'Bearer {cell.token()}'} if caller == 'read-only token' else {}
        response = await browser.get(HTTP_PATHS[row](cell), headers=headers)
    if response.is_redirect:
        return f'{response.status_code} {response.headers["location"].split("?", 1)[0]}'
    return response.status_code


@pytest.mark.parametrize('row', list(table.HTTP))
async def test_http_route(user: User, world: World, row: str) -> None:
    got = {caller: await http_outcome(world, caller, row) for caller in CALLERS}
    check_row(row, got, table.HTTP[row])


# -- the REST API -----------------------------------------------------------------------------------------------------


async def api_outcome(client: httpx.AsyncClient, world: World, caller: str, row: str) -> object:
    method, template = row.split(' ', 1)
    spec = API_CALLS.get(row)
    cell = Cell(world, caller)
    params = {
        name: await path_value(cell, name, fresh=spec is not None and name in spec.fresh)
        for name in re.findall(r'{(\w+)}', template)
    }
    token = cell.token()
    before = refusals(cell.person.id if cell.person else None)
    response = await client.request(
        method,
        template.format(**params),
        json=spec.body(cell) if spec and spec.body else None,
        params=spec.query if spec else None,
        headers={'Authorization': f'Bearer {token}'} if token else {},
    )
    status = response.status_code
    if status == 403:  # which refusal: the token's scope, or the role (which is audited)
        code = response.json()['error']['code']
        if caller == 'read-only token':
            return status if code == 'read_only_token' else f'403 {code}'
        audited = refusals(cell.person.id if cell.person else None) > before
        return status if code == 'forbidden' and audited else f'403 {code}, audited: {audited}'
    return status


@pytest.mark.parametrize('row', list(table.API))
async def test_api_route(world: World, row: str) -> None:
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        got = {caller: await api_outcome(client, world, caller, row) for caller in CALLERS}
    check_row(row, got, table.API[row])


# -- the socket-event layer: services called as a forged event would call them ----------------------------------------


async def settle(result: Any) -> Any:
    """A service's answer, awaited or streamed to the end."""
    if inspect.isawaitable(result):
        result = await result
    if inspect.isasyncgen(result):
        result = [event async for event in result]
    return result


def caught(spec: ServiceCall, error: Exception, cell: Cell, before: int) -> object:
    assert cell.user is not None
    if isinstance(error, Forbidden):
        audited = refusals(cell.user.id) > before
        return table.DENIED if audited else f'forbidden without an audit entry: {error}'
    if isinstance(error, NotAdmin):
        return table.NOT_ADMIN
    if spec.hidden is not None and isinstance(error, spec.hidden[0]) and spec.hidden[1] in str(error):
        return table.HIDDEN
    if spec.refused is not None and isinstance(error, spec.refused):
        return table.REFUSED
    return f'raised {type(error).__name__}: {error}'


async def service_outcome(world: World, caller: str, row: str) -> object:
    if caller in ('anonymous', 'read-only token'):
        return table.NA
    spec = SERVICE_CALLS[row]
    cell = Cell(world, caller, as_clone=spec.as_clone)
    if events_refused(cell.cookie()):
        return table.SIGNED_OUT
    assert cell.user is not None
    before = refusals(cell.user.id)
    try:
        result = await settle(spec.call(cell))
    except Exception as e:  # noqa: BLE001 - every refusal is an outcome to compare
        return caught(spec, e, cell, before)
    return spec.judge(result, cell)


async def socket_click(user: User, marker: str) -> None:
    """A click as the browser sends it: a socket event through the handler main.py wraps, not a direct call."""
    (button,) = user.find(marker=marker).elements
    listener = next(i for i, listener in button._event_listeners.items() if listener.type == 'click')
    assert user.client is not None
    event = {'client_id': user.client.id, 'id': button.id, 'listener_id': listener, 'args': []}
    answer = core.sio.handlers['/']['event']('a socket', event)
    if inspect.isawaitable(answer):
        await answer
    await asyncio.sleep(0.05)


async def test_the_signed_out_cells_rest_on_the_event_gate_main_py_installs(user: User, world: World) -> None:
    """The service rows ask the gate (pages/guard.refuses_events) instead of sending events: here, once, the real
    thing. An editor with the notebook open adds a note; an admin disables the account; the page's next note goes
    nowhere, and the browser is sent to sign in."""
    newcomer = quick_person('editor', world.serial)
    members.add(world.team.id, newcomer.id, 'editor')

    def their_notes() -> int:
        return len([n for n in notes.list_notes(world.owner, world.team.id, limit=1000) if n.user_id == newcomer.id])

    user.http_client.cookies.set(auth.cookie_name(), sessions.create(newcomer).token)
    await user.open(f'/notebook/{world.team.id}')
    user.find(kind=ui.tab, content='Notes').click()
    await user.should_see(marker='new-note')
    await socket_click(user, 'new-note')
    await user.should_see(marker='note-editor')
    assert their_notes() == 1, 'a click on New note writes a note'
    user.find(marker='notes-back').click()
    await user.should_see(marker='new-note')

    admin.disable(world.people['admin'], newcomer.id)
    await socket_click(user, 'new-note')
    await navigation_done()
    assert user.back_history[-1] == '/login'
    assert their_notes() == 1


@pytest.mark.parametrize('row', list(table.SERVICES))
async def test_service(world: World, row: str) -> None:
    got = {caller: await service_outcome(world, caller, row) for caller in CALLERS}
    check_row(row, got, table.SERVICES[row])
