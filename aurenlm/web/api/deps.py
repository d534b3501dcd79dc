"""Who is calling: a bearer token, its scope, its rate limit per route group, and the caller's role in the notebook
the path names. Cookies are never read here.

Routes declare what they need with the annotated types below, for example `caller: Writer`, or in full
`caller: Annotated[Caller, Depends(Access(write=True, group='upload', needs=Capability.EDIT_SOURCES))]`. Every
route that acts in a notebook declares the capability it needs (`needs`, and `via`: the path parameter that leads
to the notebook), so the routes can be listed with what they need (aurenlm/sharing/roles.py has the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aurenlm.config import get_settings
from aurenlm.models import ApiToken, User
from aurenlm.security import ratelimit, tokens
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
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
    """A dependency: authenticate the bearer token, check its scope, count the request against its group, and with
    `needs`, check that the caller's role in the notebook (reached through the `via` path parameter) allows it.

    A member whose role does not allow it gets 403 `forbidden` (audited). A caller who is not a member passes on to
    the route, which answers 404 exactly as for a missing id.
    """

    def __init__(
        self,
        *,
        write: bool = False,
        group: RateGroup = 'default',
        needs: Capability | None = None,
        via: access.Via = 'notebook_id',
    ) -> None:
        self.write, self.group, self.needs, self.via = write, group, needs, via

    def __call__(
        self, request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
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
        if self.needs is not None:
            self._check_role(found.user, request)
        return Caller(user=found.user, token=found.token)

    def _check_role(self, user: User, request: Request) -> None:
        notebook_id = access.notebook_of(user, self.via, request.path_params.get(self.via))
        if notebook_id is None:
            return
        ip = request.client.host if request.client else ''
        try:
            access.require(user, notebook_id, self.needs, where=f'{request.method} {request.url.path}', ip=ip)
        except access.Forbidden as e:
            raise ApiError(403, 'forbidden', str(e)) from None


Reader = Annotated[Caller, Depends(Access())]
Writer = Annotated[Caller, Depends(Access(write=True))]
Uploader = Annotated[Caller, Depends(Access(write=True, group='upload'))]
Asker = Annotated[Caller, Depends(Access(write=True, group='chat'))]  # a question is saved: it is a write
Generator = Annotated[Caller, Depends(Access(write=True, group='generate'))]
NotebookReader = Annotated[Caller, Depends(Access(needs=Capability.READ))]  # any member of the path's notebook
