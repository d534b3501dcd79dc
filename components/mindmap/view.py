"""The mind map view: an ECharts tree you can zoom, pan, fold and lay out radially, with a toolbar and a node menu.

Labels are untrusted text. ECharts draws them as text (canvas or SVG text nodes): the options come from
aurenlm/studio/mindmap_chart.py, which uses no rich-text or HTML formatter. The only JavaScript run here carries
element ids and numbers, never text.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from aurenlm.models import Artifact
from aurenlm.sharing.roles import Capability
from aurenlm.studio import MindMap
from aurenlm.studio.mindmap_chart import (
    ROOT_ID,
    SCALE_LIMIT,
    SERIES_ID,
    ChartState,
    find,
    initial_collapsed,
    options,
    series,
)
from components.mindmap import export
from components.mindmap.node_menu import NodeMenu
from components.notebook_state import NotebookState

ZOOM_STEP = 1.25
# a click or double-click on a node sends its id, nothing else (not the subtree ECharts hands to the listener)
NODE_ID_JS = (
    '(p) => { if (p && p.componentType === "series" && p.data && typeof p.data.id === "string") emit(p.data.id); }'
)
ZOOM_JS = '(e) => { if (e && e.zoom) emit(Number(e.zoom)); }'


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
        self.can_edit = state.can(Capability.GENERATE)
        self.shown = ChartState(collapsed=initial_collapsed(self.mindmap))
        self.zoom = 1.0
        with ui.column().classes('w-full flex-grow min-h-0 gap-0 no-wrap').mark('mindmap') as self.root:
            self._toolbar()
            with ui.element('div').classes('relative w-full flex-grow min-h-0 overflow-hidden'):
                self.chart = (
                    ui.echart(options(self.mindmap, self.shown))
                    .classes('w-full')
                    .style('height: 100%; min-height: 360px')
                    .mark('mindmap-chart')
                )
                self.chart.props['aria-label'] = 'Mind map. Click a node for its actions.'
                self.chart.on('componentClick', self._clicked, js_handler=NODE_ID_JS)
                self.chart.on('chart:dblclick', self._double_clicked, js_handler=NODE_ID_JS)
                self.chart.on('chart:treeroam', self._roamed, js_handler=ZOOM_JS)
                self.menu = NodeMenu(self)
            self.offscreen = ui.element('div').style('position: fixed; left: -20000px; top: 0; pointer-events: none')
            self.offscreen.props('aria-hidden=true')

    def render(self) -> None:
        self.chart.options['series'] = [series(self.mindmap, self.shown)]
        self.chart.update()

    # -- toolbar ----------------------------------------------------------------------------------------------

    def _toolbar(self) -> None:
        with ui.row().classes('w-full items-center gap-1 px-3 py-1 border-b no-wrap overflow-x-auto'):
            _tool('remove', 'Zoom out', lambda: self.zoom_by(1 / ZOOM_STEP), 'mindmap-zoom-out')
            self.zoom_label = (
                ui.label('100%').classes('text-xs text-slate-600 w-10 text-center').mark('mindmap-zoom-level')
            )
            self.zoom_label.props('role=status aria-live=polite aria-label="Zoom level"')
            _tool('add', 'Zoom in', lambda: self.zoom_by(ZOOM_STEP), 'mindmap-zoom-in')
            _tool('fit_screen', 'Fit to view', self.fit, 'mindmap-fit')
            ui.separator().props('vertical').classes('mx-1')
            _tool('unfold_more', 'Expand all', self.expand_all, 'mindmap-expand-all')
            _tool('unfold_less', 'Collapse all', self.collapse_all, 'mindmap-collapse-all')
            ui.separator().props('vertical').classes('mx-1')
            ui.toggle(
                {'orthogonal': 'Tree', 'radial': 'Radial'}, value=self.shown.layout, on_change=self._layout_changed
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
                        ('Markdown outline', lambda: export.download_markdown(self.mindmap), 'export-markdown'),
                        ('JSON', lambda: export.download_json(self.mindmap), 'export-json'),
                    ):
                        with ui.item(on_click=action).mark(marker):
                            ui.item_section(label)

    async def export_image(self, kind: str) -> None:
        await export.download_image(self.mindmap, self.shown, kind, self.offscreen)

    def zoom_by(self, factor: float) -> None:
        # the chart zooms around its centre; its treeroam event then updates the shown level (as a wheel zoom does)
        ui.run_javascript(
            f'const c = getElement({self.chart.id})?.chart; if (c) c.dispatchAction({{type: "treeRoam", '
            f'seriesId: "{SERIES_ID}", zoom: {float(factor)}, originX: c.getWidth() / 2, originY: c.getHeight() / 2}});'
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
        self.chart.run_chart_method('setOption', {'series': [{'id': SERIES_ID, 'zoom': 1, 'center': None}]})

    def expand_all(self) -> None:
        self.shown.collapsed.clear()
        self.render()

    def collapse_all(self) -> None:
        self.shown.collapsed = {node.id for node in self.mindmap.nodes if node.children}
        self.render()
        self.fit()

    def _layout_changed(self, e) -> None:
        self.shown.layout = e.value
        self.render()
        self.fit()

    # -- selecting and folding nodes ----------------------------------------------------------------------------

    def _clicked(self, e) -> None:
        if isinstance(e.args, str):
            self.select(e.args)

    def _double_clicked(self, e) -> None:
        if isinstance(e.args, str):
            self.toggle(e.args)

    def select(self, node_id: str | None) -> None:
        if node_id is not None and node_id != ROOT_ID and find(self.mindmap, node_id)[0] is None:
            node_id = None
        self.shown.selected = node_id
        self.menu.show()
        self.render()

    def toggle(self, node_id: str) -> None:
        node = find(self.mindmap, node_id)[0]
        if node is None or not node.children:
            return
        self.shown.collapsed ^= {node_id}
        self.render()
        if self.shown.selected == node_id:
            self.menu.show()


def _tool(icon: str, label: str, action: Callable, marker: str) -> ui.button:
    button = ui.button(icon=icon, on_click=action).props('flat round dense size=sm')
    button.props['aria-label'] = label
    return button.tooltip(label).mark(marker)
