"""Safe attachment responses: RFC 6266 file names, never sniffed, never rendered inline."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r'[^\w.\- ()\[\]]+', re.UNICODE)


def safe_filename(name: str, default: str = 'download') -> str:
    """A file name without paths, control characters or quotes; keeps letters of any script."""
    name = unicodedata.normalize('NFC', name or '').replace('/', '_').replace('\\', '_')
    name = _UNSAFE.sub('_', name).strip(' ._') or default
    return name[:180]


def attachment_headers(name: str) -> dict[str, str]:
    name = safe_filename(name)
    ascii_name = name.encode('ascii', 'replace').decode().replace('?', '_')
    return {
        'Content-Disposition': f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}',
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'private, no-store',
    }
