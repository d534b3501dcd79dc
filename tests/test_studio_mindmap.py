"""Mind maps: outline-shaped offline maps, stable unique node ids, and a recursive schema for structured output."""

from __future__ import annotations

import json

import pypdfium2 as pdfium
from test_studio_corpus import DATA, libtasn1, markdown_source, pdf_source, selection, text_source

from aurenlm.studio.corpus import Corpus
from aurenlm.studio.mindmap import MAX_DEPTH, MAX_WIDTH, offline_mindmap
from aurenlm.studio.schemas import MindMap, MindMapDraft, MindNode, assign_ids, iter_nodes


def depth(nodes: list[MindNode]) -> int:
    return 1 + max((depth(n.children) for n in nodes if n.children), default=0) if nodes else 0


def test_first_level_of_a_pdf_map_is_its_top_level_outline() -> None:
    top_level = [
        item.get_title().strip() for item in pdfium.PdfDocument(DATA / 'libtasn1.pdf').get_toc() if item.level == 0
    ]
    mindmap = offline_mindmap(Corpus([libtasn1()]), 'libtasn1')
    assert mindmap.title == 'libtasn1'
    assert [node.label for node in mindmap.nodes] == top_level


def test_sections_carry_their_subsections_and_leaves_carry_key_phrases() -> None:
    mindmap = offline_mindmap(Corpus([libtasn1()]), 'libtasn1')
    structure = next(n for n in mindmap.nodes if n.label == '2 ASN.1 structure handling')
    assert [c.label for c in structure.children] == [
        'ASN.1 syntax',
        'Naming',
        'Simple parsing',
        'Library Notes',
        'Future developments',
    ]
    for section in structure.children:
        assert 2 <= len(section.children) <= 4, section.label
        assert all(not phrase.children for phrase in section.children)
    labels = {n.label for n in iter_nodes(mindmap.nodes)}
    assert 'DER encoding' in labels or 'DER data' in labels
    assert depth(mindmap.nodes) <= MAX_DEPTH


def test_wide_levels_are_capped_and_summarised() -> None:
    mindmap = offline_mindmap(Corpus([pdf_source('shared-mime-info-spec.pdf')]), 'spec')
    unified = next(n for n in mindmap.nodes if n.label == '2. Unified system')
    assert len(unified.children) == MAX_WIDTH
    assert unified.children[-1].label.startswith('+10 more: 2.8. The treemagic files')


def test_several_sources_get_one_branch_each_with_their_own_outline() -> None:
    sources = selection()
    mindmap = offline_mindmap(Corpus(sources), 'My notebook')
    assert [n.label for n in mindmap.nodes] == [s.title for s in sources]
    tasn = mindmap.nodes[0]
    assert [c.label for c in tasn.children] == [e['title'] for e in libtasn1().outline]
    readme = mindmap.nodes[2]
    assert [c.label for c in readme.children] == ['Shared MIME Info']
    assert [c.label for c in readme.children[0].children] == ['Installation', 'Useful reference links']
    gpl = mindmap.nodes[3]  # plain text, no outline: clusters of key phrases
    assert 3 <= len(gpl.children) <= MAX_WIDTH
    assert all(1 <= len(cluster.children) <= 4 for cluster in gpl.children)
    assert depth(mindmap.nodes) <= MAX_DEPTH
    assert all(node.color for node in mindmap.nodes)


def test_a_source_without_outline_alone_is_phrase_clusters() -> None:
    mindmap = offline_mindmap(Corpus([text_source('gpl-3.txt')]), 'GPL')
    labels = [n.label for n in mindmap.nodes]
    assert len(labels) >= 3 and 'Corresponding Source' in {n.label for n in iter_nodes(mindmap.nodes)}


def test_offline_map_is_deterministic() -> None:
    first = offline_mindmap(Corpus(selection()), 'N').model_dump()
    second = offline_mindmap(Corpus(selection()), 'N').model_dump()
    assert first == second


def test_ids_are_unique_and_stable_even_with_repeated_labels() -> None:
    def tree() -> MindMap:
        return MindMap(
            title='T',
            nodes=[
                MindNode(
                    label='Encoding', children=[MindNode(label='DER'), MindNode(label='DER'), MindNode(label='BER')]
                ),
                MindNode(label='Encoding', children=[MindNode(label='DER')]),
                MindNode(label='Decoding', children=[MindNode(label='DER')]),
            ],
        )

    first = assign_ids(tree())
    ids = [n.id for n in iter_nodes(first.nodes)]
    assert len(ids) == len(set(ids)) == 8
    assert all(ids)
    assert assign_ids(tree()) == first  # same labels, same ids
    assert assign_ids(first) == first  # re-assigning changes nothing

    edited = tree()
    edited.nodes.insert(2, MindNode(label='Validation', children=[MindNode(label='DER')]))
    edited_ids = {n.id for n in iter_nodes(assign_ids(edited).nodes)}
    assert set(ids) <= edited_ids  # adding a branch does not rename the others


def test_offline_map_ids_are_unique() -> None:
    mindmap = offline_mindmap(Corpus(selection()), 'N')
    ids = [n.id for n in iter_nodes(mindmap.nodes)]
    assert len(ids) == len(set(ids))


def test_mind_map_json_schema_is_recursive_through_defs() -> None:
    for model, node in ((MindMap, 'MindNode'), (MindMapDraft, 'MindNodeDraft')):
        schema = model.model_json_schema()
        assert node in schema['$defs']
        children = schema['$defs'][node]['properties']['children']
        assert children['items'] == {'$ref': f'#/$defs/{node}'}
        assert schema['properties']['nodes']['items'] == {'$ref': f'#/$defs/{node}'}
        json.dumps(schema)  # plain JSON, ready to send as a response schema


def test_markdown_headings_become_branches() -> None:
    mindmap = offline_mindmap(Corpus([markdown_source('shared-mime-info-README.md')]), 'README')
    assert [n.label for n in mindmap.nodes] == ['Shared MIME Info']
    assert [c.label for c in mindmap.nodes[0].children] == ['Installation', 'Useful reference links']
