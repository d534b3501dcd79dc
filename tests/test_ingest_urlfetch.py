"""URL fetching against a local server: redirects by hand, address checks on every hop, caps and clear errors."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aurenlm.ingest.errors import IngestError
from aurenlm.ingest.urlfetch import fetch_url, is_public_address

DATA = Path(__file__).parent / 'data'
PDF = (DATA / 'shared-mime-info-spec.pdf').read_bytes()
HTML = (DATA / 'python-policy.html').read_bytes()


class Handler(BaseHTTPRequestHandler):
    hosts: list[str] = []
    release = threading.Event()  # /slow and /trickle hold until a test sets it
    answered: list[str] = []  # paths the server finished answering

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes = b'', **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace('_', '-'), value)
        if 'Content_Length' not in headers and 'Transfer_Encoding' not in headers:
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.hosts.append(self.headers.get('Host', ''))
        port = self.server.server_address[1]
        path = self.path
        if path == '/policy.html':
            self.send(200, HTML, Content_Type='text/html; charset=utf-8')
        elif path == '/spec':
            self.send(200, PDF, Content_Type='application/pdf')
        elif path == '/download':
            disposition = 'attachment; filename="Spec v2.pdf"'
            self.send(200, PDF, Content_Type='application/octet-stream', Content_Disposition=disposition)
        elif path == '/old/page.htm':
            self.send(200, b'<p>Hi</p>', Content_Type='text/html')
        elif path == '/paper.pdf':
            self.send(200, b'<html><body>Please log in</body></html>', Content_Type='text/html')
        elif path == '/readme':
            self.send(200, b'# Title\n\nText.', Content_Type='text/markdown; charset=ISO-8859-1')
        elif path == '/image.png':
            self.send(200, b'\x89PNG\r\n\x1a\n' + bytes(50), Content_Type='image/png')
        elif path == '/octet-junk':
            self.send(200, bytes(500), Content_Type='application/octet-stream')
        elif path.startswith('/hop/'):
            remaining = int(path.rsplit('/', 1)[1])
            target = '/policy.html' if remaining == 0 else f'/hop/{remaining - 1}'
            self.send(302, Location=target)
        elif path == '/absolute-redirect':
            self.send(301, Location=f'http://127.0.0.1:{port}/spec')
        elif path == '/to-private':
            self.send(302, Location=f'http://127.0.0.2:{port}/policy.html')
        elif path == '/to-ftp':
            self.send(302, Location='ftp://example.com/file.pdf')
        elif path == '/big':
            self.send(200, b'x' * 300_000, Content_Type='text/plain')
        elif path == '/big-unannounced':
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.end_headers()  # no length: the body runs until the connection closes
            try:
                for _ in range(100):
                    self.wfile.write(b'y' * 10_000)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == '/gzip-bomb':
            self.send(200, gzip.compress(b'\0' * 5_000_000), Content_Type='text/plain', Content_Encoding='gzip')
        elif path == '/slow':
            Handler.release.wait(60)
            self.send(200, b'late', Content_Type='text/plain')
            Handler.answered.append(path)
        elif path == '/trickle':
            # a byte every 50 ms: no single read ever waits long, so only an overall deadline can end it
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.end_headers()
            try:
                while not Handler.release.wait(0.05):
                    self.wfile.write(b'.')
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            Handler.answered.append(path)
        elif path == '/forbidden':
            self.send(403, b'no', Content_Type='text/plain')
        elif path == '/broken':
            self.send(500, b'oops', Content_Type='text/plain')
        else:
            self.send(404, b'missing', Content_Type='text/plain')


@pytest.fixture(scope='module')
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


async def fetch(url: str, *, max_bytes: int = 5_000_000, timeout_s: float = 5, allow_private: bool = True, **kw):
    return await fetch_url(url, max_bytes=max_bytes, timeout_s=timeout_s, allow_private=allow_private, **kw)


async def failure(url: str, **kw) -> IngestError:
    with pytest.raises(IngestError) as error:
        await fetch(url, **kw)
    return error.value


async def test_fetches_html(server: str) -> None:
    fetched = await fetch(f'{server}/policy.html')
    assert fetched.body == HTML
    assert fetched.content_type == 'text/html' and fetched.charset == 'utf-8'
    assert fetched.final_url == f'{server}/policy.html'
    assert fetched.filename == 'policy.html'


async def test_fetches_pdf_and_names_it(server: str) -> None:
    fetched = await fetch(f'{server}/spec')
    assert fetched.body == PDF and fetched.content_type == 'application/pdf'
    assert fetched.filename == 'spec.pdf'
    download = await fetch(f'{server}/download')
    assert download.content_type == 'application/pdf' and download.filename == 'Spec v2.pdf'
    assert (await fetch(f'{server}/old/page.htm')).filename == 'page.htm'
    assert (await fetch(f'{server}/paper.pdf')).filename == 'paper.html'  # a login page, not the PDF
    readme = await fetch(f'{server}/readme')
    assert readme.content_type == 'text/markdown' and readme.charset == 'iso-8859-1'
    assert readme.filename == 'readme.md'


async def test_follows_redirects_by_hand(server: str) -> None:
    fetched = await fetch(f'{server}/hop/4')
    assert fetched.final_url == f'{server}/policy.html' and fetched.body == HTML
    assert (await fetch(f'{server}/absolute-redirect')).content_type == 'application/pdf'
    error = await failure(f'{server}/hop/6')
    assert 'redirects too many times' in error.message


async def test_sends_the_real_host_name_to_the_pinned_address(server: str) -> None:
    Handler.hosts.clear()
    await fetch(f'{server}/policy.html')
    assert Handler.hosts == [server.removeprefix('http://')]


async def test_private_address_is_refused_by_default(server: str) -> None:
    error = await failure(f'{server}/policy.html', allow_private=False)
    assert error.code == 'refused_address'
    assert 'private or local network address' in error.message
    for url in ('http://localhost/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0/'):
        assert (await failure(url, allow_private=False)).code == 'refused_address'


async def test_redirect_to_a_private_address_is_refused(server: str) -> None:
    # only the first host is allowed: a redirect that leads elsewhere on the inside must be caught at its own hop
    def only_the_first_host(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return str(ip) == '127.0.0.1'

    assert (await fetch(f'{server}/policy.html', allow_private=False, address_allowed=only_the_first_host)).body
    error = await failure(f'{server}/to-private', allow_private=False, address_allowed=only_the_first_host)
    assert error.code == 'refused_address'


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host, port, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (ip, port)) for ip in answers[host]]
        return await real(host, port, **kwargs)

    monkeypatch.setattr(loop, 'getaddrinfo', getaddrinfo)


async def test_every_address_of_a_name_must_pass(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {'mixed.example': ['93.184.216.34', '10.0.0.7']})
    error = await failure('http://mixed.example/', allow_private=False)
    assert error.code == 'refused_address'


async def test_connects_to_the_checked_address_with_the_real_name(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the name resolves once, is checked, and the request goes to that address: no second lookup to rebind
    fake_dns(monkeypatch, {'docs.example': ['127.0.0.1']})
    port = server.rsplit(':', 1)[1]
    Handler.hosts.clear()
    url = f'http://docs.example:{port}/policy.html'
    fetched = await fetch(url, allow_private=False, address_allowed=lambda ip: True)
    assert fetched.final_url == url
    assert Handler.hosts == [f'docs.example:{port}']


async def test_only_http_and_https(server: str) -> None:
    for url in ('file:///etc/passwd', 'ftp://example.com/x', 'javascript:alert(1)', 'not a url', 'http://'):
        error = await failure(url)
        assert 'http:// or https://' in error.message
    assert 'http:// or https://' in (await failure(f'{server}/to-ftp')).message
    assert 'user name or password' in (await failure('http://user:pw@127.0.0.1/')).message


async def test_size_cap(server: str) -> None:
    error = await failure(f'{server}/big', max_bytes=100_000)
    assert error.code == 'too_large' and 'larger than the' in error.message
    assert (await failure(f'{server}/big-unannounced', max_bytes=100_000)).code == 'too_large'
    assert (await failure(f'{server}/gzip-bomb', max_bytes=1_000_000)).code == 'too_large'


@pytest.mark.parametrize('path', ['/slow', '/trickle'])
async def test_a_site_that_never_finishes_is_cut_off_by_the_deadline(server: str, path: str) -> None:
    """The server holds its answer until the test releases it, so only the fetch's own deadline can end the wait.

    How far past the deadline it ends is a figure in bench/timings.py (urlfetch_timeout_overshoot_ms), not a test.
    """
    Handler.release.clear()
    Handler.answered.clear()
    try:
        error = await failure(f'{server}{path}', timeout_s=0.5)
        assert error.code == 'fetch' and 'took too long' in error.message
        assert 'more than 0.5 seconds' in error.message
        assert Handler.answered == []  # the server had not finished: the deadline, not the answer, ended it
    finally:
        Handler.release.set()


async def test_http_errors(server: str) -> None:
    missing = await failure(f'{server}/nowhere')
    assert 'HTTP 404' in missing.message and 'not found' in missing.message
    assert 'HTTP 403' in (await failure(f'{server}/forbidden')).message
    assert 'HTTP 500' in (await failure(f'{server}/broken')).message


async def test_unsupported_content(server: str) -> None:
    error = await failure(f'{server}/image.png')
    assert error.code == 'unsupported' and 'image/png' in error.message
    assert (await failure(f'{server}/octet-junk')).code == 'unsupported'


async def test_unreachable_and_unknown_hosts() -> None:
    error = await failure('http://127.0.0.1:1/')
    assert 'could not be reached' in error.message
    error = await failure('http://no-such-host.invalid/')
    assert 'could not be found' in error.message


@pytest.mark.parametrize(
    'address, public',
    [
        ('93.184.216.34', True),
        ('2606:2800:220:1:248:1893:25c8:1946', True),
        ('127.0.0.1', False),
        ('10.1.2.3', False),
        ('172.16.0.1', False),
        ('192.168.1.1', False),
        ('100.64.0.1', False),
        ('169.254.169.254', False),
        ('0.0.0.0', False),
        ('224.0.0.1', False),
        ('240.0.0.1', False),
        ('255.255.255.255', False),
        ('::1', False),
        ('::', False),
        ('fe80::1', False),
        ('fd00:ec2::254', False),
        ('ff02::1', False),
        ('::ffff:127.0.0.1', False),
        ('::ffff:93.184.216.34', True),
        ('64:ff9b::a9fe:a9fe', False),
        ('2002:7f00:1::', False),
    ],
)
def test_address_policy(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public
