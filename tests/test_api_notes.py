"""Notes and export over the API: create, change (versions), delete, pages, scoping and attachments."""

import json

from aurenlm import repos
from tests.apikit import api, token_for
from tests.helpers import person


async def test_note_lifecycle_and_versions() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Notes')
    async with api(token_for(ann)) as client:
        created = await client.post(f'/notebooks/{notebook.id}/notes', json={'title': 'Plan', 'body': 'first'})
        assert created.status_code == 201
        note = created.json()
        for body in ('second', 'third'):
            changed = await client.patch(f'/notes/{note["id"]}', json={'body': body})
            assert changed.status_code == 200 and changed.json()['body'] == body
        versions = (await client.get(f'/notes/{note["id"]}/versions', params={'limit': 2})).json()
        assert [v['body'] for v in versions['items']] == ['third', 'second'] and versions['next_cursor']
        rest = (await client.get(f'/notes/{note["id"]}/versions', params={'cursor': versions['next_cursor']})).json()
        assert [v['body'] for v in rest['items']] == ['first'] and rest['next_cursor'] is None
        listed = (await client.get(f'/notebooks/{notebook.id}/notes')).json()
        assert [n['id'] for n in listed['items']] == [note['id']]
        assert (await client.delete(f'/notes/{note["id"]}')).status_code == 204
        assert (await client.get(f'/notes/{note["id"]}')).status_code == 404


async def test_notes_are_private_and_read_tokens_cannot_write() -> None:
    ann, bob = person('ann@example.com'), person('bob@example.com')
    notebook = repos.notebooks.create(ann, 'Private')
    async with api(token_for(ann)) as client:
        note = (await client.post(f'/notebooks/{notebook.id}/notes', json={'title': 'Mine', 'body': 'x'})).json()
    async with api(token_for(bob)) as client:
        assert (await client.get(f'/notes/{note["id"]}')).status_code == 404
        assert (await client.patch(f'/notes/{note["id"]}', json={'body': 'hacked'})).status_code == 404
        assert (await client.get(f'/notebooks/{notebook.id}/notes')).status_code == 404
        assert (await client.get(f'/notebooks/{notebook.id}/export', params={'format': 'json'})).status_code == 404
    async with api(token_for(ann, write=False)) as client:
        assert (await client.patch(f'/notes/{note["id"]}', json={'body': 'no'})).status_code == 403


async def test_export_is_an_attachment_in_each_format() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Exported')
    async with api(token_for(ann)) as client:
        await client.post(f'/notebooks/{notebook.id}/notes', json={'title': 'Heading', 'body': '# Hello\n\nworld'})
        for fmt, media in (('md', 'text/markdown'), ('json', 'application/json'), ('pdf', 'application/pdf')):
            response = await client.get(f'/notebooks/{notebook.id}/export', params={'format': fmt})
            assert response.status_code == 200, response.text
            assert response.headers['content-type'].startswith(media)
            assert response.headers['content-disposition'].startswith('attachment;')
            assert "filename*=UTF-8''" in response.headers['content-disposition']
            assert response.headers['x-content-type-options'] == 'nosniff'
        bundle = json.loads((await client.get(f'/notebooks/{notebook.id}/export', params={'format': 'json'})).text)
        assert bundle['schema_version'] and bundle['notes'][0]['title'] == 'Heading'
        assert (await client.get(f'/notebooks/{notebook.id}/export', params={'format': 'doc'})).status_code == 422
