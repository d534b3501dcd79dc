"""What the studio generators read: the selected sources with their outline and chunks, already loaded from the DB."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StudioChunk:
    chunk_id: int
    source_id: str
    source_title: str
    page: int  # same numbering as the outline's 'page' (1-based, as ingest stores it)
    heading: str  # nearest heading above the chunk, '' when the source has none
    text: str


@dataclass
class StudioSource:
    source_id: str
    title: str
    sha256: str
    # [{'title', 'level', 'page', 'children': [...]}]: PDF bookmarks, or headings for DOCX/MD/HTML; may be empty
    outline: list[dict] = field(default_factory=list)
    chunks: list[StudioChunk] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return sum(len(chunk.text.split()) for chunk in self.chunks)


def selection_title(sources: list[StudioSource]) -> str:
    """A name for the selection when the caller gives none: the source's title, or the first one and a count."""
    if not sources:
        return 'Notebook'
    if len(sources) == 1:
        return sources[0].title
    return f'{sources[0].title} and {len(sources) - 1} more'
