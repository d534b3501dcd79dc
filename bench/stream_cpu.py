"""Streaming CPU benchmark (issue 4): server CPU to stream one ~7 kB answer at 50 tokens/s into a connected browser.

    .venv/bin/python bench/stream_cpu.py             # all four ways, one answer each
    .venv/bin/python bench/stream_cpu.py --profile   # ... with cProfile in the server; prints the top functions

A tiny NiceGUI app (bench/stream_server.py) runs as a subprocess; Debian's Chromium, driven by Playwright, opens one
page per way of streaming, waits until the page's socket is connected, presses Start, and waits until the answer is
complete in the browser (the websocket frames really go out, and are counted here as they arrive). The server
measures its own CPU (time.process_time, every thread) from the first token to 0.3 s after the final render; this
script cross-checks it with /proc/<pid>/stat and subtracts nothing. The server's idle CPU with the page open (NiceGUI
timers, socket pings) is measured too and shown, so the streaming cost can be told apart from the background.

The ways compared, in the same run:
- app: components/markdown_view.MarkdownView, updated by stream_to() at most every chat_pane.FLUSH_EVERY_S (<=10/s),
  finished blocks frozen, finish() at the end -- what components/chat_pane.py does
- app-every-token: the same component updated on every token (what freezing alone buys)
- naive-throttled: ui.markdown re-rendered whole, at most 10 times a second (what throttling alone buys)
- naive: ui.markdown re-rendered whole on every token
and two floors that show where the app's CPU goes:
- floor-tokens: the same token loop with nothing shown (the event loop waking 50 times a second)
- floor-updates: a tiny label updated at the app's throttle, plus the scroll (NiceGUI's messaging alone)

The answer: ~7 kB of Markdown (paragraphs, a heading, a list, a fenced code block, [n] citation markers), split
into ~1,150 tokens of a word each (with its leading whitespace and punctuation), as in the issue's probe.
The last line is `stream_cpu_s_per_answer=<float>` for the app's way.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import benchkit  # noqa: I001 - first: puts the repository on sys.path
from benchkit import ROOT, TMP, table

from e2e import chromium

MODES = ('app', 'app-every-token', 'naive-throttled', 'naive', 'floor-tokens', 'floor-updates')
RATE = 50.0  # tokens per second
GOAL_S = 0.1
_TOKEN = re.compile(r'\s*\S+')


def make_answer(target_chars: int = 7000) -> tuple[str, dict[int, str]]:
    """Markdown the way a model answers: lead, heading, paragraphs with citations, a list, code, a closing line."""
    from textgen import TextGen

    gen = TextGen(42, topic_words=60, topic_rate=0.02)
    rng = gen.rng
    cites = {n: gen.sentence(30) for n in range(1, 9)}

    def cited(sentence: str) -> str:
        roll = rng.random()
        if roll < 0.35:
            return f'{sentence} [{rng.randint(1, 8)}]'
        if roll < 0.45:
            return f'{sentence} [{rng.randint(1, 4)}, {rng.randint(5, 8)}]'
        if roll < 0.5:
            return f'{sentence} [{rng.randint(1, 4)}][{rng.randint(5, 8)}]'
        return sentence

    def paragraph() -> str:
        return ' '.join(cited(gen.sentence(28)) for _ in range(rng.randint(3, 5)))

    blocks = [cited(gen.sentence(24)), f'## {gen.title()}', paragraph(), paragraph()]
    blocks.append('\n'.join(f'- **{gen.title()}**: {cited(gen.sentence(20))}' for _ in range(5)))
    blocks.append(paragraph())
    blocks.append('```c\n' + gen.code_block() + '\n```')
    while sum(len(b) + 2 for b in blocks) < target_chars - 400:
        blocks.append(paragraph())
    blocks.append('1. ' + cited(gen.sentence(16)) + '\n2. ' + cited(gen.sentence(16)) + '\n3. ' + gen.sentence(16))
    blocks.append(cited(gen.sentence(30)))
    return '\n\n'.join(blocks), cites


def tokens_of(text: str) -> list[str]:
    tokens = _TOKEN.findall(text)
    tail = text[len(''.join(tokens)) :]
    if tail:
        tokens.append(tail)
    assert ''.join(tokens) == text
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process from /proc (10 ms resolution), without psutil."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def start_server(
    port: int, answer_file: Path, results: Path, profile_dir: Path | None, extra: list[str]
) -> subprocess.Popen:
    import httpx

    env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}
    command = [sys.executable, str(ROOT / 'bench' / 'stream_server.py'), '--port', str(port)]
    command += ['--answer', str(answer_file), '--results', str(results), '--rate', str(RATE)]
    if profile_dir is not None:
        command += ['--profile', str(profile_dir)]
    command += extra
    log = (TMP / 'stream-server.log').open('w')
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'stream server exited: {(TMP / "stream-server.log").read_text()[-2000:]}')
        try:
            if httpx.get(f'http://127.0.0.1:{port}/cpu', timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError('stream server did not start in 60 s')


def stream_once(browser, url: str, mode: str, pid: int, last_words: str) -> dict:
    page = browser.new_page()
    frames = {'count': 0, 'bytes': 0, 'on': False}

    def on_frame(payload) -> None:
        if frames['on']:
            frames['count'] += 1
            frames['bytes'] += len(payload)

    page.on('websocket', lambda ws: ws.on('framereceived', on_frame))
    page.goto(f'{url}/?mode={mode}')
    page.get_by_text('ready', exact=True).wait_for(timeout=30_000)
    time.sleep(1.0)
    idle0 = proc_cpu_s(pid)
    time.sleep(5.0)
    idle_rate = (proc_cpu_s(pid) - idle0) / 5.0  # /proc counts 10 ms ticks: coarse, but the idle cost is small
    frames['on'] = True
    cpu0 = proc_cpu_s(pid)
    page.get_by_role('button', name='Start').click()
    page.get_by_text(f'done {mode}', exact=True).wait_for(timeout=120_000)
    proc = proc_cpu_s(pid) - cpu0
    frames['on'] = False
    shown = page.locator('.nicegui-scroll-area').inner_text() if not mode.startswith('floor') else last_words
    page.close()
    return {
        'proc_cpu_s': proc,
        'idle_cpu_per_s': idle_rate,
        'frames': frames['count'],
        'frame_bytes': frames['bytes'],
        'complete_in_browser': last_words in ' '.join(shown.split()),
    }


def print_profile(profile_dir: Path, mode: str, top: int = 18) -> None:
    path = profile_dir / f'stream-{mode}.prof'
    if path.exists():
        print(f'\n## cProfile of the server while streaming ({mode}), top {top} by own time')
        stats = pstats.Stats(str(path))
        stats.sort_stats('tottime').print_stats(top)
        stats.sort_stats('cumulative').print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--profile', action='store_true', help='cProfile the server while it streams')
    parser.add_argument('--modes', default=','.join(MODES))
    parser.add_argument(
        '--server-arg',
        action='append',
        default=[],
        help="passed to bench/stream_server.py to try a fix, e.g. --server-arg=--no-scroll (not the app's way)",
    )
    args = parser.parse_args()
    benchkit.quiet_logs()
    bench_started = time.perf_counter()
    print(f'load average at start: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    text, cites = make_answer()
    tokens = tokens_of(text)
    answer_file, results = TMP / 'answer.json', TMP / 'results.jsonl'
    answer_file.write_text(json.dumps({'tokens': tokens, 'cites': cites}))
    last_words = ' '.join(re.sub(r'\[[\d, ]+\]', '', text).split()[-6:]).rstrip('.')
    print(
        f'answer: {len(text):,} chars, {len(tokens):,} tokens, {text.count("[")} citation markers; '
        f'{len(tokens) / RATE:.1f} s at {RATE:.0f} tokens/s'
    )
    profile_dir = TMP if args.profile else None
    port = free_port()
    server = start_server(port, answer_file, results, profile_dir, args.server_arg)
    if args.server_arg:
        print(f"server options (NOT the app's way): {' '.join(args.server_arg)}")
    browser_side: dict[str, dict] = {}
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = chromium.launch(p)
            try:
                warm = browser.new_page()  # first page load compiles templates and loads assets: not measured
                warm.goto(f'http://127.0.0.1:{port}/?mode=app')
                warm.get_by_text('ready', exact=True).wait_for(timeout=30_000)
                warm.close()
                for mode in args.modes.split(','):
                    browser_side[mode] = stream_once(browser, f'http://127.0.0.1:{port}', mode, server.pid, last_words)
                    print(f'  streamed {mode}')
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    server_side = {r['mode']: r for r in map(json.loads, results.read_text().splitlines())}

    print('\n## Server CPU for one answer')
    rows = []
    for mode in args.modes.split(','):
        s, b = server_side[mode], browser_side[mode]
        idle = b['idle_cpu_per_s'] * s['wall_s']
        rows.append(
            [
                mode,
                s['updates'],
                f'{s["wall_s"]:.1f}',
                s['cpu_s'],
                b['proc_cpu_s'],
                idle,
                s['cpu_s'] / s['updates'] * 1000 if s['updates'] else float('nan'),
                b['frames'],
                f'{b["frame_bytes"] / 1e6:.2f}',
                'yes' if b['complete_in_browser'] else 'NO',
            ]
        )
    table(
        [
            'way',
            'updates',
            'stream s',
            'server CPU s',
            'CPU s (/proc)',
            'idle CPU s, same time',
            'CPU ms/update',
            'ws frames',
            'ws MB',
            'answer complete in browser',
        ],
        rows,
    )
    app_cpu = server_side['app']['cpu_s'] if 'app' in server_side else float('nan')
    print('\n## Ratios')
    for mode in args.modes.split(','):
        if mode != 'app' and 'app' in server_side:
            print(f'  {mode:16} / app: {server_side[mode]["cpu_s"] / app_cpu:6.1f}x the CPU')
    print(f'  goal <= {GOAL_S} s per answer: {"met" if app_cpu <= GOAL_S else "NOT met"}')
    if profile_dir is not None:
        print_profile(profile_dir, args.modes.split(',')[0])
    print(f'load average at end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'bench runtime {time.perf_counter() - bench_started:.1f} s')
    benchkit.cleanup()
    print(f'stream_cpu_s_per_answer={app_cpu:.3f}')


if __name__ == '__main__':
    main()
