"""Who is calling: a bearer token, its scope, and its rate limit per route group. Cookies are never read here.

Routes declare what they need with the annotated types below, for example `caller: Writer`, or for a route in
another rate group `caller: Annotated[Caller, Depends(Access(write=True, group='chat'))]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aurenlm.config import get_settings
from aurenlm.models import ApiToken, User
from aurenlm.security import ratelimit, tokens
from aurenlm.web.api.errors import ApiError, rate_limited

RateGroup = Literal['chat', 'upload', 'generate', 'default']

bearer = HTTPBearer(
    auto_error=False,
    scheme_name='token',
    bearerFormat='aur_…',
    description='A personal access token from the Settings page or `python -m aurenlm create-token`.',
)


@dataclass
class Caller:
    user: User
    token: ApiToken


def rate_rule(group: RateGroup) -> str:
    settings = get_settings()
    return {
        'chat': settings.rate_api_chat,
        'upload': settings.rate_api_upload,
        'generate': settings.rate_api_generate,
    }.get(group, settings.rate_api_default)


class Access:
    """A dependency: authenticate the bearer token, check its scope, count the request against its group."""

    def __init__(self, *, write: bool = False, group: RateGroup = 'default') -> None:
        self.write, self.group = write, group

    def __call__(self, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
        if not get_settings().feature_api:
            raise ApiError(403, 'api_disabled', 'The API is turned off on this server. Ask its administrator.')
        try:
            found = tokens.authenticate(credentials.credentials if credentials else None)
        except tokens.TokenRejected as e:
            raise ApiError(401, e.code, e.message, headers={'WWW-Authenticate': 'Bearer'}) from None
        if self.write and not found.token.can_write:
            raise ApiError(
                403,
                'read_only_token',
                'This token can only read. Create a token with read and write access on the Settings page.',
            )
        verdict = ratelimit.hit(rate_rule(self.group), 'api', self.group, found.token.id)
        if not verdict.allowed:
            raise rate_limited(
                verdict.retry_after, f'Too many requests with this token. Wait {verdict.retry_after} s and try again.'
            )
        return Caller(user=found.user, token=found.token)


Reader = Annotated[Caller, Depends(Access())]
Writer = Annotated[Caller, Depends(Access(write=True))]
Uploader = Annotated[Caller, Depends(Access(write=True, group='upload'))]
Asker = Annotated[Caller, Depends(Access(write=True, group='chat'))]  # a question is saved: it is a write
Generator = Annotated[Caller, Depends(Access(write=True, group='generate'))]
