"""Virus scanning through clamd's INSTREAM protocol, over a unix socket or tcp://host:port."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

from .errors import IngestError

CHUNK_BYTES = 64 * 1024  # clamd's default StreamMaxLength is far larger; chunks only bound memory here
MAX_REPLY = 4096

UNREACHABLE = (
    'The virus scanner is not reachable, so the file was not accepted. Try again later or ask your administrator.'
)
TOO_SLOW = (
    'The virus scanner did not answer in time, so the file was not accepted. Try again later or ask your administrator.'
)


async def scan(path: Path, socket_path: str, timeout_s: float = 30) -> None:
    """Send the file to clamd and return if it is clean; raise IngestError when it is infected or cannot be checked."""
    try:
        async with asyncio.timeout(timeout_s):
            reply = await _instream(path, socket_path)
    except TimeoutError:
        raise IngestError(TOO_SLOW, code='scanner_unavailable') from None
    except (OSError, ValueError):
        raise IngestError(UNREACHABLE, code='scanner_unavailable') from None
    _check_reply(reply)


async def ping(socket_path: str, timeout_s: float = 5) -> bool:
    """True when clamd answers PONG; for readiness checks."""
    try:
        async with asyncio.timeout(timeout_s):
            loop = asyncio.get_running_loop()
            with await _connect(socket_path) as sock:
                await loop.sock_sendall(sock, b'zPING\0')
                return await _read_reply(sock) == 'PONG'
    except (TimeoutError, OSError, ValueError):
        return False


async def _connect(socket_path: str) -> socket.socket:
    """A connected non-blocking socket: plain sockets, not streams, so a reply sent before clamd hangs up on a
    half-written stream can still be read."""
    loop = asyncio.get_running_loop()
    if socket_path.startswith('tcp://'):
        host, _, port = socket_path[len('tcp://') :].rstrip('/').rpartition(':')
        if not host or not port.isdigit():
            raise ValueError(f'clamd address must be tcp://host:port, not {socket_path!r}')
        infos = await loop.getaddrinfo(host.strip('[]'), int(port), type=socket.SOCK_STREAM)
        error: OSError = OSError(f'no address for {host}')
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, address)
                return sock
            except OSError as failed:
                sock.close()
                error = failed
        raise error
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, socket_path.removeprefix('unix://'))
    except BaseException:
        sock.close()
        raise
    return sock


async def _instream(path: Path, socket_path: str) -> str:
    loop = asyncio.get_running_loop()
    with await _connect(socket_path) as sock:
        # the z-prefix makes clamd read a NUL-terminated command and NUL-terminate its reply
        await loop.sock_sendall(sock, b'zINSTREAM\0')
        early = b''
        # a 64 KiB read from local disk is short next to the network write it feeds
        with path.open('rb') as f:
            while chunk := f.read(CHUNK_BYTES):
                try:
                    await loop.sock_sendall(sock, struct.pack('>I', len(chunk)) + chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break  # clamd hung up (size limit exceeded): its reason is waiting to be read
                early = _poll(sock)
                if early is None or early:
                    break  # clamd answered or closed before the end of the stream: it will not read more
            else:
                await loop.sock_sendall(sock, struct.pack('>I', 0))
        reply = await _read_reply(sock, early or b'')
    if not reply:
        raise ConnectionError('clamd closed the connection without a reply')
    return reply


def _poll(sock: socket.socket) -> bytes | None:
    """Whatever clamd already sent, without waiting: b'' for nothing yet, None when it has closed the connection."""
    try:
        data = sock.recv(MAX_REPLY)
    except (BlockingIOError, InterruptedError):
        return b''
    except ConnectionResetError:
        return None
    return data or None


async def _read_reply(sock: socket.socket, data: bytes = b'') -> str:
    loop = asyncio.get_running_loop()
    while len(data) < MAX_REPLY and b'\0' not in data:
        try:
            part = await loop.sock_recv(sock, MAX_REPLY)
        except ConnectionResetError:
            break
        if not part:
            break
        data += part
    return data.split(b'\0', 1)[0].decode('utf-8', errors='replace').strip()


def _check_reply(reply: str) -> None:
    """clamd answers `stream: OK`, `stream: <signature> FOUND` or `<reason> ERROR`."""
    if reply.endswith(' OK') or reply == 'OK':
        return
    if reply.endswith(' FOUND'):
        signature = reply[: -len(' FOUND')]
        signature = signature.split(': ', 1)[1] if ': ' in signature else signature
        raise IngestError(
            f'This file was refused: the virus scanner found {signature.strip()}. '
            'Check the file with your own antivirus; if you believe it is clean, ask your administrator.',
            code='infected',
        )
    if reply.endswith('ERROR'):
        reason = reply[: -len('ERROR')].rstrip(' .:')
        reason = reason.split(': ', 1)[1] if reason.startswith('stream: ') else reason
        raise IngestError(
            f'The virus scanner could not check this file ({reason or "unknown error"}), so it was not accepted. '
            'Try a smaller file, or ask your administrator.',
            code='scanner_unavailable',
        )
    raise IngestError(UNREACHABLE, code='scanner_unavailable')
