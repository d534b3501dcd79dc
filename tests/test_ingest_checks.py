"""Upload limits: size while saving, zip bombs, and words per source."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest

from aurenlm.ingest.checks import check_word_limit, check_zip, save_bytes, save_stream
from aurenlm.ingest.errors import IngestError

MB = 1024 * 1024


async def chunks_of(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_save_stream_writes_and_hashes(tmp_path: Path) -> None:
    data = b'hello world ' * 10_000
    dest = tmp_path / 'files' / 'abc'
    size, sha = await save_stream(chunks_of(data), dest, max_bytes=len(data))
    assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    assert dest.read_bytes() == data
    assert dest.stat().st_mode & 0o777 == 0o600


async def test_save_stream_stops_at_the_cap_and_leaves_nothing(tmp_path: Path) -> None:
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        while True:
            consumed += 1
            yield b'x' * 65536

    dest = tmp_path / 'upload'
    with pytest.raises(IngestError) as error:
        await save_stream(endless(), dest, max_bytes=MB)
    assert error.value.code == 'too_large'
    assert 'larger than the 1 MB limit' in error.value.message
    assert not dest.exists()
    assert consumed == 17  # stopped at the first chunk past the cap, not at the end of the stream


async def test_save_stream_removes_the_partial_file_when_the_client_goes_away(tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b'abc'
        raise ConnectionResetError

    dest = tmp_path / 'upload'
    with pytest.raises(ConnectionResetError):
        await save_stream(broken(), dest, max_bytes=MB)
    assert not dest.exists()


def test_save_bytes(tmp_path: Path) -> None:
    dest = tmp_path / 'pasted'
    assert save_bytes(b'abc', dest, max_bytes=3) == (3, hashlib.sha256(b'abc').hexdigest())
    assert save_bytes([b'a', b'bc'], dest, max_bytes=3)[0] == 3
    with pytest.raises(IngestError):
        save_bytes(b'abcd', dest, max_bytes=3)
    assert not dest.exists()


def test_save_does_not_follow_symlinks(tmp_path: Path) -> None:
    target = tmp_path / 'precious'
    target.write_bytes(b'keep me')
    link = tmp_path / 'upload'
    link.symlink_to(target)
    with pytest.raises(OSError):
        save_bytes(b'overwrite', link, max_bytes=100)
    assert target.read_bytes() == b'keep me'


def zip_with(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_check_zip_accepts_a_real_docx(tmp_path: Path) -> None:
    document = docx.Document()
    for i in range(200):
        document.add_paragraph(f'Paragraph {i} of an ordinary document.')
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / 'ok.docx'
    path.write_bytes(buffer.getvalue())
    check_zip(path, max_uncompressed_bytes=200 * MB, max_ratio=100)


def test_check_zip_total_size_cap(tmp_path: Path) -> None:
    path = zip_with(tmp_path / 'big.zip', {'a.xml': b'<a>' + b'x' * (3 * MB), 'b.xml': b'y' * (3 * MB)})
    with pytest.raises(IngestError) as error:
        check_zip(path, max_uncompressed_bytes=5 * MB, max_ratio=10_000)
    assert error.value.code == 'zip_bomb'


def test_check_zip_ratio_cap(tmp_path: Path) -> None:
    path = zip_with(tmp_path / 'ratio.zip', {'word/document.xml': b'\0' * (20 * MB)})
    with pytest.raises(IngestError) as error:
        check_zip(path, max_uncompressed_bytes=200 * MB, max_ratio=100)
    assert error.value.code == 'zip_bomb'
    # a small member may compress far better than 100:1 without being a threat
    check_zip(zip_with(tmp_path / 'small.zip', {'styles.xml': b'\0' * 500_000}), 200 * MB, 100)


def test_check_zip_member_count_cap(tmp_path: Path) -> None:
    path = zip_with(tmp_path / 'many.zip', {f'part{i}.xml': b'' for i in range(60)})
    with pytest.raises(IngestError) as error:
        check_zip(path, max_uncompressed_bytes=MB, max_ratio=100, max_members=50)
    assert error.value.code == 'zip_bomb' and '60 parts' in error.value.message


def test_check_zip_streaming_catches_a_member_bigger_than_declared(tmp_path: Path) -> None:
    path = zip_with(tmp_path / 'liar.zip', {'word/document.xml': b'\0' * (8 * MB)})
    data = bytearray(path.read_bytes())
    entry = data.rfind(b'PK\x01\x02')
    data[entry + 24 : entry + 28] = (100).to_bytes(4, 'little')  # the directory now claims 100 bytes
    path.write_bytes(bytes(data))
    with pytest.raises(IngestError) as error:
        check_zip(path, max_uncompressed_bytes=MB, max_ratio=100_000)
    assert error.value.code in ('zip_bomb', 'corrupt')


def test_check_zip_broken_archive(tmp_path: Path) -> None:
    path = tmp_path / 'broken.zip'
    path.write_bytes(b'PK\x03\x04' + bytes(100))
    with pytest.raises(IngestError) as error:
        check_zip(path, MB, 100)
    assert error.value.code == 'corrupt'


def test_word_limit() -> None:
    check_word_limit(500_000, 500_000)
    with pytest.raises(IngestError) as error:
        check_word_limit(500_001, 500_000)
    assert error.value.code == 'too_many_words'
    assert '500,001 words' in error.value.message and 'Split it' in error.value.message
