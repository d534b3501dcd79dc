"""Notes, history and export in Chromium: write, save, diff and restore; nothing typed is lost when the tab closes;
an answer saved as a note becomes a cited source; the notebook exports to a PDF whose first page is rendered to PNG
for a look."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import ARTIFACTS, ROOT, Server, create_notebook, register, shot

DATA = ROOT / 'tests' / 'data'
TABLE = '\n\n| Time | Place |\n|---|---|\n| 9:00 | Pier |'
CODE = '```c\nasn1_create_element(definitions, "PKIX1.Certificate", &cert);\n```'
# no CSS transition is running (a dialog opening), so a screenshot shows the screen as a person sees it
ANIMATIONS_DONE_JS = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's own server (conftest's `page` uses it here): its four sign-ups would push the shared server
    past the per-address limit of five a minute."""
    srv = Server(tmp_path_factory.mktemp('notes-server'))
    yield srv
    srv.stop()


def open_notes(page: Page) -> None:
    page.get_by_role('tab', name='Notes').click()
    expect(page.get_by_role('button', name='New note')).to_be_visible()


def ask(page: Page, question: str) -> None:
    page.get_by_label('Message').fill(question)
    page.get_by_label('Message').press('Enter')


def upload(page: Page, name: str, ready_text: str) -> None:
    page.get_by_role('button', name='Add sources').click()
    page.locator('input[type=file]').set_input_files(str(DATA / name))
    expect(page.get_by_text('Added “')).to_be_visible(timeout=30_000)
    page.keyboard.press('Escape')
    expect(page.get_by_text(ready_text).first).to_be_visible(timeout=60_000)


def test_write_save_edit_diff_and_restore(page: Page) -> None:
    register(page, 'e2e-notes@example.com')
    create_notebook(page, 'Travel')
    open_notes(page)
    expect(page.get_by_text('No notes yet')).to_be_visible()
    page.get_by_role('button', name='New note').click()
    page.get_by_label('Note title').fill('Trip plan')
    body = page.get_by_label('Note text')
    body.fill(
        '# Day one\n\nWe walk to the old harbour and eat *fresh* fish.\n\n| Time | Place |\n|---|---|\n| 9:00 | Pier |'
    )
    body.press('Control+s')
    expect(page.get_by_text('Saved', exact=True).first).to_be_visible()
    preview = page.locator('.auren-note-preview')
    expect(preview.locator('h1')).to_have_text('Day one')
    expect(preview.locator('table')).to_be_visible()
    shot(page, 'notes-01-editor-saved')

    body.fill(
        '# Day one\n\nWe sail to the new harbour and eat *fresh* fish.\n\n| Time | Place |\n|---|---|\n| 9:00 | Pier |'
    )
    expect(page.locator('[role=status]', has_text='Saved')).to_be_visible(timeout=5_000)  # the autosave
    page.get_by_role('button', name='History', exact=True).click()
    dialog = page.locator('.q-dialog', has_text='History of “Trip plan”')
    expect(dialog).to_be_visible()
    expect(dialog.locator('del', has_text='walk')).to_be_visible()
    expect(dialog.locator('ins', has_text='sail')).to_be_visible()
    expect(dialog.get_by_text('2 word(s) added, 2 removed')).to_be_visible()
    page.wait_for_function(ANIMATIONS_DONE_JS)
    shot(page, 'notes-02-history-diff')

    dialog.get_by_role('button', name=re.compile('Restore the version of')).first.click()
    expect(page.get_by_text('Restored the version of')).to_be_visible()
    expect(body).to_have_value(re.compile('We walk to the old harbour'))
    page.get_by_role('button', name='History', exact=True).click()
    dialog = page.locator('.q-dialog', has_text='History of “Trip plan”')
    expect(dialog.locator('.auren-diff')).to_be_visible()
    assert dialog.get_by_role('checkbox').count() == 3, 'restoring added a version'
    page.wait_for_function(ANIMATIONS_DONE_JS)
    shot(page, 'notes-03-after-restore')
    page.keyboard.press('Escape')


