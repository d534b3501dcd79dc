"""Offline mind map: the sources' outlines as branches, with key phrases on the leaves; phrase clusters without one."""

from __future__ import annotations

from aurenlm.studio.corpus import Corpus, Section
from aurenlm.studio.schemas import MindMap, MindNode, assign_ids
from aurenlm.text import sentences as textutil

MAX_DEPTH = 4  # node levels below the root, key-phrase leaves included
MAX_WIDTH = 8
BRANCH_COLORS = ('#4f46e5', '#0891b2', '#059669', '#d97706', '#dc2626', '#7c3aed', '#db2777', '#65a30d')


def cap_width(nodes: list[MindNode], width: int = MAX_WIDTH) -> list[MindNode]:
    """Keep the first `width - 1` nodes and summarise the rest in one node, so no level becomes a wall of text."""
    if len(nodes) <= width:
        return nodes
    rest = nodes[width - 1 :]
    names = ', '.join(node.label for node in rest)
    label = f'+{len(rest)} more: {names}'
    if len(label) > 100:
        label = label[:99].rstrip(' ,') + '…'
    return [*nodes[: width - 1], MindNode(label=label)]


def _phrase_count(chunk_count: int) -> int:
    return 2 if chunk_count <= 1 else 3 if chunk_count < 4 else 4


def _section_node(corpus: Corpus, section: Section, levels: int, ancestors: tuple[str, ...] = ()) -> MindNode:
    path = (*ancestors, section.title)
    if section.children and levels > 2:
        children = [_section_node(corpus, child, levels - 1, path) for child in section.children]
        return MindNode(label=section.title, children=cap_width(children))
    # a leaf (or a section cut off by the depth limit): its key phrases stand for what is below it
    chunks = section.chunks()
    if not chunks:
        return MindNode(label=section.title)
    # a phrase that repeats a title on the way up says nothing new
    phrases = corpus.phrases.top(chunks, k=_phrase_count(len(chunks)), exclude=path)
    return MindNode(label=section.title, children=[MindNode(label=p) for p in phrases])


def phrase_clusters(corpus: Corpus, chunk_ids: list[int], heads: int = 6) -> list[MindNode]:
    """Top phrases of the chunks, each with the phrases that most often share a chunk with it."""
    top = corpus.phrases.top(chunk_ids, k=heads)
    used = list(top)
    nodes = []
    for head in top:
        key = head.lower()
        together = [ci for ci in chunk_ids if key in corpus.phrases.per_doc[ci]]
        related = corpus.phrases.top(together, k=3, exclude=used) if together else []
        used.extend(related)
        nodes.append(MindNode(label=head, children=[MindNode(label=p) for p in related]))
    return nodes


def _source_nodes(corpus: Corpus, source_index: int, levels: int) -> list[MindNode]:
    sections = corpus.sections(source_index)
    if sections:
        title = corpus.sources[source_index].title
        return cap_width([_section_node(corpus, section, levels, (title,)) for section in sections])
    return phrase_clusters(corpus, corpus.source_chunks[source_index])


def offline_mindmap(corpus: Corpus, title: str) -> MindMap:
    """Root = the selection's title; one source: its outline at the first level; several: one branch per source."""
    if len(corpus.sources) == 1:
        nodes = _source_nodes(corpus, 0, MAX_DEPTH)
    else:
        # every selected source gets its branch: summarising some away would hide them from the user
        nodes = [
            MindNode(label=textutil.normalize_ws(source.title), children=_source_nodes(corpus, i, MAX_DEPTH - 1))
            for i, source in enumerate(corpus.sources)
        ]
    for i, node in enumerate(nodes):
        node.color = BRANCH_COLORS[i % len(BRANCH_COLORS)]
    return assign_ids(MindMap(title=title, nodes=nodes))
