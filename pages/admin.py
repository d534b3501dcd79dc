"""The Admin page: accounts, instance settings and everyone's audit log. Anyone else sees the not-found page."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from aurenlm.accounts import admin
from components import admin_audit, admin_settings, admin_users, frame
from pages.guard import current_user
from pages.login import client_ip


@ui.page('/admin')
def admin_page(request: Request) -> None:
    user = current_user()
    if user is None:
        return
    if not admin.is_admin(user):
        frame.not_found()  # the page's existence is nobody else's business
        return
    ip = client_ip(request)
    with frame.shell(user, 'Admin'):
        ui.label('Admin').classes('text-2xl font-semibold')
        with ui.tabs().props('align=left no-caps').classes('w-full') as tabs:
            accounts = ui.tab('Accounts', icon='group').mark('tab-accounts')
            settings = ui.tab('Registration and sign-in', icon='tune').mark('tab-settings')
            audit = ui.tab('Audit log', icon='history').mark('tab-audit')
        with ui.tab_panels(tabs, value=accounts).classes('w-full bg-transparent'):
            with ui.tab_panel(accounts).classes('p-0 pt-2'):
                people = admin_users.build(user, ip)
            with ui.tab_panel(settings).classes('p-0 pt-2 gap-4'):
                admin_settings.build(user, ip)
            with ui.tab_panel(audit).classes('p-0 pt-2'):
                log = admin_audit.build(user)

        def reopened(event: ValueChangeEventArguments) -> None:
            # what the other tabs did (a disabled account, a changed setting) shows when a tab is opened again
            if event.value == audit.props['name']:
                log.refresh()
            elif event.value == accounts.props['name']:
                people.show()

        tabs.on_value_change(reopened)
