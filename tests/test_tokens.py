"""Personal access tokens: made, stored as a hash, checked, throttled last use, revoked; the CLI and Settings UI."""

from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import update
from sqlmodel import select

from aurenlm import db
from aurenlm.__main__ import main as cli
from aurenlm.models import ApiToken, utcnow
from aurenlm.repos import tokens as token_rows
from aurenlm.security import tokens
from tests.helpers import confirm, person, sign_in


def test_a_token_is_shown_once_and_stored_as_a_hash() -> None:
    ann = person()
    made = tokens.issue(ann, '  backup   script ', can_write=True)
    assert made.token.startswith('aur_') and len(made.token) == 4 + 43
    with db.session() as s:
        row = s.exec(select(ApiToken)).one()
    assert row.name == 'backup script'
    assert row.token_hash == tokens.token_hash(made.token) != made.token
    assert made.token not in repr(row.model_dump())
    assert row.prefix == made.token[:10] and made.token.startswith(row.prefix)
    assert row.can_write and row.expires_at is None and row.revoked_at is None


def test_authenticate_accepts_a_live_token_and_says_why_it_refuses_others() -> None:
    ann = person()
    made = tokens.issue(ann, 'cli')
    found = tokens.authenticate(made.token)
    assert found.user.id == ann.id and found.token.id == made.row.id and not found.token.can_write
    for presented, code in ((None, 'unauthorized'), ('', 'unauthorized'), ('ghp_x', 'invalid_token')):
        with pytest.raises(tokens.TokenRejected) as refused:
            tokens.authenticate(presented)
        assert refused.value.code == code
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.authenticate(made.token + 'x')
    assert refused.value.code == 'invalid_token'


def test_expired_and_revoked_tokens_are_refused() -> None:
    ann = person()
    soon = tokens.issue(ann, 'short', expires_days=1)
    assert soon.row.expires_at - utcnow() > timedelta(hours=23)
    with db.session() as s:
        s.exec(update(ApiToken).where(ApiToken.id == soon.row.id).values(expires_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.authenticate(soon.token)
    assert refused.value.code == 'token_expired'
    assert tokens.status(token_rows.get(ann, soon.row.id)) == 'expired'

    live = tokens.issue(ann, 'revoke me')
    assert token_rows.revoke(ann, live.row.id)
    assert not token_rows.revoke(ann, live.row.id)  # the first revocation time stays
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.authenticate(live.token)
    assert refused.value.code == 'token_revoked'


def test_only_the_owner_lists_or_revokes_a_token() -> None:
    ann, bob = person(), person('bob@example.com')
    made = tokens.issue(ann, 'ann')
    assert token_rows.list_for(bob) == []
    assert not token_rows.revoke(bob, made.row.id)
    tokens.authenticate(made.token)
    assert [t.name for t in token_rows.list_for(ann)] == ['ann']


def test_last_use_is_written_at_most_once_a_minute() -> None:
    ann = person()
    made = tokens.issue(ann, 'busy')
    first = tokens.authenticate(made.token).token.last_used_at
    assert first is not None
    tokens.authenticate(made.token)
    assert token_rows.get(ann, made.row.id).last_used_at == first
    earlier = utcnow() - timedelta(minutes=2)
    token_rows.touch(made.row.id, earlier)
    tokens.authenticate(made.token)
    assert token_rows.get(ann, made.row.id).last_used_at > earlier + timedelta(minutes=1)


def test_names_and_expiries_are_checked() -> None:
    ann = person()
    for name in ('', '   ', 'x' * 101):
        with pytest.raises(tokens.TokenError):
            tokens.issue(ann, name)
    for days in (0, -1, 4000):
        with pytest.raises(tokens.TokenError):
            tokens.issue(ann, 'ok', expires_days=days)


def test_the_cli_prints_the_token_as_its_last_line(capsys: pytest.CaptureFixture) -> None:
    ann = person()
    assert (
        cli(['create-token', '--email', 'ANN@example.com', '--name', 'deploy', '--write', '--expires-days', '30']) == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    found = tokens.authenticate(token)
    assert found.user.id == ann.id and found.token.can_write and found.token.name == 'deploy'
    assert found.token.expires_at is not None

    assert cli(['create-token', '--email', 'ann@example.com', '--name', 'reader']) == 0
    assert not tokens.authenticate(capsys.readouterr().out.strip().splitlines()[-1]).token.can_write

    assert cli(['create-token', '--email', 'nobody@example.com', '--name', 'x']) == 1
    assert 'no account' in capsys.readouterr().err


async def test_settings_makes_a_token_shows_it_once_and_revokes_it(user: User) -> None:
    ann = person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    await user.open('/settings')
    await user.should_see('API tokens')
    await user.should_see('No tokens yet.')
    user.find(marker='token-name').type('laptop script')
    user.find('Read and write').click()
    user.find(marker='create-token').click()
    await user.should_see('Copy it now')
    shown = user.find(marker='new-token').elements.pop().value
    found = tokens.authenticate(shown)
    assert found.user.id == ann.id and found.token.can_write and found.token.name == 'laptop script'
    assert found.token.expires_at is not None  # 90 days unless chosen otherwise
    user.find(marker='token-done').click()
    await user.should_not_see('Copy it now')
    await user.should_not_see(marker='new-token')
    await user.should_see('laptop script')
    await user.should_see(found.token.prefix)

    user.find(marker='revoke-token').click()
    await confirm(user, 'Revoke this token?')
    await user.should_see('revoked')
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(shown)


async def test_settings_explains_a_missing_name(user: User) -> None:
    ann = person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    await user.open('/settings')
    user.find(marker='create-token').click()
    await user.should_see('Give the token a name')
    assert token_rows.list_for(ann) == []
