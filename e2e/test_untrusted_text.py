"""Untrusted text in Chromium: names a user or a document controls are shown as text, never run (issue 10, hole 1).

A title that ends in a backslash used to close the quote of a props string, so `:innerHTML=...` or `:onClick=...`
after it became a prop: stored XSS, and a NiceGUI error that blanked whole panes. These tests plant payloads
everywhere a person or a file names something, then open every pane and check that no dialog fires, the console
stays free of errors, and every item is on screen with its text as typed.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import weasyprint
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from e2e.conftest import Server, create_notebook, register, shot
from e2e.test_studio import NODE_NAMES_JS, animations_done, chart_id, chart_still, click_node

PAYLOADS = (
    'ends in a backslash \\',
    ':innerHTML=document.title x \\',
    'evil :onClick=alert \\',
    'say "cheese" now',
    "it's a quote",
    '<img src=x onerror=alert(1)>',
    '<script>alert(2)</script>',
    '[x](javascript:alert(3))',
)
PASSWORD = 'violet-harbour-lantern'
FILLER = (
    'Harbour pilots guide ships through the narrow channel at dawn. The tide tables tell them when the water is '
    'deep enough, and the lighthouse keeper logs every passage in a ledger kept beside the lamp. '
    'A harbour pilot is a mariner who steers visiting ships through local waters. '
    'A tide table is a list of the times and heights of high and low water. '
)


def open_node_menu(page: Page, label: str) -> Locator:
    """Click a node on the canvas until its menu opens: a click is a pixel position, and under load the chart can
    still be settling after the live updates of the studio outputs made just before."""
    menu = page.locator('[aria-label="Node actions"]')
    for _ in range(3):
        click_node(page, label)
        try:
            menu.wait_for(state='visible', timeout=5_000)
            return menu
        except PlaywrightTimeoutError:
            chart_still(page)
    raise AssertionError(f'the menu of node {label!r} did not open after three clicks')


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # several people sign up from one address here, so the per-address limits are raised for this server only
    srv = Server(
        tmp_path_factory.mktemp('untrusted-server'),
        {'RATE_REGISTER': '100/minute', 'RATE_LOGIN': '100/minute', 'RATE_API_UPLOAD': '200/minute'},
    )
    yield srv
    srv.stop()


class Watched:
    """A browser tab that records every dialog (dismissing it), console error and uncaught page error."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.context = browser.new_context(
            base_url=server.url, viewport={'width': 1400, 'height': 900}, accept_downloads=True
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on('dialog', self._dialog)
        self.page.on('console', lambda m: self.errors.append(f'console: {m.text}') if m.type == 'error' else None)
        self.page.on('pageerror', lambda e: self.errors.append(f'pageerror: {e}'))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f'{dialog.type}: {dialog.message}')
        dialog.dismiss()

    def assert_clean(self, where: str) -> None:
        self.page.wait_for_load_state('networkidle')
        assert self.dialogs == [], f'{where}: a payload ran as script: {self.dialogs}'
        assert self.errors == [], f'{where}: the browser reported errors: {self.errors}'


@pytest.fixture
def tabs(browser: Browser, server: Server) -> Iterator[list[Watched]]:
    opened: list[Watched] = []
    yield opened
    for tab in opened:
        tab.context.close()


def open_tab(tabs: list[Watched], browser: Browser, server: Server) -> Watched:
    tab = Watched(browser, server)
    tabs.append(tab)
    return tab


