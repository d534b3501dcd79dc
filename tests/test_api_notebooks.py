"""/api/v1/notebooks: create, read, rename, delete, list with cursors; strangers get 404; errors keep one shape."""

from datetime import datetime

from aurenlm import db, repos
from aurenlm.models import NotebookMember
from tests.apikit import api, error_of, token_for
from tests.helpers import person


async def test_create_read_rename_delete() -> None:
    ann = person()
    async with api(token_for(ann)) as client:
        created = await client.post('/notebooks', json={'title': '  Field   notes '})
        assert created.status_code == 201
        notebook = created.json()
        assert set(notebook) == {'id', 'title', 'created_at', 'updated_at', 'source_count', 'role'}
        assert notebook['role'] == 'owner'
        assert notebook['title'] == 'Field notes'
        assert notebook['source_count'] == 0
        assert notebook['created_at'].endswith('Z')
        assert datetime.fromisoformat(notebook['updated_at']).utcoffset().total_seconds() == 0

        assert (await client.get(f'/notebooks/{notebook["id"]}')).json() == notebook

        renamed = await client.patch(f'/notebooks/{notebook["id"]}', json={'title': 'Spring notes'})
        assert renamed.status_code == 200
        assert renamed.json()['title'] == 'Spring notes'
        assert renamed.json()['updated_at'] >= notebook['updated_at']

        deleted = await client.delete(f'/notebooks/{notebook["id"]}')
        assert deleted.status_code == 204
        assert deleted.content == b''
        gone = await client.get(f'/notebooks/{notebook["id"]}')
        assert gone.status_code == 404
        assert error_of(gone)['code'] == 'not_found'
    assert repos.notebooks.get(ann, notebook['id']) is None


async def test_pagination_covers_every_notebook_exactly_once() -> None:
    ann = person()
    made = {repos.notebooks.create(ann, f'Notebook {i}').id for i in range(45)}
    repos.notebooks.create(person('bob@example.com'), 'Not Ann’s')
    seen: list[dict] = []
    pages = 0
    async with api(token_for(ann, write=False)) as client:
        cursor = None
        while True:
            params = {'limit': 7} | ({'cursor': cursor} if cursor else {})
            response = await client.get('/notebooks', params=params)
            assert response.status_code == 200
            body = response.json()
            assert set(body) == {'items', 'next_cursor'}
            assert len(body['items']) <= 7
            seen.extend(body['items'])
            pages += 1
            cursor = body['next_cursor']
            if cursor is None:
                break
    assert pages == 7
    assert [n['id'] for n in seen if n['id'] in made] == [n['id'] for n in seen]
    assert len(seen) == 45 and {n['id'] for n in seen} == made
    keys = [(n['updated_at'], n['id']) for n in seen]
    assert keys == sorted(keys, reverse=True)


async def test_default_limit_and_bounds() -> None:
    ann = person()
    for i in range(25):
        repos.notebooks.create(ann, f'N{i}')
    async with api(token_for(ann)) as client:
        first = (await client.get('/notebooks')).json()
        assert len(first['items']) == 20 and first['next_cursor']
        rest = (await client.get('/notebooks', params={'cursor': first['next_cursor'], 'limit': 100})).json()
        assert len(rest['items']) == 5 and rest['next_cursor'] is None
        for bad in (0, 101, 'many'):
            response = await client.get('/notebooks', params={'limit': bad})
            assert response.status_code == 422
            assert 'limit' in error_of(response)['message']
        for cursor in ('not-a-cursor', 'WyJ4Il0', '!!!'):
            response = await client.get('/notebooks', params={'cursor': cursor})
            assert response.status_code == 400
            assert error_of(response)['code'] == 'invalid_cursor'


async def test_another_persons_notebook_is_404_never_403() -> None:
    ann, bob = person(), person('bob@example.com')
    hers = repos.notebooks.create(ann, 'Private')
    async with api(token_for(bob)) as client:
        for method, body in (('GET', None), ('PATCH', {'title': 'Mine now'}), ('DELETE', None)):
            response = await client.request(method, f'/notebooks/{hers.id}', json=body)
            assert response.status_code == 404, method
            assert error_of(response)['code'] == 'not_found'
        assert (await client.get('/notebooks')).json()['items'] == []
    assert repos.notebooks.get(ann, hers.id).title == 'Private'


async def test_a_viewer_reads_but_cannot_change() -> None:
    ann, bob = person(), person('bob@example.com')
    shared = repos.notebooks.create(ann, 'Shared')
    with db.session() as s:
        s.add(NotebookMember(notebook_id=shared.id, user_id=bob.id, role='viewer'))
        s.commit()
    async with api(token_for(bob)) as client:
        assert (await client.get(f'/notebooks/{shared.id}')).status_code == 200
        assert (await client.patch(f'/notebooks/{shared.id}', json={'title': 'x'})).status_code == 403
        assert (await client.delete(f'/notebooks/{shared.id}')).status_code == 403


async def test_invalid_bodies_get_422_in_the_error_shape() -> None:
    ann = person()
    async with api(token_for(ann)) as client:
        for body in ({}, {'title': ''}, {'title': 'x' * 201}, {'title': 5}, {'title': '   '}):
            response = await client.post('/notebooks', json=body)
            assert response.status_code == 422, body
            assert error_of(response)['code'] == 'invalid'
        broken = await client.post('/notebooks', content=b'{"title": ', headers={'Content-Type': 'application/json'})
        assert broken.status_code == 422
        assert 'JSON' in error_of(broken)['message']


async def test_unknown_paths_methods_types_and_sizes_keep_the_error_shape() -> None:
    ann = person()
    async with api(token_for(ann)) as client:
        missing = await client.get('/nothing/here')
        assert missing.status_code == 404 and error_of(missing)['code'] == 'not_found'

        wrong_method = await client.put('/notebooks', json={'title': 'x'})
        assert wrong_method.status_code == 405
        assert error_of(wrong_method)['code'] == 'method_not_allowed'
        assert wrong_method.headers['allow'] == 'GET, POST'

        form = await client.post('/notebooks', data={'title': 'x'})
        assert form.status_code == 415
        assert error_of(form)['code'] == 'unsupported_media_type'

        big = await client.post('/notebooks', json={'title': 'x', 'padding': 'y' * (1024 * 1024)})
        assert big.status_code == 413
        assert error_of(big)['code'] == 'too_large'

        async def chunked():
            yield b'{"title": "'
            for _ in range(20):
                yield b'z' * 65536
            yield b'"}'

        streamed = await client.post('/notebooks', content=chunked(), headers={'Content-Type': 'application/json'})
        assert streamed.status_code == 413
        assert error_of(streamed)['code'] == 'too_large'
