"""One entry point from a stored file (or pasted text) and its kind to pages of text, outline and title."""

from __future__ import annotations

from pathlib import Path

from .document import Extracted, Heading, OutlineEntry, Page
from .errors import IngestError
from .extract_docx import DEFAULT_MAX_RATIO, DEFAULT_MAX_UNCOMPRESSED, extract_docx_file
from .extract_html import extract_html_file, html_document
from .extract_pdf import extract_pdf_file
from .extract_text import extract_text_file, text_document

__all__ = ['Extracted', 'Heading', 'OutlineEntry', 'Page', 'extract', 'extract_html_string', 'extract_text_string']


def extract(
    path: Path,
    kind: str,
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED,
    max_ratio: float = DEFAULT_MAX_RATIO,
    processes: int | None = None,
) -> Extracted:
    """Extract a file whose kind came from sniff.detect_kind. CPU-bound and blocking: run it off the event loop.

    The zip limits apply to DOCX; `processes` lets a long PDF be read by several processes (None: one per core).
    """
    if kind == 'pdf':
        return extract_pdf_file(path, processes=processes)
    if kind == 'docx':
        return extract_docx_file(path, max_uncompressed_bytes=max_uncompressed_bytes, max_ratio=max_ratio)
    if kind == 'html':
        return extract_html_file(path)
    if kind in ('markdown', 'text'):
        return extract_text_file(path, markdown=kind == 'markdown')
    raise IngestError(f'Files of kind "{kind}" cannot be read. Upload a PDF, Word, HTML, Markdown or text file.')


def extract_text_string(text: str, title: str | None = None) -> Extracted:
    """Pasted text, read as Markdown (plain text passes through unchanged, '#' lines become headings)."""
    return text_document(text, markdown=True, title=title)


def extract_html_string(html: str) -> Extracted:
    """An HTML document already in memory, such as a fetched page decoded with its HTTP charset."""
    return html_document(html)
