"""Calling the REST API in tests: a token for a person, and an httpx client on the API app alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from aurenlm.models import User
from aurenlm.security import tokens
from aurenlm.web.api import create_api


def token_for(user: User, *, write: bool = True, name: str = 'tests', expires_days: int | None = None) -> str:
    return tokens.issue(user, name, can_write=write, expires_days=expires_days).token


@asynccontextmanager
async def api(token: str | None = None, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on a fresh API app; paths are relative to /api/v1."""
    if token:
        headers['Authorization'] = f'Bearer {token}'
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver', headers=headers) as client:
        yield client


def error_of(response: httpx.Response) -> dict:
    """The error object, after checking the response has exactly the API's error shape."""
    body = response.json()
    assert set(body) == {'error'}, body
    assert set(body['error']) == {'code', 'message'}, body
    assert body['error']['message'], body
    return body['error']


def assert_rate_limited(response: httpx.Response) -> int:
    """A limit's answer, the same for every route group: 429, the error shape, Retry-After in whole seconds."""
    assert response.status_code == 429, response.text
    assert error_of(response)['code'] == 'rate_limited'
    retry_after = response.headers['Retry-After']
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60, retry_after
    return int(retry_after)
