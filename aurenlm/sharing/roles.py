"""Roles in a notebook and what each may do: the one table every check reads (pure data, no database).

A capability names a kind of action, not a screen or a route, so the pages, the socket handlers, the jobs, the
exports and the API all ask the same question: may this role do X?
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    READ = 'read'  # open the notebook; read sources, source guides, notes and studio outputs; export; download
    CHAT = 'chat'  # ask questions in one's own private chat; take quizzes and mark flashcards for oneself
    EDIT_SOURCES = 'edit_sources'  # add, rename, retry and remove sources
    WRITE_NOTES = 'write_notes'  # create, edit, restore and delete notes; save answers and reports as notes
    GENERATE = 'generate'  # start, regenerate, cancel, edit and delete studio outputs
    SHARE = 'share'  # invite, change roles, remove members, cancel invitations, transfer ownership
    MANAGE = 'manage'  # rename and delete the notebook


OWNER, EDITOR, VIEWER = 'owner', 'editor', 'viewer'
ROLES = (OWNER, EDITOR, VIEWER)
INVITABLE = (EDITOR, VIEWER)  # an owner is made by a transfer, never by an invitation

_VIEWER = frozenset({Capability.READ, Capability.CHAT})
_EDITOR = _VIEWER | {Capability.EDIT_SOURCES, Capability.WRITE_NOTES, Capability.GENERATE}
CAPABILITIES: dict[str, frozenset[Capability]] = {
    VIEWER: _VIEWER,
    EDITOR: frozenset(_EDITOR),
    OWNER: frozenset(Capability),
}

LABELS = {OWNER: 'Owner', EDITOR: 'Editor', VIEWER: 'Viewer'}
SUMMARIES = {
    VIEWER: 'Reads the sources, notes and studio outputs, and chats privately.',
    EDITOR: 'Also adds and removes sources, generates studio outputs and writes notes.',
    OWNER: 'Also shares, renames and deletes the notebook.',
}
# what a refused person was trying to do, to finish the sentence "…but not <this>"
ACTIONS = {
    Capability.READ: 'open it',
    Capability.CHAT: 'chat in it',
    Capability.EDIT_SOURCES: 'add, rename or remove sources',
    Capability.WRITE_NOTES: 'write or change notes',
    Capability.GENERATE: 'generate or delete studio outputs',
    Capability.SHARE: 'share it or change who has access',
    Capability.MANAGE: 'rename or delete it',
}


def allows(role: str | None, capability: Capability) -> bool:
    return capability in CAPABILITIES.get(role or '', frozenset())


def label(role: str | None) -> str:
    return LABELS.get(role or '', 'No access')


def refusal(role: str | None, capability: Capability) -> str:
    """The sentence a member sees when their role does not allow an action: what they can do, and what to do next."""
    action = ACTIONS[capability]
    if role == VIEWER:
        return (
            f'You can view this notebook and chat with its sources, but not {action}. '
            'Ask its owner to make you an editor.'
        )
    if role == EDITOR:
        return f'You can edit this notebook, but not {action}: only its owner can.'
    return 'You no longer have access to this notebook. Go back to your notebooks.'
