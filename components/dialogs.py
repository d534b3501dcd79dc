"""Small modal dialogs that answer a value: ask for text, confirm a destructive action."""

from __future__ import annotations

from nicegui import ui


async def ask_text(title: str, *, label: str, value: str = '', action: str = 'Save') -> str | None:
    """The text the person typed, or None when they cancelled."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md'):
        ui.label(title).classes('text-lg font-semibold')
        field = ui.input(label, value=value).props('autofocus outlined').classes('w-full')
        field.props['aria-label'] = label
        field.mark('dialog-input')
        field.on('keydown.enter', lambda: dialog.submit(field.value))
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(action, on_click=lambda: dialog.submit(field.value)).props('unelevated').mark('dialog-ok')
    result = await dialog
    dialog.delete()
    return result


async def confirm(title: str, message: str, *, action: str = 'Delete', danger: bool = True) -> bool:
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md'):
        ui.label(title).classes('text-lg font-semibold')
        ui.label(message).classes('text-slate-600')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Cancel', on_click=lambda: dialog.submit(False)).props('flat autofocus')
            ui.button(action, on_click=lambda: dialog.submit(True)).props(
                f'unelevated color={"negative" if danger else "primary"}'
            ).mark('confirm-ok')
    result = await dialog
    dialog.delete()
    return bool(result)
