"""Bearer tokens are the only way in: missing, bad, revoked, expired and read-only tokens; rate limits per token."""

from datetime import timedelta

from sqlalchemy import update

from aurenlm import db, repos
from aurenlm.models import ApiToken, utcnow
from aurenlm.repos import tokens as token_rows
from aurenlm.security import tokens
from tests.apikit import api, assert_rate_limited, error_of, token_for
from tests.helpers import person


async def test_a_missing_token_gets_401_with_a_hint() -> None:
    async with api() as client:
        response = await client.get('/notebooks')
    assert response.status_code == 401
    assert response.headers['www-authenticate'] == 'Bearer'
    error = error_of(response)
    assert error['code'] == 'unauthorized'
    assert 'Bearer' in error['message']


async def test_bad_tokens_get_401() -> None:
    person()
    for header in ('Bearer nonsense', 'Bearer aur_' + 'x' * 43, 'Basic YW5uOnB3', 'Bearer'):
        async with api(Authorization=header) as client:
            response = await client.get('/notebooks')
        assert response.status_code == 401, header
        assert error_of(response)['code'] in {'unauthorized', 'invalid_token'}


async def test_a_revoked_token_gets_401() -> None:
    ann = person()
    made = tokens.issue(ann, 'laptop', can_write=True)
    async with api(made.token) as client:
        assert (await client.get('/notebooks')).status_code == 200
        assert token_rows.revoke(ann, made.row.id)
        response = await client.get('/notebooks')
    assert response.status_code == 401
    assert error_of(response)['code'] == 'token_revoked'


async def test_an_expired_token_gets_401() -> None:
    ann = person()
    made = tokens.issue(ann, 'ci', can_write=False, expires_days=1)
    with db.session() as s:
        s.exec(update(ApiToken).where(ApiToken.id == made.row.id).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    async with api(made.token) as client:
        response = await client.get('/notebooks')
    assert response.status_code == 401
    error = error_of(response)
    assert error['code'] == 'token_expired'
    assert 'Settings' in error['message']


async def test_a_read_only_token_reads_but_gets_403_on_writes() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Mine')
    async with api(token_for(ann, write=False)) as client:
        assert (await client.get(f'/notebooks/{notebook.id}')).status_code == 200
        for method, path, body in (
            ('POST', '/notebooks', {'title': 'New'}),
            ('PATCH', f'/notebooks/{notebook.id}', {'title': 'Renamed'}),
            ('DELETE', f'/notebooks/{notebook.id}', None),
            ('POST', f'/notebooks/{notebook.id}/sources', {'title': 'Pasted', 'text': 'Some words.'}),
        ):
            response = await client.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            assert error_of(response)['code'] == 'read_only_token'
    assert repos.notebooks.get(ann, notebook.id).title == 'Mine'


async def test_the_api_answers_429_with_retry_after_past_the_limit(settings_env) -> None:
    settings_env(RATE_API_DEFAULT='3/minute', RATE_API_UPLOAD='1/minute')
    ann = person()
    first, second = token_for(ann, name='one'), token_for(ann, name='two')
    async with api(first) as client:
        for _ in range(3):
            assert (await client.get('/notebooks')).status_code == 200
        assert_rate_limited(await client.get('/notebooks'))
        assert_rate_limited(await client.post('/notebooks', json={'title': 'Writes count in the default group'}))
        # uploads are their own group: the default group being spent does not block them
        notebook = repos.notebooks.create(ann, 'Limits')
        added = await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'A', 'text': 'Alpha words.'})
        assert added.status_code == 202
        assert_rate_limited(
            await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'B', 'text': 'Beta words.'})
        )
    async with api(second) as client:  # limits are per token
        assert (await client.get('/notebooks')).status_code == 200


async def test_the_api_can_be_turned_off(settings_env) -> None:
    settings_env(FEATURE_API='false')
    ann = person()
    async with api(token_for(ann)) as client:
        response = await client.get('/notebooks')
    assert response.status_code == 403
    assert error_of(response)['code'] == 'api_disabled'
