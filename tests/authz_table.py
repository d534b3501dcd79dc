"""The authorization matrix of issue 11, as data: who may do what to the team notebook, through every door.

Columns are the callers (authz_world.CALLERS): anonymous, the owner, an editor, a viewer, a stranger (signed in, not a
member), a disabled person (a member until an admin disabled the account), an admin who is not a member, and a
read-only API token of the owner. Rows are the doors, four kinds of them:

1. API: every route of the REST API app (aurenlm/web/api), 'METHOD /path' as the app declares it. People call with a
   read+write token of their own; anonymous sends none.
2. HTTP: every other route main.py serves that reads or changes data (downloads, exports, the account ZIP, sign-in
   and sign-out, the API docs). People call with their sign-in cookie; the token column sends the read-only token
   instead, which these routes must ignore. Static files and NiceGUI's own scripts are left out by rule
   (test_authz_matrix.static_route).
3. PAGES: every NiceGUI page, opened in the simulated browser with the caller's cookie.
4. SERVICES: the socket-event layer. Every function a UI event handler calls to read or change data, called as a
   forged event would call it: directly, with the caller's user and the team notebook's ids. An event from a page
   whose session was lost (the disabled person's) never reaches a handler: main.py drops it, hence 'signed out'.
   Anonymous pages have no handler that takes a notebook's ids, and tokens do not drive pages: 'n/a'.

The rule of issue 11: a viewer reads and chats (each member's chat is private); an editor also writes sources, notes
and studio outputs; the owner also shares, renames and deletes. A stranger and an admin who is not a member get the
same answer as for a missing notebook. A read-only token cannot write. A disabled person is signed out everywhere.
Admin pages and admin actions are for admins only.

A row whose key ends in ' [...]' is a variant: the same door with another target (an export's scope, another
member's private answer, a capability).
"""

from __future__ import annotations

Row = tuple[object, object, object, object, object, object, object, object]

# -- outcomes ---------------------------------------------------------------------------------------------------------

OK = 'ok'  # allowed, and it did what was asked
HIDDEN = 'not found'  # the same answer as for a missing id: existence is not revealed
DENIED = 'forbidden'  # a member whose role does not allow it: refused with the reason, and audited
REFUSED = 'refused'  # refused for another reason, with a message saying what to do (the owner leaving, say)
NOT_ADMIN = 'not admin'  # an admin action by anyone else
SIGNED_OUT = 'signed out'  # the page's events stop: its session died with the disabled account
LOGIN = 'login'  # the page sends the browser to the sign-in page
HOME = 'home'  # the page sends a signed-in person home (the sign-in page, say)
NA = 'n/a'
TO_LOGIN = '303 /login'  # an HTTP redirect to the sign-in page


# -- the API: people with a read+write token of their own --------------------------------------------------------------
#            anonymous owner editor viewer stranger disabled admin read-only token


def api_reads(ok: int = 200) -> Row:
    """Any member reads, with any token."""
    return (401, ok, ok, ok, 404, 401, 404, ok)


def api_chats(ok: int = 200) -> Row:
    """Any member, but it saves something of theirs: not with a read-only token."""
    return (401, ok, ok, ok, 404, 401, 404, 403)


def api_edits(ok: int) -> Row:
    """Editors and the owner."""
    return (401, ok, ok, 403, 404, 401, 404, 403)


def api_owns(ok: int) -> Row:
    """The owner alone."""
    return (401, ok, 403, 403, 404, 401, 404, 403)


API: dict[str, Row] = {
    'GET /openapi.json': (200, 200, 200, 200, 200, 200, 200, 200),  # the contract is public
    'GET /notebooks': (401, 200, 200, 200, 200, 401, 200, 200),  # one's own list
    'POST /notebooks': (401, 201, 201, 201, 201, 401, 201, 403),  # one's own new notebook
    'GET /notebooks/{notebook_id}': api_reads(),
    'PATCH /notebooks/{notebook_id}': api_owns(200),
    'DELETE /notebooks/{notebook_id}': api_owns(204),
    'GET /notebooks/{notebook_id}/members': api_reads(),
    'POST /notebooks/{notebook_id}/members': api_owns(201),
    'PATCH /notebooks/{notebook_id}/members/{user_id}': api_owns(200),
    'DELETE /notebooks/{notebook_id}/members/{user_id}': api_owns(204),
    'GET /notebooks/{notebook_id}/invitations': (401, 200, 403, 403, 404, 401, 404, 200),  # the owner's to read
    'DELETE /notebooks/{notebook_id}/invitations/{invitation_id}': api_owns(204),
    'POST /notebooks/{notebook_id}/sources': api_edits(202),
    'GET /notebooks/{notebook_id}/sources': api_reads(),
    'GET /sources/{source_id}': api_reads(),
    'GET /sources/{source_id}/text': api_reads(),
    'GET /sources/{source_id}/file': api_reads(),
    'DELETE /sources/{source_id}': api_edits(204),
    'GET /jobs/{job_id}': api_reads(),
    'POST /notebooks/{notebook_id}/chat': api_chats(),
    'GET /notebooks/{notebook_id}/messages': api_reads(),
    'POST /notebooks/{notebook_id}/artifacts': api_edits(202),
    'GET /artifacts/{artifact_id}': api_reads(),
    'POST /artifacts/{artifact_id}/attempts': api_chats(),
    'GET /notebooks/{notebook_id}/notes': api_reads(),
    'POST /notebooks/{notebook_id}/notes': api_edits(201),
    'GET /notes/{note_id}': api_reads(),
    'PATCH /notes/{note_id}': api_edits(200),
    'DELETE /notes/{note_id}': api_edits(204),
    'GET /notes/{note_id}/versions': api_reads(),
    'GET /notebooks/{notebook_id}/export': api_reads(),
}


