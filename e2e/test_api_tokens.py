"""A person makes an API token on the Settings page, sees it once, uses it from a script, then revokes it."""

import httpx
from playwright.sync_api import Page, expect

from e2e.conftest import register, shot


def test_make_use_and_revoke_an_api_token(page: Page, server) -> None:
    register(page, 'e2e-tokens@example.com')
    page.goto('/settings')
    expect(page.get_by_text('API tokens', exact=True)).to_be_visible()
    expect(page.get_by_text('No tokens yet.')).to_be_visible()

    page.get_by_label('Token name').fill('sync script')
    page.get_by_text('Read and write').click()
    page.get_by_role('button', name='Create token').click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_text('only time it is shown')).to_be_visible()
    token = dialog.get_by_label('New token').input_value()
    assert token.startswith('aur_') and len(token) == 47
    expect(dialog.get_by_role('button', name='Copy')).to_be_visible()
    shot(page, 'api-tokens-01-shown-once')
    dialog.get_by_role('button', name='Done').click()
    expect(page.get_by_role('dialog')).to_have_count(0)
    expect(page.get_by_text(token)).to_have_count(0)
    expect(page.get_by_text('sync script')).to_be_visible()
    expect(page.get_by_text('last used never')).to_be_visible()

    api = f'{server.url}/api/v1'
    headers = {'Authorization': f'Bearer {token}'}
    created = httpx.post(f'{api}/notebooks', json={'title': 'Made by a script'}, headers=headers)
    assert created.status_code == 201, created.text
    listed = httpx.get(f'{api}/notebooks', headers=headers)
    assert listed.status_code == 200
    assert [n['title'] for n in listed.json()['items']] == ['Made by a script']
    assert httpx.get(f'{api}/notebooks').status_code == 401  # no token, no access, even from the same machine

    page.reload()
    expect(page.get_by_text('last used just now')).to_be_visible()
    page.get_by_role('button', name='Revoke token sync script').click()
    page.get_by_role('dialog').get_by_role('button', name='Revoke').click()
    expect(page.get_by_text('revoked', exact=True)).to_be_visible()
    shot(page, 'api-tokens-02-revoked')

    refused = httpx.get(f'{api}/notebooks', headers=headers)
    assert refused.status_code == 401
    assert refused.json()['error']['code'] == 'token_revoked'

    page.goto('/')
    expect(page.get_by_text('Made by a script')).to_be_visible()


def test_swagger_ui_is_served(page: Page, server) -> None:
    spec = httpx.get(f'{server.url}/api/v1/openapi.json')
    assert spec.status_code == 200 and spec.json()['info']['title'] == 'AurenLM API'
    docs = httpx.get(f'{server.url}/api/docs')
    assert docs.status_code == 200 and '/api/v1/openapi.json' in docs.text
