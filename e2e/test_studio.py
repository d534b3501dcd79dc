"""Studio in Chromium: a mind map you zoom, edit and export, a quiz with a score, flashcards flipped by keyboard."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import create_notebook, register, shot

DATA = Path(__file__).resolve().parent.parent / 'tests' / 'data'

# The ECharts instance behind a chart element, and the on-screen position of the node with a given label.
NODE_POSITION_JS = """([id, label]) => {
  const chart = getElement(id).chart;
  const data = chart.getModel().getSeriesByIndex(0).getData();
  for (let i = 0; i < data.count(); i++) {
    if (data.getName(i) === label) {
      const el = data.getItemGraphicEl(i);
      if (!el) return null;
      const [x, y] = el.transformCoordToGlobal(0, 0);
      return {x, y};
    }
  }
  return null;
}"""
NODE_NAMES_JS = """(id) => {
  const names = [];
  const walk = (items) => items.forEach((item) => { names.push(item.name); walk(item.children || []); });
  walk(getElement(id).chart.getOption().series[0].data);
  return names;
}"""
# The chart has its nodes (with a label, in a layout and at a zoom when asked for) and no animation is running:
# ZRender's animation list is empty once every node has landed.
CHART_STILL_JS = """([id, layout, label, zoom]) => {
  const chart = getElement(id)?.chart;
  const series = chart?.getOption()?.series?.[0];
  if (!series || !chart.getZr().animation.isFinished()) return false;
  const names = [];
  const walk = (items) => items.forEach((item) => { names.push(item.name); walk(item.children || []); });
  walk(series.data || []);
  return names.length > 1 && (layout === null || series.layout === layout) && (label === null || names.includes(label))
    && (zoom === null || Math.abs((series.zoom ?? 1) - zoom) < 0.001);
}"""
# No CSS transition or finite animation is running (a dialog opening, a card flipping).
ANIMATIONS_DONE_JS = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""
# A smooth scrollIntoView({block: 'start'}) has arrived: the element is at the top of its scroller, or the scroller
# can go no further.
SCROLLED_TO_JS = """(el) => {
  let box = el.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight && /auto|scroll/.test(getComputedStyle(box).overflowY))) {
    box = box.parentElement;
  }
  if (!box) return true;
  const offset = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
  return Math.abs(offset) < 2 || box.scrollTop + box.clientHeight >= box.scrollHeight - 1;
}"""


def chart_id(page: Page) -> int:
    element_id = page.locator('.nicegui-echart').first.get_attribute('id')
    return int(element_id.lstrip('c'))


def click_node(page: Page, label: str) -> None:
    chart = page.locator('.nicegui-echart').first
    position = page.evaluate(NODE_POSITION_JS, [chart_id(page), label])
    assert position is not None, f'no node labelled {label!r}'
    box = chart.bounding_box()
    page.mouse.click(box['x'] + position['x'], box['y'] + position['y'])


def chart_still(page: Page, *, layout: str | None = None, label: str | None = None, zoom: float | None = None) -> None:
    page.wait_for_function(CHART_STILL_JS, arg=[chart_id(page), layout, label, zoom], polling='raf')


def animations_done(page: Page) -> None:
    page.wait_for_function(ANIMATIONS_DONE_JS, polling='raf')


def add_pdf(page: Page) -> None:
    page.get_by_role('button', name='Add sources').click()
    page.locator('input[type=file]').set_input_files(str(DATA / 'libtasn1.pdf'))
    expect(page.get_by_text(re.compile(r'Added “libtasn1”'))).to_be_visible(timeout=30_000)
    page.keyboard.press('Escape')
    expect(page.get_by_text(re.compile(r'36 pages'))).to_be_visible(timeout=60_000)
    expect(page.get_by_text('Uses the 1 selected source.')).to_be_visible()


def open_new(page: Page, button: str, title_prefix: str) -> None:
    page.get_by_role('button', name=button).click()
    opener = page.get_by_role('button', name=re.compile(f'^Open {title_prefix}'))
    expect(opener.first).to_be_visible(timeout=60_000)
    opener.first.click()


def test_mind_map_zoom_rename_persist_and_export_png(page: Page) -> None:
    register(page, 'e2e-studio-map@example.com')
    create_notebook(page, 'ASN.1 manual')
    add_pdf(page)
    shot(page, 'studio-01-pane')

    page.get_by_role('button', name='Create mind map').click()
    expect(page.get_by_role('button', name=re.compile('^Open Mind map'))).to_be_visible(timeout=60_000)
    expect(page.get_by_text('Offline — built from your sources').first).to_be_visible()
    shot(page, 'studio-02-card')
    page.get_by_role('button', name=re.compile('^Open Mind map')).click()
    dialog = page.get_by_role('dialog')
    expect(dialog.locator('.nicegui-echart canvas').first).to_be_visible()
    chart_still(page, layout='orthogonal', zoom=1)  # the tree animates in
    animations_done(page)  # and the dialog has opened
    shot(page, 'studio-03-mindmap')

    expect(dialog.get_by_text('100%')).to_be_visible()
    dialog.get_by_role('button', name='Zoom in').click()
    expect(dialog.get_by_text('125%')).to_be_visible()
    chart_still(page, zoom=1.25)
    shot(page, 'studio-04-zoomed')
    dialog.get_by_role('button', name='Fit to view').click()
    expect(dialog.get_by_text('100%')).to_be_visible()
    chart_still(page, zoom=1)  # the nodes are back where a click will find them

    click_node(page, '3 Utilities')
    menu = page.locator('[aria-label="Node actions"]')
    expect(menu).to_be_visible()
    expect(menu.get_by_text('3 Utilities')).to_be_visible()
    shot(page, 'studio-05-node-menu')
    menu.get_by_role('button', name='Rename').click()
    page.get_by_role('dialog').get_by_label('Label').fill('Command-line tools')
    page.get_by_role('button', name='Save').click()
    expect(page.get_by_text('saved as version 2')).to_be_visible()
    chart_still(page, label='Command-line tools')
    shot(page, 'studio-06-renamed')

    page.get_by_role('button', name='Radial').click()
    chart_still(page, layout='radial', label='Command-line tools')
    shot(page, 'studio-07-radial')
    page.get_by_role('button', name='Tree').click()

    with page.expect_download() as download_info:
        dialog.get_by_role('button', name='Export').click()
        page.get_by_text('PNG image').click()
    png = Path(download_info.value.path()).read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and png[12:16] == b'IHDR'
    assert len(png) > 5_000
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.size[0] >= 1600, image.size
    (Path(__file__).parent / 'artifacts').mkdir(exist_ok=True)
    (Path(__file__).parent / 'artifacts' / 'studio-export.png').write_bytes(png)

    with page.expect_download() as download_info:
        dialog.get_by_role('button', name='Export').click()
        page.get_by_text('SVG image').click()
    svg = Path(download_info.value.path()).read_text()
    assert svg.lstrip().startswith('<svg') and 'Command-line tools' in svg

    page.reload()
    expect(page.get_by_text('version 2')).to_be_visible()
    page.get_by_role('button', name=re.compile('^Open Mind map')).click()
    expect(page.get_by_role('dialog').locator('.nicegui-echart canvas').first).to_be_visible()
    chart_still(page)  # the reloaded map has its nodes
    names = page.evaluate(NODE_NAMES_JS, chart_id(page))
    assert 'Command-line tools' in names and '3 Utilities' not in names


def test_quiz_score_and_flashcards_by_keyboard(page: Page) -> None:
    register(page, 'e2e-studio-quiz@example.com')
    create_notebook(page, 'Quiz night')
    add_pdf(page)

    page.get_by_role('button', name='Create quiz').click()
    options = page.get_by_role('dialog')
    expect(options.get_by_text('New quiz')).to_be_visible()
    options.get_by_role('button', name='Easy').click()
    shot(page, 'studio-08-quiz-options')
    options.get_by_role('button', name='Create quiz').click()
    opener = page.get_by_role('button', name=re.compile('^Open Quiz'))
    expect(opener).to_be_visible(timeout=60_000)
    opener.click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_text('10 questions · Easy')).to_be_visible()
    for group in dialog.get_by_role('radiogroup').all():
        group.get_by_role('radio').first.click()
    shot(page, 'studio-09-quiz')
    dialog.get_by_role('button', name='Submit answers').click()
    score = dialog.get_by_text(re.compile(r'Score: \d+ / 10'))
    expect(score).to_be_in_viewport()
    page.wait_for_function(SCROLLED_TO_JS, arg=score.element_handle(), polling='raf')
    shot(page, 'studio-10-quiz-graded')
    dialog.get_by_role('button', name='Close').click()

    open_new(page, 'Create flashcards', 'Flashcards')
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_text(re.compile(r'Card 1 of \d+'))).to_be_visible()
    expect(dialog.get_by_text('Question', exact=True)).to_be_visible()
    animations_done(page)
    shot(page, 'studio-11-flashcard-front')
    page.keyboard.press('Space')
    expect(dialog.get_by_text('Answer', exact=True)).to_be_visible()
    shot(page, 'studio-12-flashcard-back')
    page.keyboard.press('ArrowRight')
    expect(dialog.get_by_text(re.compile(r'Card 2 of \d+'))).to_be_visible()
    expect(dialog.get_by_text('Question', exact=True)).to_be_visible()
    page.keyboard.press('ArrowLeft')
    expect(dialog.get_by_text(re.compile(r'Card 1 of \d+'))).to_be_visible()
    dialog.get_by_role('button', name='Know it').click()
    expect(dialog.get_by_text('1 known')).to_be_visible()
    dialog.get_by_role('button', name='Close').click()

    open_new(page, 'Create study guide', 'Study guide')
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_text('Cited passages')).to_be_visible()
    animations_done(page)
    shot(page, 'studio-13-study-guide')
    dialog.locator('.auren-cite').first.click()
    expect(page.locator('.auren-highlight')).to_be_visible()
    shot(page, 'studio-14-citation-opens-source')
