"""The Settings page's "Your data": download everything as a ZIP, or delete the account after a typed confirmation
and the current password (or a 2FA code, or for an account made by single sign-on a recent sign-in),
choosing for each shared notebook the person owns whether it goes to a member or is deleted."""

from __future__ import annotations

from nicegui import run, ui

from aurenlm.accounts import deletion
from aurenlm.models import User
from aurenlm.web.account import EXPORT_PATH
from components import cards

DELETE = '__delete__'
GONE_PATH = '/account-deleted'
CODE_FIELD = 'outlined dense autocomplete=one-time-code'
HIDDEN_FIELD = 'outlined dense type=password autocomplete=current-password'  # noqa: S105 (Quasar props)


class AccountPanel:
    def __init__(self, user: User, ip: str, session_token: str | None) -> None:
        self.user, self.ip, self.session_token = user, ip, session_token
        with cards.section('Your data', roomy=True):
            with cards.action_row(
                'Download your data',
                'A ZIP with every notebook you belong to as a JSON export (each can be imported again), '
                'your account details and your activity.',
            ):
                ui.button('Download ZIP', icon='download', on_click=lambda: ui.download.from_url(EXPORT_PATH)).props(
                    'outline no-wrap aria-label="Download all your data as a ZIP"'
                ).classes('shrink-0').mark('export-account')
            with cards.action_row(
                'Delete your account',
                'Deletes the account with your notebooks, their sources and files, and signs you out '
                'everywhere. Notebooks you share can go to one of their members instead.',
            ):
                ui.button('Delete account', icon='delete_forever', on_click=self.ask).props(
                    'outline no-wrap color=negative aria-label="Delete your account"'
                ).classes('shrink-0').mark('delete-account')

    async def ask(self) -> None:
        shared = deletion.shared_notebooks_owned(self.user)
        choices: dict[str, ui.select] = {}
        with ui.dialog() as dialog, ui.card().classes('w-full max-w-xl gap-3'):
            ui.label('Delete your account?').classes('text-lg font-semibold')
            ui.label(
                'Your account, your notebooks with their sources, notes and chats, and your private chats in '
                'notebooks shared with you are deleted, and you are signed out everywhere. This cannot be undone: '
                'download your data first if you want to keep it.'
            ).classes('text-slate-600')
            if shared:
                ui.label('You share these notebooks. Choose what happens to each:').classes('font-medium')
                for notebook in shared:
                    options = {DELETE: 'Delete it'} | {
                        m.user_id: f'Give it to {m.email} ({m.role})' for m in notebook.members
                    }
                    with ui.column().classes('w-full gap-1'):
                        ui.label(notebook.title).classes('text-sm break-all')
                        select = ui.select(options, label='Choose').props('outlined dense').classes('w-full')
                        select.props['aria-label'] = f'What happens to {notebook.title}'  # a title: the dict
                        select.mark('notebook-fate')
                    choices[notebook.id] = select
            ask_for = f'To confirm, type your email address: {self.user.email}'
            ui.label(ask_for).classes('text-sm')
            confirm = ui.input('Your email address').props('outlined dense autocomplete=off').classes('w-full')
            confirm.props['aria-label'] = ask_for  # an email address: the dict, not a props string
            confirm.mark('confirm-delete-email')
            answer = self._proof_input(deletion.proof_asked(self.user))
            error = ui.label('').classes('text-negative text-sm').props('role=alert').mark('delete-error')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button('Cancel', on_click=dialog.close).props('flat autofocus')
                go = ui.button(
                    'Delete my account', on_click=lambda: self.delete(dialog, choices, confirm, answer, error)
                )
                go.props('unelevated color=negative').mark('confirm-delete-account')
        dialog.open()

    def _proof_input(self, proof: deletion.Proof) -> ui.input | None:
        """The field for what deleting asks besides the email; None when a recent sign-in is the proof."""
        if proof == deletion.Proof.recent_sign_in:
            ui.label(
                'You sign in through single sign-on. Deleting needs a sign-in within the last 10 minutes: if yours '
                'is older, sign out and in again first.'
            ).classes('text-sm text-slate-600')
            return None
        if proof == deletion.Proof.code:
            label, aria = 'Code from your app or a recovery code', 'Current two-factor code or a recovery code'
        else:
            label, aria = 'Your current password', 'Your current password'
        field = ui.input(label).props(CODE_FIELD if proof == deletion.Proof.code else HIDDEN_FIELD)
        field.classes('w-full')
        field.props['aria-label'] = aria
        return field.mark('confirm-delete-secret')

    async def delete(
        self,
        dialog: ui.dialog,
        choices: dict[str, ui.select],
        confirm: ui.input,
        answer: ui.input | None,
        error: ui.label,
    ) -> None:
        error.text = ''
        if (confirm.value or '').strip().lower() != self.user.email.lower():
            error.text = f'Type {self.user.email} exactly to confirm.'
            return
        if any(select.value is None for select in choices.values()):
            error.text = 'Choose what happens to each shared notebook: give it to a member, or delete it.'
            return
        transfer_to = {nid: select.value for nid, select in choices.items() if select.value != DELETE}
        try:
            await run.io_bound(  # argon2 (or the code check) in a thread, off the event loop
                lambda: deletion.delete_own_account(
                    self.user,
                    email=confirm.value or '',
                    answer=(answer.value or '') if answer is not None else '',
                    session_token=self.session_token,
                    transfer_to=transfer_to,
                    ip=self.ip,
                )
            )
        except deletion.DeletionError as e:
            error.text = str(e)
            return
        dialog.close()
        ui.navigate.to(GONE_PATH)


def build(user: User, ip: str, session_token: str | None) -> AccountPanel:
    return AccountPanel(user, ip, session_token)
