"""The mind map: an ECharts tree you can zoom, pan, collapse, lay out radially, edit node by node and export.

Labels are untrusted text. ECharts draws them as text (canvas or SVG text nodes); no rich-text or HTML formatter is
used, so a label can never become markup. The only JavaScript we run carries element ids and numbers, never text.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import urllib.parse
import uuid
from collections.abc import Callable

from nicegui import ui

from aurenlm import repos
from aurenlm.models import Artifact
from aurenlm.studio import MindMap, MindNode, artifacts
from components import dialogs
from components.notebook_state import NotebookState

ROOT_ID = 'root'
ROOT_COLOR = '#4f46e5'
PALETTE = {
    '#4f46e5': 'Indigo',
    '#0891b2': 'Cyan',
    '#059669': 'Green',
    '#d97706': 'Amber',
    '#dc2626': 'Red',
    '#7c3aed': 'Violet',
    '#db2777': 'Pink',
    '#65a30d': 'Lime',
    '#475569': 'Slate',
}
BRANCH_COLORS = list(PALETTE)[:8]
ZOOM_STEP = 1.25
SCALE_LIMIT = {'min': 0.2, 'max': 6}
MAX_LABEL_CHARS = 44  # longer labels are cut on the map (the node menu shows them whole)
MAX_VISIBLE_LEAVES = 40  # deeper levels start collapsed when a map is bigger than this
EXPORT_CHUNK = 400_000  # characters of a data URL per round trip (the socket caps one message at 1 MB)
# a click or double-click on a node sends its id, nothing else (not the subtree ECharts hands to the listener)
NODE_ID_JS = (
    '(p) => { if (p && p.componentType === "series" && p.data && typeof p.data.id === "string") emit(p.data.id); }'
)


def tint(color: str, amount: float) -> str:
    """`color` mixed with white: amount 0 keeps it, 1 is white."""
    value = color.lstrip('#')
    if len(value) == 3:
        value = ''.join(c * 2 for c in value)
    rgb = [int(value[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return '#' + ''.join(f'{c:02x}' for c in mixed)


def short(label: str) -> str:
    if len(label) <= MAX_LABEL_CHARS:
        return label
    cut = label[: MAX_LABEL_CHARS - 1]
    if ' ' in cut[MAX_LABEL_CHARS // 2 :]:
        cut = cut.rsplit(' ', 1)[0]
    return cut.rstrip(' ,;:') + '…'


def text_width(label: str, font_px: float = 12) -> int:
    """A rough width in pixels of a label as drawn (for margins, so labels at the edges are not cut off)."""
    return int(len(short(label)) * font_px * 0.58) + 24


def outline_markdown(mindmap: MindMap) -> str:
    """The map as a nested Markdown list under a heading."""
    lines = [f'# {mindmap.title}', '']

    def walk(nodes: list[MindNode], depth: int) -> None:
        for node in nodes:
            lines.append(f'{"  " * depth}- {node.label}')
            walk(node.children, depth + 1)

    walk(mindmap.nodes, 0)
    return '\n'.join(lines) + '\n'


def file_stem(title: str) -> str:
    stem = re.sub(r'[^\w\- ]+', '', title).strip().replace(' ', '-')
    return (stem or 'mind-map')[:80]


def decode_data_url(url: str) -> bytes:
    header, _, payload = url.partition(',')
    if ';base64' in header:
        return base64.b64decode(payload)
    return urllib.parse.unquote_to_bytes(payload)


class MindMapView:
    def __init__(
        self,
        state: NotebookState,
        artifact: Artifact,
        *,
        on_saved: Callable[[Artifact], None] | None = None,
        on_ask: Callable[[], None] | None = None,
    ) -> None:
        self.state, self.artifact = state, artifact
        self.on_saved, self.on_ask = on_saved, on_ask
        self.mindmap = MindMap.model_validate(artifact.data)
        self.can_edit = repos.notebooks.can_write(state.user, artifact.notebook_id)
        self.layout = 'orthogonal'
        self.zoom = 1.0
        self.selected: str | None = None
        self.collapsed = self._initial_collapsed()
        with ui.column().classes('w-full flex-grow min-h-0 gap-0 no-wrap').mark('mindmap') as self.root:
            self._toolbar()
            with ui.element('div').classes('relative w-full flex-grow min-h-0 overflow-hidden'):
                self.chart = (
                    ui.echart(self._options())
                    .classes('w-full')
                    .style('height: 100%; min-height: 360px')
                    .mark('mindmap-chart')
                )
                self.chart.props['aria-label'] = 'Mind map. Click a node for its actions.'
                self.chart.on('componentClick', self._clicked, js_handler=NODE_ID_JS)
                self.chart.on('chart:dblclick', self._double_clicked, js_handler=NODE_ID_JS)
                self.chart.on(
                    'chart:treeroam', self._roamed, js_handler='(e) => { if (e && e.zoom) emit(Number(e.zoom)); }'
                )
                self.menu = (
                    ui.card()
                    .classes('absolute top-3 left-3 z-10 w-72 gap-2 p-3 shadow-lg')
                    .props('bordered role=dialog aria-label="Node actions"')
                    .mark('node-menu')
                )
                self.menu.visible = False
            self.offscreen = ui.element('div').style('position: fixed; left: -20000px; top: 0; pointer-events: none')
            self.offscreen.props('aria-hidden=true')

    # -- the tree ---------------------------------------------------------------------------------------------

    def _initial_collapsed(self) -> set[str]:
        """Show as many levels as fit: collapse from the deepest level up until few enough leaves are visible."""
        by_depth: list[list[MindNode]] = []

        def walk(nodes: list[MindNode], depth: int) -> None:
            for node in nodes:
                while len(by_depth) <= depth:
                    by_depth.append([])
                by_depth[depth].append(node)
                walk(node.children, depth + 1)

        walk(self.mindmap.nodes, 0)
        collapsed: set[str] = set()
        for depth in range(len(by_depth) - 1, 0, -1):
            if self._visible_leaves(collapsed) <= MAX_VISIBLE_LEAVES:
                break
            collapsed |= {node.id for node in by_depth[depth] if node.children}
        return collapsed

    def _visible_leaves(self, collapsed: set[str]) -> int:
        def count(nodes: list[MindNode]) -> int:
            total = 0
            for node in nodes:
                total += 1 if not node.children or node.id in collapsed else count(node.children)
            return total

        return max(1, count(self.mindmap.nodes))

    def _find(self, node_id: str) -> tuple[MindNode | None, MindNode | None, list[MindNode]]:
        """(node, its parent or None for a first-level node, the list it sits in)."""

        def search(nodes: list[MindNode], parent: MindNode | None):
            for node in nodes:
                if node.id == node_id:
                    return node, parent, nodes
                found = search(node.children, node)
                if found:
                    return found
            return None

        return search(self.mindmap.nodes, None) or (None, None, [])

    def _item(self, node: MindNode, inherited: str, export: bool) -> dict:
        color = node.color or inherited
        if self.layout == 'radial':  # rotated boxes look cluttered: plain text in a darker shade of the branch
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
        if node.id == self.selected and not export:
            label['fontWeight'] = 'bold'
            if self.layout != 'radial':
                label.update(borderWidth=2.5, borderColor=color)
            item['symbolSize'] = 13
        if node.children:
            folded = node.id in self.collapsed
            item['collapsed'] = folded
            if folded:
                label['formatter'] = f'{{b}}  (+{len(node.children)})'
            item['children'] = [self._item(child, color, export) for child in node.children]
        return item

    def _root_item(self, export: bool) -> dict:
        label = {'backgroundColor': ROOT_COLOR, 'borderColor': ROOT_COLOR, 'color': '#ffffff', 'fontWeight': 'bold'}
        if self.layout == 'radial':
            label = {'backgroundColor': 'transparent', 'borderWidth': 0, 'color': ROOT_COLOR, 'fontWeight': 'bold'}
        if self.selected == ROOT_ID and not export:
            label.update(borderColor='#f59e0b', borderWidth=3)
        return {
            'name': short(self.mindmap.title),
            'id': ROOT_ID,
            'itemStyle': {'color': ROOT_COLOR, 'borderColor': ROOT_COLOR},
            'label': {**label, 'fontSize': 14},
            'symbolSize': 12,
            'children': [
                self._item(node, node.color or BRANCH_COLORS[i % len(BRANCH_COLORS)], export)
                for i, node in enumerate(self.mindmap.nodes)
            ],
        }

    def _visible(self) -> list[MindNode]:
        """The leaves as shown: nodes without children or folded."""
        out: list[MindNode] = []

        def walk(nodes: list[MindNode]) -> None:
            for node in nodes:
                if node.children and node.id not in self.collapsed:
                    walk(node.children)
                else:
                    out.append(node)

        walk(self.mindmap.nodes)
        return out

    def _series(self, export: bool = False) -> dict:
        radial = self.layout == 'radial'
        # room for the root's label on the left and the longest leaf label on the right
        left = min(360, max(80, text_width(self.mindmap.title, 14)))
        right = min(360, max([80] + [text_width(n.label) + 40 for n in self._visible()]))
        return {
            'type': 'tree',
            'id': 'mindmap',
            'data': [self._root_item(export)],
            'layout': self.layout,
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

    def _options(self, export: bool = False) -> dict:
        options: dict = {'series': [self._series(export)]}
        if export:
            options.update(animation=False, backgroundColor='#ffffff')
        # no tooltip: ECharts renders tooltips as HTML, and a click shows the whole label in the node menu anyway
        return options

    def render(self) -> None:
        self.chart.options['series'] = [self._series()]
        self.chart.update()

    # -- toolbar ----------------------------------------------------------------------------------------------

    def _toolbar(self) -> None:
        with ui.row().classes('w-full items-center gap-1 px-3 py-1 border-b no-wrap overflow-x-auto'):
            self._tool('remove', 'Zoom out', lambda: self.zoom_by(1 / ZOOM_STEP), 'mindmap-zoom-out')
            self.zoom_label = (
                ui.label('100%').classes('text-xs text-slate-600 w-10 text-center').mark('mindmap-zoom-level')
            )
            self.zoom_label.props('role=status aria-live=polite aria-label="Zoom level"')
            self._tool('add', 'Zoom in', lambda: self.zoom_by(ZOOM_STEP), 'mindmap-zoom-in')
            self._tool('fit_screen', 'Fit to view', self.fit, 'mindmap-fit')
            ui.separator().props('vertical').classes('mx-1')
            self._tool('unfold_more', 'Expand all', self.expand_all, 'mindmap-expand-all')
            self._tool('unfold_less', 'Collapse all', self.collapse_all, 'mindmap-collapse-all')
            ui.separator().props('vertical').classes('mx-1')
            ui.toggle(
                {'orthogonal': 'Tree', 'radial': 'Radial'}, value=self.layout, on_change=self._layout_changed
            ).props('dense no-caps size=sm toggle-color=primary aria-label="Layout"').mark('mindmap-layout')
            ui.space()
            if self.can_edit:
                ui.label('Click a node to ask, rename, add or colour.').classes(
                    'text-xs text-slate-500 hidden lg:block'
                )
            with ui.button('Export', icon='download').props('flat dense no-caps size=sm').mark('mindmap-export'):
                with ui.menu().props('auto-close'):
                    for label, action, marker in (
                        ('PNG image', lambda: self.export_image('png'), 'export-png'),
                        ('SVG image', lambda: self.export_image('svg'), 'export-svg'),
                        ('Markdown outline', self.export_markdown, 'export-markdown'),
                        ('JSON', self.export_json, 'export-json'),
                    ):
                        with ui.item(on_click=action).mark(marker):
                            ui.item_section(label)

    def _tool(self, icon: str, label: str, action: Callable, marker: str) -> ui.button:
        button = ui.button(icon=icon, on_click=action).props(f'flat round dense size=sm aria-label="{label}"')
        return button.tooltip(label).mark(marker)

    def zoom_by(self, factor: float) -> None:
        # the chart zooms around its centre; its treeroam event then updates the shown level (as a wheel zoom does)
        ui.run_javascript(
            f'const c = getElement({self.chart.id})?.chart; if (c) c.dispatchAction({{type: "treeRoam", '
            f'seriesId: "mindmap", zoom: {float(factor)}, originX: c.getWidth() / 2, originY: c.getHeight() / 2}});'
        )

    def _roamed(self, e) -> None:
        try:
            factor = float(e.args)
        except (TypeError, ValueError):
            return
        self.zoom = min(SCALE_LIMIT['max'], max(SCALE_LIMIT['min'], self.zoom * factor))
        self.zoom_label.text = f'{round(self.zoom * 100)}%'

    def fit(self) -> None:
        self.zoom = 1.0
        self.zoom_label.text = '100%'
        self.chart.run_chart_method('setOption', {'series': [{'id': 'mindmap', 'zoom': 1, 'center': None}]})

    def expand_all(self) -> None:
        self.collapsed.clear()
        self.render()

    def collapse_all(self) -> None:
        self.collapsed = {node.id for node in self.mindmap.nodes if node.children}
        self.render()
        self.fit()

    def _layout_changed(self, e) -> None:
        self.layout = e.value
        self.render()
        self.fit()

    # -- selecting and editing nodes ----------------------------------------------------------------------------

    def _clicked(self, e) -> None:
        if isinstance(e.args, str):
            self.select(e.args)

    def _double_clicked(self, e) -> None:
        if isinstance(e.args, str):
            self.toggle(e.args)

    def select(self, node_id: str | None) -> None:
        if node_id is not None and node_id != ROOT_ID and self._find(node_id)[0] is None:
            node_id = None
        self.selected = node_id
        self._show_menu()
        self.render()

    def toggle(self, node_id: str) -> None:
        node = self._find(node_id)[0]
        if node is None or not node.children:
            return
        self.collapsed ^= {node_id}
        self.render()
        if self.selected == node_id:
            self._show_menu()

    def _show_menu(self) -> None:
        self.menu.clear()
        self.menu.visible = self.selected is not None
        if self.selected is None:
            return
        is_root = self.selected == ROOT_ID
        node, parent, _ = (None, None, []) if is_root else self._find(self.selected)
        label = self.mindmap.title if is_root else node.label
        with self.menu:
            with ui.row().classes('w-full items-start no-wrap gap-1'):
                ui.label(label).classes('text-sm font-semibold break-words flex-grow min-w-0').mark('node-label')
                ui.button(icon='close', on_click=lambda: self.select(None)).props(
                    'flat round dense size=sm aria-label="Close node actions"'
                ).mark('node-close')
            if not is_root:
                context = parent.label if parent else self.mindmap.title
                ui.label(f'in {context}').classes('text-xs text-slate-500 -mt-2 break-words')
            with ui.column().classes('w-full gap-0'):
                self._action('chat', 'Ask about this', self.ask, 'node-ask')
                if node is not None and node.children:
                    folded = node.id in self.collapsed
                    self._action(
                        'unfold_more' if folded else 'unfold_less',
                        'Expand' if folded else 'Collapse',
                        lambda: self.toggle(node.id),
                        'node-toggle',
                    )
                if self.can_edit:
                    self._action('edit', 'Rename', self.rename, 'node-rename')
                    self._action('add', 'Add child', self.add_child, 'node-add')
                    if not is_root:
                        self._action('delete', 'Delete', self.delete_node, 'node-delete', danger=True)
            if self.can_edit and not is_root:
                ui.label('Colour for this branch').classes('text-xs text-slate-500')
                with ui.row().classes('gap-1 items-center'):
                    for color, name in PALETTE.items():
                        swatch = ui.button(on_click=lambda c=color: self.recolor(c)).props(
                            f'round dense size=xs unelevated aria-label="{name}"'
                        )
                        swatch.style(f'background: {color} !important; width: 22px; height: 22px')
                        swatch.tooltip(name).mark(f'node-colour-{name.lower()}')
                    ui.button(icon='format_color_reset', on_click=lambda: self.recolor(None)).props(
                        'flat round dense size=sm aria-label="Default colour"'
                    ).tooltip('Default colour').mark('node-colour-reset')

    def _action(self, icon: str, label: str, action: Callable, marker: str, danger: bool = False) -> None:
        ui.button(label, icon=icon, on_click=action).props(
            f'flat dense no-caps align=left size=sm {"color=negative" if danger else ""}'
        ).classes('w-full').mark(marker)

    def ask(self) -> None:
        if self.selected is None:
            return
        if self.selected == ROOT_ID:
            question = f'What do the sources say about {self.mindmap.title}?'
        else:
            node, parent, _ = self._find(self.selected)
            if node is None:
                return
            context = parent.label if parent else self.mindmap.title
            question = f'What do the sources say about {node.label}, in the context of {context}?'
        if self.state.ask is None:
            ui.notify('The chat is not available here.', type='info')
            return
        if self.on_ask is not None:
            self.on_ask()
        self.state.ask(question)

    async def rename(self) -> None:
        is_root = self.selected == ROOT_ID
        node = None if is_root else self._find(self.selected or '')[0]
        if not is_root and node is None:
            return
        current = self.mindmap.title if is_root else node.label
        label = await dialogs.ask_text('Rename node', label='Label', value=current)
        if label is None or not label.strip() or label.strip() == current:
            return
        if is_root:
            self.mindmap.title = label
        else:
            node.label = label
        self._save('Renamed')

    async def add_child(self) -> None:
        is_root = self.selected == ROOT_ID
        node = None if is_root else self._find(self.selected or '')[0]
        if not is_root and node is None:
            return
        label = await dialogs.ask_text('Add a child node', label='Label', action='Add')
        if label is None or not label.strip():
            return
        (self.mindmap.nodes if is_root else node.children).append(MindNode(label=label))
        if node is not None:
            self.collapsed.discard(node.id)
        self._save('Added')

    async def delete_node(self) -> None:
        node, _, siblings = self._find(self.selected or '')
        if node is None:
            return
        if node.children:
            count = len(node.children)
            message = f'“{node.label}” and its {count} sub-topic{"s" if count != 1 else ""} will be removed.'
            if not await dialogs.confirm('Delete node?', message):
                return
        siblings.remove(node)
        self.selected = None
        self._show_menu()
        self._save('Deleted')

    def recolor(self, color: str | None) -> None:
        node = self._find(self.selected or '')[0]
        if node is None:
            return
        node.color = color

        def clear(nodes: list[MindNode]) -> None:
            for child in nodes:
                child.color = None  # the branch takes the node's colour
                clear(child.children)

        clear(node.children)
        self._save('Colour changed')

    def _save(self, what: str) -> None:
        try:
            saved = artifacts.save_mindmap_edit(self.state.user, self.artifact.id, self.mindmap.model_dump(mode='json'))
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            saved = None
        if saved is None:
            self.mindmap = MindMap.model_validate(self.artifact.data)  # back to what is stored
        else:
            self.artifact = saved
            self.mindmap = MindMap.model_validate(saved.data)
            ui.notify(f'{what} · saved as version {saved.version}', type='positive', timeout=1500)
            if self.on_saved is not None:
                self.on_saved(saved)
        if self.selected not in (None, ROOT_ID) and self._find(self.selected)[0] is None:
            self.selected = None
        self._show_menu()
        self.render()

    # -- export -----------------------------------------------------------------------------------------------

    def export_markdown(self) -> None:
        ui.download.content(
            outline_markdown(self.mindmap).encode('utf-8'), f'{file_stem(self.mindmap.title)}.md', 'text/markdown'
        )

    def export_json(self) -> None:
        data = json.dumps(self.mindmap.model_dump(mode='json'), indent=2, ensure_ascii=False)
        ui.download.content(data.encode('utf-8'), f'{file_stem(self.mindmap.title)}.json', 'application/json')

    async def export_image(self, kind: str) -> None:
        """The whole map (as it is folded now) drawn off screen at a print-friendly size, as PNG or SVG."""
        notice = ui.notification('Preparing the image…', spinner=True, timeout=None)
        try:
            url = await self._render_offscreen(kind)
        finally:
            notice.dismiss()
        if url is None:
            ui.notify('The image could not be made. Keep this tab open and try again.', type='warning')
            return
        media = 'image/png' if kind == 'png' else 'image/svg+xml'
        ui.download.content(decode_data_url(url), f'{file_stem(self.mindmap.title)}.{kind}', media)

    async def _render_offscreen(self, kind: str) -> str | None:
        leaves = self._visible_leaves(self.collapsed)
        width, height = (1600, max(900, leaves * 30 + 120))
        if self.layout == 'radial':
            width = height = max(1200, min(2400, leaves * 40))
        with self.offscreen:
            chart = ui.echart(self._options(export=True), renderer='svg' if kind == 'svg' else 'canvas')
            chart.style(f'width: {width}px; height: {height}px')
        token = uuid.uuid4().hex
        options = {'type': kind, 'pixelRatio': 2, 'backgroundColor': '#ffffff'}
        store = (
            f'const c = getElement({chart.id})?.chart; '
            'if (!c || !(c.getOption()?.series || []).length) return null; '
            f'window.__aurenExport = window.__aurenExport || {{}}; '
            f'const url = c.getDataURL({json.dumps(options)}); '
            f'window.__aurenExport["{token}"] = url; return url.length;'
        )
        try:
            length = None
            for _ in range(30):
                await asyncio.sleep(0.25)
                try:
                    length = await ui.run_javascript(store, timeout=5)
                except TimeoutError:
                    return None  # no browser answering (a test client, or a closed tab)
                if isinstance(length, int) and length > 0:
                    break
            if not isinstance(length, int) or length <= 0:
                return None
            parts = []
            for start in range(0, length, EXPORT_CHUNK):
                part = await ui.run_javascript(
                    f'return window.__aurenExport["{token}"].slice({start}, {start + EXPORT_CHUNK});', timeout=10
                )
                if not isinstance(part, str):
                    return None
                parts.append(part)
            url = ''.join(parts)
            return url if url.startswith(f'data:image/{"png" if kind == "png" else "svg"}') else None
        finally:
            ui.run_javascript(f'if (window.__aurenExport) delete window.__aurenExport["{token}"];')
            chart.delete()
