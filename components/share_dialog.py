"""The Share dialog, like NotebookLM's: the owner adds people by email as Viewer or Editor, changes roles, removes
members, cancels invitations and transfers ownership; every other member sees who is in and can leave."""

from __future__ import annotations

import json
from collections.abc import Callable

from nicegui import run, ui

from aurenlm.config import get_settings
from aurenlm.repos.members import Member
from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import roles
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from components import dialogs
from components.notebook_state import NotebookState

ROLE_OPTIONS = {'viewer': 'Viewer', 'editor': 'Editor'}


class ShareDialog:
    """One per open notebook page; `open()` shows it with the current members."""

    def __init__(self, state: NotebookState) -> None:
        self.state = state
        self.owner = state.can(Capability.SHARE)
        with ui.dialog() as self.dialog, ui.card().classes('w-full max-w-lg gap-3').mark('share-dialog'):
            with ui.row().classes('w-full items-center justify-between no-wrap'):
                heading = ui.label('').classes('text-lg font-semibold truncate')
                heading.text = (
                    f'Share “{state.notebook.title}”' if self.owner else f'People in “{state.notebook.title}”'
                )
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label="Close"')
            if self.owner:
                self._invite_form()
            ui.label('People with access').classes('auren-pane-title')
            self.people = ui.column().classes('w-full gap-1').mark('share-members')
            self.invited = ui.column().classes('w-full gap-1').mark('share-invitations')
            ui.separator()
            with ui.column().classes('w-full gap-0 text-xs text-slate-500'):
                for role in (roles.VIEWER, roles.EDITOR, roles.OWNER):
                    ui.label(f'{roles.label(role)}: {roles.SUMMARIES[role]}')
            if not self.owner:
                with ui.row().classes('w-full justify-end'):
                    ui.button('Leave notebook', icon='logout', on_click=self._leave).props(
                        'flat no-caps color=negative aria-label="Leave notebook"'
                    ).mark('leave-notebook')

    def _invite_form(self) -> None:
        ui.label('Add people by email. Someone without an account gets an invite link to sign up with.').classes(
            'text-sm text-slate-600'
        )
        with ui.row().classes('w-full items-start no-wrap gap-2'):
            self.email = (
                ui.input('Email', placeholder='teammate@example.org')
                .props('outlined dense type=email autocomplete=off aria-label="Email address to share with"')
                .classes('flex-grow')
                .mark('share-email')
            )
            self.email.on('keydown.enter', self._send)
            self.role = (
                ui.toggle(ROLE_OPTIONS, value='viewer')
                .props('no-caps unelevated toggle-color=primary color=grey-3 text-color=grey-9 aria-label="Role"')
                .mark('share-role')
            )
            ui.button('Send', icon='send', on_click=self._send).props('unelevated no-caps').mark('share-send')
        self.message = ui.label('').classes('text-sm').props('role=status aria-live=polite').mark('share-message')

    async def open(self) -> None:
        if self.owner:
            self.message.text = ''
        self.refresh()
        self.dialog.open()

    def refresh(self) -> None:
        listed = sharing.list_members(self.state.user, self.state.notebook.id) or []
        self.people.clear()
        with self.people:
            for member in listed:
                self._member_row(member)
        self.invited.clear()
        if not self.owner:
            return
        waiting = sharing.list_invitations(self.state.user, self.state.notebook.id) or []
        if waiting:
            with self.invited:
                ui.label(
                    'Invited: only their invite link lets them in. It was mailed to them if this server sends mail; '
                    'copy it to send it yourself.'
                ).classes('text-xs text-slate-500 mt-2')
                for invitation in waiting:
                    with ui.row().classes('w-full items-center no-wrap gap-2').mark('invitation-row'):
                        ui.icon('schedule_send', size='28px').classes('text-slate-400')
                        ui.label(invitation.email).classes('text-sm flex-grow truncate')
                        ui.label(roles.label(invitation.role)).classes('text-sm text-slate-500')
                        copy = ui.button(icon='link', on_click=lambda i=invitation: self._copy_link(i.id, i.email))
                        copy.props('flat round dense size=sm').mark('copy-invite-link')
                        copy.props['aria-label'] = f'Copy invite link for {invitation.email}'
                        with copy:
                            ui.tooltip('Copy invite link')
                        cancel = ui.button(icon='close', on_click=lambda i=invitation: self._cancel(i.id, i.email))
                        cancel.props('flat round dense size=sm').mark('cancel-invitation')
                        cancel.props['aria-label'] = f'Cancel the invitation to {invitation.email}'

    def _member_row(self, member: Member) -> None:
        me = member.user_id == self.state.user.id
        with ui.row().classes('w-full items-center no-wrap gap-2').mark('member-row'):
            ui.avatar((member.name or member.email)[:1].upper(), color='primary', text_color='white', size='32px')
            with ui.column().classes('flex-grow min-w-0 gap-0'):
                ui.label(member.name + (' (you)' if me else '')).classes('text-sm font-medium truncate w-full')
                ui.label(member.email).classes('text-xs text-slate-500 truncate w-full')
            if not self.owner or member.role == roles.OWNER:
                ui.label(roles.label(member.role)).classes('text-sm text-slate-600').mark('member-role')
                return
            picker = ui.select(
                ROLE_OPTIONS, value=member.role, on_change=lambda e, m=member: self._change_role(m, e.value)
            )
            picker.props('dense outlined options-dense').classes('w-28').mark('member-role-select')
            picker.props['aria-label'] = f'Role of {member.email}'
            with ui.button(icon='more_vert').props('flat round dense size=sm').mark('member-actions') as actions:
                actions.props['aria-label'] = f'More for {member.email}'
                with ui.menu().props('auto-close'):
                    with ui.item(on_click=lambda m=member: self._transfer(m)).mark('make-owner'):
                        ui.item_section('Make owner')
                    with ui.item(on_click=lambda m=member: self._remove(m)).mark('remove-member'):
                        ui.item_section('Remove').classes('text-negative')

    @staticmethod
    def _attempt(change: Callable[[], object]) -> bool:
        """Make a sharing change; when it is refused, show why (the reason says what to do) and return False."""
        try:
            change()
        except sharing.SharingError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            return False
        return True

    def _say(self, text: str, ok: bool) -> None:
        self.message.text = text
        self.message.classes(replace='text-sm ' + ('text-positive' if ok else 'text-negative'))

    async def _send(self) -> None:
        email = (self.email.value or '').strip()
        try:
            invited = sharing.invite(self.state.user, self.state.notebook.id, email, self.role.value or 'viewer')
        except sharing.SharingError as e:
            self._say(str(e), ok=False)
            return
        if invited is None:
            self._say('This notebook is gone. Go back to your notebooks.', ok=False)
            return
        role = roles.label(self.role.value).lower()
        if invited.invitation is not None:
            mailed = await run.io_bound(invite_links.deliver, invited.invitation)
            self._say(self._invited_text(email, role, mailed), mailed != invite_links.Mailed.failed)
        else:
            self._say(f'Shared with {email} as {role}.', ok=True)
        self.email.value = ''
        self.refresh()

    @staticmethod
    def _invited_text(email: str, role: str, mailed: invite_links.Mailed) -> str:
        if mailed == invite_links.Mailed.sent:
            return f'{email} has no account yet: we mailed them an invite link to join as {role}.'
        if mailed == invite_links.Mailed.failed:
            return (
                f'Invited {email} as {role}, but the email could not be sent. Use “Copy invite link” below and send '
                'the link yourself.'
            )
        return f'{email} has no account yet. Use “Copy invite link” below and send them the link to join as {role}.'

    async def _copy_link(self, invitation_id: str, email: str) -> None:
        path = invite_links.link(self.state.user, self.state.notebook.id, invitation_id)
        if path is None:
            ui.notify('This invitation is gone. Invite the address again.', type='warning')
            self.refresh()
            return
        base = get_settings().link_base
        if base:
            ui.clipboard.write(base + path)
        else:  # no PUBLIC_URL: the address this browser reaches the server at (the path is ours: base64url only)
            ui.run_javascript(f'navigator.clipboard.writeText(window.location.origin + {json.dumps(path)})')
        ui.notify(f'Invite link for {email} copied. It works once, for that address only.', timeout=2500)

    def _change_role(self, member: Member, role: str) -> None:
        if role == member.role:
            return
        try:
            changed = sharing.change_role(self.state.user, self.state.notebook.id, member.user_id, role)
        except sharing.SharingError as e:
            ui.notify(str(e), type='warning', multi_line=True)
            changed = None
        if changed is not None:
            ui.notify(f'{member.email} is now {roles.label(role).lower()}', type='positive', timeout=1500)
        self.refresh()

    async def _remove(self, member: Member) -> None:
        if not await dialogs.confirm(
            f'Remove {member.email}?',
            'They lose access to this notebook at once, and their chat in it is deleted.',
            action='Remove',
        ):
            return
        self._attempt(lambda: sharing.remove_member(self.state.user, self.state.notebook.id, member.user_id))
        self.refresh()

    async def _cancel(self, invitation_id: str, email: str) -> None:
        sharing.cancel_invitation(self.state.user, self.state.notebook.id, invitation_id)
        ui.notify(f'Invitation to {email} cancelled', timeout=1500)
        self.refresh()

    async def _transfer(self, member: Member) -> None:
        if not await dialogs.confirm(
            f'Make {member.email} the owner?',
            'They can then share, rename and delete this notebook. You stay in it as an editor.',
            action='Make owner',
            danger=False,
        ):
            return
        if not self._attempt(lambda: sharing.transfer(self.state.user, self.state.notebook.id, member.user_id)):
            self.refresh()
            return
        ui.notify(f'{member.email} now owns this notebook', type='positive')
        ui.navigate.reload()  # you are an editor now: the page shows what an editor may do

    async def _leave(self) -> None:
        if not await dialogs.confirm(
            'Leave this notebook?',
            'You lose access to it, and your chat in it is deleted. The owner can invite you again.',
            action='Leave',
        ):
            return
        if not self._attempt(lambda: sharing.leave(self.state.user, self.state.notebook.id)):
            return
        ui.navigate.to('/')


def share_button(state: NotebookState, dialog: ShareDialog) -> ui.button:
    """The header button: Share for the owner, the list of people for everyone else."""
    if state.can(Capability.SHARE):
        button = ui.button('Share', icon='person_add', on_click=dialog.open)
        button.props('unelevated no-caps dense color=white text-color=primary aria-label="Share notebook"')
        return button.mark('share-button')
    with ui.button(roles.label(state.role), icon='group', on_click=dialog.open) as button:
        ui.tooltip('People in this notebook, and your role')
    button.props('flat no-caps dense color=white aria-label="People in this notebook"')
    return button.mark('members-button')
