"""The NiceGUI app that bench/stream_cpu.py starts as a subprocess: one page that streams an answer into an element.

    python bench/stream_server.py --port 8123 --answer answer.json --results results.jsonl [--profile DIR]
        [--flush-s 0.25] [--scroll-every 1.0 | --no-scroll] [--uvicorn name=json]

(Those last options are for trying fixes: they change what the page does, so a run that uses them no longer
measures the app's way; bench/stream_cpu.py passes them through with --server-arg.)

`/?mode=...` builds the answer element; its Start button streams the answer's tokens into it at the given rate,
on the page's own client, the way components/chat_pane.py does: its throttle, its scroll policy (a scroll after
every update unless it defines SCROLL_EVERY_S), the same MarkdownView calls, `finish()` at the end. When the answer
is complete the server appends one JSON line to the results file with the CPU time the whole process spent
(time.process_time: every thread) and shows `done` on the page. With --profile, each stream runs under cProfile
(the event loop's thread: the element updates, the markdown rendering and the outbox that sends them) and the stats
go to DIR/stream-<mode>.prof.

Modes:
- app: MarkdownView.stream_to() at most every FLUSH_EVERY_S (chat_pane's throttle), finished blocks frozen
- app-every-token: MarkdownView.stream_to() on every token (freezing without the throttle)
- naive: ui.markdown with the whole answer set on every token
- naive-throttled: ui.markdown with the whole answer, at most every FLUSH_EVERY_S (throttling without freezing)
- floor-tokens: the tokens arrive and are collected, nothing is shown (the cost of the token loop alone)
- floor-updates: a tiny label set at the app's throttle, plus the scroll (the cost of sending updates alone)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nicegui import app, background_tasks, ui  # noqa: E402

from components import chat_pane  # noqa: E402
from components.markdown_view import CiteInfo, MarkdownView  # noqa: E402

MODES = ('app', 'app-every-token', 'naive', 'naive-throttled', 'floor-tokens', 'floor-updates')
args: argparse.Namespace


def load_answer() -> tuple[list[str], dict[int, CiteInfo]]:
    data = json.loads(Path(args.answer).read_text())
    cites = {
        int(n): CiteInfo(int(n), f'source-{n}', f'Source {n}', int(n), quote) for n, quote in data['cites'].items()
    }
    return data['tokens'], cites


class Streamer:
    """One page's answer element and the loop that feeds it, like AnswerBubble + ChatPane._stream."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.tokens, self.cites = load_answer()
        self.last_scroll = 0.0
        with ui.scroll_area().classes('w-full h-96 border') as self.scroll:
            with ui.column().classes('w-full').mark('answer'):
                if mode.startswith('app'):
                    self.view = MarkdownView('', self.cites)
                elif mode.startswith('naive'):
                    self.markdown = ui.markdown('')
                else:
                    self.label = ui.label('')
        self.status = ui.label('loading').mark('status')
        ui.button('Start', on_click=self.start).mark('start')

    def start(self) -> None:
        background_tasks.create(self.run(), name=f'stream {self.mode}')

    def show(self, text: str) -> None:
        if self.mode.startswith('app'):
            self.view.stream_to(text)
        elif self.mode.startswith('naive'):
            self.markdown.set_content(text)
        else:
            self.label.text = str(len(text))
        now = time.monotonic()
        if not args.no_scroll and now - self.last_scroll >= args.scroll_every:
            self.last_scroll = now
            self.scroll.scroll_to(percent=1.0)

    async def run(self) -> None:
        throttled = self.mode in ('app', 'naive-throttled', 'floor-updates')
        profile = cProfile.Profile() if args.profile else None
        await asyncio.sleep(0.2)  # let the click's own round trip settle before measuring
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        parts: list[str] = []
        last_flush = 0.0
        updates = 0
        for i, token in enumerate(self.tokens):
            delay = wall0 + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            parts.append(token)
            now = time.monotonic()
            if not throttled or now - last_flush >= args.flush_s:
                last_flush = now
                if self.mode != 'floor-tokens':
                    self.show(''.join(parts))
                    updates += 1
        text = ''.join(parts)
        if self.mode.startswith('app'):
            self.view.finish(text, self.cites)  # Done: one render of the whole answer with its citations
        elif self.mode.startswith('naive'):
            self.markdown.set_content(text)
        if not self.mode.startswith('floor'):
            self.scroll.scroll_to(percent=1.0)
            updates += 1
        await asyncio.sleep(0.3)  # the outbox sends the last update (and we count its cost)
        if profile:
            profile.disable()
            profile.dump_stats(str(Path(args.profile) / f'stream-{self.mode}.prof'))
        result = {
            'mode': self.mode,
            'cpu_s': time.process_time() - cpu0,
            'wall_s': time.perf_counter() - wall0,
            'updates': updates,
            'tokens': len(self.tokens),
            'chars': len(text),
        }
        with open(args.results, 'a') as f:
            f.write(json.dumps(result) + '\n')
        self.status.text = f'done {self.mode}'


@ui.page('/')
async def index(mode: str = 'app') -> None:
    if mode not in MODES:
        ui.label(f'unknown mode {mode}')
        return
    streamer = Streamer(mode)
    await ui.context.client.connected()
    streamer.status.text = 'ready'


@app.get('/cpu')
def cpu() -> dict:
    return {'process_time': time.process_time()}


def main() -> None:
    global args  # noqa: PLW0603 - the page reads the command line
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--answer', required=True)
    parser.add_argument('--results', required=True)
    parser.add_argument('--rate', type=float, default=50.0, help='tokens per second')
    parser.add_argument('--profile', default='')
    parser.add_argument('--flush-s', type=float, default=chat_pane.FLUSH_EVERY_S, help="throttle (chat_pane's)")
    parser.add_argument('--no-scroll', action='store_true', help='no scroll_to after each update')
    parser.add_argument(
        '--scroll-every',
        type=float,
        default=getattr(chat_pane, 'SCROLL_EVERY_S', 0.0),  # chat_pane scrolls after every update unless it says
        help='scroll_to at most this often (seconds)',
    )
    parser.add_argument('--uvicorn', action='append', default=[], help='name=json-value for uvicorn.Config')
    args = parser.parse_args()
    extra = {name: json.loads(value) for name, _, value in (item.partition('=') for item in args.uvicorn)}
    ui.run(
        host='127.0.0.1',
        port=args.port,
        reload=False,
        show=False,
        title='stream bench',
        show_welcome_message=False,
        **extra,
    )


if __name__ == '__main__':
    main()
