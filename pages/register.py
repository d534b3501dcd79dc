"""Create an account: email and a password that passes the rules, limited per address."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from aurenlm import repos
from aurenlm.accounts import registration
from aurenlm.config import RegistrationPolicy, get_settings
from aurenlm.repos.users import RegistrationError
from aurenlm.security import ratelimit
from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import roles
from components import forms, frame
from pages.login import client_ip, finish_sign_in


class Registering:
    """The register page's own state: the invitation link it was opened with, kept here and never in the browser
    (the email field is fixed to the invited address)."""

    def __init__(self, token: str | None) -> None:
        self.token = token or None
        self.invitation = registration.live_invitation(self.token) if self.token else None


@ui.page('/register')
def register_page(request: Request, invitation: str | None = None) -> None:
    settings = get_settings()
    policy = registration.policy()
    state = Registering(invitation)
    if state.invitation is not None and policy == RegistrationPolicy.closed and not registration.is_first_account():
        with frame.public('Registration is closed'):
            ui.label(
                'Registration is closed on this server, so this invitation needs an account made by an administrator. '
                'Ask one to create an account for this address, sign in, then open the invitation link again.'
            ).classes('text-slate-600').mark('registration-policy')
            ui.link('Back to sign in', '/login')
        return
    if policy == RegistrationPolicy.closed and not registration.is_first_account():
        with frame.public('Registration is closed'):
            ui.label(registration.CLOSED).classes('text-slate-600').mark('registration-policy')
            ui.link('Back to sign in', '/login')
        return
    ip = client_ip(request)

    def submit() -> None:
        error.text = ''
        if (password.value or '') != (confirm.value or ''):
            error.text = 'The two passwords differ. Type the same password twice.'
            return
        verdict = ratelimit.hit(settings.rate_register, 'register-ip', ip)
        if not verdict.allowed:
            error.text = verdict.wait_message()
            return
        try:
            user = registration.register(email.value or '', password.value or '', invitation_token=state.token)
        except RegistrationError as e:
            error.text = str(e)
            return
        repos.audit.record(user.id, 'register', ip=ip)
        target = f'/notebook/{state.invitation.notebook_id}' if state.invitation is not None else '/'
        finish_sign_in(request, user, target)

    with frame.public('Create your account'):
        if state.invitation is not None:
            opened = invite_links.opened(state.token)
            welcome = ui.label('').classes('text-sm text-slate-600').mark('registration-invitation')
            if opened is not None:
                role = roles.label(opened.invitation.role).lower()
                welcome.text = (
                    f'{opened.inviter} invited you to “{opened.notebook_title}” as {role}. Create your account with '
                    f'{opened.invitation.email} to open it.'
                )
        else:
            if state.token:
                ui.label(registration.EXPIRED_INVITATION).classes('text-sm text-negative').props('role=alert').mark(
                    'registration-invitation'
                )
            ui.label(registration.explanation(policy)).classes('text-sm text-slate-600').mark('registration-policy')
        email = ui.input('Email').props('type=email autocomplete=email autofocus outlined aria-label="Email"')
        email.classes('w-full').mark('email')
        if state.invitation is not None:
            email.value = state.invitation.email
            email.props('readonly')  # the invitation is for this address; another address cannot accept it
        password, confirm = forms.new_password_pair('Password', 'Repeat password')
        confirm.on('keydown.enter', submit)
        error = forms.error_and_submit(
            'Create account', submit, error_marker='register-error', button_marker='create-account'
        )
        with ui.row().classes('w-full justify-center text-sm gap-1'):
            ui.label('Have an account?')
            ui.link('Sign in', '/login')
