"""Exports: Markdown with footnotes, JSON with a schema version, PDF that fetches nothing, and safe downloads."""

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from nicegui.testing import User

from aurenlm import repos
from aurenlm.chat import service as chat
from aurenlm.exchange import export
from aurenlm.exchange import pdf as export_pdf
from aurenlm.exchange.schema import Bundle
from aurenlm.notes import service as notes
from tests.helpers import finished_artifact, person, sign_in
from tests.sourcekit import ready_source

PASSWD = Path('/etc/passwd')


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header('Content-Type', 'image/png')
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it."""
    hits: list[str] = []
    handler = type('Handler', (Recorder,), {'hits': hits})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}', hits
    server.shutdown()
    server.server_close()


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        assert pdf.count_attachments() == 0
    finally:
        pdf.close()
    return ' '.join(' '.join(pages).split())


def hostile_markdown(base: str) -> str:
    return (
        '# Hostile note\n\n'
        '![x](file:///etc/passwd)\n\n'
        f'<img src="{base}/hit">\n\n'
        f'![remote]({base}/image.png)\n\n'
        f'<style>body {{ background: url({base}/css) }}</style>\n\n'
        f'[a link]({base}/link) and [a file](file:///etc/passwd)\n\n'
        f'![asset](aurenlm-asset:../../../etc/passwd)\n'
    )


# -- the fetcher --------------------------------------------------------------------------------------------------


def test_the_pdf_fetcher_refuses_every_url_but_data_images_and_assets(listener) -> None:
    base, hits = listener
    png = (
        'data:image/png;base64,'
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
    )
    document = f"""<html><head>
        <link rel="stylesheet" href="{base}/sheet.css">
        <link rel="attachment" href="file:///etc/passwd">
        <style>
          @import url({base}/import.css);
          @font-face {{ font-family: Evil; src: url({base}/font.woff2); }}
          body {{ background: url({base}/css); font-family: Evil; }}
          p::after {{ content: url(file:///etc/passwd); }}
          h1 {{ background-image: url(aurenlm-asset:../pyproject.toml); }}
        </style></head><body>
        <h1>Fetcher check</h1>
        <p>text</p>
        <img src="{base}/hit"><img src="file:///etc/passwd"><img src="https://127.0.0.1:1/tls">
        <object data="file:///etc/passwd" type="text/plain"></object>
        <embed src="file:///etc/passwd"><iframe src="{base}/frame"></iframe>
        <a rel="attachment" href="file:///etc/passwd">attached</a>
        <svg width="10" height="10"><image href="{base}/svg-image" width="10" height="10"/></svg>
        <img src="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'><image href='{base}/nested'/></svg>">
        <img src="{png}" alt="inline data is fine">
        <img src="aurenlm-asset:favicon.svg" alt="bundled asset is fine">
        </body></html>"""
    fetcher = export_pdf.SafeFetcher()
    pdf = export_pdf.html_to_pdf(document, fetcher=fetcher)
    text = pdf_text(pdf)
    assert 'Fetcher check' in text
    assert hits == [], 'no request reached the local server'
    assert 'root:x:' not in text and b'root:x:' not in pdf
    refused = ' '.join(fetcher.refused)
    for fragment in ('/hit', '/css', '/import.css', '/font.woff2', 'file:///etc/passwd', '/svg-image', '/tls'):
        assert fragment in refused, fragment
    assert 'aurenlm-asset:../pyproject.toml' in refused
    assert not any(url.startswith('data:image/png') for url in fetcher.refused)
    assert not any(url == 'aurenlm-asset:favicon.svg' for url in fetcher.refused)


def test_assets_are_served_by_path_only() -> None:
    fetcher = export_pdf.SafeFetcher()
    assert fetcher.fetch('aurenlm-asset:export.css').read().startswith(b'/*')
    for url in ('aurenlm-asset:../main.py', 'aurenlm-asset:/etc/passwd', 'aurenlm-asset:missing.svg', 'http://x/'):
        with pytest.raises(export_pdf.RefusedURL):
            fetcher.fetch(url)


async def test_a_hostile_note_exports_to_a_pdf_that_fetched_nothing(ann, notebook, listener) -> None:
    base, hits = listener
    note = notes.create(ann, notebook.id, 'Hostile', hostile_markdown(base))
    for exported in (
        await export.export_note(ann, note.id, 'pdf'),
        await export.export_notebook(ann, notebook.id, 'pdf'),
    ):
        assert exported.content.startswith(b'%PDF')
        text = pdf_text(exported.content)
        assert 'Hostile note' in text
        assert 'root:x:' not in text and b'root:x:' not in exported.content
        assert '[image: remote]' in text, 'a refused image leaves its alt text'
    assert hits == []


# -- content of the exports -------------------------------------------------------------------------------------


@pytest.fixture
async def rich(ann, notebook):
    """A notebook with a source, an answer with citations, a note saved from it, and a mind map."""
    manual = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    events = [e async for e in chat.ask(ann, notebook, 'What does asn1_create_element do?', source_ids=[manual.id])]
    answer = events[-1]
    assert isinstance(answer, chat.Done) and answer.citations
    saved = notes.from_answer(ann, answer.message.id)
    mine = notes.create(ann, notebook.id, 'Reading plan', '# Key findings\n\nRead chapter 3 first.\n\n```\ncode()\n```')
    nodes = [{'id': 'a', 'label': 'Parsing', 'children': [{'id': 'b', 'label': 'DER decoding'}]}]
    data = {'title': 'libtasn1', 'nodes': nodes}
    mindmap = finished_artifact(
        ann, notebook.id, kind='mindmap', title='Mind map: libtasn1', data=data, source_ids=[manual.id]
    )
    return {'source': manual, 'answer': answer, 'saved': saved, 'mine': mine, 'mindmap': mindmap}


def first_sentence(markdown: str) -> str:
    plain = re.sub(r'\[\d+(?:[,;–-]\s*\d+)*\]|[*_`#>]', '', markdown)
    words = plain.split()
    return ' '.join(words[:6])


async def test_pdf_has_a_title_page_headings_the_answer_and_footnotes(ann, notebook, rich) -> None:
    exported = await export.export_notebook(ann, notebook.id, 'pdf')
    assert exported.media_type == 'application/pdf' and exported.filename.startswith('Manuals ')
    pdf = pdfium.PdfDocument(exported.content)
    first_page = pdf[0].get_textpage().get_text_range()
    assert 'Manuals' in first_page and 'Notebook export' in first_page and 'Sources' in first_page
    pdf.close()
    text = pdf_text(exported.content)
    for expected in ('Key findings', 'Reading plan', 'What does asn1_create_element do?', 'Conversation', 'Studio'):
        assert expected in text, expected
    assert first_sentence(rich['answer'].message.content) in text
    cite = rich['answer'].citations[0]
    assert f'libtasn1, p. {cite.page}' in text, 'a footnote names the source and page'
    assert 'DER decoding' in text, 'the mind map is an outline'
    assert re.search(r'Page 2 of \d+', text), 'pages are numbered'


async def test_markdown_has_footnotes_a_sources_table_and_the_outline(ann, notebook, rich) -> None:
    exported = await export.export_notebook(ann, notebook.id, 'md')
    text = exported.content.decode()
    assert exported.media_type.startswith('text/markdown')
    assert text.startswith('# Manuals\n')
    assert '| 1 | libtasn1 | PDF | 36 |' in text
    assert '#### Key findings' in text, 'a note heading sits below the note title'
    assert '[^1]' in text and re.search(r'^\[\^1\]: libtasn1, p\. \d+: “', text, re.M)
    assert '- Parsing\n  - DER decoding' in text
    assert '> What does asn1_create_element do?' in text


async def test_json_export_has_a_schema_version_and_validates(ann, notebook, rich) -> None:
    exported = await export.export_notebook(ann, notebook.id, 'json')
    data = json.loads(exported.content)
    assert data['schema_version'] == 1 and data['scope'] == 'notebook'
    bundle = Bundle.model_validate_json(exported.content, strict=True)
    assert [s.title for s in bundle.sources] == ['libtasn1']
    assert len(bundle.sources[0].pages) == 36 and bundle.sources[0].chunks
    assert {n.title for n in bundle.notes} == {'Reading plan', 'What does asn1_create_element do?'}
    assert bundle.messages[1].citations[0].source_title == 'libtasn1'


async def test_single_note_chat_and_artifact_exports(ann, notebook, rich) -> None:
    note = await export.export_note(ann, rich['saved'].id, 'md')
    assert note.filename.startswith('What does asn1_create_element do')
    assert '[^1]: libtasn1, p.' in note.content.decode()
    conversation = await export.export_chat(ann, notebook.id, 'pdf')
    assert 'What does asn1_create_element do?' in pdf_text(conversation.content)
    mindmap = await export.export_artifact(ann, rich['mindmap'].id, 'md')
    assert '- Parsing' in mindmap.content.decode()
    with pytest.raises(export.ExportError, match='Choose a format'):
        await export.export_note(ann, rich['saved'].id, 'docx')


async def test_nobody_exports_another_persons_things(ann, notebook, rich) -> None:
    bob = person('bob@example.com')
    assert await export.export_notebook(bob, notebook.id, 'json') is None
    assert await export.export_chat(bob, notebook.id, 'md') is None
    assert await export.export_note(bob, rich['mine'].id, 'pdf') is None
    assert await export.export_artifact(bob, rich['mindmap'].id, 'md') is None


# -- the browser routes -------------------------------------------------------------------------------------------


async def test_download_routes_are_authenticated_safe_and_scoped(user: User) -> None:
    from nicegui import app

    from aurenlm.web import exports

    exports.install(app)
    ann = person('ann@example.com')
    bob = person('bob@example.com')
    notebook = repos.notebooks.create(ann, 'Café “notes” / 2024')
    note = notes.create(ann, notebook.id, 'Plan', '# Plan\n\nText')
    theirs = repos.notebooks.create(bob, 'Bob only')
    client = user.http_client

    response = await client.get(f'/export/notebook/{notebook.id}?format=md')
    assert response.status_code == 401

    await sign_in(user)
    await user.should_see('Your notebooks')
    response = await client.get(f'/export/notebook/{notebook.id}?format=md')
    assert response.status_code == 200
    disposition = response.headers['content-disposition']
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''Caf%C3%A9" in disposition and '/' not in disposition.split("''", 1)[1]
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.text.startswith('# Café “notes” / 2024')

    response = await client.get(f'/export/note/{note.id}?format=pdf')
    assert response.status_code == 200 and response.headers['content-type'] == 'application/pdf'
    assert response.content.startswith(b'%PDF')
    response = await client.get(f'/export/chat/{notebook.id}?format=json')
    assert response.status_code == 200 and response.json()['scope'] == 'chat'
    assert (await client.get(f'/export/notebook/{notebook.id}?format=exe')).status_code == 400
    for path in (
        f'/export/notebook/{theirs.id}?format=md',
        f'/export/chat/{theirs.id}?format=md',
        '/export/note/nope?format=md',
        '/export/artifact/nope?format=md',
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()['error']['code'] == 'not_found'
