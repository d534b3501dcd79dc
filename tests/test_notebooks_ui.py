"""A person creates, opens, renames and deletes notebooks; nobody sees another person's."""

from nicegui import ui
from nicegui.testing import User

from aurenlm import repos
from tests.helpers import confirm, fill_dialog, person, sign_in


async def test_create_open_rename_delete(user: User) -> None:
    ann = person()
    await sign_in(user)
    await user.should_see('No notebooks yet')
    user.find(marker='new-notebook').click()
    await fill_dialog(user, 'Biology 101')
    await user.should_see('Sources')
    notebook = repos.notebooks.list_for(ann)[0]
    assert notebook.title == 'Biology 101'
    assert user.find(marker='notebook-title').elements.pop().value == 'Biology 101'

    await user.open('/')
    await user.should_see('Biology 101')
    user.find(marker='rename-notebook').click()
    await fill_dialog(user, 'Cell biology')
    await user.should_see('Notebook renamed')
    await user.should_see('Cell biology')
    assert repos.notebooks.get(ann, notebook.id).title == 'Cell biology'

    user.find(marker='delete-notebook').click()
    await confirm(user, 'Delete notebook?')
    await user.should_see('Notebook deleted')
    await user.should_see('No notebooks yet')
    assert repos.notebooks.get(ann, notebook.id) is None


async def test_rename_from_the_notebook_header(user: User) -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Draft')
    await sign_in(user)
    await user.open(f'/notebook/{notebook.id}')
    title = user.find(marker='notebook-title')
    title.clear().type('Final title').trigger('keydown.enter')
    await user.should_see('Notebook renamed')
    assert repos.notebooks.get(ann, notebook.id).title == 'Final title'


async def test_empty_title_is_refused(user: User) -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Keep me')
    await sign_in(user)
    await user.open(f'/notebook/{notebook.id}')
    user.find(marker='notebook-title').clear().trigger('keydown.enter')
    await user.should_see('Give the notebook a title')
    assert repos.notebooks.get(ann, notebook.id).title == 'Keep me'


async def test_someone_elses_notebook_is_not_found(user: User) -> None:
    bob = person('bob@example.com')
    secret = repos.notebooks.create(bob, 'Bob private plans')
    person('ann@example.com')
    await sign_in(user, 'ann@example.com')
    await user.should_see('Your notebooks')
    await user.should_not_see('Bob private plans')
    await user.open(f'/notebook/{secret.id}')
    await user.should_see('Not found')
    await user.should_not_see('Bob private plans')
    missing = await user.open('/notebook/does-not-exist')
    assert missing is not None
    await user.should_see('Not found')


def test_repository_scopes_every_query_by_user() -> None:
    ann, bob = person('ann@example.com'), person('bob@example.com')
    notebook = repos.notebooks.create(bob, 'Bob only')
    assert repos.notebooks.get(ann, notebook.id) is None
    assert repos.notebooks.rename(ann, notebook.id, 'Hijacked') is None
    assert repos.notebooks.delete(ann, notebook.id) is False
    assert [n.title for n in repos.notebooks.list_for(ann)] == []
    assert repos.notebooks.get(bob, notebook.id).title == 'Bob only'
    assert ui  # the page module imports ui; keep the import honest