# -- other HTTP routes: people with their sign-in cookie; the token column sends a token, which is not a cookie -------

BROWSER_READS: Row = (401, 200, 200, 200, 404, 401, 404, 401)
EVERYONE: Row = (200, 200, 200, 200, 200, 200, 200, 200)
ALL_TO_LOGIN: Row = (TO_LOGIN,) * 8

HTTP: dict[str, Row] = {
    'GET /health': EVERYONE,
    'GET /ready': EVERYONE,
    'GET /api/docs': EVERYONE,
    'GET /auth/complete': ALL_TO_LOGIN,  # without a ticket redeemed in this very browser nobody is signed in
    'GET /auth/sign-out': ALL_TO_LOGIN,
    'GET /auth/oidc/start': ALL_TO_LOGIN,  # single sign-on is not configured in this world: back with a message
    'GET /auth/oidc/callback': ALL_TO_LOGIN,  # no flow was started in this browser
    'GET /download/source/{source_id}': BROWSER_READS,
    'GET /export/{scope}/{item_id} [notebook]': BROWSER_READS,
    'GET /export/{scope}/{item_id} [note]': BROWSER_READS,
    'GET /export/{scope}/{item_id} [chat]': BROWSER_READS,  # one's own chat of the notebook
    'GET /export/{scope}/{item_id} [artifact]': BROWSER_READS,
    'GET /account/export': (401, 200, 200, 200, 200, 401, 200, 401),  # one's own data
}


# -- pages, in the simulated browser with the caller's cookie -------------------------------------------------------

LISTED, UNLISTED = 'lists the team notebook', 'does not list it'
SIGN_IN_AS_INVITED, JOINS = 'asks to sign in as the invited address', 'joins and opens the notebook'
OWNER_VIEW, EDITOR_VIEW, VIEWER_VIEW = 'owner view', 'editor view', 'viewer view'
PUBLIC: Row = (OK, OK, OK, OK, OK, OK, OK, NA)

PAGES: dict[str, Row] = {
    '/': (LOGIN, LISTED, LISTED, LISTED, UNLISTED, LOGIN, UNLISTED, NA),
    '/notebook/{notebook_id}': (LOGIN, OWNER_VIEW, EDITOR_VIEW, VIEWER_VIEW, HIDDEN, LOGIN, HIDDEN, NA),
    '/settings': (LOGIN, OK, OK, OK, OK, LOGIN, OK, NA),
    '/admin': (LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, LOGIN, OK, NA),
    '/two-factor': (LOGIN, HOME, HOME, HOME, HOME, LOGIN, HOME, NA),  # 2FA is not required here: nothing to set up
    '/login': (OK, HOME, HOME, HOME, HOME, OK, HOME, NA),
    '/register': PUBLIC,
    '/forgot': PUBLIC,
    '/reset': PUBLIC,  # without a valid link it says the link expired
    '/account-deleted': PUBLIC,
    # the link of an invitation to the stranger's address (into a copy of the team notebook): only they can use it
    '/invite/{token}': (SIGN_IN_AS_INVITED, REFUSED, REFUSED, REFUSED, JOINS, SIGN_IN_AS_INVITED, REFUSED, NA),
}


# -- the socket-event layer: service calls with the caller's user ---------------------------------------------------


def service(*, owner: object, editor: object, viewer: object, stranger: object, admin: object) -> Row:
    """A service row: anonymous and token 'n/a', and the disabled person's page 'signed out' (see the docstring)."""
    return (NA, owner, editor, viewer, stranger, SIGNED_OUT, admin, NA)


