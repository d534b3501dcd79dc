"""/api/v1 sources: a PDF streamed in as multipart and read back page by page; URLs, text, errors, scoping."""

import io
import zipfile

import pytest
from sqlmodel import func, select

from aurenlm import db, repos
from aurenlm.models import Source
from tests.apikit import api, assert_rate_limited, error_of, token_for
from tests.helpers import person
from tests.sourcekit import DATA, drain, stored_files

SOURCE_KEYS = {
    'id',
    'notebook_id',
    'title',
    'kind',
    'status',
    'progress',
    'error',
    'page_count',
    'word_count',
    'guide',
    'created_at',
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('notes.txt', 'Not a document AurenLM reads.')
    return buffer.getvalue()


ZIP = _zip()


async def test_upload_a_pdf_wait_until_ready_read_page_5_and_download_it() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'ASN.1')
    pdf = (DATA / 'libtasn1.pdf').read_bytes()
    async with api(token_for(ann)) as client:
        added = await client.post(
            f'/notebooks/{notebook.id}/sources', files={'file': ('libtasn1.pdf', pdf, 'application/pdf')}
        )
        assert added.status_code == 202, added.text
        source = added.json()
        assert set(source) == SOURCE_KEYS
        assert source['status'] == 'queued' and source['kind'] == 'pdf' and source['notebook_id'] == notebook.id
        assert source['guide'] is None

        early = await client.get(f'/sources/{source["id"]}/text', params={'page': 5})
        assert early.status_code == 409 and error_of(early)['code'] == 'not_ready'

        await drain()
        ready = (await client.get(f'/sources/{source["id"]}')).json()
        assert ready['status'] == 'ready' and ready['progress'] == 1.0
        assert ready['page_count'] > 5 and ready['word_count'] > 1000
        assert ready['guide']['summary'] and ready['guide']['topics']

        page = await client.get(f'/sources/{source["id"]}/text', params={'page': 5})
        assert page.status_code == 200
        assert page.json()['source_id'] == source['id'] and page.json()['page'] == 5
        assert 'The parser is case sensitive' in page.json()['text']

        beyond = await client.get(f'/sources/{source["id"]}/text', params={'page': ready['page_count'] + 1})
        assert beyond.status_code == 404 and error_of(beyond)['code'] == 'page_not_found'

        file = await client.get(f'/sources/{source["id"]}/file')
        assert file.status_code == 200
        assert file.content == pdf
        assert file.headers['content-type'] == 'application/pdf'
        assert (
            file.headers['content-disposition']
            == 'attachment; filename="libtasn1.pdf"; filename*=UTF-8\'\'libtasn1.pdf'
        )
        assert file.headers['x-content-type-options'] == 'nosniff'

        listed = (await client.get(f'/notebooks/{notebook.id}/sources')).json()
        assert [s['id'] for s in listed['items']] == [source['id']] and listed['next_cursor'] is None
        assert (await client.get(f'/notebooks/{notebook.id}')).json()['source_count'] == 1


async def test_pasted_text_is_page_1_and_sources_page_oldest_first() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Pasted')
    async with api(token_for(ann)) as client:
        ids = []
        for i in range(5):
            added = await client.post(
                f'/notebooks/{notebook.id}/sources', json={'title': f'Note {i}', 'text': f'Entry number {i} says hi.'}
            )
            assert added.status_code == 202, added.text
            assert added.json()['title'] == f'Note {i}'
            ids.append(added.json()['id'])
        await drain()
        seen, cursor = [], None
        while True:
            body = (
                await client.get(
                    f'/notebooks/{notebook.id}/sources', params={'limit': 2} | ({'cursor': cursor} if cursor else {})
                )
            ).json()
            seen += [s['id'] for s in body['items']]
            cursor = body['next_cursor']
            if not cursor:
                break
        assert seen == ids
        text = (await client.get(f'/sources/{ids[3]}/text')).json()
        assert text['page'] == 1 and 'Entry number 3' in text['text']


async def test_the_same_file_twice_is_409() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Twice')
    data = (DATA / 'shared-mime-info-README.md').read_bytes()
    async with api(token_for(ann)) as client:
        url = f'/notebooks/{notebook.id}/sources'
        assert (await client.post(url, files={'file': ('readme.md', data)})).status_code == 202
        again = await client.post(url, files={'file': ('copy.md', data)})
    assert again.status_code == 409
    assert error_of(again)['code'] == 'duplicate'
    assert 'already in the notebook' in error_of(again)['message']


async def test_a_full_notebook_is_409(settings_env) -> None:
    settings_env(MAX_SOURCES_PER_NOTEBOOK='1')
    ann = person()
    notebook = repos.notebooks.create(ann, 'Small')
    async with api(token_for(ann)) as client:
        url = f'/notebooks/{notebook.id}/sources'
        assert (await client.post(url, json={'title': 'One', 'text': 'First words.'})).status_code == 202
        full = await client.post(url, json={'title': 'Two', 'text': 'Second words.'})
    assert full.status_code == 409
    assert error_of(full)['code'] == 'too_many_sources'


