"""/notebooks/{id}/members and /invitations: who is in a notebook, with what role, and who is invited.

Every member may list the members; only the owner may invite, change roles, remove members and cancel invitations
(403 `forbidden` for other members, 404 for everyone else, as for a missing notebook).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from aurenlm import repos
from aurenlm.models import Invitation
from aurenlm.repos.members import Member
from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from aurenlm.web.api import pagination
from aurenlm.web.api.deps import Access, Caller, NotebookReader
from aurenlm.web.api.errors import ApiError, responses
from aurenlm.web.api.notebooks import not_found as notebook_not_found
from aurenlm.web.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from aurenlm.web.api.schemas import UtcDatetime

router = APIRouter(tags=['members'])
Owner = Annotated[Caller, Depends(Access(write=True, needs=Capability.SHARE))]
OwnerReading = Annotated[Caller, Depends(Access(needs=Capability.SHARE))]
Role = Literal['owner', 'editor', 'viewer']
InvitableRole = Literal['editor', 'viewer']


class MemberOut(BaseModel):
    user_id: str
    email: str
    name: str
    role: Role

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(user_id=m.user_id, email=m.email, name=m.name, role=m.role)


class MemberPage(Page[MemberOut]):
    pass


class MemberIn(BaseModel):
    email: str = Field(min_length=1, max_length=320, examples=['teammate@example.org'])
    role: InvitableRole = Field(examples=['viewer'])


class RoleIn(BaseModel):
    role: InvitableRole = Field(description='To make someone the owner, the owner transfers ownership in the UI.')


class InvitedOut(BaseModel):
    invitation_id: str
    invite_url: str = Field(
        description='The invitation link, to hand to the invitee yourself: only it accepts the invitation. Absolute '
        'when the server knows its PUBLIC_URL, a path otherwise. It works once, until it expires (INVITATION_DAYS).'
    )
    mailed: Literal['sent', 'failed', 'off'] = Field(
        description='sent: mailed to the address; failed: the mail server refused it (the invitation stands); '
        'off: this server sends no mail.'
    )


class InvitationOut(BaseModel):
    id: str
    email: str
    role: InvitableRole
    created_at: UtcDatetime

    @classmethod
    def of(cls, i: Invitation) -> InvitationOut:
        return cls(id=i.id, email=i.email, role=i.role, created_at=i.created_at)


class InvitationPage(Page[InvitationOut]):
    pass


def _member_not_found() -> ApiError:
    return ApiError(404, 'not_found', 'No such member of this notebook. List them with GET /notebooks/{id}/members.')


def _refused(e: sharing.SharingError) -> ApiError:
    if isinstance(e, sharing.SharingForbidden):
        return ApiError(403, 'forbidden', str(e))
    status = 409 if e.code == 'already_member' else 422
    return ApiError(status, e.code, str(e))


def _in_notebook(caller: Caller, notebook_id: str) -> None:
    if repos.notebooks.get(caller.user, notebook_id) is None:
        raise notebook_not_found()


@router.get('/notebooks/{notebook_id}/members', summary='List the members of a notebook, in the order they joined')
def list_members(
    notebook_id: str, caller: NotebookReader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> MemberPage:
    rows = sharing.list_members(caller.user, notebook_id, limit=limit + 1, after=pagination.decode(cursor))
    if rows is None:
        raise notebook_not_found()
    page, next_cursor = pagination.cut(rows, limit, lambda m: (m.joined_at, m.user_id))
    return MemberPage(items=[MemberOut.of(m) for m in page], next_cursor=next_cursor)


@router.post(
    '/notebooks/{notebook_id}/members',
    status_code=201,
    summary='Share the notebook with an email address, as viewer or editor (the owner only)',
    description='201 with the new member when the address has an account; 202 with `invitation_id` and '
    '`invite_url` when it has none yet: the invitation is accepted only through that link (mailed when the server '
    'sends mail), by registering through it or by opening it signed in as that address.',
    responses={
        202: {'model': InvitedOut, 'description': 'Invited: the address has no account yet'},
        **responses(403, 409, 422),
    },
)
def add_member(notebook_id: str, body: MemberIn, caller: Owner) -> MemberOut:
    _in_notebook(caller, notebook_id)
    try:
        invited = sharing.invite(caller.user, notebook_id, body.email, body.role)
    except sharing.SharingError as e:
        raise _refused(e) from None
    if invited is None:
        raise notebook_not_found()
    if invited.invitation is not None:
        invitation = invited.invitation
        url = invite_links.url_of(invitation) or invite_links.path_of(invitation)
        mailed = invite_links.deliver(invitation)  # a sync route runs in a worker thread: the mail blocks nobody
        out = InvitedOut(invitation_id=invitation.id, invite_url=url, mailed=mailed.value)
        return JSONResponse(out.model_dump(), status_code=202)  # type: ignore[return-value]
    assert invited.member is not None
    return MemberOut.of(invited.member)


@router.patch(
    '/notebooks/{notebook_id}/members/{user_id}',
    summary="Change a member's role to viewer or editor (the owner only)",
    responses=responses(403, 422),
)
def change_role(notebook_id: str, user_id: str, body: RoleIn, caller: Owner) -> MemberOut:
    _in_notebook(caller, notebook_id)
    try:
        member = sharing.change_role(caller.user, notebook_id, user_id, body.role)
    except sharing.SharingError as e:
        raise _refused(e) from None
    if member is None:
        raise _member_not_found()
    return MemberOut.of(member)


@router.delete(
    '/notebooks/{notebook_id}/members/{user_id}',
    status_code=204,
    summary='Remove a member from the notebook (the owner only)',
    responses=responses(403, 422),
)
def remove_member(notebook_id: str, user_id: str, caller: Owner) -> Response:
    _in_notebook(caller, notebook_id)
    try:
        removed = sharing.remove_member(caller.user, notebook_id, user_id)
    except sharing.SharingError as e:
        raise _refused(e) from None
    if not removed:
        raise _member_not_found()
    return Response(status_code=204)


@router.get(
    '/notebooks/{notebook_id}/invitations',
    summary='List the invitations waiting for their addresses to register (the owner only)',
    responses=responses(403),
)
def list_invitations(notebook_id: str, caller: OwnerReading) -> InvitationPage:
    _in_notebook(caller, notebook_id)
    rows = sharing.list_invitations(caller.user, notebook_id)
    if rows is None:
        raise notebook_not_found()
    return InvitationPage(items=[InvitationOut.of(i) for i in rows], next_cursor=None)


@router.delete(
    '/notebooks/{notebook_id}/invitations/{invitation_id}',
    status_code=204,
    summary='Cancel an invitation (the owner only)',
    responses=responses(403),
)
def cancel_invitation(notebook_id: str, invitation_id: str, caller: Owner) -> Response:
    _in_notebook(caller, notebook_id)
    if not sharing.cancel_invitation(caller.user, notebook_id, invitation_id):
        raise ApiError(404, 'not_found', 'No such invitation. List them with GET /notebooks/{id}/invitations.')
    return Response(status_code=204)
