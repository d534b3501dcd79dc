"""The Admin page's instance settings: who may register, and whether everyone must use two-factor sign-in.

Both are stored in the database (aurenlm/repos/instance.py) and take effect at once; the environment only gives the
default until an admin chooses.
"""

from __future__ import annotations

from nicegui import ui

from aurenlm.accounts import admin
from aurenlm.config import RegistrationPolicy
from aurenlm.models import User
from aurenlm.repos import instance
from components import cards, dialogs

POLICIES = {
    RegistrationPolicy.open.value: 'Open: anyone who can reach this server can create an account',
    RegistrationPolicy.invite_only.value: 'Invite-only: only addresses a member has invited to a notebook',
    RegistrationPolicy.closed.value: 'Closed: nobody; an admin creates accounts on the command line (create-user)',
}


class AdminSettings:
    def __init__(self, actor: User, ip: str) -> None:
        self.actor, self.ip = actor, ip
        self.policy_now = instance.registration_policy().value
        self.required_now = instance.require_2fa()
        with cards.section(
            'Registration', 'Who may create an account on this server. The change takes effect at once.'
        ):
            self.policy = (
                ui.radio(POLICIES, value=self.policy_now, on_change=self.change_policy)
                .props('aria-label="Registration policy"')
                .mark('registration-policy-choice')
            )
        with cards.section(
            'Two-factor sign-in',
            'When required, everyone who has not set up two-factor sign-in must do so at their next sign-in '
            'before they can use AurenLM.',
        ):
            self.require = (
                ui.switch('Require two-factor sign-in for everyone', value=self.required_now, on_change=self.change_2fa)
                .props('aria-label="Require two-factor sign-in for everyone"')
                .mark('require-2fa')
            )

    def change_policy(self) -> None:
        value = self.policy.value
        if value == self.policy_now:
            return
        try:
            chosen = admin.set_registration_policy(self.actor, value, ip=self.ip)
        except admin.AdminError as e:
            ui.notify(str(e), type='warning')
            self.policy.set_value(self.policy_now)
            return
        self.policy_now = chosen.value
        ui.notify(f'Registration is now {chosen.value}', type='positive')

    async def change_2fa(self) -> None:
        value = bool(self.require.value)
        if value == self.required_now:
            return
        if value and not await dialogs.confirm(
            'Require two-factor sign-in for everyone?',
            'People without it will be asked to set it up, with an authenticator app, the next time they sign in. '
            'Tell your team before you turn this on.',
            action='Require it',
            danger=False,
        ):
            self.require.set_value(False)
            return
        try:
            admin.set_require_2fa(self.actor, value, ip=self.ip)
        except admin.AdminError as e:
            ui.notify(str(e), type='warning')
            self.require.set_value(self.required_now)
            return
        self.required_now = value
        ui.notify('Two-factor sign-in is ' + ('now required' if value else 'optional again'), type='positive')


def build(actor: User, ip: str) -> AdminSettings:
    return AdminSettings(actor, ip)
