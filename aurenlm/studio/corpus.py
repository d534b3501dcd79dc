"""One analysis of the selected sources, shared by the offline generators: sentences, phrases, sections, citations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from aurenlm.studio.inputs import StudioChunk, StudioSource
from aurenlm.studio.schemas import Cite
from aurenlm.text import phrases
from aurenlm.text import sentences as textutil

_NUMBERING = re.compile(r'^(?:(?:chapter|section|part|appendix)\s+)?(?:\d+|[a-z]|[ivx]+)(?:\.\d+)*\.?\s+', re.I)
_PATH_SEPARATOR = re.compile(r'\s+[>/»›]\s+')
_QUESTION_WORDS = frozenset(
    textutil.words('how what why when where which who whom whose is are can does do should will')
)
# headings that name a part of a document rather than a topic: no question to ask about them
GENERIC_HEADINGS = frozenset(
    textutil.words(
        """introduction overview contents table_of_contents index concept_index references bibliography
        acknowledgements acknowledgments contributors appendix preface foreword copying copying_information license
        notes summary conclusion conclusions about abstract glossary see_also further_reading"""
    )
)


def strip_numbering(title: str) -> str:
    """'2.3 Simple parsing' -> 'Simple parsing'; a bare number stays as it is."""
    stripped = _NUMBERING.sub('', textutil.normalize_ws(title))
    return stripped or textutil.normalize_ws(title)


def title_key(title: str) -> str:
    """How outline titles and chunk headings are compared: no numbering, case or punctuation at the ends."""
    return strip_numbering(title).lower().strip(' .:;-–')


def is_generic_heading(title: str) -> bool:
    key = title_key(title).replace(' ', '_')
    return key in GENERIC_HEADINGS or key.endswith('_index')


def lower_first(phrase: str) -> str:
    """Lower-case a leading capital that is only there because the phrase started a sentence or a title.

    Acronyms, identifiers and names keep their case: "ASN.1 syntax", "GNU Free Documentation License".
    """
    parts = phrase.split()
    if not parts:
        return phrase
    first = parts[0]
    if first in ('A', 'An', 'The'):
        return first.lower() + phrase[len(first) :]
    titled = any(word[:1].isupper() for word in parts[1:])
    if first[:1].isupper() and first[1:].islower() and not titled:
        return first.lower() + phrase[len(first) :]
    return phrase


def heading_question(title: str) -> str | None:
    """A study question a heading answers ('DER functions' -> 'What are DER functions?'), or None for 'Index'."""
    text = strip_numbering(title).rstrip(' .:;')
    if not text or is_generic_heading(text) or not any(ch.isalpha() for ch in text):
        return None
    if text.endswith('?'):
        return text
    first = text.split()[0].lower()
    if first in _QUESTION_WORDS:
        return text + '?'
    if first.endswith('ing') and len(first) > 4 and ' ' in text:
        return f'What does {lower_first(text)} involve?'
    last = text.split()[-1]
    plural = last.lower().endswith('s') and not last.lower().endswith(('ss', 'us', 'is', 'ics')) and not last.isupper()
    return f'What {"are" if plural else "is"} {lower_first(text)}?'


@dataclass(frozen=True, slots=True)
class Sentence:
    """An informative sentence of a chunk; `text == chunk.text[start:end]` exactly."""

    index: int
    chunk: int  # index into Corpus.chunks
    source: int  # index into Corpus.sources
    start: int
    end: int
    text: str

    @property
    def clean(self) -> str:
        return textutil.normalize_ws(self.text)


@dataclass
class Section:
    """An outline entry with the chunks that fall into it (its own, not its children's)."""

    title: str
    page: int | None
    children: list[Section] = field(default_factory=list)
    own_chunks: list[int] = field(default_factory=list)

    def chunks(self) -> list[int]:
        found = list(self.own_chunks)
        for child in self.children:
            found.extend(child.chunks())
        return sorted(set(found))

    def flat(self) -> list[Section]:
        out = [self]
        for child in self.children:
            out.extend(child.flat())
        return out


def _parse_outline(entries: list) -> list[Section]:
    sections = []
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        children = _parse_outline(entry.get('children') or [])
        title = textutil.normalize_ws(str(entry.get('title') or ''))
        if not title:
            sections.extend(children)  # an untitled entry: keep what is under it
            continue
        page = entry.get('page')
        page = int(page) if isinstance(page, int | float) and not isinstance(page, bool) else None
        sections.append(Section(title=title, page=page, children=children))
    return sections


class Corpus:
    """Sentences, key phrases and outline sections of a selection, computed once per generation."""

    def __init__(self, sources: list[StudioSource]) -> None:
        self.sources = sources
        self.chunks: list[StudioChunk] = []
        self.chunk_source: list[int] = []
        self.source_chunks: list[list[int]] = []
        for si, source in enumerate(sources):
            start = len(self.chunks)
            self.chunks.extend(source.chunks)
            self.chunk_source.extend([si] * len(source.chunks))
            self.source_chunks.append(list(range(start, len(self.chunks))))
        self.sentences: list[Sentence] = []
        self.chunk_sentences: list[list[int]] = []
        prose: list[str] = []
        for ci, chunk in enumerate(self.chunks):
            ids, texts = [], []
            for span in textutil.split_sentences(chunk.text):
                if span.kind == 'code':
                    continue  # identifiers in code make poor phrases and worse quiz answers
                texts.append(span.text)
                span = textutil.strip_bullet(span)
                if textutil.is_informative(span, min_words=5):
                    ids.append(len(self.sentences))
                    self.sentences.append(
                        Sentence(len(self.sentences), ci, self.chunk_source[ci], span.start, span.end, span.text)
                    )
            self.chunk_sentences.append(ids)
            prose.append('\n'.join(texts))
        self.phrases = phrases.PhraseIndex(prose)
        self.centrality = textutil.centrality([s.text for s in self.sentences])
        self._sections: dict[int, list[Section]] = {}

    # -- citations ----------------------------------------------------------------------------------------------

    def cite(self, sentence: Sentence) -> Cite:
        chunk = self.chunks[sentence.chunk]
        return Cite(chunk_id=chunk.chunk_id, source_id=chunk.source_id, page=chunk.page, quote=sentence.text)

    # -- sentences ----------------------------------------------------------------------------------------------

    def sentences_in(self, chunk_ids: list[int]) -> list[Sentence]:
        return [self.sentences[i] for ci in chunk_ids for i in self.chunk_sentences[ci]]

    def central(self, chunk_ids: list[int], k: int, exclude: set[int] | None = None) -> list[Sentence]:
        """The k most central sentences of these chunks, skipping near-duplicates of ones already picked."""
        pool = [s for s in self.sentences_in(chunk_ids) if not exclude or s.index not in exclude]
        if not pool:
            return []
        local = textutil.centrality([s.text for s in pool])
        # the selection-wide score keeps a section's pick on topic for the whole document
        score = local + 0.5 * self.centrality[[s.index for s in pool]]
        order = sorted(range(len(pool)), key=lambda i: (-float(score[i]), pool[i].index))
        picked: list[Sentence] = []
        picked_words: list[set[str]] = []
        for i in order:
            bag = set(textutil.content_words(pool[i].text))
            if any(len(bag & other) / max(1, len(bag | other)) > 0.5 for other in picked_words):
                continue
            picked.append(pool[i])
            picked_words.append(bag)
            if len(picked) >= k:
                break
        return picked

    def global_rank(self) -> np.ndarray:
        """Sentence indices from most to least central over the whole selection."""
        return np.argsort(-self.centrality, kind='stable')

    # -- outline ------------------------------------------------------------------------------------------------

    def sections(self, source_index: int) -> list[Section]:
        """The source's outline with every chunk placed in the section it belongs to (cached)."""
        if source_index not in self._sections:
            roots = _parse_outline(self.sources[source_index].outline)
            self._assign(roots, self.source_chunks[source_index])
            self._sections[source_index] = roots
        return self._sections[source_index]

    def _assign(self, roots: list[Section], chunk_ids: list[int]) -> None:
        flat = [s for root in roots for s in root.flat()]
        if not flat:
            return
        keys = [title_key(s.title) for s in flat]
        cursor = -1
        for ci in chunk_ids:
            chunk = self.chunks[ci]
            target = None
            if chunk.heading:
                wanted = {title_key(chunk.heading), title_key(_PATH_SEPARATOR.split(chunk.heading)[-1])}
                matches = [i for i, key in enumerate(keys) if key in wanted]
                if matches:
                    later = [i for i in matches if i >= cursor]
                    target = later[0] if later else matches[0]
            if target is None:
                target = self._by_page(flat, chunk.page, cursor)
            if target is None:
                continue  # front matter before the first section
            flat[target].own_chunks.append(ci)
            cursor = target

    @staticmethod
    def _by_page(flat: list[Section], page: int, cursor: int) -> int | None:
        """The section a chunk without a matching heading belongs to, judged by its page."""
        paged = [i for i, s in enumerate(flat) if s.page is not None and s.page <= page]
        if not paged:
            return cursor if cursor >= 0 and flat[cursor].page is None else None
        last = paged[-1]
        if flat[last].page != page:
            return last  # the section that started on an earlier page runs on
        if cursor >= 0 and flat[cursor].page == page:
            return cursor  # several sections start on this page: stay with the one we are in
        return next(i for i in paged if flat[i].page == page)
