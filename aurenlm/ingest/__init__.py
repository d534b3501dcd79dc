"""Source ingestion without a database: sniff, check, extract, chunk, fetch URLs, and scan for viruses."""

from .chunk import ChunkDraft, chunk_pages
from .document import Extracted, Heading, OutlineEntry, Page
from .errors import IngestError

__all__ = ['ChunkDraft', 'Extracted', 'Heading', 'IngestError', 'OutlineEntry', 'Page', 'chunk_pages']
