"""What models produced, kept on disk: source guides, studio artifacts and question vectors, in one diskcache.

One cache per process under `CACHE_DIR/models` (reopened when the data folder changes, as it does between tests).
Every entry carries a tag saying what it is, so one kind can be dropped without touching the others: the
question vectors with `evict('qvec')`, a source's guides with `evict(<its sha256>)`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from aurenlm.config import get_settings

if TYPE_CHECKING:
    import diskcache

# the three caches this one replaces had 256 + 512 + 256 MiB; diskcache culls the oldest stored entries past it
SIZE_LIMIT = 1024 * 1024 * 1024
_lock = threading.Lock()
_open: tuple[str, diskcache.Cache] | None = None


def shared() -> diskcache.Cache:
    """The process's model-output cache. diskcache is safe across threads and processes."""
    global _open
    directory = str(get_settings().cache_dir / 'models')
    with _lock:
        if _open is None or _open[0] != directory:
            import diskcache  # only when a cache is first needed: start-up and the CLI stay quick

            if _open is not None:
                _open[1].close()
            _open = (directory, diskcache.Cache(directory, size_limit=SIZE_LIMIT, tag_index=True))
        return _open[1]


def close() -> None:
    """Close the cache files (tests that remove their data folder call this first)."""
    global _open
    with _lock:
        if _open is not None:
            _open[1].close()
            _open = None
