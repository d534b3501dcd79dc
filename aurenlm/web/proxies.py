"""Believe X-Forwarded-* only from the reverse proxies named in FORWARDED_ALLOW_IPS; strip it from anyone else.

uvicorn's own proxy-header handling is switched off (main.py) because it rewrites the client address before any
middleware runs, so nothing after it can tell whether the immediate peer was a proxy. This middleware sees the peer,
marks the scope, and only then rewrites the client address and scheme, the way uvicorn would.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.types import ASGIApp, Receive, Scope, Send

from aurenlm.config import get_settings

# set on every HTTP and websocket scope: True when the immediate peer is a configured proxy
FROM_PROXY = 'aurenlm.from_proxy'
_SCHEMES = {'http', 'https', 'ws', 'wss'}


@lru_cache(maxsize=16)
def _trust(
    entries: tuple[str, ...],
) -> tuple[bool, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], frozenset]:
    networks, names = [], set()
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry)  # a unix socket path, as uvicorn allows
    return '*' in entries, tuple(networks), frozenset(names)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    host = host.strip()
    if host.startswith('['):  # [v6]:port
        host = host[1 : host.find(']')] if ']' in host else host
    elif host.count(':') == 1:  # v4:port
        host = host.split(':', 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_trusted(host: str | None, entries: list[str] | tuple[str, ...]) -> bool:
    if not host:
        return False
    anyone, networks, names = _trust(tuple(entries))
    if anyone or host in names:
        return True
    address = _address(host)
    return address is not None and any(address in network for network in networks)


def client_from(forwarded_for: str, entries: list[str] | tuple[str, ...]) -> str | None:
    """The first address from the right that is not one of our proxies: the only one a proxy vouches for."""
    hops = [hop.strip() for hop in forwarded_for.split(',') if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, entries):
            address = _address(hop)
            return str(address) if address else hop[:64]
    return hops[0] if hops else None


class TrustedProxyMiddleware:
    """Pure ASGI, for HTTP and the websocket alike (the socket's origin check reads the scope it marks)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        entries = get_settings().forwarded_allow_ips  # read per request: cached, and tests change it
        peer = scope['client'][0] if scope.get('client') else None
        headers = scope.get('headers', [])
        if not is_trusted(peer, entries):
            # removed, not just ignored: nothing further down (NiceGUI's X-Forwarded-Prefix, engine.io's scheme)
            # gets to believe them either
            scope['headers'] = [(k, v) for k, v in headers if not k.startswith(b'x-forwarded-') and k != b'forwarded']
            scope[FROM_PROXY] = False
            await self.app(scope, receive, send)
            return
        scope[FROM_PROXY] = True
        forwarded_for = b', '.join(v for k, v in headers if k == b'x-forwarded-for').decode('latin-1')
        proto = next(
            (v.decode('latin-1').split(',')[-1].strip().lower() for k, v in headers if k == b'x-forwarded-proto'), ''
        )
        if forwarded_for and (client := client_from(forwarded_for, entries)):
            scope['client'] = (client, 0)
        if proto in _SCHEMES:
            scope['scheme'] = proto.replace('http', 'ws') if scope['type'] == 'websocket' else proto
        await self.app(scope, receive, send)
