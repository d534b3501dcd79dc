"""Server-side sessions: expiry by idleness and lifetime, rotation, revocation."""

from datetime import timedelta

from aurenlm import db, repos
from aurenlm.models import AuthSession
from aurenlm.security import sessions
from tests.helpers import changing


def make_user(email='ann@example.com'):
    return repos.users.create(email, 'violet-harbour-lantern')


def test_a_session_resolves_to_its_user():
    user = make_user()
    new = sessions.create(user, ip='10.0.0.1', user_agent='pytest')
    assert sessions.resolve(new.token).id == user.id
    assert new.session.id != new.token, 'only the hash is stored'


def test_idle_session_expires(settings_env):
    settings_env(SESSION_IDLE_MINUTES='30')
    user = make_user()
    new = sessions.create(user)
    with changing(AuthSession, new.session.id) as row:
        row.last_seen = row.last_seen - timedelta(minutes=31)
    assert sessions.resolve(new.token) is None
    with db.session() as s:
        assert s.get(AuthSession, new.session.id) is None, 'an expired session row is deleted'


def test_session_past_its_lifetime_expires():
    user = make_user()
    new = sessions.create(user)
    with changing(AuthSession, new.session.id) as row:
        row.expires_at = row.created_at - timedelta(seconds=1)
    assert sessions.resolve(new.token) is None


def test_each_login_gets_a_new_id_and_revoke_removes_it():
    user = make_user()
    first, second = sessions.create(user), sessions.create(user)
    assert first.token != second.token
    sessions.revoke(first.token)
    assert sessions.resolve(first.token) is None
    assert sessions.resolve(second.token).id == user.id


def test_unknown_or_empty_token_is_nobody():
    assert sessions.resolve('') is None
    assert sessions.resolve('not-a-token') is None
