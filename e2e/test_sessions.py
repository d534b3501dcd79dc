"""Sign-in in Chromium: a planted cookie gets nothing, a copied cookie dies for good (an open page too), tickets stay
out of the log, and the tightened Content Security Policy costs the app nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from e2e.conftest import Server, create_notebook, sign_in

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'tests' / 'data'


def account(server: Server, email: str) -> str:
    """Made from the shell, as an administrator would: registering through the page is limited per address."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('AURENLM_TEST', 'DATABASE_URL', 'PYTEST'))}
    env['DATA_DIR'] = str(server.data_dir)
    subprocess.run(
        [sys.executable, '-m', 'aurenlm', 'create-user', '--email', email, '--password', 'violet-harbour-lantern'],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return email


def attacker_with(server: Server, cookies: list[dict]) -> httpx.Client:
    """Somebody else's script holding these cookies, talking to the server directly."""
    client = httpx.Client(base_url=server.url)
    for cookie in cookies:
        client.cookies.set(cookie['name'], cookie['value'])
    return client


def export_status(client: httpx.Client, notebook_id: str) -> int:
    return client.get(f'/export/notebook/{notebook_id}?format=md').status_code


def own_export_status(context: BrowserContext, server: Server, notebook_id: str) -> int:
    return context.request.get(f'{server.url}/export/notebook/{notebook_id}?format=md').status


def test_a_cookie_planted_before_sign_in_exports_nothing(page: Page, server: Server) -> None:
    anonymous = httpx.get(f'{server.url}/login')  # an anonymous visit hands out a cookie
    planted = [{'name': name, 'value': value, 'url': server.url} for name, value in anonymous.cookies.items()]
    assert planted
    page.context.add_cookies(planted)  # the attacker gets it into the victim's browser

    sign_in(page, account(server, 'e2e-fixation@example.com'))
    notebook_id = create_notebook(page, 'Diary')
    assert own_export_status(page.context, server, notebook_id) == 200
    with attacker_with(server, planted) as attacker:
        assert export_status(attacker, notebook_id) == 401
    held = {c['name']: c['value'] for c in page.context.cookies()}
    assert all(held.get(c['name']) != c['value'] for c in planted), 'the browser got a new identity'


def test_a_copied_cookie_dies_on_sign_out_everywhere_and_stays_dead(page: Page, server: Server) -> None:
    sign_in(page, account(server, 'e2e-copied@example.com'))
    notebook_id = create_notebook(page, 'Ledger')
    with attacker_with(server, page.context.cookies()) as thief:
        assert export_status(thief, notebook_id) == 200, 'a copy works while the session lives'

        page.goto('/settings')
        page.get_by_role('button', name='Sign out everywhere').click()
        page.get_by_role('button', name='Sign in').wait_for()
        assert export_status(thief, notebook_id) == 401

        sign_in(page, 'e2e-copied@example.com')  # back in, in the same browser
        assert own_export_status(page.context, server, notebook_id) == 200
        assert export_status(thief, notebook_id) == 401


def test_the_sign_in_ticket_never_reaches_the_log(page: Page, server: Server) -> None:
    tickets: list[str] = []
    page.on('request', lambda request: tickets.extend(re.findall(r'ticket=([^&]+)', request.url)))
    sign_in(page, account(server, 'e2e-ticket@example.com'))
    assert tickets, 'the browser went through /auth/complete'
    log = Path(server.log.name).read_text()
    assert 'ticket=***' in log
    assert not any(ticket in log for ticket in tickets)


def test_the_app_works_under_its_content_security_policy(page: Page, server: Server) -> None:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if 'Content Security Policy' in message.text or 'Refused to' in message.text:
            refused.append(message.text)

    page.on('console', watch)
    page.on('pageerror', lambda error: refused.append(str(error)))
    sign_in(page, account(server, 'e2e-csp@example.com'))
    create_notebook(page, 'Policy check')
    page.get_by_role('button', name='Add sources').click()
    page.locator('input[type=file]').set_input_files(str(DATA / 'shared-mime-info-README.md'))
    page.keyboard.press('Escape')
    expect(page.get_by_text('1 page ·')).to_be_visible(timeout=60_000)
    page.get_by_label('Message').fill('How do I add a MIME type?')
    page.get_by_label('Message').press('Enter')
    expect(page.locator('.auren-answer .auren-cite').first).to_be_visible(timeout=30_000)
    page.get_by_role('button', name='Create mind map').click()
    opener = page.get_by_role('button', name=re.compile('^Open Mind map'))
    expect(opener).to_be_visible(timeout=60_000)
    opener.click()
    expect(page.get_by_role('dialog').locator('.nicegui-echart canvas').first).to_be_visible()
    page.keyboard.press('Escape')
    page.get_by_role('button', name='Toggle dark mode').click()
    page.goto('/settings')
    expect(page.get_by_text('Signed-in sessions')).to_be_visible()
    assert refused == []


def test_a_page_opened_with_a_copied_cookie_stops_at_sign_out_everywhere(page: Page, server: Server) -> None:
    sign_in(page, account(server, 'e2e-open-page@example.com'))
    notebook_id = create_notebook(page, 'Minutes')
    thief_context = page.context.browser.new_context(base_url=server.url)
    try:
        thief_context.add_cookies(page.context.cookies())
        thief = thief_context.new_page()
        thief.goto(f'/notebook/{notebook_id}')
        expect(thief.get_by_label('Notebook title')).to_have_value('Minutes')

        page.goto('/settings')
        page.get_by_role('button', name='Sign out everywhere').click()
        page.get_by_role('button', name='Sign in').wait_for()

        # the thief's page is still open, with its socket: its very next event is refused, and it is sent to sign in
        thief.get_by_label('Message').fill('Anything about salaries?')
        thief.wait_for_url('**/login')
    finally:
        thief_context.close()

    sign_in(page, 'e2e-open-page@example.com')
    chat = page.context.request.get(f'{server.url}/export/chat/{notebook_id}?format=md')
    assert chat.status == 200 and 'salaries' not in chat.text()
