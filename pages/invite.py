"""/invite/{token}: the link in an invitation. Signed in as the invited address, it accepts the invitation and opens
the notebook; without an account for that address it goes to registration through the link; otherwise it asks to
sign in as that address first (and comes back here). Only this link accepts an invitation (docs/sharing.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from nicegui import ui

from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import roles
from components import frame
from pages.guard import current_user, login_url


@ui.page('/invite/{token}')
def invite_page(token: str) -> None:
    opened = invite_links.opened(token)
    if opened is None or opened.expired:
        with frame.public('Invitation not valid'):
            ui.label(invite_links.EXPIRED).classes('text-slate-600').props('role=alert').mark('invite-message')
            ui.link('Go to sign in', '/login')
        return
    user = current_user(redirect=False)
    invited = opened.invitation.email
    if user is not None:
        try:
            accepted = invite_links.accept(user, token)
        except invite_links.InvitationError as e:
            with frame.public('Invitation for another address'):
                ui.label(str(e)).classes('text-slate-600').props('role=alert').mark('invite-message')
                ui.link('Back to your notebooks', '/')
            return
        ui.navigate.to(f'/notebook/{accepted.notebook_id}')
        return
    if not invite_links.has_account(invited):
        ui.navigate.to(f'/register?{urlencode({"invitation": token})}')
        return
    with frame.public('You are invited'):
        role = roles.label(opened.invitation.role).lower()
        ui.label('').classes('text-slate-600').mark('invite-message').text = (
            f'{opened.inviter} invited {invited} to “{opened.notebook_title}” as {role}. '
            f'Sign in as {invited} to open it.'
        )
        link = ui.button('Sign in', on_click=lambda: ui.navigate.to(login_url(f'/invite/{token}')))
        link.props('unelevated no-caps aria-label="Sign in to accept the invitation"').classes('w-full')
        link.mark('invite-sign-in')
