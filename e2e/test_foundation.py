"""A new person: register, sign in, create and rename a notebook, dark mode, sign out."""

import re

import httpx
from playwright.sync_api import Page, expect

from e2e.conftest import create_notebook, register, shot, sign_in


def test_register_notebook_dark_mode_sign_out(page: Page) -> None:
    register(page, 'e2e-foundation@example.com')
    expect(page.get_by_text('No notebooks yet')).to_be_visible()
    shot(page, 'foundation-01-empty-home')

    page.get_by_role('button', name='Account menu').click()
    page.get_by_text('Sign out').click()
    page.get_by_role('button', name='Sign in').wait_for()
    shot(page, 'foundation-02-sign-in')

    sign_in(page, 'e2e-foundation@example.com')
    create_notebook(page, 'Field notes')
    title = page.get_by_label('Notebook title')
    expect(title).to_have_value('Field notes')
    expect(page.get_by_text('No sources yet')).to_be_visible()
    shot(page, 'foundation-03-notebook')

    title.fill('Field notes, spring')
    title.press('Enter')
    expect(page.get_by_text('Notebook renamed')).to_be_visible()
    page.reload()
    expect(page.get_by_label('Notebook title')).to_have_value('Field notes, spring')

    page.get_by_role('button', name='Toggle dark mode').click()
    expect(page.locator('body')).to_have_class(re.compile('body--dark'))
    shot(page, 'foundation-04-dark')
    page.reload()
    expect(page.locator('body')).to_have_class(re.compile('body--dark'))

    page.goto('/')
    expect(page.get_by_text('Field notes, spring')).to_be_visible()
    shot(page, 'foundation-05-home-dark')
    page.get_by_role('button', name='Account menu').click()
    page.get_by_text('Sign out').click()
    page.get_by_role('button', name='Sign in').wait_for()
    page.goto('/')
    page.get_by_role('button', name='Sign in').wait_for()


def test_narrow_screen_collapses_the_side_panes(page: Page) -> None:
    register(page, 'e2e-narrow@example.com')
    create_notebook(page, 'Phone view')
    page.set_viewport_size({'width': 390, 'height': 800})
    page.reload()
    expect(page.get_by_text('Ask your sources')).to_be_visible()
    expect(page.get_by_text('No sources yet')).not_to_be_in_viewport()
    shot(page, 'foundation-06-narrow')
    page.get_by_role('button', name='Show sources').click()
    expect(page.get_by_text('No sources yet')).to_be_in_viewport()
    shot(page, 'foundation-07-narrow-sources')


def test_headers_on_every_page(page: Page, server) -> None:
    for path in ('/login', '/register', '/health', '/'):
        headers = httpx.get(server.url + path).headers
        assert headers['x-content-type-options'] == 'nosniff'
        assert "frame-ancestors 'none'" in headers['content-security-policy']