class Api:
    """The REST API as the signed-in person, with a token made on the Settings page."""

    def __init__(self, server: Server, token: str) -> None:
        self.http = httpx.Client(
            base_url=f'{server.url}/api/v1', headers={'Authorization': f'Bearer {token}'}, timeout=120
        )

    def post(self, path: str, expect_status: int, **kwargs) -> dict[str, Any]:
        response = self.http.post(path, **kwargs)
        assert response.status_code == expect_status, response.text
        return response.json()

    def get(self, path: str, **kwargs) -> httpx.Response:
        response = self.http.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response

    def notebook(self, title: str) -> str:
        return self.post('/notebooks', 201, json={'title': title})['id']

    def upload(self, notebook_id: str, filename: str, content: bytes, mime: str) -> dict[str, Any]:
        return self.post(f'/notebooks/{notebook_id}/sources', 202, files={'file': (filename, content, mime)})

    def wait_ready(self, source_ids: list[str]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 180
        done: dict[str, dict[str, Any]] = {}
        while len(done) < len(source_ids):
            assert time.monotonic() < deadline, f'sources still processing: {set(source_ids) - done.keys()}'
            for source_id in source_ids:
                if source_id not in done:
                    source = self.get(f'/sources/{source_id}').json()
                    assert source['status'] != 'failed', source
                    if source['status'] == 'ready':
                        done[source_id] = source
            time.sleep(0.3)
        return [done[source_id] for source_id in source_ids]

    def generate(self, notebook_id: str, kind: str, source_ids: list[str]) -> dict[str, Any]:
        started = self.post(f'/notebooks/{notebook_id}/artifacts', 202, json={'kind': kind, 'source_ids': source_ids})
        deadline = time.monotonic() + 180
        while True:
            artifact = self.get(f'/artifacts/{started["artifact_id"]}').json()
            if artifact['status'] == 'done':
                return artifact
            assert artifact['status'] in ('queued', 'running'), artifact
            assert time.monotonic() < deadline, 'the studio item did not finish'
            time.sleep(0.3)

    def export_json(self, notebook_id: str) -> dict[str, Any]:
        return self.get(f'/notebooks/{notebook_id}/export', params={'format': 'json'}).json()


def make_token(page: Page, name: str) -> str:
    page.goto('/settings')
    page.get_by_label('Token name').fill(name)
    page.get_by_text('Read and write').click()
    page.get_by_role('button', name='Create token').click()
    token = page.get_by_role('dialog').get_by_label('New token').input_value()
    page.get_by_role('dialog').get_by_role('button', name='Done').click()
    return token


def sign_up_with_api(tab: Watched, server: Server, email: str, token_name: str = 'untrusted text test') -> Api:
    register(tab.page, email, PASSWORD)
    return Api(server, make_token(tab.page, token_name))


def import_notebook(page: Page, bundle: dict[str, Any], tmp_path: Path, name: str) -> None:
    """Through the Export menu of the open notebook, as a person would; the page then moves to the new notebook."""
    path = tmp_path / f'{name}.json'
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding='utf-8')
    before = page.url
    page.get_by_role('button', name='Export or import').click()
    page.get_by_text('Import notebook…').click()
    page.locator('.q-dialog input[type=file]').set_input_files(str(path))
    page.wait_for_url(lambda url: url != before and '/notebook/' in url, timeout=60_000)


def open_notes(page: Page) -> None:
    page.get_by_role('tab', name='Notes').click()
    expect(page.get_by_role('button', name='New note')).to_be_visible()


def expect_texts(scope, texts: list[str]) -> None:
    for text in texts:
        expect(scope.get_by_text(text, exact=True).first).to_be_visible()


def expect_notebook_page(page: Page, sources: list[str], notes: list[str]) -> None:
    """The Sources pane lists every source and keeps its Add button; the Notes list shows every note."""
    expect(page.get_by_role('button', name='Add sources')).to_be_visible()
    rows = page.locator('.auren-source-row')
    expect(rows).to_have_count(len(sources))
    expect_texts(rows, sources)
    open_notes(page)
    cards = page.locator('.auren-note-card')
    expect(cards).to_have_count(len(notes))
    expect_texts(cards, notes)


def pdf_titled(title: str) -> bytes:
    """A PDF whose document-information Title is `title` (WeasyPrint writes the HTML <title> there)."""
    body = ''.join(f'<p>{FILLER}</p>' for _ in range(4))
    return weasyprint.HTML(
        string=f'<html><head><title>{_escape(title)}</title></head><body>{body}</body></html>'
    ).write_pdf()


def html_titled(title: str) -> bytes:
    return (
        f'<!doctype html><html><head><title>{_escape(title)}</title></head><body><p>{FILLER}</p></body></html>'.encode()
    )


