"""A readable device name from a User-Agent header: "Chrome on Linux", "Safari on iPhone", "curl".

Small on purpose: the sessions list needs a browser and a system a person recognises, not a full parser. The order of
the checks matters, because browsers name their relatives (Edge says Chrome and Safari, Chrome says Safari).
"""

from __future__ import annotations

import re

_BROWSERS = (
    (r'Edg(e|A|iOS)?/', 'Edge'),
    (r'OPR/|Opera', 'Opera'),
    (r'SamsungBrowser/', 'Samsung Internet'),
    (r'Vivaldi/', 'Vivaldi'),
    (r'YaBrowser/', 'Yandex Browser'),
    (r'Firefox/|FxiOS/', 'Firefox'),
    (r'HeadlessChrome/', 'Headless Chrome'),
    (r'Chromium/', 'Chromium'),
    (r'Chrome/|CriOS/', 'Chrome'),
    (r'Safari/', 'Safari'),
)
_SYSTEMS = (
    (r'iPhone', 'iPhone'),
    (r'iPad', 'iPad'),
    (r'Android', 'Android'),
    (r'CrOS', 'ChromeOS'),
    (r'Windows', 'Windows'),
    (r'Mac OS X|Macintosh', 'macOS'),
    (r'Linux|X11', 'Linux'),
)
# programs that are not browsers, named by their own first word (python-httpx/0.27 -> httpx)
_TOOLS = re.compile(r'^(curl|Wget|python-httpx|python-requests|Python-urllib|PostmanRuntime|HTTPie)\b', re.I)


def describe(user_agent: str | None) -> str:
    """ "Chrome on Linux"; "Unknown device" when the header is empty or tells nothing."""
    ua = (user_agent or '').strip()
    if not ua:
        return 'Unknown device'
    tool = _TOOLS.match(ua)
    if tool:
        return tool.group(1).removeprefix('python-').removeprefix('Python-')
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, ua)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, ua)), None)
    if browser and system:
        return f'{browser} on {system}'
    return browser or (f'Browser on {system}' if system else 'Unknown device')