async def test_uploads_past_the_upload_limit_get_429_and_store_nothing(settings_env) -> None:
    settings_env(RATE_API_UPLOAD='2/minute')
    ann = person()
    notebook = repos.notebooks.create(ann, 'Busy')
    url = f'/notebooks/{notebook.id}/sources'
    async with api(token_for(ann)) as client:
        assert (await client.post(url, files={'file': ('alpha.md', b'# A\n\nAlpha words.')})).status_code == 202
        refused = await client.post(url, json={'url': 'http://127.0.0.1/blocked'})  # refused, yet counted
        assert refused.status_code == 422
        for attempt in (
            {'files': {'file': ('c.md', b'# C\n\nGamma words.')}},
            {'json': {'title': 'D', 'text': 'Delta words.'}},
            {'json': {'url': 'https://example.org/article'}},
        ):
            assert_rate_limited(await client.post(url, **attempt))
        assert (await client.get(url)).status_code == 200  # reading is another group
    assert [s.title for s in repos.sources.list_for(ann, notebook.id)] == ['alpha']
    assert len(stored_files()) == 1


@pytest.mark.parametrize(
    ('name', 'data', 'status', 'code'),
    [
        ('blob.bin', bytes(range(256)) * 64, 415, 'not_text'),
        ('archive.zip', ZIP, 415, 'unsupported'),
        ('fake.pdf', b'<html><body>not a pdf</body></html>', 415, 'mismatch'),
        ('empty.txt', b'', 422, 'empty'),
    ],
)
async def test_files_refused_by_the_checks_get_a_clear_4xx(name: str, data: bytes, status: int, code: str) -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Checks')
    async with api(token_for(ann)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/sources', files={'file': (name, data)})
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error['code'] == code
    with db.session() as s:
        assert s.exec(select(func.count(Source.id))).one() == 0
    assert stored_files() == []


async def test_a_file_over_the_limit_is_413_whether_announced_or_streamed(settings_env) -> None:
    settings_env(MAX_UPLOAD_MB='1')
    ann = person()
    notebook = repos.notebooks.create(ann, 'Big')
    big = b'word ' * (300 * 1024)  # 1.5 MB of text
    url = f'/notebooks/{notebook.id}/sources'
    async with api(token_for(ann)) as client:
        announced = await client.post(url, files={'file': ('big.txt', big)})
        assert announced.status_code == 413 and error_of(announced)['code'] == 'too_large'

        boundary = 'x-boundary-x'

        async def body():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'.encode()
            for i in range(0, len(big), 65536):
                yield big[i : i + 65536]
            yield f'\r\n--{boundary}--\r\n'.encode()

        streamed = await client.post(
            url, content=body(), headers={'Content-Type': f'multipart/form-data; boundary={boundary}'}
        )
        assert streamed.status_code == 413 and error_of(streamed)['code'] == 'too_large'
    assert stored_files() == []


async def test_bodies_that_are_neither_a_file_nor_json_are_refused() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Odd')
    url = f'/notebooks/{notebook.id}/sources'
    async with api(token_for(ann)) as client:
        plain = await client.post(url, content=b'hello', headers={'Content-Type': 'text/plain'})
        assert plain.status_code == 415 and 'multipart' in error_of(plain)['message']
        no_file = await client.post(url, files={'other': ('a.txt', b'hello')})
        assert no_file.status_code == 422 and error_of(no_file)['code'] == 'missing_file'
        for body in ({}, {'nothing': 1}, {'title': 'No text'}, {'url': ''}, [1, 2]):
            response = await client.post(url, json=body)
            assert response.status_code == 422, body
            assert error_of(response)['code'] == 'invalid'
        broken = await client.post(
            url, content=b'--b\r\ngarbage', headers={'Content-Type': 'multipart/form-data; boundary=zzz'}
        )
        assert broken.status_code in (400, 422)
        error_of(broken)


async def test_a_private_url_is_refused_with_422() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Web')
    async with api(token_for(ann)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/sources', json={'url': 'http://127.0.0.1:9/x'})
    assert response.status_code == 422
    assert error_of(response)['code'] == 'refused_address'


async def test_delete_removes_the_source_and_its_file() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Delete')
    async with api(token_for(ann)) as client:
        added = (await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'T', 'text': 'Words.'})).json()
        await drain()
        assert len(stored_files()) == 1
        assert (await client.delete(f'/sources/{added["id"]}')).status_code == 204
        assert (await client.get(f'/sources/{added["id"]}')).status_code == 404
        assert (await client.delete(f'/sources/{added["id"]}')).status_code == 404
    assert stored_files() == []


async def test_delete_a_notebook_removes_its_files() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Whole')
    async with api(token_for(ann)) as client:
        await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'T', 'text': 'Words here.'})
        assert len(stored_files()) == 1
        assert (await client.delete(f'/notebooks/{notebook.id}')).status_code == 204
    assert stored_files() == []


async def test_nobody_reaches_another_persons_sources() -> None:
    ann, bob = person(), person('bob@example.com')
    notebook = repos.notebooks.create(ann, 'Ann only')
    async with api(token_for(ann)) as client:
        source = (
            await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'Secret', 'text': 'Hidden words.'})
        ).json()
    await drain()
    async with api(token_for(bob)) as client:
        for method, path, kwargs in (
            ('GET', f'/sources/{source["id"]}', {}),
            ('GET', f'/sources/{source["id"]}/text', {}),
            ('GET', f'/sources/{source["id"]}/file', {}),
            ('DELETE', f'/sources/{source["id"]}', {}),
            ('GET', f'/notebooks/{notebook.id}/sources', {}),
            ('POST', f'/notebooks/{notebook.id}/sources', {'json': {'title': 'Mine', 'text': 'Planted.'}}),
            ('POST', f'/notebooks/{notebook.id}/sources', {'files': {'file': ('x.md', b'# Planted')}}),
        ):
            response = await client.request(method, path, **kwargs)
            assert response.status_code == 404, (method, path)
            assert error_of(response)['code'] == 'not_found'
    assert [s.id for s in repos.sources.list_for(ann, notebook.id)] == [source['id']]
