"""Limits applied before extraction: upload size while saving, zip bombs, and words per source."""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
import zlib
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from .errors import IngestError

MAX_ZIP_MEMBERS = 10_000
READ_SIZE = 65536
# a small member can legitimately compress 1000:1 (an empty table); the ratio cap only matters for big ones
RATIO_MIN_BYTES = 1024 * 1024

_BOMB = (
    'This file expands to far more data than its size suggests, so it was refused to protect the server. '
    'Open it in its program, save it again and upload the new file.'
)


def format_size(n: int) -> str:
    """A byte count as people read it in a limit: 50 MB, 512 KB."""
    if n >= 1024 * 1024:
        return f'{n / (1024 * 1024):.0f} MB'
    return f'{n / 1024:.0f} KB' if n >= 1024 else f'{n} bytes'


def too_large(max_bytes: int) -> IngestError:
    """The error for an upload past the size limit."""
    return IngestError(
        f'This file is larger than the {format_size(max_bytes)} limit. '
        'Split it into smaller files or compress its images, then upload again.',
        code='too_large',
    )


def check_zip(
    path: Path,
    max_uncompressed_bytes: int,
    max_ratio: float,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    verify: bool = True,
) -> None:
    """Refuse a zip (DOCX) whose members would inflate past the caps.

    The central directory is checked first (cheap); with `verify`, every member is then really decompressed with a
    running byte cap, because the sizes in the directory are written by whoever made the file and can lie.
    """
    archive_size = max(path.stat().st_size, 1)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                raise IngestError(
                    f'This file holds {len(infos)} parts, more than the {max_members} allowed. '
                    'Save it again from its program and upload the new file.',
                    code='zip_bomb',
                )
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.file_size > RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                    raise IngestError(_BOMB, code='zip_bomb')
            if declared > max_uncompressed_bytes:
                raise IngestError(_BOMB, code='zip_bomb')
            if declared > RATIO_MIN_BYTES and declared > max_ratio * archive_size:
                raise IngestError(_BOMB, code='zip_bomb')
            if verify:
                _inflate_with_cap(zf, infos, max_uncompressed_bytes)
    except IngestError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        ValueError,
        NotImplementedError,
    ):
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        raise IngestError(
            'This document is damaged or encrypted and cannot be read. '
            'Open it in its program, save it again without a password and upload the new file.',
            code='corrupt',
        ) from None


def _inflate_with_cap(zf: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo], cap: int) -> None:
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        with zf.open(info) as member:
            while chunk := member.read(READ_SIZE):
                total += len(chunk)
                if total > cap:
                    raise IngestError(_BOMB, code='zip_bomb')


async def save_stream(chunks: AsyncIterator[bytes], dest: Path, max_bytes: int) -> tuple[int, str]:
    """Write an upload to `dest`, stopping as soon as it passes `max_bytes`; returns (size, sha256 hex).

    A partial file never stays behind: on any failure it is removed before the error propagates.
    """
    with _Writer(dest, max_bytes) as writer:
        async for chunk in chunks:
            # a local write of one chunk is short enough to do on the loop; the network read is what waits
            writer.write(chunk)
    return writer.size, writer.digest.hexdigest()


def save_bytes(data: bytes | Iterable[bytes], dest: Path, max_bytes: int) -> tuple[int, str]:
    """The synchronous twin of save_stream, for bytes already in memory or a blocking reader's chunks."""
    chunks = [data] if isinstance(data, bytes | bytearray | memoryview) else data
    with _Writer(dest, max_bytes) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.size, writer.digest.hexdigest()


class _Writer:
    """Counts, hashes and writes; removes the file it created when the block fails."""

    def __init__(self, dest: Path, max_bytes: int) -> None:
        self.dest, self.max_bytes = dest, max_bytes
        self.size = 0
        self.digest = hashlib.sha256()

    def __enter__(self) -> _Writer:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        # uploads are private to the server (0600) and never written through a planted symlink
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0)
        self.file = os.fdopen(os.open(self.dest, flags, 0o600), 'wb')
        return self

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self.digest.update(chunk)
        self.file.write(chunk)

    def __exit__(self, exc_type, exc, tb) -> None:
        self.file.close()
        if exc_type is not None:
            with contextlib.suppress(FileNotFoundError):
                self.dest.unlink()


def check_word_limit(word_count: int, max_words: int) -> None:
    """Refuse a source with more words than a notebook source may hold."""
    if word_count > max_words:
        raise IngestError(
            f'This source has {word_count:,} words, more than the {max_words:,} allowed per source. '
            'Split it into smaller parts and add them one by one.',
            code='too_many_words',
        )
