"""The Notes pane, History and the Export menu as a person uses them (NiceGUI's simulated User).

The panes are mounted on a small test page, so these tests do not depend on how the notebook page lays them out.
"""

import asyncio
import json

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from aurenlm import repos
from aurenlm.exchange import export
from aurenlm.notes import service as notes
from components.export_menu import ExportMenu
from components.notebook_state import NotebookState
from components.notes_pane import NotesPane
from tests.helpers import person, sign_in


@pytest.fixture
def notes_page(user: User):
    """A page with just the Notes pane and the Export menu for a notebook."""

    @ui.page('/test/notes/{notebook_id}')
    def page(notebook_id: str) -> None:
        from pages.guard import current_user  # importing `pages` early would register its pages too soon

        person_ = current_user()
        notebook = repos.notebooks.get(person_, notebook_id) if person_ else None
        if notebook is None:
            ui.label('Not found')
            return
        state = NotebookState.load(person_, notebook)
        ExportMenu(state, light=False)
        NotesPane(state)

    async def open_page(notebook_id: str) -> None:
        await sign_in(user)
        await user.should_see('Your notebooks')
        await user.open(f'/test/notes/{notebook_id}')
        await user.should_see(marker='new-note')

    return open_page


async def wait_for(condition, timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError('condition not met in time')


async def test_write_autosave_save_history_diff_restore(user: User, ann, notebook, notes_page) -> None:
    await notes_page(notebook.id)
    await user.should_see('No notes yet')
    user.find(marker='new-note').click()
    await user.should_see(marker='note-editor')
    note = notes.list_notes(ann, notebook.id)[0]

    # the browser sends throttled change events while someone types (e2e/test_notes_export.py sees those autosaves);
    # the simulated user types, then leaves the editor, which saves too
    user.find(marker='note-title').type('Trip plan')
    user.find(marker='note-body').type('# Day one\n\nWe walk to the old harbour.')
    user.find(marker='note-editor').trigger('focusout')
    await wait_for(lambda: notes.get(ann, note.id).body == '# Day one\n\nWe walk to the old harbour.')
    assert len(notes.versions(ann, note.id)) == 1, 'autosaves fold into the first version'
    assert notes.get(ann, note.id).title == 'Trip plan'
    await user.should_see('Day one')  # the preview

    user.find(marker='note-editor').trigger('keydown')
    await user.should_see('Saved')
    body = user.find(marker='note-body').elements.pop()
    body.set_value('# Day one\n\nWe sail to the new harbour.')
    user.find(marker='save-note').click()
    await wait_for(lambda: len(notes.versions(ann, note.id)) == 2)

    user.find(marker='note-history').click()
    await user.should_see('History of “Trip plan”')
    await user.should_see('2 word(s) added, 2 removed')
    diff = user.find(marker='diff').elements.pop().content
    assert '<del>' in diff and 'walk' in diff and '<ins>' in diff and 'sail' in diff
    assert len(user.find(marker='version-row').elements) == 2

    user.find(marker='restore-version').click()
    await user.should_see('Restored the version of')
    assert notes.get(ann, note.id).body == '# Day one\n\nWe walk to the old harbour.'
    assert len(notes.versions(ann, note.id)) == 3
    assert user.find(marker='note-body').elements.pop().value.endswith('old harbour.')


async def test_the_diff_shows_markup_as_text(user: User, ann, notebook, notes_page) -> None:
    note = notes.create(ann, notebook.id, 'Markup', 'plain')
    notes.update(ann, note.id, body='<img src=x onerror=alert(1)> <b>bold</b>')
    await notes_page(notebook.id)
    user.find(marker='note-card').click()
    user.find(marker='note-history').click()
    await user.should_see('History of “Markup”')
    diff = user.find(marker='diff').elements.pop().content
    assert '&lt;img src=x onerror=alert(1)&gt;' in diff and '<img' not in diff and '<b>' not in diff


async def test_going_back_right_after_typing_keeps_the_text(user: User, ann, notebook, notes_page) -> None:
    note = notes.create(ann, notebook.id, 'Quick', 'first line')
    await notes_page(notebook.id)
    user.find(marker='note-card').click()
    user.find(marker='note-body').type('\nsecond line')  # no pause, no blur: no autosave event has come yet
    assert notes.get(ann, note.id).body == 'first line'
    user.find(marker='notes-back').click()
    assert notes.get(ann, note.id).body == 'first line\nsecond line'
    await user.should_see(marker='note-card')


async def test_delete_with_undo(user: User, ann, notebook, notes_page) -> None:
    note = notes.create(ann, notebook.id, 'Keep me', 'text')
    await notes_page(notebook.id)
    await user.should_see('Keep me')
    user.find(marker='note-card').click()
    user.find(marker='delete-note').click()
    await user.should_see('Deleted “Keep me”')
    assert notes.get(ann, note.id) is None
    user.find(marker='undo-delete').click()
    await user.should_see('Restored “Keep me”')
    assert notes.get(ann, note.id).body == 'text'
    await user.should_see(marker='note-card')


async def test_use_as_source_from_the_editor(user: User, ann, notebook, notes_page) -> None:
    notes.create(ann, notebook.id, 'Pelicans', 'Pelicans migrate to Lake Zorvath every spring.')
    await notes_page(notebook.id)
    user.find(marker='note-card').click()
    user.find(marker='use-as-source-button').click()
    await user.should_see('Added “Pelicans” to your sources')
    assert [s.kind for s in repos.sources.list_for(ann, notebook.id)] == ['note']


async def test_notes_list_updates_live_when_an_answer_is_saved(user: User, ann, notebook, notes_page) -> None:
    await notes_page(notebook.id)
    await user.should_see('No notes yet')
    notes.create(ann, notebook.id, 'Made elsewhere', 'from another tab')
    await user.should_see('Made elsewhere')


async def test_export_menu_downloads_and_import_opens_the_new_notebook(user: User, ann, notebook, notes_page) -> None:
    from nicegui import app

    from aurenlm.web import exports

    exports.install(app)
    notes.create(ann, notebook.id, 'Exported note', '# Heading\n\nBody text.')
    await notes_page(notebook.id)
    user.find(marker='export-notebook-md').click()
    response = await user.download.next(timeout=5)
    assert response.status_code == 200 and response.text.startswith('# Manuals')

    data = (await export.export_notebook(ann, notebook.id, 'json')).content
    user.find(marker='import-notebook').click()
    await user.should_see('Import a notebook')
    upload = user.find(marker='import-upload').elements.pop()
    bad = json.loads(data)
    bad['schema_version'] = 9
    await upload.handle_uploads([SmallFileUpload('bad.json', 'application/json', json.dumps(bad).encode())])
    await user.should_see('schema version 9')
    assert len(repos.notebooks.list_for(ann)) == 1

    await upload.handle_uploads([SmallFileUpload('nb.json', 'application/json', data)])
    await user.should_see('Imported “Manuals”')
    listed = repos.notebooks.list_for(ann)
    assert len(listed) == 2
    copy = next(n for n in listed if n.id != notebook.id)
    assert [n.title for n in notes.list_notes(ann, copy.id)] == ['Exported note']


async def test_a_viewer_reads_notes_but_gets_no_editing_controls(user: User, ann, notebook, notes_page) -> None:
    from aurenlm import db
    from aurenlm.models import NotebookMember

    viewer = person('viewer@example.com')
    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=viewer.id, role='viewer'))
        s.commit()
    notes.create(ann, notebook.id, 'Shared', 'Read me')
    await sign_in(user, 'viewer@example.com')
    await user.should_see('Your notebooks')
    await user.open(f'/test/notes/{notebook.id}')
    await user.should_see('Shared')
    await user.should_not_see(marker='new-note')
    user.find(marker='note-card').click()
    await user.should_see('Read only')
    assert 'readonly' in user.find(marker='note-body').elements.pop().props
    await user.should_not_see(marker='save-note')
    await user.should_not_see(marker='delete-note')