def _escape(text: str) -> str:
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def test_reproduction_a_imported_note_title_with_a_backslash(
    browser: Browser, server: Server, tabs: list[Watched], tmp_path: Path
) -> None:
    """A notebook `XSS <img ...>` with a note `:innerHTML=document.title x \\`, exported and imported by another."""
    author = open_tab(tabs, browser, server)
    api = sign_up_with_api(author, server, 'repro-a-author@example.com')
    notebook_id = api.notebook('XSS <img src=x onerror=alert(1)>')
    api.post(f'/notebooks/{notebook_id}/notes', 201, json={'title': ':innerHTML=document.title x \\', 'body': 'Hi.'})
    bundle = api.export_json(notebook_id)

    victim = open_tab(tabs, browser, server)
    register(victim.page, 'repro-a-victim@example.com', PASSWORD)
    create_notebook(victim.page, 'Inbox')
    import_notebook(victim.page, bundle, tmp_path, 'shared-notebook')
    expect(victim.page.get_by_label('Notebook title')).to_have_value('XSS <img src=x onerror=alert(1)>')
    open_notes(victim.page)
    expect(victim.page.locator('.auren-note-card')).to_have_count(1)
    shot(victim.page, 'untrusted-01-repro-a-notes')
    victim.assert_clean('reproduction (a), the Notes list of the imported notebook')
    expect_texts(victim.page.locator('.auren-note-card'), [':innerHTML=document.title x \\'])


def test_reproduction_b_two_uploaded_file_names(browser: Browser, server: Server, tabs: list[Watched]) -> None:
    """Two uploads whose names carry `<img onerror>` and `:innerHTML=... \\`, then the notebook is opened.

    Through the API, because a browser's upload turns a backslash in a file name into a path separator."""
    tab = open_tab(tabs, browser, server)
    api = sign_up_with_api(tab, server, 'repro-b@example.com')
    notebook_id = api.notebook('Downloads')
    names = ['<img src=x onerror=alert(2)>', '<img src=x onerror=alert(3)> :innerHTML=document.body.innerText \\']
    added = [
        api.upload(notebook_id, f'{name}.txt', f'File {i}. {FILLER}'.encode(), 'text/plain')
        for i, name in enumerate(names)
    ]
    assert [source['title'] for source in api.wait_ready([source['id'] for source in added])] == names
    page = tab.page
    page.goto(f'/notebook/{notebook_id}')
    expect(page.locator('.auren-source-row')).to_have_count(2)
    shot(page, 'untrusted-02-repro-b-sources')
    tab.assert_clean('reproduction (b), the Sources pane')
    expect_notebook_page(page, names, [])


def plant_workbench(api: Api, titles: list[str]) -> tuple[str, list[str]]:
    """A notebook full of payloads: sources from every path that names one, notes, and chat questions."""
    notebook_id = api.notebook('Workbench <img src=x onerror=alert(4)> \\')
    added = []
    for i, payload in enumerate(PAYLOADS):
        text = f'Pasted text number {i}. {payload}\n\n{FILLER}'
        added.append(api.post(f'/notebooks/{notebook_id}/sources', 202, json={'title': payload, 'text': text}))
        added.append(
            api.upload(notebook_id, f'{payload}.md', f'# File {i}\n\n{payload}\n\n{FILLER}'.encode(), 'text/markdown')
        )
    # a file without a name of its own is titled from inside: PDF metadata, HTML <title>
    added.append(api.upload(notebook_id, '_.pdf', pdf_titled(PAYLOADS[1]), 'application/pdf'))
    added.append(api.upload(notebook_id, '_.html', html_titled(PAYLOADS[2]), 'text/html'))
    sources = api.wait_ready([source['id'] for source in added])
    assert sources[-2]['title'] == PAYLOADS[1] and sources[-1]['title'] == PAYLOADS[2], 'titled from the document'
    titles.extend(source['title'] for source in sources)
    for payload in PAYLOADS:
        api.post(
            f'/notebooks/{notebook_id}/notes',
            201,
            json={'title': payload, 'body': f'{payload}\n\n[link](javascript:alert(5)) <b onmouseover=alert(6)>b</b>'},
        )
    for payload in PAYLOADS[:4]:
        api.post(f'/notebooks/{notebook_id}/chat', 200, json={'message': payload, 'stream': False})
    return notebook_id, [source['id'] for source in sources]


def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from walk(node.get('children', []))


