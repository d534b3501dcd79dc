"""A mind map as ECharts options: one tree series, coloured by branch, folded where asked, with room for its labels.

Pure data: components/mindmap/ draws what this builds and handles the clicks. Labels go in only as the `name` of a
node, never through a rich-text or HTML formatter, so ECharts draws them as text and a label can never become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aurenlm.studio.mindmap import BRANCH_COLORS
from aurenlm.studio.schemas import MindMap, MindNode

ROOT_ID = 'root'  # the id of the title node on the chart (the map's own nodes have uuid hex ids)
ROOT_COLOR = '#4f46e5'
SELECTED_ROOT_BORDER = '#f59e0b'
SERIES_ID = 'mindmap'  # zoom and fit address the series by this id
SCALE_LIMIT = {'min': 0.2, 'max': 6}
MAX_LABEL_CHARS = 44  # longer labels are cut on the map (the node menu shows them whole)
MAX_VISIBLE_LEAVES = 40  # deeper levels start collapsed when a map is bigger than this


@dataclass
class ChartState:
    """How a map is shown right now: its layout, the folded nodes, the selected node (ROOT_ID for the title)."""

    layout: str = 'orthogonal'  # or 'radial'
    collapsed: set[str] = field(default_factory=set)
    selected: str | None = None


def tint(color: str, amount: float) -> str:
    """`color` mixed with white: amount 0 keeps it, 1 is white."""
    value = color.lstrip('#')
    if len(value) == 3:
        value = ''.join(c * 2 for c in value)
    rgb = [int(value[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return '#' + ''.join(f'{c:02x}' for c in mixed)


def short(label: str) -> str:
    """A label cut to MAX_LABEL_CHARS, at a word boundary where one is near the end."""
    if len(label) <= MAX_LABEL_CHARS:
        return label
    cut = label[: MAX_LABEL_CHARS - 1]
    if ' ' in cut[MAX_LABEL_CHARS // 2 :]:
        cut = cut.rsplit(' ', 1)[0]
    return cut.rstrip(' ,;:') + '…'


def text_width(label: str, font_px: float = 12) -> int:
    """A rough width in pixels of a label as drawn (for margins, so labels at the edges are not cut off)."""
    return int(len(short(label)) * font_px * 0.58) + 24


# -- the tree -----------------------------------------------------------------------------------------------------


def find(mindmap: MindMap, node_id: str) -> tuple[MindNode | None, MindNode | None, list[MindNode]]:
    """(node, its parent or None for a first-level node, the list it sits in); (None, None, []) when it is gone."""

    def search(nodes: list[MindNode], parent: MindNode | None):
        for node in nodes:
            if node.id == node_id:
                return node, parent, nodes
            found = search(node.children, node)
            if found:
                return found
        return None

    return search(mindmap.nodes, None) or (None, None, [])


def shown_leaves(mindmap: MindMap, collapsed: set[str]) -> list[MindNode]:
    """The leaves as shown: nodes without children, or folded."""
    out: list[MindNode] = []

    def walk(nodes: list[MindNode]) -> None:
        for node in nodes:
            if node.children and node.id not in collapsed:
                walk(node.children)
            else:
                out.append(node)

    walk(mindmap.nodes)
    return out


def initial_collapsed(mindmap: MindMap) -> set[str]:
    """Show as many levels as fit: collapse from the deepest level up until few enough leaves are visible."""
    by_depth: list[list[MindNode]] = []

    def walk(nodes: list[MindNode], depth: int) -> None:
        for node in nodes:
            while len(by_depth) <= depth:
                by_depth.append([])
            by_depth[depth].append(node)
            walk(node.children, depth + 1)

    walk(mindmap.nodes, 0)
    collapsed: set[str] = set()
    for depth in range(len(by_depth) - 1, 0, -1):
        if len(shown_leaves(mindmap, collapsed)) <= MAX_VISIBLE_LEAVES:
            break
        collapsed |= {node.id for node in by_depth[depth] if node.children}
    return collapsed


def export_size(mindmap: MindMap, state: ChartState) -> tuple[int, int]:
    """Width and height in pixels that draw the whole map (as it is folded now) at a print-friendly size."""
    leaves = max(1, len(shown_leaves(mindmap, state.collapsed)))
    if state.layout == 'radial':
        side = max(1200, min(2400, leaves * 40))
        return side, side
    return 1600, max(900, leaves * 30 + 120)


# -- options ------------------------------------------------------------------------------------------------------


def _item(node: MindNode, inherited: str, state: ChartState, export: bool) -> dict:
    color = node.color or inherited
    if state.layout == 'radial':  # rotated boxes look cluttered: plain text in a darker shade of the branch
        label: dict = {'color': color, 'backgroundColor': 'transparent', 'borderWidth': 0}
    else:
        label = {'backgroundColor': tint(color, 0.88), 'borderColor': color}
    item: dict = {
        'name': short(node.label),
        'id': node.id,
        'itemStyle': {'color': color, 'borderColor': color},
        'lineStyle': {'color': tint(color, 0.4)},
        'label': label,
    }
    if node.id == state.selected and not export:
        label['fontWeight'] = 'bold'
        if state.layout != 'radial':
            label.update(borderWidth=2.5, borderColor=color)
        item['symbolSize'] = 13
    if node.children:
        folded = node.id in state.collapsed
        item['collapsed'] = folded
        if folded:
            label['formatter'] = f'{{b}}  (+{len(node.children)})'
        item['children'] = [_item(child, color, state, export) for child in node.children]
    return item


def _root_item(mindmap: MindMap, state: ChartState, export: bool) -> dict:
    label = {'backgroundColor': ROOT_COLOR, 'borderColor': ROOT_COLOR, 'color': '#ffffff', 'fontWeight': 'bold'}
    if state.layout == 'radial':
        label = {'backgroundColor': 'transparent', 'borderWidth': 0, 'color': ROOT_COLOR, 'fontWeight': 'bold'}
    if state.selected == ROOT_ID and not export:
        label.update(borderColor=SELECTED_ROOT_BORDER, borderWidth=3)
    return {
        'name': short(mindmap.title),
        'id': ROOT_ID,
        'itemStyle': {'color': ROOT_COLOR, 'borderColor': ROOT_COLOR},
        'label': {**label, 'fontSize': 14},
        'symbolSize': 12,
        'children': [
            _item(node, node.color or BRANCH_COLORS[i % len(BRANCH_COLORS)], state, export)
            for i, node in enumerate(mindmap.nodes)
        ],
    }


def series(mindmap: MindMap, state: ChartState, *, export: bool = False) -> dict:
    """The tree series; `export` drops the selection and the pan/zoom, for an image of the whole map."""
    radial = state.layout == 'radial'
    # room for the root's label on the left and the longest leaf label on the right
    left = min(360, max(80, text_width(mindmap.title, 14)))
    right = min(360, max([80] + [text_width(n.label) + 40 for n in shown_leaves(mindmap, state.collapsed)]))
    return {
        'type': 'tree',
        'id': SERIES_ID,
        'data': [_root_item(mindmap, state, export)],
        'layout': state.layout,
        'orient': 'LR',
        'roam': not export,
        'scaleLimit': SCALE_LIMIT,
        'expandAndCollapse': False,  # a click opens the node menu; folding is the menu's and a double-click's
        'symbol': 'circle',
        'symbolSize': 8,
        'edgeShape': 'curve',
        'left': '18%' if radial else left,
        'right': '18%' if radial else right,
        'top': '16%' if radial else 24,
        'bottom': '16%' if radial else 24,
        'label': {
            'position': 'left',
            'verticalAlign': 'middle',
            'distance': 6,
            'fontSize': 12,
            'color': '#1e293b',
            'padding': [4, 8],
            'borderRadius': 6,
            'borderWidth': 1,
        },
        'leaves': {'label': {'position': 'right'}},
        'lineStyle': {'width': 1.6, 'curveness': 0.5},
        'emphasis': {'focus': 'ancestor'},
        'animationDuration': 250,
        'animationDurationUpdate': 300,
    }


def options(mindmap: MindMap, state: ChartState, *, export: bool = False) -> dict:
    """The whole chart option. No tooltip: ECharts renders tooltips as HTML, and the node menu shows the label."""
    chart: dict = {'series': [series(mindmap, state, export=export)]}
    if export:
        chart.update(animation=False, backgroundColor='#ffffff')
    return chart
