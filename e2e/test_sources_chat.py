"""Sources and chat in Chromium: upload with live progress, the viewer, downloads, streamed cited answers, Stop."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Server, create_notebook, register, shot
from tests.fakes.gemini_server import FakeGemini, Reply, start_fake_gemini

DATA = Path(__file__).resolve().parent.parent / 'tests' / 'data'


def upload(page: Page, *names: str) -> None:
    page.get_by_role('button', name='Add sources').click()
    page.locator('input[type=file]').set_input_files([str(DATA / name) for name in names])


def test_upload_watch_progress_view_and_download(page: Page) -> None:
    register(page, 'e2e-sources@example.com')
    create_notebook(page, 'Manuals')
    upload(page, 'libtasn1.pdf', 'shared-mime-info-README.md')
    expect(page.get_by_text('Added “')).to_be_visible()
    page.keyboard.press('Escape')
    rows = page.locator('.auren-source-row')
    expect(rows).to_have_count(2)
    shot(page, 'sources-01-processing')
    expect(page.get_by_text('36 pages')).to_be_visible(timeout=60_000)
    expect(page.get_by_text('1 page ·')).to_be_visible(timeout=60_000)
    shot(page, 'sources-02-ready')

    page.get_by_text('libtasn1', exact=True).click()
    viewer = page.locator('.auren-viewer')
    expect(viewer.get_by_text('Source guide')).to_be_visible()
    viewer.get_by_role('button', name='3', exact=True).click()
    expect(viewer.get_by_text('Page 3 of 36')).to_be_visible()
    expect(viewer.get_by_text('Table of Contents')).to_be_visible()
    shot(page, 'sources-03-viewer-page-3')

    with page.expect_download() as download_info:
        viewer.get_by_role('button', name='Download the original file').click()
    download = download_info.value
    assert download.suggested_filename == 'libtasn1.pdf'
    assert Path(download.path()).read_bytes() == (DATA / 'libtasn1.pdf').read_bytes()


def test_offline_answer_cites_and_opens_the_passage(page: Page) -> None:
    register(page, 'e2e-offline-chat@example.com')
    create_notebook(page, 'Offline chat')
    upload(page, 'libtasn1.pdf')
    page.keyboard.press('Escape')
    expect(page.get_by_text('36 pages')).to_be_visible(timeout=60_000)
    page.get_by_label('Message').fill('What does asn1_create_element do?')
    page.get_by_label('Message').press('Enter')
    chip = page.locator('.auren-answer .auren-cite').first
    expect(chip).to_be_visible()
    expect(page.locator('.auren-answer')).to_contain_text('Here is what your sources say')
    chip.hover()
    tip = chip.evaluate("el => getComputedStyle(el, '::after').content")
    assert 'libtasn1' in tip and 'p.' in tip
    shot(page, 'chat-01-offline-hover')
    chip.click()
    highlight = page.locator('#auren-highlight')
    expect(highlight).to_be_visible()
    quote = chip.get_attribute('data-tip').split('“', 1)[1].rstrip('”')
    assert ' '.join(quote.split())[:40] in ' '.join(highlight.inner_text().split())
    shot(page, 'chat-02-viewer-highlight')


@pytest.fixture(scope='module')
def gemini() -> Iterator[FakeGemini]:
    with start_fake_gemini() as fake:
        yield fake


@pytest.fixture(scope='module')
def gemini_server(tmp_path_factory, gemini: FakeGemini) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp('gemini-server'),
        {'GEMINI_API_KEY': gemini.api_key, 'GEMINI_BASE_URL': gemini.url, 'GEMINI_TIMEOUT_S': '20'},
    )
    yield srv
    srv.stop()


@pytest.fixture
def gemini_page(browser: Browser, gemini_server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=gemini_server.url, viewport={'width': 1400, 'height': 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def slow_answer(words: int, delay: float) -> Reply:
    text = ' '.join(f'word{i}' for i in range(words))
    chunks = ['The manual explains element creation [1]. ', *[w + ' ' for w in text.split()], 'It also covers DER [2].']
    return Reply(chunks=chunks, delay_per_chunk=delay)


def final_answer(server: Server, token: str, notebook_id: str) -> dict:
    """The newest answer as the server stored it, once it is no longer streaming (read through the REST API)."""
    headers = {'Authorization': f'Bearer {token}'}
    url = f'{server.url}/api/v1/notebooks/{notebook_id}/messages'
    deadline = time.monotonic() + 15
    while True:
        answers = [m for m in httpx.get(url, headers=headers).json()['items'] if m['role'] == 'assistant']
        if answers and answers[0]['status'] != 'streaming':
            return answers[0]
        assert time.monotonic() < deadline, f'the answer is still streaming on the server: {answers[:1]}'
        time.sleep(0.05)


def test_streaming_is_real_and_stop_keeps_the_partial_answer(
    gemini_page: Page, gemini: FakeGemini, gemini_server: Server
) -> None:
    page = gemini_page
    register(page, 'e2e-gemini@example.com')
    notebook_id = create_notebook(page, 'Streaming')
    expect(page.get_by_text('Gemini (')).to_be_visible()
    upload(page, 'libtasn1.pdf')
    page.keyboard.press('Escape')
    expect(page.get_by_text('36 pages')).to_be_visible(timeout=60_000)

    gemini.script(slow_answer(20, 0.15))
    page.get_by_label('Message').fill('How do I create an element?')
    page.get_by_role('button', name='Send').click()
    answer = page.locator('.auren-answer').last
    expect(answer).to_contain_text('The manual explains element creation', timeout=10_000)
    assert page.get_by_role('button', name='Stop').is_visible(), 'text is shown while the answer is still streaming'
    shot(page, 'chat-03-streaming')
    expect(answer).to_contain_text('It also covers DER', timeout=20_000)
    expect(answer.locator('.auren-cite')).to_have_count(2)
    expect(page.get_by_role('button', name='Send')).to_be_visible()

    gemini.script(slow_answer(200, 0.1))
    page.get_by_label('Message').fill('Tell me everything.')
    page.get_by_label('Message').press('Enter')
    expect(page.locator('.auren-answer')).to_have_count(2)
    answer = page.locator('.auren-answer').nth(1)
    expect(answer).to_contain_text('word3', timeout=10_000)
    page.get_by_role('button', name='Stop').click()
    expect(answer.get_by_text('Interrupted')).to_be_visible()
    partial = answer.inner_text()
    shot(page, 'chat-04-stopped')

    # Nothing arrives after Stop, proven without waiting on a clock:
    # 1. the server has stored the answer as interrupted, with the text it kept;
    stored = final_answer(gemini_server, gemini_server.api_token('e2e-gemini@example.com'), notebook_id)
    assert stored['status'] == 'interrupted' and 'word3' in stored['content'], stored
    # 2. the model's stream is over, closed by the server, and the model had sent more than was kept: late tokens
    #    existed, and no more can come;
    stream = gemini.model_requests('streamGenerateContent')[-1]
    assert gemini.wait_for(lambda _: stream.ended, timeout=15), 'the stream to the model is still open after Stop'
    assert stream.client_disconnected, 'Stop closes the stream to the model'
    streamed = ''.join(stream.sent)
    assert streamed.startswith(stored['content']) and len(streamed) > len(stored['content']), (streamed, stored)
    late = set(streamed[len(stored['content']) :].split())
    # 3. a round trip through the page's socket after all that: whatever the server sent before it has arrived.
    answer.get_by_role('button', name='Copy answer').click()
    expect(page.get_by_text('Answer copied')).to_be_visible()
    shown = answer.inner_text()
    assert shown == partial, 'the answer changed after Stop'
    assert set(stored['content'].split()) - {'[1].', '[2].'} <= set(shown.split()), 'the kept text is shown'
    assert not late & set(shown.split()), f'late tokens reached the page: {late & set(shown.split())}'
    page.reload()
    expect(page.locator('.auren-answer').nth(1).get_by_text('Interrupted')).to_be_visible()
    assert 'word3' in page.locator('.auren-answer').nth(1).inner_text()
