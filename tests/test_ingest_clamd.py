"""clamd INSTREAM client against a small fake clamd that speaks the same protocol."""

from __future__ import annotations

import asyncio
import shutil
import struct
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aurenlm.ingest.clamd import ping, scan
from aurenlm.ingest.errors import IngestError

EICAR = rb'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'


@dataclass
class FakeClamd:
    """Reassembles what it was sent, like clamd, and answers by content."""

    address: str = ''
    commands: list[bytes] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)
    received: bytes = b''
    max_stream: int = 25 * 1024 * 1024
    silent: bool = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            command = await reader.readuntil(b'\0')
            self.commands.append(command)
            if command == b'zPING\0':
                writer.write(b'PONG\0')
                return
            if self.silent:
                await asyncio.sleep(10)
            data = b''
            while True:
                size = struct.unpack('>I', await reader.readexactly(4))[0]
                if size == 0:
                    break
                self.chunk_sizes.append(size)
                data += await reader.readexactly(size)
                if len(data) > self.max_stream:
                    writer.write(b'INSTREAM size limit exceeded. ERROR\0')
                    return
            self.received = data
            if b'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' in data:
                writer.write(b'stream: Test.EICAR.Local.UNOFFICIAL FOUND\0')
            else:
                writer.write(b'stream: OK\0')
        finally:
            await writer.drain()
            writer.close()


@pytest.fixture
async def clamd() -> AsyncIterator[FakeClamd]:
    fake = FakeClamd()
    folder = Path(tempfile.mkdtemp(prefix='clamd', dir='/tmp'))  # unix socket paths must stay short
    fake.address = str(folder / 'clamd.sock')
    server = await asyncio.start_unix_server(fake.handle, path=fake.address)
    yield fake
    server.close()
    await server.wait_closed()
    shutil.rmtree(folder, ignore_errors=True)


async def test_clean_file_is_streamed_in_chunks(clamd: FakeClamd, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000  # 256 KB: several chunks
    path = tmp_path / 'clean.bin'
    path.write_bytes(data)
    await scan(path, clamd.address)
    assert clamd.commands == [b'zINSTREAM\0']
    assert clamd.received == data
    assert max(clamd.chunk_sizes) <= 64 * 1024 and len(clamd.chunk_sizes) == 4


async def test_infected_file_names_the_signature(clamd: FakeClamd, tmp_path: Path) -> None:
    path = tmp_path / 'eicar.txt'
    path.write_bytes(EICAR)
    with pytest.raises(IngestError) as error:
        await scan(path, clamd.address)
    assert error.value.code == 'infected'
    assert error.value.message.startswith('This file was refused: the virus scanner found Test.EICAR.Local.UNOFFICIAL')


async def test_scanner_error_is_reported(clamd: FakeClamd, tmp_path: Path) -> None:
    clamd.max_stream = 100_000
    path = tmp_path / 'big.bin'
    path.write_bytes(b'z' * 2_000_000)
    with pytest.raises(IngestError) as error:
        await scan(path, clamd.address)
    assert error.value.code == 'scanner_unavailable'
    assert 'INSTREAM size limit exceeded' in error.value.message


async def test_unreachable_scanner(tmp_path: Path) -> None:
    path = tmp_path / 'file.txt'
    path.write_bytes(b'hello')
    expected = (
        'The virus scanner is not reachable, so the file was not accepted. Try again later or ask your administrator.'
    )
    for address in (str(tmp_path / 'missing.sock'), 'tcp://127.0.0.1:1', 'tcp://nonsense'):
        with pytest.raises(IngestError) as error:
            await scan(path, address)
        assert error.value.message == expected
        assert error.value.code == 'scanner_unavailable'


async def test_silent_scanner_times_out(clamd: FakeClamd, tmp_path: Path) -> None:
    clamd.silent = True
    path = tmp_path / 'file.txt'
    path.write_bytes(b'hello')
    with pytest.raises(IngestError) as error:
        await scan(path, clamd.address, timeout_s=0.3)
    assert 'did not answer in time' in error.value.message


async def test_tcp_address(tmp_path: Path) -> None:
    fake = FakeClamd()
    server = await asyncio.start_server(fake.handle, host='127.0.0.1', port=0)
    port = server.sockets[0].getsockname()[1]
    path = tmp_path / 'file.txt'
    path.write_bytes(b'plain text')
    try:
        await scan(path, f'tcp://127.0.0.1:{port}')
        assert fake.received == b'plain text'
        assert await ping(f'tcp://127.0.0.1:{port}')
    finally:
        server.close()
        await server.wait_closed()


async def test_ping(clamd: FakeClamd, tmp_path: Path) -> None:
    assert await ping(clamd.address)
    assert not await ping(str(tmp_path / 'missing.sock'))