def poison_studio(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same export with payloads in every studio text: node labels, quiz questions and options, cards."""
    bundle = copy.deepcopy(bundle)
    bundle['notebook']['title'] = 'Imported ' + PAYLOADS[1]
    for index, artifact in enumerate(bundle['artifacts']):
        data = artifact['data']
        artifact['title'] = f'{artifact["kind"]} {PAYLOADS[index % len(PAYLOADS)]}'
        if artifact['kind'] == 'mindmap':
            data['title'] = PAYLOADS[0]
            for node, payload in zip(walk(data['nodes']), PAYLOADS, strict=False):
                node['label'] = payload
        elif artifact['kind'] == 'quiz':
            for question, payload in zip(data['questions'], PAYLOADS, strict=False):
                question['question'] = payload
                question['options'] = [f'{payload} {n}' for n in range(4)]
                question['explanation'] = payload
        elif artifact['kind'] == 'flashcards':
            for card, payload in zip(data['cards'], PAYLOADS, strict=False):
                card['front'], card['back'] = payload, f'back {payload}'
        else:
            data['title'] = PAYLOADS[2]
            data['markdown'] = '\n\n'.join(PAYLOADS)
    return bundle


def test_payloads_everywhere_render_as_text(
    browser: Browser, server: Server, tabs: list[Watched], tmp_path: Path
) -> None:
    owner = open_tab(tabs, browser, server)
    api = sign_up_with_api(owner, server, 'payloads@example.com', token_name=PAYLOADS[2])
    page = owner.page
    expect(page.get_by_role('button', name=f'Revoke token {PAYLOADS[2]}')).to_be_visible()
    shot(page, 'untrusted-03-token-list')
    owner.assert_clean('the token list')

    notebook_titles = list(PAYLOADS)
    for title in notebook_titles:
        api.notebook(title)
    source_titles: list[str] = []
    notebook_id, source_ids = plant_workbench(api, source_titles)
    notebook_titles.append('Workbench <img src=x onerror=alert(4)> \\')

    page.goto('/')
    cards = page.locator('.auren-notebook-card')
    expect(cards).to_have_count(len(notebook_titles))
    expect_texts(cards, notebook_titles)
    for title in notebook_titles:
        expect(page.get_by_role('link', name=f'Open notebook {title}', exact=True)).to_be_visible()
    shot(page, 'untrusted-04-home-grid')
    owner.assert_clean('the home grid')

    page.goto(f'/notebook/{notebook_id}')
    expect(page.get_by_role('checkbox', name=f'Use {PAYLOADS[1]} in chat and studio', exact=True).first).to_be_visible()
    expect_texts(page.locator('.auren-question-row'), list(PAYLOADS[:4]))
    expect_notebook_page(page, source_titles, list(PAYLOADS))
    shot(page, 'untrusted-05-workbench-notes')
    page.get_by_role('button', name=f'Open note {PAYLOADS[1]}', exact=True).click()
    expect(page.get_by_label('Note title')).to_have_value(PAYLOADS[1])
    expect(page.locator('.auren-note-preview a[href^="javascript"]')).to_have_count(0)
    body = page.get_by_label('Note text')
    body.fill(f'{PAYLOADS[5]}\n\n{PAYLOADS[6]} {PAYLOADS[1]}')
    body.press('Control+s')
    expect(page.get_by_text('Saved', exact=True).first).to_be_visible()
    page.get_by_role('button', name='History', exact=True).click()
    history = page.locator('.q-dialog', has_text=f'History of “{PAYLOADS[1]}”')
    expect(history.locator('.auren-diff ins').first).to_be_visible()
    expect(history.locator('.auren-diff')).to_contain_text('<img')  # the word diff shows the markup as text
    expect(history.locator('.auren-diff img, .auren-diff script')).to_have_count(0)
    animations_done(page)
    shot(page, 'untrusted-06-note-history')
    page.keyboard.press('Escape')
    owner.assert_clean('the workbench: sources, chat and notes')

    # a source renamed and a question asked by hand, in the UI
    renamed = 'renamed :onClick=alert(7) \\'
    page.get_by_role('button', name=f'Actions for {source_titles[0]}', exact=True).first.click()
    page.get_by_text('Rename', exact=True).click()
    page.get_by_role('dialog').get_by_label('Title').fill(renamed)
    page.get_by_role('dialog').get_by_role('button', name='Save', exact=True).click()
    expect(page.get_by_role('checkbox', name=f'Use {renamed} in chat and studio', exact=True)).to_be_visible()
    expect(page.get_by_role('button', name=f'Actions for {renamed}', exact=True)).to_be_visible()
    source_titles[0] = renamed
    page.get_by_label('Message').fill(PAYLOADS[6])
    page.get_by_label('Message').press('Enter')
    expect(page.locator('.auren-question-row').get_by_text(PAYLOADS[6], exact=True)).to_be_visible()
    expect(page.locator('.auren-answer')).to_have_count(5)
    expect(page.locator('.auren-answer').last.get_by_role('button', name='Copy')).to_be_visible(timeout=30_000)
    shot(page, 'untrusted-07-asked-and-renamed')
    owner.assert_clean('a source renamed and a question asked in the UI')

    # studio items made from the sources, then a payload node label typed in through the mind-map's Rename
    for kind in ('mindmap', 'quiz', 'flashcards', 'study_guide'):
        api.generate(notebook_id, kind, source_ids)
    page.reload()
    page.get_by_role('button', name=re.compile('^Open Mind map')).click()
    dialog = page.get_by_role('dialog')
    expect(dialog.locator('.nicegui-echart canvas').first).to_be_visible()
    chart_still(page)  # a node has no position until it has landed
    first_label = page.evaluate(NODE_NAMES_JS, chart_id(page))[1]
    open_node_menu(page, first_label).get_by_role('button', name='Rename').click()
    page.get_by_role('dialog').get_by_label('Label').fill(PAYLOADS[1])
    page.get_by_role('button', name='Save', exact=True).click()
    expect(page.get_by_text('saved as version 2')).to_be_visible()
    chart_still(page, label=PAYLOADS[1])
    animations_done(page)
    shot(page, 'untrusted-08-renamed-node')
    owner.assert_clean('a mind-map node renamed to a payload')

    # the export, poisoned in every studio text, imported by another person
    bundle = poison_studio(api.export_json(notebook_id))
    reader = open_tab(tabs, browser, server)
    register(reader.page, 'payloads-reader@example.com', PASSWORD)
    create_notebook(reader.page, 'Inbox')
    import_notebook(reader.page, bundle, tmp_path, 'poisoned')
    page = reader.page
    expect_notebook_page(page, source_titles, list(PAYLOADS))
    expect_texts(page.locator('.auren-question-row'), [*PAYLOADS[:4], PAYLOADS[6]])
    page.get_by_role('tab', name='Studio').click()
    lineages = [a for a in bundle['artifacts'] if a['parent_id'] is None]  # a card per item, showing its newest
    expect(page.locator('.auren-artifact-card')).to_have_count(len(lineages))
    shot(page, 'untrusted-09-imported-studio')

    def open_artifact(kind: str) -> dict[str, Any]:
        artifact = max((a for a in bundle['artifacts'] if a['kind'] == kind), key=lambda a: a['version'])
        page.get_by_role('button', name=f'Open {artifact["title"]}', exact=True).first.click()
        expect(page.get_by_role('dialog')).to_be_visible()
        return artifact['data']

    open_artifact('mindmap')
    expect(page.get_by_role('dialog').locator('.nicegui-echart canvas').first).to_be_visible()
    chart_still(page)
    names = page.evaluate(NODE_NAMES_JS, chart_id(page))
    assert set(PAYLOADS) <= set(names), names
    animations_done(page)
    shot(page, 'untrusted-10-imported-mindmap')
    page.get_by_role('dialog').get_by_role('button', name='Close').click()

    quiz = open_artifact('quiz')
    dialog = page.get_by_role('dialog')
    expect_texts(dialog, [f'{n}. {q["question"]}' for n, q in enumerate(quiz['questions'], start=1)])
    expect_texts(dialog, quiz['questions'][0]['options'])
    animations_done(page)
    shot(page, 'untrusted-11-imported-quiz')
    dialog.get_by_role('button', name='Close').click()

    cards = open_artifact('flashcards')
    expect(page.get_by_role('dialog').get_by_text(cards['cards'][0]['front'], exact=True)).to_be_visible()
    page.keyboard.press('Space')  # flip
    expect(page.get_by_role('dialog').get_by_text(cards['cards'][0]['back'], exact=True)).to_be_visible()
    animations_done(page)
    shot(page, 'untrusted-12-imported-flashcards')
    page.get_by_role('dialog').get_by_role('button', name='Close').click()

    open_artifact('study_guide')
    expect_texts(page.get_by_role('dialog'), list(PAYLOADS))
    expect(page.get_by_role('dialog').locator('a[href^="javascript"], img, script')).to_have_count(0)
    animations_done(page)
    shot(page, 'untrusted-13-imported-report')
    page.get_by_role('dialog').get_by_role('button', name='Close').click()
    reader.assert_clean('the imported notebook: every pane and studio item')

    page.goto('/')
    expect_texts(page.locator('.auren-notebook-card'), ['Inbox', bundle['notebook']['title']])
    reader.assert_clean("the reader's home grid")
