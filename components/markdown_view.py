"""Markdown for untrusted text (model answers, reports): markdown-it with HTML off, citation markers as chips.

Raw HTML in the text is escaped by markdown-it, links with unsafe schemes are refused by its validator, and the
only HTML we add is the citation chip, whose attributes are escaped here. Streaming re-renders only the block
still being written; finished blocks are frozen as their own elements.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from nicegui import ui

from aurenlm.chat.citations import markdown_rule


@dataclass
class CiteInfo:
    marker: int
    source_id: str
    source_title: str
    page: int
    quote: str
    chunk_id: int | None = None


def _parser() -> MarkdownIt:
    return MarkdownIt('commonmark', {'html': False, 'linkify': False, 'typographer': False}).enable('table')


def _chip(n: int, cite: CiteInfo | None) -> str:
    if cite is None:
        return f'<span class="auren-cite auren-cite-missing">{n}</span>'
    quote = cite.quote if len(cite.quote) <= 600 else cite.quote[:600] + '…'
    tip = f'{cite.source_title} · p. {cite.page}\n“{quote}”'
    return (
        f'<button type="button" class="auren-cite" data-marker="{n}" data-tip="{html.escape(tip, quote=True)}" '
        f'aria-label="{html.escape(f"Source {n}: {cite.source_title}, page {cite.page}", quote=True)}">{n}</button>'
    )


def renderer(cites: dict[int, CiteInfo]) -> MarkdownIt:
    """A parser whose chips read `cites` at render time (mutate the dict to update them). Every marker becomes a
    chip; one whose passage is unknown is shown greyed out."""

    def chips(markers: list[int]) -> str:
        return '<span class="auren-cites">' + ''.join(_chip(n, cites.get(n)) for n in markers) + '</span>'

    md = _parser()
    md.core.ruler.push('auren_cites', markdown_rule(chips))
    return md


def render(text: str, cites: dict[int, CiteInfo] | None = None) -> str:
    return renderer(cites or {}).render(text)


_BLOCK_EDGE = re.compile(r'^(?:```|~~~)|\n\s*\n', re.M)  # a fence line, or a blank line


def split_finished(text: str) -> int:
    """Where the finished blocks end: the last blank line that is not inside an open code fence. One pass: fences
    are counted as they come, not re-counted from the start for every blank line."""
    cut = fences = 0
    for match in _BLOCK_EDGE.finditer(text):
        if match.group()[0] in '`~':
            fences += 1
        elif fences % 2 == 0:
            cut = match.end()
    return cut


class MarkdownView:
    """A rendered answer or report; citation chips call `on_cite(marker)`."""

    def __init__(self, text: str = '', cites: dict[int, CiteInfo] | None = None, on_cite: Callable | None = None):
        self.cites: dict[int, CiteInfo] = dict(cites or {})
        self.md = renderer(self.cites)
        self.on_cite = on_cite
        self.root = ui.column().classes('w-full gap-0 auren-markdown')
        self._frozen_upto = 0
        self._text = text
        with self.root:
            self.frozen = ui.column().classes('w-full gap-0')
            self.tail = self._html('')
        if text:
            self.finish(text, dict(self.cites))

    def _html(self, content: str) -> ui.html:
        element = ui.html(content, sanitize=False).classes('w-full')
        element.on(
            'click',
            self._clicked,
            js_handler='(e) => { const b = e.target.closest(".auren-cite[data-marker]"); '
            'if (b) emit(Number(b.dataset.marker)); }',
        )
        return element

    def _clicked(self, e) -> None:
        if self.on_cite is not None and isinstance(e.args, int | float):
            self.on_cite(int(e.args))

    def stream_to(self, text: str) -> None:
        """Show `text` (the answer so far): freeze new finished blocks, re-render only the open one."""
        self._text = text
        # the frozen blocks end outside any fence, so only the text after them needs scanning
        cut = self._frozen_upto + split_finished(text[self._frozen_upto :])
        if cut > self._frozen_upto:
            with self.frozen:
                self._html(self.md.render(text[self._frozen_upto : cut]))
            self._frozen_upto = cut
        self.tail.set_content(self.md.render(text[self._frozen_upto :]))

    def finish(self, text: str, cites: dict[int, CiteInfo]) -> None:
        """The final answer: one render of the whole text, now that its citations are known."""
        self._text = text
        fresh = dict(cites)  # `cites` may be self.cites itself
        self.cites.clear()
        self.cites.update(fresh)
        self.frozen.clear()
        self._frozen_upto = 0
        self.tail.set_content(self.md.render(text))