def test_closing_the_tab_right_after_typing_keeps_the_text(page: Page) -> None:
    register(page, 'e2e-notes-close@example.com')
    create_notebook(page, 'Packing')
    notebook_url = page.url
    open_notes(page)
    page.get_by_role('button', name='New note').click()
    page.get_by_label('Note text').fill('Boots, map, a warm hat.')
    # the server has the text (its preview shows it); close the tab at once, whether or not an autosave has run
    expect(page.locator('.auren-note-preview')).to_contain_text('Boots, map, a warm hat.')
    context = page.context
    page.close()
    again = context.new_page()

    again.goto(notebook_url)
    open_notes(again)
    again.get_by_role('button', name=re.compile('^Open note')).click()
    expect(again.get_by_label('Note text')).to_have_value('Boots, map, a warm hat.')


def test_an_answer_saved_as_a_note_becomes_a_cited_source(page: Page) -> None:
    register(page, 'e2e-note-source@example.com')
    create_notebook(page, 'Birds and files')
    upload(page, 'shared-mime-info-README.md', '1 page ·')
    ask(page, 'What is shared-mime-info?')
    answer = page.locator('.auren-answer').first
    expect(answer.locator('.auren-cite').first).to_be_visible(timeout=30_000)
    answer.get_by_role('button', name='Save as note').click()
    expect(page.get_by_text('Saved as note “What is shared-mime-info?”')).to_be_visible()

    open_notes(page)
    page.get_by_role('button', name='Open note What is shared-mime-info?').click()
    body = page.get_by_label('Note text')
    expect(page.locator('.auren-note-preview .auren-cite').first).to_be_visible()
    body.press('Control+Home')
    body.press_sequentially('Pelicans migrate to Lake Zorvath every spring. ')
    body.press('Control+s')
    expect(page.get_by_text('Saved', exact=True).first).to_be_visible()
    page.get_by_role('button', name='Use as source').click()
    expect(page.get_by_text('Added “What is shared-mime-info?” to your sources')).to_be_visible()
    rows = page.locator('.auren-source-row')
    expect(rows).to_have_count(2)
    note_row = rows.filter(has_text='What is shared-mime-info?')
    expect(note_row.get_by_text(re.compile(r'1 page ·'))).to_be_visible(timeout=60_000)
    shot(page, 'notes-04-note-as-source')

    readme_row = rows.filter(has_text='shared-mime-info-README')
    readme_row.get_by_role('checkbox').click()  # only the note's source stays selected
    ask(page, 'Where do pelicans migrate every spring?')
    answer = page.locator('.auren-answer').nth(1)
    chip = answer.locator('.auren-cite').first
    expect(chip).to_be_visible(timeout=30_000)
    tip = chip.get_attribute('data-tip')
    assert tip.startswith('What is shared-mime-info?'), tip
    assert 'Zorvath' in tip
    shot(page, 'notes-05-cited-note')


def test_export_the_notebook_as_pdf_and_look_at_page_one(page: Page) -> None:
    register(page, 'e2e-export@example.com')
    create_notebook(page, 'Export check')
    upload(page, 'libtasn1.pdf', '36 pages')
    ask(page, 'What does asn1_create_element do?')
    expect(page.locator('.auren-answer .auren-cite').first).to_be_visible(timeout=30_000)
    open_notes(page)
    page.get_by_role('button', name='New note').click()
    page.get_by_label('Note title').fill('Reading plan')
    page.get_by_label('Note text').fill('# Key findings\n\nStart with chapter 3.\n\n' + CODE)
    page.get_by_label('Note text').press('Control+s')
    expect(page.get_by_text('Saved', exact=True).first).to_be_visible()

    page.get_by_role('button', name='Export or import').click()
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_text('Notebook as PDF').click()
    download = download_info.value
    assert re.fullmatch(r'Export check \d{4}-\d{2}-\d{2}\.pdf', download.suggested_filename)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / 'notebook-export.pdf'
    download.save_as(str(pdf_path))
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        first = pdf[0].get_textpage().get_text_range()
        text = ' '.join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    assert 'Export check' in first and 'Notebook export' in first
    assert 'Key findings' in text and 'What does asn1_create_element do?' in text and 'libtasn1, p.' in text
    subprocess.run(
        ['pdftoppm', '-png', '-r', '60', '-f', '1', '-l', '1', str(pdf_path), str(ARTIFACTS / 'notebook-export-page')],
        check=True,
    )
    pngs = sorted(ARTIFACTS.glob('notebook-export-page*.png'))
    assert pngs and pngs[-1].stat().st_size > 5_000
    shot(page, 'notes-06-export-menu')