READS = service(owner=OK, editor=OK, viewer=OK, stranger=HIDDEN, admin=HIDDEN)
CHATS = READS  # every member, in their own chat or practice: another member's stays private (THE_OWNERS_OWN)
EDITS = service(owner=OK, editor=OK, viewer=DENIED, stranger=HIDDEN, admin=HIDDEN)
OWNS = service(owner=OK, editor=DENIED, viewer=DENIED, stranger=HIDDEN, admin=HIDDEN)
THE_OWNERS_OWN = service(owner=OK, editor=HIDDEN, viewer=HIDDEN, stranger=HIDDEN, admin=HIDDEN)
OWN_ACCOUNT = service(owner=OK, editor=OK, viewer=OK, stranger=OK, admin=OK)  # acts on the caller's own account
ADMIN_ONLY = service(owner=NOT_ADMIN, editor=NOT_ADMIN, viewer=NOT_ADMIN, stranger=NOT_ADMIN, admin=OK)

SERVICES: dict[str, Row] = {
    # sharing
    'sharing.service.list_members': READS,
    'sharing.service.list_invitations': OWNS,  # they hold other people's addresses
    'sharing.service.invite': OWNS,
    'sharing.service.change_role': OWNS,
    'sharing.service.remove_member': OWNS,
    'sharing.service.cancel_invitation': OWNS,
    'sharing.service.transfer': OWNS,
    'sharing.service.rename_notebook': OWNS,
    'sharing.service.delete_notebook': OWNS,
    'sharing.service.leave': service(owner=REFUSED, editor=OK, viewer=OK, stranger=HIDDEN, admin=HIDDEN),
    'sharing.invitations.link': OWNS,  # "Copy invite link"
    "sharing.invitations.accept [an invitation to the caller's address]": OWN_ACCOUNT,
    'sharing.invitations.accept [an invitation to someone else]': service(
        owner=REFUSED, editor=REFUSED, viewer=REFUSED, stranger=REFUSED, admin=REFUSED
    ),
    'sharing.access.role_of': service(owner='owner', editor='editor', viewer='viewer', stranger=None, admin=None),
    'sharing.access.can [edit_sources]': service(owner=True, editor=True, viewer=False, stranger=False, admin=False),
    'sharing.access.require [read]': READS,
    'sharing.access.require [chat]': CHATS,
    'sharing.access.require [edit_sources]': EDITS,
    'sharing.access.require [write_notes]': EDITS,
    'sharing.access.require [generate]': EDITS,
    'sharing.access.require [share]': OWNS,
    'sharing.access.require [manage]': OWNS,
    'sharing.access.notebook_of [source_id]': READS,
    # sources
    'sources.service.for_download': READS,
    'sources.service.add_upload': EDITS,
    'sources.service.add_url': EDITS,
    'sources.service.add_text': EDITS,
    'sources.service.retry': EDITS,
    'sources.service.rename': EDITS,
    'sources.service.delete': EDITS,
    # the rows and files of a whole notebook; handlers reach it through sharing.service.delete_notebook, which checks
    # and audits: called directly it deletes only the owner's own notebook and is a no-op for anyone else
    'sources.service.delete_notebook': THE_OWNERS_OWN,
    # notes
    'notes.service.get': READS,
    'notes.service.list_notes': READS,
    'notes.service.versions': READS,
    'notes.service.version': READS,
    'notes.service.create': EDITS,
    'notes.service.update': EDITS,
    'notes.service.restore': EDITS,
    'notes.service.delete': EDITS,
    'notes.service.undelete': EDITS,
    'notes.service.from_answer': EDITS,  # one's own answer, saved as a note of the notebook
    'notes.service.from_artifact': EDITS,
    'notes.service.use_as_source': EDITS,
    # chat: every member, in their own private chat
    'chat.service.check_rate': OWN_ACCOUNT,  # a per-person limit; it reads and changes nothing of a notebook
    'chat.service.ask': CHATS,
    'chat.service.regenerate': CHATS,
    'chat.versions.versions': CHATS,
    "chat.versions.versions [another member's answer]": THE_OWNERS_OWN,
    'chat.versions.edit_question': CHATS,
    # studio
    'studio.artifacts.get': READS,
    'studio.artifacts.list_for': READS,
    'studio.artifacts.lineages': READS,
    'studio.artifacts.versions': READS,
    'studio.artifacts.start': EDITS,
    'studio.artifacts.regenerate': EDITS,
    'studio.artifacts.cancel': EDITS,
    'studio.artifacts.delete': EDITS,
    'studio.artifacts.save_mindmap_edit': EDITS,
    'studio.practice.submit_attempt': CHATS,  # one's own practice
    'studio.practice.attempts': CHATS,
    'studio.practice.mark_card': CHATS,
    'studio.practice.marks': CHATS,
    # export and import
    'exchange.export.notebook_bundle': READS,
    'exchange.export.note_bundle': READS,
    'exchange.export.chat_bundle': READS,
    'exchange.export.artifact_bundle': READS,
    'exchange.export.export_notebook': READS,
    'exchange.export.export_note': READS,
    'exchange.export.export_chat': READS,
    'exchange.export.export_artifact': READS,
    'exchange.importer.import_notebook': OWN_ACCOUNT,  # a new notebook of one's own
    # the admin's actions, on a newcomer's account or the instance
    'accounts.admin.require_admin': ADMIN_ONLY,
    'accounts.admin.is_admin': service(owner=False, editor=False, viewer=False, stranger=False, admin=True),
    'accounts.admin.check_can_remove': ADMIN_ONLY,
    'accounts.admin.shared_notebooks': ADMIN_ONLY,
    'accounts.admin.list_users': ADMIN_ONLY,
    'accounts.admin.disable': ADMIN_ONLY,
    'accounts.admin.enable': ADMIN_ONLY,
    'accounts.admin.reset_two_factor': ADMIN_ONLY,
    'accounts.admin.cut_off': ADMIN_ONLY,
    'accounts.admin.set_quotas': ADMIN_ONLY,
    'accounts.admin.set_admin': ADMIN_ONLY,
    'accounts.admin.delete': ADMIN_ONLY,
    'accounts.admin.set_registration_policy': ADMIN_ONLY,
    'accounts.admin.set_require_2fa': ADMIN_ONLY,
    'accounts.admin.audit_entries': ADMIN_ONLY,
    'accounts.admin.audit_actions': ADMIN_ONLY,
    # one's own account
    'accounts.archive.account_archive': OWN_ACCOUNT,
    'accounts.deletion.shared_notebooks_owned': OWN_ACCOUNT,
    'accounts.deletion.delete_user [own account]': OWN_ACCOUNT,
    'accounts.deletion.proof_asked': OWN_ACCOUNT,
    'accounts.deletion.delete_own_account': OWN_ACCOUNT,
    "accounts.deletion.delete_user [a teammate's account]": service(
        owner=REFUSED, editor=REFUSED, viewer=REFUSED, stranger=REFUSED, admin=OK
    ),
    'accounts.password_change.change_password': OWN_ACCOUNT,
    'security.sessions.active': OWN_ACCOUNT,
    'security.sessions.issue_ticket': OWN_ACCOUNT,
    'security.sessions.revoke_all': OWN_ACCOUNT,
    'security.sessions.revoke_others': OWN_ACCOUNT,
    "security.sessions.revoke_session [the owner's session]": THE_OWNERS_OWN,
    'security.tokens.issue': OWN_ACCOUNT,
    "security.tokens.revoke [the owner's token]": THE_OWNERS_OWN,
    'security.totp.start': OWN_ACCOUNT,
    'security.totp.confirm': OWN_ACCOUNT,
    'security.totp.disable': OWN_ACCOUNT,
    'security.totp.regenerate_recovery_codes': OWN_ACCOUNT,
    'security.totp.must_enrol': OWN_ACCOUNT,
    'repos.audit.for_user': OWN_ACCOUNT,  # one's own activity log
    'repos.tokens.list_for': OWN_ACCOUNT,
    'repos.users.set_dark_mode': OWN_ACCOUNT,
    # repositories the components read and write directly
    'repos.notebooks.create': OWN_ACCOUNT,
    'repos.notebooks.list_for': service(owner=LISTED, editor=LISTED, viewer=LISTED, stranger=UNLISTED, admin=UNLISTED),
    'repos.notebooks.get': READS,
    'repos.notebooks.deselected_sources': CHATS,  # each member's own choice of sources
    'repos.notebooks.set_deselected_sources': CHATS,
    'repos.sources.list_for': READS,
    'repos.sources.get': READS,
    'repos.sources.page': READS,
    'repos.sources.chunk': READS,
    'repos.messages.page': CHATS,
    'repos.messages.get': CHATS,
    "repos.messages.get [another member's answer]": THE_OWNERS_OWN,
    'repos.messages.clear': CHATS,
}

# public functions that fit the rule (test_authz_matrix.entry_points) but are no door of their own, and why
NOT_ENTRY_POINTS: dict[str, str] = {
    'accounts.quotas.source_problem': 'a check sources.service makes after its role check; it changes nothing',
    'accounts.quotas.storage_problem': 'a check sources.service makes after its role check; it changes nothing',
    'accounts.quotas.import_problem': 'a check the importer makes for the importer’s own new notebook',
}
