"""Sharing in Chromium, two people in two browsers: Ann invites Ben as a viewer; Ben sees the notebook without Add
source or Delete and chats privately; Ann promotes Ben to editor and he adds a source; Ann removes Ben, and his page
says he no longer has access."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Server, create_notebook, shot, sign_in

PASSWORD = 'violet-harbour-lantern'
POOLS = (
    'Tide pools hold anemones, hermit crabs and sea stars. At low tide the pools warm quickly, and the anemones '
    'close to keep their water. Sea stars pry open mussels with their tube feet and feed on them slowly.'
)


def account(server: Server, email: str) -> str:
    """Made from the shell, as an administrator would: registering through the page is limited per address."""
    server.cli('create-user', '--email', email, '--password', PASSWORD)
    return email


@pytest.fixture
def ben_page(browser: Browser, server: Server) -> Iterator[Page]:
    """A second person, in a browser context of their own."""
    context = browser.new_context(base_url=server.url, viewport={'width': 1400, 'height': 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def settle(page: Page) -> None:
    """Let dialogs and notifications finish their opening transitions before a screenshot."""
    page.wait_for_timeout(400)


def add_text_source(page: Page, title: str, text: str) -> None:
    page.get_by_role('button', name='Add sources').click()
    dialog = page.get_by_role('dialog')
    dialog.get_by_role('tab', name='Paste text').click()
    dialog.get_by_label('Title').fill(title)
    dialog.get_by_label('Text').fill(text)
    dialog.get_by_role('button', name='Add text').click()
    expect(dialog.get_by_text(f'Added “{title}”')).to_be_visible()
    dialog.get_by_role('button', name='Close').click()
    expect(page.locator('.auren-source-row', has_text=title).get_by_text('1 page ·')).to_be_visible(timeout=60_000)


def ask(page: Page, question: str) -> None:
    page.get_by_label('Message').fill(question)
    page.get_by_label('Message').press('Enter')
    expect(page.locator('.auren-answer').last).to_contain_text('sources', timeout=30_000)


def share_dialog(page: Page):
    page.get_by_role('button', name='Share notebook').click()
    dialog = page.get_by_role('dialog').filter(has_text='People with access')
    expect(dialog).to_be_visible()
    return dialog


def test_invite_view_chat_privately_promote_add_and_remove(page: Page, ben_page: Page, server: Server) -> None:
    ann, ben = account(server, 'e2e-share-ann@example.com'), account(server, 'e2e-share-ben@example.com')

    # Ann makes a notebook with a source and shares it with Ben as a viewer
    sign_in(page, ann)
    notebook_id = create_notebook(page, 'Rock pools')
    add_text_source(page, 'Tide pools', POOLS)
    dialog = share_dialog(page)
    dialog.get_by_label('Email address to share with').fill(ben)
    dialog.get_by_role('button', name='Send').click()
    expect(dialog.get_by_text(f'Shared with {ben} as viewer.')).to_be_visible()
    expect(dialog.get_by_text(ben, exact=True)).to_be_visible()
    settle(page)
    shot(page, 'sharing-1-share-dialog')
    dialog.get_by_role('button', name='Close').click()

    # Ben finds it on his home page, shared by Ann, as a viewer
    sign_in(ben_page, ben)
    card = ben_page.locator('.auren-notebook-card', has_text='Rock pools')
    expect(card.get_by_text('Shared by e2e-share-ann')).to_be_visible()
    expect(card.get_by_text('Viewer')).to_be_visible()
    shot(ben_page, 'sharing-2-home-shared')

    # he reads it without Add source or Delete, and chats privately
    card.click()
    ben_page.wait_for_url(f'**/notebook/{notebook_id}')
    expect(ben_page.get_by_text('Tide pools')).to_be_visible()
    expect(ben_page.get_by_role('button', name='Add sources')).to_have_count(0)
    expect(ben_page.get_by_role('button', name='Share notebook')).to_have_count(0)
    ben_page.get_by_role('button', name='Actions for Tide pools').click()
    menu = ben_page.get_by_role('menu')
    expect(menu.get_by_text('Download original')).to_be_visible()
    expect(menu.get_by_text('Delete')).to_have_count(0)
    expect(menu.get_by_text('Rename')).to_have_count(0)
    ben_page.keyboard.press('Escape')
    expect(ben_page.get_by_text('Only you see this chat')).to_be_visible()
    ask(ben_page, 'Why do the anemones close at low tide?')
    settle(ben_page)
    shot(ben_page, 'sharing-3-viewer-notebook')

    # Ann does not see Ben's chat, and Ben does not see hers
    page.reload()
    ask(page, 'What do sea stars eat?')
    expect(page.get_by_text('Why do the anemones close at low tide?')).to_have_count(0)
    ben_page.reload()
    expect(ben_page.get_by_text('Why do the anemones close at low tide?')).to_be_visible()
    expect(ben_page.get_by_text('What do sea stars eat?')).to_have_count(0)

    # Ann makes Ben an editor; his open page follows, and he adds a source
    dialog = share_dialog(page)
    dialog.get_by_label(f'Role of {ben}').click()
    page.get_by_role('option', name='Editor').click()
    expect(page.get_by_text(f'{ben} is now editor')).to_be_visible()
    settle(page)
    shot(page, 'sharing-4-role-changed')
    dialog.get_by_role('button', name='Close').click()
    expect(ben_page.get_by_role('button', name='Add sources')).to_be_visible(timeout=15_000)
    add_text_source(ben_page, 'Mussels', 'Mussels cling to rocks with byssal threads and filter plankton from water.')
    settle(ben_page)
    shot(ben_page, 'sharing-5-editor-added-source')
    page.reload()
    expect(page.locator('.auren-source-row', has_text='Mussels')).to_be_visible()

    # Ann removes Ben: his page closes its panes and says so, and nothing of the notebook is left on it
    dialog = share_dialog(page)
    dialog.get_by_role('button', name=f'More for {ben}').click()
    page.get_by_role('menu').get_by_text('Remove').click()
    page.get_by_role('button', name='Remove').click()
    expect(dialog.get_by_text(ben, exact=True)).to_have_count(0)
    # in the same process the page hears it at once; from another process it would be on Ben's next action
    expect(ben_page.get_by_text('You no longer have access', exact=True).first).to_be_visible()
    expect(ben_page.get_by_text('The owner removed you from this notebook')).to_be_visible()
    expect(ben_page.get_by_text('Tide pools')).to_have_count(0)
    expect(ben_page.get_by_label('Message')).to_have_count(0)
    settle(ben_page)
    shot(ben_page, 'sharing-6-removed')
    ben_page.get_by_role('link', name='Back to your notebooks').click()
    expect(ben_page.get_by_text('No notebooks yet')).to_be_visible()
    ben_page.goto(f'/notebook/{notebook_id}')
    expect(ben_page.get_by_text('Not found')).to_be_visible()


def test_an_invite_link_copied_from_the_share_dialog_signs_up_the_invited_address(
    page: Page, ben_page: Page, server: Server
) -> None:
    ann = account(server, 'e2e-link-ann@example.com')
    cleo = 'e2e-link-cleo@example.com'  # no account yet
    page.context.grant_permissions(['clipboard-read', 'clipboard-write'])
    sign_in(page, ann)
    notebook_id = create_notebook(page, 'Kelp forests')
    dialog = share_dialog(page)
    dialog.get_by_label('Email address to share with').fill(cleo)
    dialog.get_by_role('button', name='Send').click()
    expect(dialog.get_by_text(f'{cleo} has no account yet')).to_be_visible()
    dialog.get_by_role('button', name=f'Copy invite link for {cleo}').click()
    expect(page.get_by_text(f'Invite link for {cleo} copied')).to_be_visible()
    settle(page)
    shot(page, 'sharing-invite-link-copied')
    link = page.evaluate('navigator.clipboard.readText()')
    assert '/invite/' in link

    # Cleo opens the link: the register page has her address fixed, and she lands in the notebook
    ben_page.goto(link)
    expect(ben_page.get_by_text('invited you to “Kelp forests” as viewer')).to_be_visible()
    expect(ben_page.get_by_label('Email')).to_have_value(cleo)
    ben_page.get_by_label('Password', exact=True).fill(PASSWORD)
    ben_page.get_by_label('Repeat password').fill(PASSWORD)
    settle(ben_page)
    shot(ben_page, 'sharing-invite-link-register')
    ben_page.get_by_role('button', name='Create account').click()
    ben_page.wait_for_url(f'**/notebook/{notebook_id}')
    expect(ben_page.get_by_role('button', name='People in this notebook')).to_be_visible()

    # the link worked once
    ben_page.goto(link)
    expect(ben_page.get_by_text('This invitation link has expired or was already used')).to_be_visible()
