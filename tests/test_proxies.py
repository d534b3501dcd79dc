"""X-Forwarded-* is believed only from the proxies in FORWARDED_ALLOW_IPS; anyone else's is removed."""

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aurenlm.config import Settings
from aurenlm.security.headers import socket_origin_check
from aurenlm.web.proxies import FROM_PROXY, TrustedProxyMiddleware, client_from, is_trusted


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            'client': request.client.host if request.client else None,
            'scheme': request.url.scheme,
            'forwarded_host': request.headers.get('x-forwarded-host'),
            'from_proxy': request.scope.get(FROM_PROXY),
        }
    )


def _client(peer: str) -> httpx.AsyncClient:
    app = TrustedProxyMiddleware(Starlette(routes=[Route('/', _echo)]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app, client=(peer, 5000)), base_url='http://notes.example')


FORGED = {'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example'}


async def test_a_stranger_cannot_claim_another_address_or_host() -> None:
    async with _client('203.0.113.9') as client:
        seen = (await client.get('/', headers=FORGED)).json()
    assert seen == {'client': '203.0.113.9', 'scheme': 'http', 'forwarded_host': None, 'from_proxy': False}


async def test_the_local_proxy_is_believed_by_default() -> None:
    async with _client('127.0.0.1') as client:
        seen = (await client.get('/', headers=FORGED)).json()
    assert seen == {'client': '198.51.100.7', 'scheme': 'https', 'forwarded_host': 'evil.example', 'from_proxy': True}


async def test_a_configured_proxy_network_is_believed(settings_env) -> None:
    settings_env(FORWARDED_ALLOW_IPS='10.0.0.0/8')
    async with _client('10.1.2.3') as client:
        assert (await client.get('/', headers=FORGED)).json()['client'] == '198.51.100.7'
    async with _client('127.0.0.1') as client:  # loopback is no longer listed
        assert (await client.get('/', headers=FORGED)).json()['client'] == '127.0.0.1'


def test_the_client_is_the_last_address_no_proxy_of_ours_added() -> None:
    proxies = ['10.0.0.0/8']
    # the client wrote the first entry itself; our two proxies appended the rest
    assert client_from('6.6.6.6, 198.51.100.7, 10.0.0.2', proxies) == '198.51.100.7'
    assert client_from('[2001:db8::5]:443, 10.0.0.2', proxies) == '2001:db8::5'
    assert is_trusted('::1', ['127.0.0.1', '::1']) and not is_trusted('::2', ['127.0.0.1', '::1'])
    assert is_trusted('203.0.113.1', ['*']) and not is_trusted(None, ['*'])


def test_the_socket_believes_a_forwarded_host_only_from_a_proxy() -> None:
    check = socket_origin_check(Settings(_env_file=None))

    def environ(from_proxy: bool) -> dict:
        scope = {FROM_PROXY: from_proxy}
        return {'HTTP_HOST': '127.0.0.1:8080', 'HTTP_X_FORWARDED_HOST': 'evil.example', 'asgi.scope': scope}

    assert check('https://evil.example', environ(from_proxy=True))
    assert not check('https://evil.example', environ(from_proxy=False))
    assert check('http://127.0.0.1:8080', environ(from_proxy=False))
