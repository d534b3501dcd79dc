"""The source viewer: the guide on top, then the extracted text page by page, opened at a passage and highlighted.

Text is shown as text (labels), never as HTML: sources are untrusted.
"""

from __future__ import annotations

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from aurenlm import repos
from aurenlm.llm.base import locate_quote
from aurenlm.models import Source
from components.notebook_state import NotebookState


class SourceViewer:
    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.source: Source | None = None
        self.page_count = 0
        with (
            ui.dialog().props('position=right full-height') as self.dialog,
            ui.card().classes('w-[min(760px,100vw)] h-full gap-0 p-0 no-wrap auren-viewer').mark('source-viewer'),
        ):
            with ui.row().classes('w-full items-center no-wrap gap-2 px-4 py-3 border-b'):
                ui.icon('article', size='24px').classes('text-primary')
                self.title = ui.label('').classes('text-lg font-semibold truncate flex-grow').mark('viewer-title')
                ui.button(icon='download', on_click=self._download).props(
                    'flat round dense aria-label="Download the original file"'
                ).tooltip('Download original').mark('viewer-download')
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close viewer"')
            with ui.scroll_area().classes('w-full flex-grow') as self.scroll:
                self.guide = ui.column().classes('w-full gap-2 px-4 pt-3')
                self.pager = ui.row().classes('w-full items-center gap-2 px-4 py-2')
                self.body = ui.column().classes('w-full gap-0 px-4 pb-6')

    def open(
        self, source_id: str, *, chunk_id: int | None = None, page: int | None = None, quote: str | None = None
    ) -> None:
        """Show a source; with a chunk, at its page with the passage (or the quoted sentence in it) highlighted."""
        source = repos.sources.get(self.state.user, source_id)
        if source is None:
            ui.notify('This source is no longer in the notebook.', type='warning')
            return
        self.source = source
        self.page_count = source.page_count
        self.title.text = source.title
        highlight: tuple[int, int] | None = None
        if chunk_id is not None:
            chunk = repos.sources.chunk(self.state.user, chunk_id)
            if chunk is not None and chunk.source_id == source_id:
                page, highlight = chunk.page, (chunk.char_start, chunk.char_end)
                if quote:
                    page_row = repos.sources.page(self.state.user, source_id, chunk.page)
                    located = locate_quote(page_row.text, quote) if page_row else None
                    highlight = located or highlight
        self._show_guide(source)
        self.show_page(page or 1, highlight)
        self.dialog.open()

    def _show_guide(self, source: Source) -> None:
        self.guide.clear()
        with self.guide:
            if source.status != 'ready':
                ui.label(f'This source is {source.status}. Its text appears when processing finishes.').classes(
                    'text-sm text-slate-500'
                )
                return
            meta = f'{source.kind.upper()} · {source.page_count} pages · {source.word_count:,} words'
            ui.label(meta).classes('text-xs text-slate-500')
            guide = source.guide or {}
            with ui.card().classes('w-full gap-2 bg-indigo-50 auren-guide').props('flat bordered').mark('source-guide'):
                ui.label('Source guide').classes('auren-pane-title')
                if guide.get('summary'):
                    ui.label(guide['summary']).classes('text-sm leading-relaxed')
                if guide.get('topics'):
                    with ui.row().classes('gap-1'):
                        for topic in guide['topics']:
                            ui.chip(topic).props('dense outline color=primary').classes('text-xs')
                for question in guide.get('questions', []):
                    ui.button(question, on_click=lambda q=question: self._ask(q)).props(
                        'flat dense no-caps align=left icon=chat_bubble_outline'
                    ).classes('text-left text-sm w-full').mark('guide-question')

    def _ask(self, question: str) -> None:
        if self.state.ask is None:
            ui.notify('Chat is not available here.', type='info')
            return
        self.dialog.close()
        self.state.ask(question)

    def show_page(self, number: int, highlight: tuple[int, int] | None = None) -> None:
        assert self.source is not None
        number = max(1, min(number, max(1, self.page_count)))
        self.pager.clear()
        with self.pager:
            if self.page_count > 1:
                ui.pagination(
                    1,
                    self.page_count,
                    direction_links=True,
                    value=number,
                    on_change=lambda e: self.show_page(int(e.value)),
                ).props('max-pages=7 boundary-numbers size=sm').mark('viewer-pager')
            ui.label(f'Page {number} of {max(1, self.page_count)}').classes('text-xs text-slate-500').mark(
                'viewer-page-label'
            )
        self.body.clear()
        page = repos.sources.page(self.state.user, self.source.id, number)
        with self.body:
            if page is None:
                ui.label('No text on this page.').classes('text-slate-500 text-sm')
                return
            with (
                ui.element('div')
                .classes('whitespace-pre-wrap text-sm leading-relaxed auren-page-text')
                .mark('page-text')
            ):
                if highlight is None:
                    TextSpan(page.text)
                else:
                    start, end = highlight
                    TextSpan(page.text[:start])
                    mark = TextSpan(page.text[start:end]).classes('bg-amber-200 rounded px-0.5 auren-highlight')
                    mark.props('id=auren-highlight').mark('highlight')
                    TextSpan(page.text[end:])
        if highlight is not None:
            ui.timer(
                0.3,
                lambda: ui.run_javascript(
                    "document.getElementById('auren-highlight')?.scrollIntoView({block: 'center'})"
                ),
                once=True,
            )
        else:
            self.scroll.scroll_to(percent=0)

    def _download(self) -> None:
        if self.source is not None:
            ui.download.from_url(f'/download/source/{self.source.id}')


class TextSpan(TextElement):
    """Inline text, set as text content (never HTML), so a page keeps its flow and line breaks."""

    def __init__(self, text: str) -> None:
        super().__init__(tag='span', text=text)
