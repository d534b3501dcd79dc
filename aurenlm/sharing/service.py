"""Sharing a notebook, as its Share dialog and the members API do it: invite by email as a viewer or an editor (or
leave an invitation for an address with no account yet, which `repos.users.create` accepts when it registers),
change a member's role, remove a member, cancel an
invitation, transfer ownership, leave; and the owner's own rename and delete of the notebook.

Every call takes the acting person first and is checked by `access`; every change is audited, naming the member it
concerns as the target, so it shows in their own activity log too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aurenlm import events, repos
from aurenlm.models import Invitation, Notebook, User
from aurenlm.repos import members
from aurenlm.repos.members import Member
from aurenlm.repos.notebooks import NotebookError
from aurenlm.sharing import access, roles
from aurenlm.sharing.access import Forbidden, guarded
from aurenlm.sharing.roles import INVITABLE, OWNER, Capability
from aurenlm.sources import service as sources


class SharingError(ValueError):
    """A sharing request that cannot be done as asked; the message says why and what to do instead. `code` names the
    case for the API (`invalid`, or `already_member`)."""

    code = 'invalid'

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class SharingForbidden(Forbidden, SharingError):
    """The acting member's role does not allow this (only the owner shares)."""


@dataclass
class Invited:
    """What an invitation made: a member (the address has an account) or a pending invitation (it has none yet)."""

    member: Member | None = None
    invitation: Invitation | None = None


def _announce(notebook_id: str, user_id: str, role: str | None) -> None:
    """Open pages of that member react at once: a removed one closes, a changed one reloads (components)."""
    events.publish(events.notebook_topic(notebook_id), {'type': 'member', 'user_id': user_id, 'role': role})


def _audit(user: User, action: str, notebook_id: str, *, target_id: str | None = None, **detail: object) -> None:
    repos.audit.record(
        user.id, action, ip=access.client_ip.get(), target_id=target_id, notebook_id=notebook_id, **detail
    )


def _member(user: User, notebook_id: str, member_id: str) -> Member | None:
    return next((m for m in members.page(user, notebook_id, limit=10_000) if m.user_id == member_id), None)


def _check_role(role: str) -> str:
    if role not in INVITABLE:
        raise SharingError('Choose Viewer or Editor. To make someone the owner, transfer ownership to them.')
    return role


# -- reading ------------------------------------------------------------------------------------------------------


@guarded(Capability.READ, via='notebook_id')
def list_members(
    user: User, notebook_id: str, *, limit: int = 100, after: tuple[datetime, str] | None = None
) -> list[Member] | None:
    """Everyone in the notebook, in the order they joined; None when the user is not a member."""
    return members.page(user, notebook_id, limit=limit, after=after)


@guarded(Capability.SHARE, via='notebook_id', refuse=SharingForbidden)
def list_invitations(user: User, notebook_id: str) -> list[Invitation] | None:
    """Invitations waiting for their addresses to register (the owner's to see: they hold other people's emails)."""
    return members.invitations(user, notebook_id)


# -- the owner's changes ------------------------------------------------------------------------------------------


@guarded(Capability.SHARE, via='notebook_id', refuse=SharingForbidden)
def invite(user: User, notebook_id: str, email: str, role: str) -> Invited | None:
    """Share with `email` as `role`. A person with an account becomes a member at once; an address without one gets
    an invitation that is accepted when it registers. None when the notebook is not the user's."""
    address = repos.users.normalise_email(email or '')
    if not repos.users.valid_email(address):
        raise SharingError('Enter a valid email address, like name@example.com.')
    role = _check_role(role)
    if address == user.email:
        raise SharingError('That is your own address: you own this notebook already. Enter a teammate’s email.')
    invitee = repos.users.by_email(address)
    if invitee is None:
        invitation = members.invite(notebook_id, address, role, user.id)
        _audit(user, 'notebook_invited', notebook_id, email=address, role=role)
        return Invited(invitation=invitation)
    present = members.role_of(invitee.id, notebook_id)
    if present is not None or not members.add(notebook_id, invitee.id, role):
        held = roles.label(present or members.role_of(invitee.id, notebook_id)).lower()
        raise SharingError(
            f'{address} is already a member, as {held}. Change their role in the list of members.',
            code='already_member',
        )
    _audit(user, 'notebook_shared', notebook_id, target_id=invitee.id, role=role)
    _announce(notebook_id, invitee.id, role)
    return Invited(member=_member(user, notebook_id, invitee.id))


