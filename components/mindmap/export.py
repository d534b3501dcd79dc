"""Mind map downloads: a Markdown outline, the JSON, and PNG or SVG images drawn off screen in the browser."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import urllib.parse
import uuid

from nicegui import ui

from aurenlm.studio import MindMap, MindNode
from aurenlm.studio.mindmap_chart import ChartState, export_size, options

EXPORT_CHUNK = 400_000  # characters of a data URL per round trip (the socket caps one message at 1 MB)


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
    """A download file name (without extension) from a title: word characters, dashes and spaces as dashes."""
    stem = re.sub(r'[^\w\- ]+', '', title).strip().replace(' ', '-')
    return (stem or 'mind-map')[:80]


def decode_data_url(url: str) -> bytes:
    header, _, payload = url.partition(',')
    if ';base64' in header:
        return base64.b64decode(payload)
    return urllib.parse.unquote_to_bytes(payload)


def download_markdown(mindmap: MindMap) -> None:
    ui.download.content(outline_markdown(mindmap).encode('utf-8'), f'{file_stem(mindmap.title)}.md', 'text/markdown')


def download_json(mindmap: MindMap) -> None:
    data = json.dumps(mindmap.model_dump(mode='json'), indent=2, ensure_ascii=False)
    ui.download.content(data.encode('utf-8'), f'{file_stem(mindmap.title)}.json', 'application/json')


async def download_image(mindmap: MindMap, shown: ChartState, kind: str, offscreen: ui.element) -> None:
    """The whole map (as it is folded now) drawn off screen at a print-friendly size, as PNG or SVG."""
    notice = ui.notification('Preparing the image…', spinner=True, timeout=None)
    try:
        url = await _render_offscreen(mindmap, shown, kind, offscreen)
    finally:
        notice.dismiss()
    if url is None:
        ui.notify('The image could not be made. Keep this tab open and try again.', type='warning')
        return
    media = 'image/png' if kind == 'png' else 'image/svg+xml'
    ui.download.content(decode_data_url(url), f'{file_stem(mindmap.title)}.{kind}', media)


async def _render_offscreen(mindmap: MindMap, shown: ChartState, kind: str, offscreen: ui.element) -> str | None:
    """Draw the map in a hidden chart and fetch its data URL in pieces; None when no browser answers."""
    width, height = export_size(mindmap, shown)
    with offscreen:
        chart = ui.echart(options(mindmap, shown, export=True), renderer='svg' if kind == 'svg' else 'canvas')
        chart.style['width'], chart.style['height'] = f'{width}px', f'{height}px'
    token = uuid.uuid4().hex
    image = {'type': kind, 'pixelRatio': 2, 'backgroundColor': '#ffffff'}
    store = (
        f'const c = getElement({chart.id})?.chart; '
        'if (!c || !(c.getOption()?.series || []).length) return null; '
        f'window.__aurenExport = window.__aurenExport || {{}}; '
        f'const url = c.getDataURL({json.dumps(image)}); '
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
