"""Fetch a web page or file for ingestion without letting a link reach the server's own network (SSRF)."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath
from urllib.parse import unquote

import httpx

from .checks import format_size
from .errors import IngestError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

MAX_REDIRECTS = 5
USER_AGENT = 'AurenLM/0.1 (source fetcher)'
ACCEPT = 'text/html,application/xhtml+xml,application/pdf,text/markdown,text/plain;q=0.9,*/*;q=0.1'
# media type -> the extension a saved copy gets, so that the name never contradicts the content
ALLOWED_TYPES = {
    'text/html': '.html',
    'application/xhtml+xml': '.html',
    'application/pdf': '.pdf',
    'text/plain': '.txt',
    'text/markdown': '.md',
    'text/x-markdown': '.md',
}
_GENERIC_TYPES = {'', 'application/octet-stream', 'binary/octet-stream', 'application/x-download'}
_REDIRECTS = {301, 302, 303, 307, 308}
# cloud metadata endpoints, listed even though the ranges below already cover them: they are what SSRF is after
_METADATA = {ipaddress.ip_address('169.254.169.254'), ipaddress.ip_address('fd00:ec2::254')}
_NAT64 = ipaddress.ip_network('64:ff9b::/96')
_SAME_EXTENSION = {'.html': ('.htm', '.xhtml'), '.md': ('.markdown',), '.txt': ('.text',)}
_DOCUMENT_EXTENSIONS = {'.html', '.htm', '.xhtml', '.pdf', '.txt', '.text', '.md', '.markdown', '.docx', '.doc'}
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')

REFUSED = (
    'This link points to a private or local network address, which AurenLM does not fetch. '
    'Use a public web address, or download the page and upload it as a file.'
)


@dataclass
class Fetched:
    final_url: str
    content_type: str  # media type only, lower case: one of ALLOWED_TYPES
    body: bytes
    filename: str | None
    charset: str | None = None  # from the Content-Type header, for decoding HTML and text


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address: not private, loopback, link-local, multicast, reserved,
    unspecified, shared (100.64/10), nor an IPv4 address hidden in an IPv6 one."""
    if ip in _METADATA:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local)


async def fetch_url(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_private: bool,
    address_allowed: AddressPolicy | None = None,
) -> Fetched:
    """GET `url`, following up to five redirects by hand and checking every hop's address before connecting.

    Each request goes to the IP address that was checked (with the real host name in the Host header and TLS SNI),
    so a DNS answer that changes between the check and the connection (rebinding) cannot slip through.
    `address_allowed` replaces the default policy (is_public_address, or anything with `allow_private`).
    """
    policy = address_allowed or ((lambda ip: True) if allow_private else is_public_address)
    try:
        async with asyncio.timeout(timeout_s):
            return await _fetch(url, max_bytes=max_bytes, timeout_s=timeout_s, policy=policy)
    except TimeoutError:
        raise IngestError(
            f'The site took too long to answer (more than {timeout_s:g} seconds). '
            'Try again later, or download the page and upload it as a file.',
            code='fetch',
        ) from None


