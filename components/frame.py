"""The page shell: header, drawers, theme and dark mode, as a context manager per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nicegui import ui

from aurenlm import repos
from aurenlm.models import User
from aurenlm.security import sessions
from aurenlm.web import auth

APP_NAME = 'AurenLM'


def _theme() -> None:
    ui.colors(primary='#4f46e5', secondary='#0ea5e9', accent='#8b5cf6', positive='#16a34a', negative='#dc2626')
    ui.add_head_html('<link rel="stylesheet" href="/assets/app.css">')


def _dark_toggle(user: User) -> None:
    dark = ui.dark_mode(value=bool(user.dark_mode))

    def toggle() -> None:
        dark.value = not dark.value
        repos.users.set_dark_mode(user, dark.value)
        button.props(f'icon={"light_mode" if dark.value else "dark_mode"}')

    button = (
        ui.button(icon='light_mode' if dark.value else 'dark_mode', on_click=toggle)
        .props('flat round color=white aria-label="Toggle dark mode"')
        .tooltip('Dark mode')
        .mark('dark-toggle')
    )


def sign_out(*, everywhere: User | None = None) -> None:
    """Revoke now (this browser's session, or every one of a person's), so even a copied cookie is dead before the
    browser moves; then an HTTP response clears our cookie and the browser's NiceGUI identity."""
    if everywhere is not None:
        sessions.revoke_all(everywhere)
    else:
        sessions.revoke(auth.session_token(ui.context.client.request))
    ui.navigate.to(auth.SIGN_OUT_PATH)


def _user_menu(user: User) -> None:
    with ui.button(icon='account_circle').props('flat round color=white aria-label="Account menu"').mark('user-menu'):
        with ui.menu().props('auto-close'):
            ui.item(user.email).props('disable').classes('text-sm')
            ui.separator()
            with ui.item(on_click=lambda: ui.navigate.to('/')):
                ui.item_section('Notebooks')
            with ui.item(on_click=lambda: ui.navigate.to('/settings')):
                ui.item_section('Settings')
            if user.is_admin:  # the page itself checks again: this only hides a link nobody else can use
                with ui.item(on_click=lambda: ui.navigate.to('/admin')).mark('admin-link'):
                    ui.item_section('Admin')
            ui.separator()
            with ui.item(on_click=lambda: sign_out()).mark('sign-out'):
                ui.item_section('Sign out')


def _brand() -> None:
    with ui.link(target='/').classes('flex items-center gap-2 no-underline text-white').props('aria-label="Home"'):
        ui.icon('auto_stories', size='28px')
        ui.label(APP_NAME).classes('text-lg font-semibold tracking-tight')


@contextmanager
def public(title: str) -> Iterator[None]:
    """Centered card for sign-in and registration."""
    _theme()
    ui.page_title(f'{title} · {APP_NAME}')
    with ui.column().classes('w-full min-h-screen items-center justify-center bg-slate-50 auren-public p-4'):
        with ui.row().classes('items-center gap-2 mb-2'):
            ui.icon('auto_stories', size='36px').classes('text-primary')
            ui.label(APP_NAME).classes('text-3xl font-bold tracking-tight')
        ui.label('Chat with your sources. Every answer cites its passages.').classes('text-slate-500 mb-4')
        with ui.card().classes('w-full max-w-sm p-6 gap-3'):
            ui.label(title).classes('text-xl font-semibold')
            yield


@contextmanager
def shell(user: User, title: str) -> Iterator[None]:
    """Header with brand, dark mode and account menu; a centred content column."""
    _theme()
    ui.page_title(f'{title} · {APP_NAME}')
    with ui.header().classes('items-center justify-between px-4 py-2 bg-primary'):
        _brand()
        with ui.row().classes('items-center gap-1'):
            _dark_toggle(user)
            _user_menu(user)
    with ui.column().classes('w-full max-w-6xl mx-auto p-4 sm:p-6 gap-4'):
        yield


def _toggle(icon: str, name: str, tip: str, on_click: Callable[[], None]) -> ui.button:
    """A header button that shows a drawer; its tooltip is its child, so it goes when the button does."""
    with ui.button(icon=icon, on_click=on_click).props('flat round color=white') as button:
        ui.tooltip(tip)
    button.props['aria-label'] = name
    return button


