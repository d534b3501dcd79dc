"""The mind map's node menu: the whole label, Ask about this, fold, and for editors Rename, Add child, Delete and a
branch colour. Every edit is saved at once as a new version of the map."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from aurenlm.studio import MindMap, MindNode, artifacts
from aurenlm.studio.mindmap_chart import ROOT_ID, find
from components import dialogs

if TYPE_CHECKING:
    from components.mindmap.view import MindMapView

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


class NodeMenu:
    """A card over the chart's top-left corner for the selected node; hidden while nothing is selected."""

    def __init__(self, view: MindMapView) -> None:
        self.view = view
        self.card = (
            ui.card()
            .classes('absolute top-3 left-3 z-10 w-72 gap-2 p-3 shadow-lg')
            .props('bordered role=dialog aria-label="Node actions"')
            .mark('node-menu')
        )
        self.card.visible = False

    @property
    def mindmap(self) -> MindMap:
        return self.view.mindmap

    def _selected(self) -> tuple[bool, MindNode | None]:
        """(is the title selected, the selected node); (False, None) when nothing or a node now gone is selected."""
        selected = self.view.shown.selected
        if selected == ROOT_ID:
            return True, None
        return False, find(self.mindmap, selected)[0] if selected else None

    def show(self) -> None:
        """Redraw the card for the selected node."""
        selected = self.view.shown.selected
        self.card.clear()
        self.card.visible = selected is not None
        if selected is None:
            return
        is_root = selected == ROOT_ID
        node, parent, _ = (None, None, []) if is_root else find(self.mindmap, selected)
        label = self.mindmap.title if is_root else node.label
        can_edit = self.view.can_edit
        with self.card:
            with ui.row().classes('w-full items-start no-wrap gap-1'):
                ui.label(label).classes('text-sm font-semibold break-words flex-grow min-w-0').mark('node-label')
                ui.button(icon='close', on_click=lambda: self.view.select(None)).props(
                    'flat round dense size=sm aria-label="Close node actions"'
                ).mark('node-close')
            if not is_root:
                context = parent.label if parent else self.mindmap.title
                ui.label(f'in {context}').classes('text-xs text-slate-500 -mt-2 break-words')
            with ui.column().classes('w-full gap-0'):
                _action('chat', 'Ask about this', self.ask, 'node-ask')
                if node is not None and node.children:
                    folded = node.id in self.view.shown.collapsed
                    _action(
                        'unfold_more' if folded else 'unfold_less',
                        'Expand' if folded else 'Collapse',
                        lambda: self.view.toggle(node.id),
                        'node-toggle',
                    )
                if can_edit:
                    _action('edit', 'Rename', self.rename, 'node-rename')
                    _action('add', 'Add child', self.add_child, 'node-add')
                    if not is_root:
                        _action('delete', 'Delete', self.delete_node, 'node-delete', danger=True)
            if can_edit and not is_root:
                self._colours()

    def _colours(self) -> None:
        ui.label('Colour for this branch').classes('text-xs text-slate-500')
        with ui.row().classes('gap-1 items-center'):
            for color, name in PALETTE.items():
                swatch = ui.button(on_click=lambda c=color: self.recolor(c)).props('round dense size=xs unelevated')
                swatch.props['aria-label'] = name
                swatch.style('width: 22px; height: 22px')
                swatch.style['background'] = f'{color} !important'  # on the dict: no style string is parsed
                swatch.tooltip(name).mark(f'node-colour-{name.lower()}')
            ui.button(icon='format_color_reset', on_click=lambda: self.recolor(None)).props(
                'flat round dense size=sm aria-label="Default colour"'
            ).tooltip('Default colour').mark('node-colour-reset')

    # -- actions --------------------------------------------------------------------------------------------------

    def ask(self) -> None:
        selected = self.view.shown.selected
        if selected == ROOT_ID:
            question = f'What do the sources say about {self.mindmap.title}?'
        else:
            node, parent, _ = find(self.mindmap, selected or '')
            if node is None:
                return
            context = parent.label if parent else self.mindmap.title
            question = f'What do the sources say about {node.label}, in the context of {context}?'
        state = self.view.state
        if state.ask is None:
            ui.notify('The chat is not available here.', type='info')
            return
        if self.view.on_ask is not None:
            self.view.on_ask()
        state.ask(question)

    async def rename(self) -> None:
        is_root, node = self._selected()
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
        self.save('Renamed')

    async def add_child(self) -> None:
        is_root, node = self._selected()
        if not is_root and node is None:
            return
        label = await dialogs.ask_text('Add a child node', label='Label', action='Add')
        if label is None or not label.strip():
            return
        (self.mindmap.nodes if is_root else node.children).append(MindNode(label=label))
        if node is not None:
            self.view.shown.collapsed.discard(node.id)
        self.save('Added')

    async def delete_node(self) -> None:
        node, _, siblings = find(self.mindmap, self.view.shown.selected or '')
        if node is None:
            return
        if node.children:
            count = len(node.children)
            message = f'“{node.label}” and its {count} sub-topic{"s" if count != 1 else ""} will be removed.'
            if not await dialogs.confirm('Delete node?', message):
                return
        siblings.remove(node)
        self.view.shown.selected = None
        self.show()
        self.save('Deleted')

    def recolor(self, color: str | None) -> None:
        node = self._selected()[1]
        if node is None:
            return
        node.color = color

        def clear(nodes: list[MindNode]) -> None:
            for child in nodes:
                child.color = None  # the branch takes the node's colour
                clear(child.children)

        clear(node.children)
        self.save('Colour changed')

    def save(self, what: str) -> None:
        """Store the edited map as a new version; on a refusal, show the stored map again."""
        view = self.view
        try:
            saved = artifacts.save_mindmap_edit(view.state.user, view.artifact.id, view.mindmap.model_dump(mode='json'))
        except artifacts.ArtifactError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            saved = None
        if saved is None:
            view.mindmap = MindMap.model_validate(view.artifact.data)  # back to what is stored
        else:
            view.artifact = saved
            view.mindmap = MindMap.model_validate(saved.data)
            ui.notify(f'{what} · saved as version {saved.version}', type='positive', timeout=1500)
            if view.on_saved is not None:
                view.on_saved(saved)
        if view.shown.selected not in (None, ROOT_ID) and find(view.mindmap, view.shown.selected)[0] is None:
            view.shown.selected = None
        self.show()
        view.render()


def _action(icon: str, label: str, action: Callable, marker: str, danger: bool = False) -> None:
    ui.button(label, icon=icon, on_click=action).props(
        f'flat dense no-caps align=left size=sm {"color=negative" if danger else ""}'
    ).classes('w-full').mark(marker)