async def _fetch(url: str, *, max_bytes: int, timeout_s: float, policy: AddressPolicy) -> Fetched:
    current = _parse(url)
    timeout = httpx.Timeout(timeout_s)
    # trust_env=False: a proxy from the environment would connect on our behalf and skip the address check
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout) as client:
        for _ in range(MAX_REDIRECTS + 1):
            ip = await _checked_address(current, policy)
            request = client.build_request(
                'GET',
                current.copy_with(host=str(ip)),
                headers={
                    'Host': current.netloc.decode('ascii'),
                    'User-Agent': USER_AGENT,
                    'Accept': ACCEPT,
                },
                extensions={'sni_hostname': current.host} if current.scheme == 'https' else {},
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TimeoutException:
                raise TimeoutError from None
            except httpx.HTTPError as error:
                raise _connection_error(error) from None
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get('location')
                    if not location:
                        raise _status_error(response.status_code)
                    current = _parse(str(current.join(location)))
                    continue
                if response.status_code >= 400:
                    raise _status_error(response.status_code)
                return await _read(response, current, max_bytes)
            finally:
                await response.aclose()
    raise IngestError(
        'This link redirects too many times. Open it in your browser and add the final address instead.',
        code='fetch',
    )


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ('http', 'https') or not parsed.host:
        raise IngestError(
            'Only web addresses starting with http:// or https:// can be added. Check the address and try again.',
            code='fetch',
        )
    if parsed.userinfo:
        raise IngestError(
            'Links with a user name or password in them are not fetched. '
            'Download the page and upload it as a file instead.',
            code='fetch',
        )
    return parsed.copy_with(fragment=None)


async def _checked_address(url: httpx.URL, policy: AddressPolicy) -> IPAddress:
    """The address to connect to; every address the name resolves to must pass, or one bad one could be picked."""
    host = url.host
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        port = url.port or (443 if url.scheme == 'https' else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            raise IngestError(
                f'The site name "{host}" could not be found. Check the address and try again.', code='fetch'
            ) from None
        addresses = []
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split('%')[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses or not all(policy(address) for address in addresses):
        raise IngestError(REFUSED, code='refused_address')
    return addresses[0]


async def _read(response: httpx.Response, url: httpx.URL, max_bytes: int) -> Fetched:
    media_type, charset = _content_type(response.headers.get('content-type', ''))
    declared = response.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    if media_type not in ALLOWED_TYPES and media_type not in _GENERIC_TYPES:
        raise _unsupported(media_type)
    chunks: list[bytes] = []
    size = 0
    try:
        # decoded bytes are counted, so a gzip bomb stops at the cap like anything else
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise TimeoutError from None
    except httpx.HTTPError as error:
        raise _connection_error(error) from None
    body = b''.join(chunks)
    if media_type in _GENERIC_TYPES:
        # servers often label downloads as octet-stream; accept it only when it really is a PDF
        if body.lstrip()[:5] != b'%PDF-':
            raise _unsupported(media_type or 'an unlabelled file')
        media_type = 'application/pdf'
    return Fetched(
        final_url=str(url),
        content_type=media_type,
        body=body,
        filename=_filename(response, url, ALLOWED_TYPES[media_type]),
        charset=charset,
    )


def _content_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message['content-type'] = header
    media_type = message.get_content_type() if header else ''
    charset = message.get_param('charset')
    return media_type.lower(), (charset.strip().lower() if isinstance(charset, str) and charset.strip() else None)


def _filename(response: httpx.Response, url: httpx.URL, extension: str) -> str | None:
    """A safe file name from Content-Disposition or the URL path, with the extension of what was received."""
    name = ''
    disposition = response.headers.get('content-disposition', '')
    if disposition:
        message = Message()
        message['content-disposition'] = disposition
        name = message.get_filename() or ''
    if not name:
        name = unquote(PurePosixPath(url.path).name)
    name = _UNSAFE_FILENAME.sub('_', PurePosixPath(name.replace('\\', '/')).name).strip(' .')[:200]
    if not name:
        return None
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == extension or suffix in _SAME_EXTENSION.get(extension, ()):
        return name
    if suffix in _DOCUMENT_EXTENSIONS:
        name = name[: -len(suffix)]  # the server sent another format than the name says: the content decides
    return f'{name}{extension}'


def _status_error(status: int) -> IngestError:
    hint = {
        401: 'it needs a login',
        403: 'the site refused access',
        404: 'the page was not found',
        410: 'the page was removed',
        429: 'the site is limiting requests; try again later',
    }.get(status, 'the site is having trouble' if status >= 500 else 'the request was refused')
    return IngestError(
        f'The site answered with an error (HTTP {status}: {hint}). Check that the link opens in your browser; '
        'if it does, download the page and upload it as a file.',
        code='fetch',
    )


def _connection_error(error: httpx.HTTPError) -> IngestError:
    text = str(error).lower()
    if 'certificate' in text or 'ssl' in text:
        return IngestError(
            "The site's security certificate could not be verified, so it was not fetched. "
            'Check the address, or download the page and upload it as a file.',
            code='fetch',
        )
    return IngestError('The site could not be reached. Check the address and try again later.', code='fetch')


def _unsupported(media_type: str) -> IngestError:
    return IngestError(
        f'This link returns {media_type}, which AurenLM cannot read. Links to web pages, PDFs and text files work; '
        'for anything else, download it and upload a PDF, Word, HTML, Markdown or text file.',
        code='unsupported',
    )


def _too_large(max_bytes: int) -> IngestError:
    return IngestError(
        f'This page is larger than the {format_size(max_bytes)} limit. '
        'Download it and upload a smaller part as a file.',
        code='too_large',
    )
