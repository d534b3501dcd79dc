"""Where a person lands after deleting their account: it is gone, and what they can do now."""

from __future__ import annotations

from nicegui import ui

from components import frame


@ui.page('/account-deleted')
def account_deleted_page() -> None:
    with frame.public('Your account is deleted'):
        ui.label(
            'Your account, its notebooks and files are gone, and every device that was signed in is signed out. '
            'Thank you for using AurenLM.'
        ).classes('text-slate-600').mark('account-deleted')
        ui.button('Back to the sign-in page', on_click=lambda: ui.navigate.to('/login')).props('unelevated').classes(
            'w-full'
        )