class Workspace:
    """The notebook page: Sources | Chat | Studio, with the side panes as drawers on narrow screens."""

    def __init__(
        self, user: User, title: str, on_rename: Callable[[str], str | None] | None, engine_label: str
    ) -> None:
        """`on_rename` None: the title is shown read-only (only the owner renames a notebook)."""
        _theme()
        ui.page_title(f'{title} · {APP_NAME}')
        with ui.header().classes('items-center gap-2 px-2 py-1 bg-primary no-wrap'):
            self.toggles = [_toggle('menu_book', 'Show sources', 'Sources', lambda: self.left.toggle())]
            _brand()
            self.title = (
                ui.input(value=title)
                .props(
                    'dense borderless dark input-class="text-white text-base font-medium" aria-label="Notebook title"'
                )
                .classes('flex-grow min-w-0 auren-title')
                .mark('notebook-title')
            )
            self._saved_title = title
            self._on_rename = on_rename
            if on_rename is None:
                self.title.props('readonly')
            else:
                self.title.on('blur', self._save_title)
                self.title.on('keydown.enter', self._save_title)
            ui.label(engine_label).classes('text-xs text-white/80 gt-sm max-w-xs truncate').mark('engine')
            self.actions = ui.row().classes('items-center gap-1 no-wrap')  # the page's own buttons (Share)
            _dark_toggle(user)
            _user_menu(user)
            self.toggles.append(_toggle('auto_awesome', 'Show studio', 'Studio', lambda: self.right.toggle()))
        self.left = ui.left_drawer(bordered=True).props('width=340 breakpoint=1024').classes('p-0 auren-pane')
        self.right = ui.right_drawer(bordered=True).props('width=380 breakpoint=1024').classes('p-0 auren-pane')
        self.center = ui.column().classes('w-full h-[calc(100vh-56px)] p-0 gap-0 auren-chat-area')

    def close(self, headline: str, hint: str) -> None:
        """The person lost access while the page was open: close the panes and say so (docs/sharing.md)."""
        for pane in (self.left, self.right):
            pane.clear()
            pane.hide()
        for toggle in self.toggles:
            toggle.delete()
        self.actions.clear()
        self.title.props('readonly')
        self._on_rename = None
        self.center.clear()
        with self.center:
            with ui.column().classes('w-full h-full items-center justify-center gap-3 p-6').mark('no-access'):
                ui.icon('lock', size='48px').classes('text-slate-400')
                ui.label(headline).classes('text-2xl font-semibold')  # the notification beside it is the alert
                ui.label(hint).classes('text-slate-500 text-center')
                ui.link('Back to your notebooks', '/').classes('text-primary').mark('back-home')

    def _save_title(self) -> None:
        if self._on_rename is None:
            return
        new_title = (self.title.value or '').strip()
        if new_title == self._saved_title:
            return
        problem = self._on_rename(new_title)
        if problem:
            ui.notify(problem, type='warning')
            self.title.value = self._saved_title
            return
        self._saved_title = ' '.join(new_title.split())
        self.title.value = self._saved_title
        ui.page_title(f'{self._saved_title} · {APP_NAME}')
        ui.notify('Notebook renamed', type='positive', timeout=1500)


def empty_state(icon: str, headline: str, hint: str) -> None:
    with ui.column().classes('w-full items-center text-center gap-2 py-10 px-4 text-slate-500 auren-empty'):
        ui.icon(icon, size='40px').classes('text-slate-400')
        ui.label(headline).classes('text-base font-medium text-slate-600 auren-empty-headline')
        ui.label(hint).classes('text-sm')


def more_button(text: str, icon: str, on_click: Callable[[], None], marker: str) -> ui.button:
    """The quiet button at the end of a paged list (notes, versions, chat) that loads the next page."""
    return ui.button(text, icon=icon, on_click=on_click).props('flat dense no-caps').classes('self-center').mark(marker)


def not_found() -> None:
    """The same page for a missing id and for somebody else's: existence is not revealed."""
    _theme()
    ui.page_title(f'Not found · {APP_NAME}')
    with ui.column().classes('w-full min-h-screen items-center justify-center gap-3 p-6'):
        ui.icon('travel_explore', size='48px').classes('text-slate-400')
        ui.label('Not found').classes('text-2xl font-semibold')
        ui.label('This page does not exist, or you do not have access to it.').classes('text-slate-500')
        ui.button('Back to your notebooks', on_click=lambda: ui.navigate.to('/')).props('unelevated')