@guarded(Capability.SHARE, via='notebook_id', refuse=SharingForbidden)
def change_role(user: User, notebook_id: str, member_id: str, role: str) -> Member | None:
    """Make a member a viewer or an editor. None when they are not a member (any more)."""
    role = _check_role(role)
    present = members.role_of(member_id, notebook_id)
    if present is None:
        return None
    if present == OWNER:
        raise SharingError('The owner’s role cannot be changed. Transfer ownership to another member instead.')
    if present != role:
        members.set_role(notebook_id, member_id, role)
        _audit(user, 'member_role_changed', notebook_id, target_id=member_id, role=role, previous=present)
        _announce(notebook_id, member_id, role)
    return _member(user, notebook_id, member_id)


@guarded(Capability.SHARE, via='notebook_id', missing=False, refuse=SharingForbidden)
def remove_member(user: User, notebook_id: str, member_id: str) -> bool:
    """Take a member out of the notebook; their open pages lose access on their next action. False when they were
    not a member."""
    present = members.role_of(member_id, notebook_id)
    if present is None:
        return False
    if present == OWNER:
        raise SharingError('The owner cannot be removed. Transfer ownership first, or delete the notebook.')
    members.remove(notebook_id, member_id)
    _audit(user, 'notebook_unshared', notebook_id, target_id=member_id, previous=present)
    _announce(notebook_id, member_id, None)
    return True


@guarded(Capability.SHARE, via='notebook_id', missing=False, refuse=SharingForbidden)
def cancel_invitation(user: User, notebook_id: str, invitation_id: str) -> bool:
    invitation = members.invitation(notebook_id, invitation_id)
    if invitation is None or not members.cancel_invitation(notebook_id, invitation_id):
        return False
    _audit(user, 'invitation_cancelled', notebook_id, email=invitation.email, role=invitation.role)
    return True


@guarded(Capability.SHARE, via='notebook_id', missing=False, refuse=SharingForbidden)
def transfer(user: User, notebook_id: str, new_owner_id: str) -> bool:
    """Hand the notebook to another member; the old owner stays on as an editor."""
    if new_owner_id == user.id:
        raise SharingError('You own this notebook already. Choose another member.')
    if members.role_of(new_owner_id, notebook_id) is None:
        raise SharingError('Only a member can become the owner. Invite them first, then transfer.')
    if not members.transfer(notebook_id, user.id, new_owner_id):
        raise SharingError('The notebook changed meanwhile. Reload the page and try again.')
    _audit(user, 'ownership_transferred', notebook_id, target_id=new_owner_id)
    _announce(notebook_id, new_owner_id, OWNER)
    _announce(notebook_id, user.id, 'editor')
    return True


@guarded(Capability.MANAGE, via='notebook_id', refuse=SharingForbidden)
def rename_notebook(user: User, notebook_id: str, title: str) -> Notebook | None:
    """Raises NotebookError for a bad title."""
    return repos.notebooks.rename(user, notebook_id, title)


@guarded(Capability.MANAGE, via='notebook_id', missing=False, refuse=SharingForbidden)
def delete_notebook(user: User, notebook_id: str) -> bool:
    """The notebook with everything in it, for every member, and its stored files; members' open pages close."""
    others = [m.user_id for m in members.page(user, notebook_id, limit=10_000) if m.user_id != user.id]
    if not sources.delete_notebook(user, notebook_id):
        return False
    _audit(user, 'notebook_deleted', notebook_id, members=len(others))
    for member_id in others:
        _announce(notebook_id, member_id, None)
    return True


# -- anyone's own membership --------------------------------------------------------------------------------------


@guarded(Capability.READ, via='notebook_id', missing=False)
def leave(user: User, notebook_id: str) -> bool:
    """Leave a notebook shared with you. The owner cannot: they transfer ownership first (or delete it)."""
    if members.role_of(user.id, notebook_id) == OWNER:
        raise SharingError(
            'You own this notebook. Transfer ownership to another member before you leave, or delete the notebook.'
        )
    if not members.remove(notebook_id, user.id):
        return False
    repos.audit.record(user.id, 'notebook_left', ip=access.client_ip.get(), notebook_id=notebook_id)
    _announce(notebook_id, user.id, None)
    return True


__all__ = [
    'Invited',
    'NotebookError',
    'SharingError',
    'SharingForbidden',
    'cancel_invitation',
    'change_role',
    'delete_notebook',
    'invite',
    'leave',
    'list_invitations',
    'list_members',
    'remove_member',
    'rename_notebook',
    'transfer',
]
