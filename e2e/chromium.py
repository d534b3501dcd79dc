"""Debian's Chromium the way the browser tests and bench/stream_cpu.py start it (Playwright's own build is not used)."""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright

EXECUTABLE = '/usr/bin/chromium'
# no sandbox (we run as root), no GPU, and nothing that talks to Google's services in the background
ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
]


def launch(playwright: Playwright) -> Browser:
    """A headless Chromium."""
    return playwright.chromium.launch(executable_path=EXECUTABLE, args=ARGS, headless=True)
