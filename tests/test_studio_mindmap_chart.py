"""How a mind map is drawn: what the chart is given for a big map, a long label, a hostile label and a folded branch."""

from __future__ import annotations

import json

from aurenlm.studio.mindmap_chart import (
    MAX_LABEL_CHARS,
    MAX_VISIBLE_LEAVES,
    ROOT_ID,
    ChartState,
    export_size,
    find,
    initial_collapsed,
    options,
    shown_leaves,
)
from aurenlm.studio.schemas import MindMap, MindNode, assign_ids


def big_map() -> MindMap:
    """Four topics, each with six sub-topics of three leaves: 72 leaves when everything is open."""
    topics = [
        MindNode(
            label=f'Topic {t}',
            children=[
                MindNode(label=f'Sub {t}.{s}', children=[MindNode(label=f'Leaf {t}.{s}.{n}') for n in range(3)])
                for s in range(6)
            ],
        )
        for t in range(4)
    ]
    return assign_ids(MindMap(title='Manual', nodes=topics))


def items(chart: dict) -> list[dict]:
    out, stack = [], list(chart['series'][0]['data'])
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(item.get('children', []))
    return out


def test_a_big_map_opens_folded_to_the_levels_that_fit() -> None:
    mindmap = big_map()
    collapsed = initial_collapsed(mindmap)
    assert collapsed == {sub.id for topic in mindmap.nodes for sub in topic.children}
    assert len(shown_leaves(mindmap, collapsed)) <= MAX_VISIBLE_LEAVES
    folded = [item for item in items(options(mindmap, ChartState(collapsed=collapsed))) if item.get('collapsed')]
    assert len(folded) == 24 and all(item['label']['formatter'] == '{b}  (+3)' for item in folded)


def test_a_small_map_opens_whole() -> None:
    mindmap = assign_ids(MindMap(title='T', nodes=[MindNode(label='A', children=[MindNode(label='B')])]))
    assert initial_collapsed(mindmap) == set()


def test_labels_are_data_never_markup() -> None:
    hostile = '<img src=x onerror=alert(1)> {b|rich} \\'
    mindmap = assign_ids(MindMap(title=hostile, nodes=[MindNode(label=hostile, children=[MindNode(label='x')])]))
    chart = options(mindmap, ChartState(collapsed={mindmap.nodes[0].id}))
    assert 'tooltip' not in chart and 'rich' not in json.dumps(chart['series'][0]['label'])
    for item in items(chart):
        assert hostile not in item['label'].get('formatter', ''), 'a formatter is a template: labels stay out of it'
    assert {item['name'] for item in items(chart)} == {hostile, 'x'}


def test_a_long_label_is_cut_at_a_word_on_the_map_only() -> None:
    label = 'Encoding and decoding of distinguished values in the basic encoding rules'
    mindmap = assign_ids(MindMap(title='T', nodes=[MindNode(label=label)]))
    shown = next(item['name'] for item in items(options(mindmap, ChartState())) if item['id'] != ROOT_ID)
    assert len(shown) <= MAX_LABEL_CHARS and shown.endswith('…') and label.startswith(shown[:-1])
    assert find(mindmap, mindmap.nodes[0].id)[0].label == label


def test_the_selected_node_stands_out_on_screen_but_not_in_an_export() -> None:
    mindmap = big_map()
    node = mindmap.nodes[2]
    state = ChartState(selected=node.id, collapsed=initial_collapsed(mindmap))
    on_screen = next(item for item in items(options(mindmap, state)) if item['id'] == node.id)
    exported = next(item for item in items(options(mindmap, state, export=True)) if item['id'] == node.id)
    assert on_screen['label']['fontWeight'] == 'bold' and 'fontWeight' not in exported['label']
    assert options(mindmap, state, export=True)['series'][0]['roam'] is False


def test_an_export_is_tall_enough_for_every_shown_leaf() -> None:
    mindmap = big_map()
    folded = ChartState(collapsed=initial_collapsed(mindmap))
    opened = ChartState()
    assert export_size(mindmap, folded) == (1600, 900)
    assert export_size(mindmap, opened) == (1600, 72 * 30 + 120)
    assert export_size(mindmap, ChartState(layout='radial')) == (2400, 2400)
