"""The API inside the running app: mounted at /api/v1, Swagger UI at /api/docs, and cookies never let anyone in."""

from nicegui.testing import User

from aurenlm import repos
from tests.apikit import error_of, token_for
from tests.helpers import person, sign_in


async def test_openapi_and_swagger_ui_are_served(user: User) -> None:
    spec = await user.http_client.get('/api/v1/openapi.json')
    assert spec.status_code == 200
    assert {'/notebooks', '/sources/{source_id}/text', '/jobs/{job_id}'} <= set(spec.json()['paths'])
    assert spec.json()['servers'] == [{'url': '/api/v1'}]
    docs = await user.http_client.get('/api/docs')
    assert docs.status_code == 200
    assert '/api/v1/openapi.json' in docs.text
    assert "frame-ancestors 'none'" in docs.headers['content-security-policy']
    assert 'cdn.' not in docs.text, 'Swagger UI is served locally, so the docs work offline'
    script = await user.http_client.get('/api/docs/static/swagger-ui-bundle.js')
    assert script.status_code == 200 and len(script.content) > 100_000


async def test_unknown_api_paths_answer_json_not_the_404_page(user: User) -> None:
    response = await user.http_client.get('/api/v1/no/such/thing')
    assert response.status_code == 404
    assert error_of(response)['code'] == 'not_found'


async def test_a_signed_in_browser_session_does_not_authenticate_the_api(user: User) -> None:
    person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    # the same client (and so the same session cookie) that is signed in to the UI
    assert user.http_client.cookies
    response = await user.http_client.get('/api/v1/notebooks')
    assert response.status_code == 401
    assert error_of(response)['code'] == 'unauthorized'


async def test_a_token_works_through_the_whole_app(user: User) -> None:
    ann = person()
    repos.notebooks.create(ann, 'Through the app')
    headers = {'Authorization': f'Bearer {token_for(ann)}'}
    response = await user.http_client.get('/api/v1/notebooks', headers=headers)
    assert response.status_code == 200
    assert [n['title'] for n in response.json()['items']] == ['Through the app']
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['x-request-id']
