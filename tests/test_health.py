"""/health answers while the process runs; /ready names the failing check; headers on every response."""

from nicegui.testing import User

from aurenlm import migrate


async def test_health_and_ready(user: User) -> None:
    response = await user.http_client.get('/health')
    assert response.status_code == 200 and response.json() == {'status': 'ok'}
    response = await user.http_client.get('/ready')
    assert response.status_code == 200 and response.json()['status'] == 'ready'


async def test_ready_names_the_failing_check(user: User) -> None:
    migrate.downgrade('base')
    try:
        response = await user.http_client.get('/ready')
        assert response.status_code == 503
        assert 'migrations' in response.json()['failing']
    finally:
        migrate.upgrade()


async def test_security_headers_on_pages_and_routes(user: User) -> None:
    for path in ('/login', '/health', '/ready'):
        response = await user.http_client.get(path)
        headers = response.headers
        assert headers['x-content-type-options'] == 'nosniff'
        assert "frame-ancestors 'none'" in headers['content-security-policy']
        assert headers['x-frame-options'] == 'DENY'
        assert headers['referrer-policy']
        assert headers['x-request-id']
        assert 'strict-transport-security' not in headers  # development


async def test_no_cors_unless_origins_are_listed(user: User) -> None:
    response = await user.http_client.get('/health', headers={'Origin': 'https://evil.example'})
    assert 'access-control-allow-origin' not in response.headers
