"""Deleting one's own account needs more than an open browser: the typed email address and the current password, or
a current 2FA code when two-factor sign-in is on, or (for an account made by single sign-on, which has no password
its owner knows) a sign-in within the last 10 minutes. Wrong answers count like failed sign-ins, even sent at once."""

import time
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import update

from aurenlm import db, repos
from aurenlm.accounts import deletion
from aurenlm.accounts.deletion import DeletionError, Proof, delete_own_account
from aurenlm.models import AuditEvent, AuthSession, OidcIdentity, User, utcnow
from aurenlm.security import sessions, totp
from tests.helpers import PASSWORD, guess_all_at_once, person

GUESSES = 6


def still_there(user: User) -> bool:
    return repos.users.get(user.id) is not None


def test_the_typed_email_alone_does_not_delete_the_account(ann: User) -> None:
    assert deletion.proof_asked(ann) == Proof.password
    for wrong in ('', 'a-guess-at-her-password'):
        with pytest.raises(DeletionError, match='password is not right'):
            delete_own_account(ann, email='ann@example.com', answer=wrong)
    assert still_there(ann)
    with db.session() as s:
        failed = s.query(AuditEvent).filter(AuditEvent.action == 'account_delete_failed').count()
    assert failed == 2, 'wrong passwords are in her activity log'
    delete_own_account(ann, email='ANN@example.com', answer=PASSWORD)
    assert not still_there(ann)


def test_the_email_must_still_be_typed(ann: User) -> None:
    with pytest.raises(DeletionError, match='Type ann@example.com exactly'):
        delete_own_account(ann, email='ann@example', answer=PASSWORD)
    assert still_there(ann)


def test_guesses_sent_at_once_are_limited_like_guesses_sent_one_by_one(
    ann: User, settings_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_env(RATE_LOGIN='2/15minutes')
    checked, answers = guess_all_at_once(
        monkeypatch, lambda guess: delete_own_account(ann, email=ann.email, answer=guess), DeletionError, GUESSES
    )
    assert len(checked) == 2, f'{len(checked)} guesses were checked against the password; the limit is 2'
    assert sum('Please wait' in answer for answer in answers) == GUESSES - 2
    with pytest.raises(DeletionError, match='Please wait'):  # even the right one waits out the lock
        delete_own_account(ann, email=ann.email, answer=PASSWORD)
    assert still_there(ann)


def test_with_two_factor_on_a_current_code_is_asked_and_the_password_is_not_enough(ann: User) -> None:
    enrolment = totp.start(ann)
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm(ann, enrolment, app.now())
    assert deletion.proof_asked(ann) == Proof.code
    with pytest.raises(DeletionError, match='code is not right'):
        delete_own_account(ann, email=ann.email, answer=PASSWORD)
    assert still_there(ann)
    delete_own_account(ann, email=ann.email, answer=app.at(time.time() + 30))  # the next step: not a replay
    assert not still_there(ann)


def made_by_single_sign_on(email: str) -> User:
    user = person(email)
    with db.session() as s:
        s.add(OidcIdentity(user_id=user.id, issuer='https://id.example.com', subject='sub-1', email=email))
        s.commit()
    return user


def test_an_account_made_by_single_sign_on_needs_a_sign_in_within_ten_minutes() -> None:
    dora = made_by_single_sign_on('dora@example.com')
    assert deletion.proof_asked(dora) == Proof.recent_sign_in
    browser = sessions.create(dora)
    with db.session() as s:  # she signed in 11 minutes ago and left the browser open
        s.exec(
            update(AuthSession)
            .where(AuthSession.user_id == dora.id)
            .values(created_at=utcnow() - timedelta(minutes=11))
        )
        s.commit()
    with pytest.raises(DeletionError, match='sign-in within the last 10 minutes'):
        delete_own_account(dora, email=dora.email, session_token=browser.token)
    with pytest.raises(DeletionError, match='sign-in within the last 10 minutes'):
        delete_own_account(dora, email=dora.email, session_token=None)
    assert still_there(dora)
    fresh = sessions.create(dora)
    delete_own_account(dora, email=dora.email, session_token=fresh.token)
    assert not still_there(dora)


def test_a_password_account_that_linked_single_sign_on_later_still_gives_its_password(ann: User) -> None:
    with db.session() as s:
        s.exec(update(User).where(User.id == ann.id).values(created_at=utcnow() - timedelta(days=30)))
        s.add(OidcIdentity(user_id=ann.id, issuer='https://id.example.com', subject='sub-2', email=ann.email))
        s.commit()
    ann = repos.users.get(ann.id)
    assert deletion.proof_asked(ann) == Proof.password
    with pytest.raises(DeletionError, match='password is not right'):
        delete_own_account(ann, email=ann.email, session_token=sessions.create(ann).token)
    assert still_there(ann)
