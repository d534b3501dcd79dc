"""Two-factor sign-in, the service: enrol with an app, confirm, codes that work once, recovery codes, the lock for
wrong codes, turning it off, and the instance-wide rule that everyone must enrol."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyotp
import pytest

from aurenlm import db
from aurenlm.models import AuditEvent, User
from aurenlm.repos import instance
from aurenlm.security import ratelimit, totp
from tests.helpers import PASSWORD, changing, person

LATER = 300.0  # seconds ahead of enrolment, so the code used to confirm is never the one a test signs in with


def enrol(user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Ann scans the QR code into her app and types the code it shows; she gets her app and her recovery codes."""
    enrolment = totp.start(user)
    app = pyotp.TOTP(enrolment.secret)
    return app, totp.confirm(user, enrolment, app.now())


def fresh(user: User) -> User:
    with db.session() as s:
        row = s.get(User, user.id)
        assert row is not None
        return row


def actions(user: User) -> list[str]:
    with db.session() as s:
        rows = s.exec(
            AuditEvent.__table__.select().where(
                (AuditEvent.user_id == user.id) | (AuditEvent.target_id == user.id)  # type: ignore[operator]
            )
        )
        return [row.action for row in rows]


def race(times: int, work: Callable[[], bool]) -> list[bool]:
    """Run `work` in `times` threads released at the same moment; their answers."""
    barrier = threading.Barrier(times)
    answers: list[bool] = []

    def one() -> None:
        barrier.wait()
        answers.append(work())

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_enrolment_offers_a_qr_code_and_the_secret_in_groups(ann: User) -> None:
    enrolment = totp.start(ann)
    assert enrolment.qr_data_url().startswith('data:image/svg+xml')
    assert enrolment.uri().startswith('otpauth://totp/AurenLM:ann%40example.com?secret=')
    assert enrolment.grouped().replace(' ', '') == enrolment.secret
    assert all(len(group) == 4 for group in enrolment.grouped().split())
    assert not totp.enabled(ann.id), 'nothing is stored before the code is confirmed'


def test_a_wrong_code_does_not_turn_it_on(ann: User) -> None:
    enrolment = totp.start(ann)
    wrong = f'{(int(pyotp.TOTP(enrolment.secret).now()) + 1) % 1_000_000:06d}'
    with pytest.raises(totp.TwoFactorError, match='does not match'):
        totp.confirm(ann, enrolment, wrong)
    assert not totp.enabled(ann.id)


def test_confirming_turns_it_on_with_ten_recovery_codes_and_a_sealed_secret(ann: User) -> None:
    app, codes = enrol(ann)
    assert totp.enabled(ann.id)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(totp.looks_like_recovery_code(code) for code in codes)
    assert totp.recovery_codes_left(ann.id) == 10
    stored = fresh(ann).totp_secret or ''
    assert app.secret not in stored, 'the secret is not kept in clear'
    assert totp.unseal(stored, ann.id) == app.secret
    assert totp.unseal(stored, person('bob@example.com').id) is None, 'a sealed secret copied to another account fails'
    assert 'totp_enabled' in actions(ann)
    with pytest.raises(totp.TwoFactorError, match='already on'):
        totp.start(ann)


def test_a_code_works_once_and_older_codes_never_after_it(ann: User) -> None:
    app, _ = enrol(ann)
    now = time.time() + LATER
    assert totp.check(ann.id, app.at(now), now=now).ok
    again = totp.check(ann.id, app.at(now), now=now)
    assert not again.ok and 'already used' in again.message
    assert not totp.check(ann.id, app.at(now - 30), now=now).ok, 'the step before, still in the window, is spent too'
    assert totp.check(ann.id, app.at(now + 30), now=now).ok, 'a clock one step ahead is forgiven'
    assert not totp.check(ann.id, app.at(now + 90), now=now).ok, 'three steps ahead is outside the window'
    assert actions(ann).count('totp_failed') == 3


def test_two_sign_ins_racing_with_one_code_let_one_through(ann: User) -> None:
    app, _ = enrol(ann)
    now = time.time() + LATER
    code = app.at(now)
    answers = race(4, lambda: totp.check(ann.id, code, now=now).ok)
    assert sorted(answers) == [False, False, False, True]


def test_a_recovery_code_works_once_however_it_is_typed(ann: User) -> None:
    _, codes = enrol(ann)
    typed = codes[0].upper().replace('-', ' ').replace('0', 'O').replace('1', 'l')
    first = totp.check(ann.id, typed)
    assert first.ok and first.recovery and first.recovery_left == 9
    assert not totp.check(ann.id, codes[0]).ok
    assert 'recovery_code_used' in actions(ann)
    answers = race(3, lambda: totp.check(ann.id, codes[1]).ok)
    assert sorted(answers) == [False, False, True]
    assert totp.recovery_codes_left(ann.id) == 8


def test_someone_elses_recovery_code_does_not_work(ann: User) -> None:
    bob = person('bob@example.com')
    enrol(ann)
    _, bobs = enrol(bob)
    assert not totp.check(ann.id, bobs[0]).ok
    assert totp.check(bob.id, bobs[0]).ok


def test_wrong_codes_lock_the_account_and_then_even_the_right_code_waits(
    ann: User, settings_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_env(RATE_2FA='3/hour')
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)
    app, _ = enrol(ann)
    now = time.time() + LATER
    wrong = f'{(int(app.at(now)) + 1) % 1_000_000:06d}'
    for _ in range(3):
        verdict = totp.check(ann.id, wrong, now=now)
        assert not verdict.ok and 'Please wait' not in verdict.message
    locked = totp.check(ann.id, wrong, now=now)
    assert 'Too many wrong codes for this account. Please wait 60 s' in locked.message
    refused = totp.check(ann.id, app.at(now), now=now)
    assert not refused.ok and 'Please wait' in refused.message
    assert totp.check(person('bob@example.com').id, '123456').message.startswith('That code is not right'), (
        'another account is not locked'
    )


def test_a_right_code_clears_the_count_of_wrong_ones(ann: User, settings_env) -> None:
    settings_env(RATE_2FA='3/hour')
    app, _ = enrol(ann)
    now = time.time() + LATER
    wrong = f'{(int(app.at(now)) + 1) % 1_000_000:06d}'
    for _ in range(2):
        totp.check(ann.id, wrong, now=now)
    assert totp.check(ann.id, app.at(now), now=now).ok
    for _ in range(3):
        assert 'Please wait' not in totp.check(ann.id, wrong, now=now).message


def test_new_recovery_codes_need_a_code_and_retire_the_old_ones(ann: User) -> None:
    app, old = enrol(ann)
    with pytest.raises(totp.TwoFactorError, match='not right'):
        totp.regenerate_recovery_codes(ann, '000000' if app.now() != '000000' else '111111')
    new = totp.regenerate_recovery_codes(ann, old[0])
    assert len(new) == 10 and not set(new) & set(old)
    assert not totp.check(ann.id, old[1]).ok
    assert totp.check(ann.id, new[0]).ok
    assert 'recovery_codes_regenerated' in actions(ann)


def test_turning_it_off_takes_the_password_or_a_code(ann: User) -> None:
    enrol(ann)
    with pytest.raises(totp.TwoFactorError, match='not a current code'):
        totp.disable(ann, 'not-my-password')
    assert totp.enabled(ann.id)
    totp.disable(ann, PASSWORD)
    assert not totp.enabled(ann.id)
    assert fresh(ann).totp_secret is None and totp.recovery_codes_left(ann.id) == 0
    assert 'totp_disabled' in actions(ann)
    _, codes = enrol(ann)  # a new phone: enrol again
    totp.disable(ann, codes[3])
    assert not totp.enabled(ann.id)


def test_a_changed_secret_key_leaves_the_recovery_codes_working(ann: User, settings_env) -> None:
    app, codes = enrol(ann)
    settings_env(SECRET_KEY='another-key-' + 'Zq8' * 16)
    now = time.time() + LATER
    assert not totp.check(ann.id, app.at(now), now=now).ok
    assert totp.check(ann.id, codes[0]).ok


def test_when_the_instance_requires_it_only_enrolled_accounts_may_go_on(ann: User) -> None:
    admin = person('admin@example.com')
    assert not instance.require_2fa() and not totp.must_enrol(ann)
    instance.set_require_2fa(True, by=admin)
    assert instance.require_2fa()
    assert totp.must_enrol(fresh(ann))
    enrol(ann)
    assert not totp.must_enrol(fresh(ann))
    instance.set_require_2fa(False, by=admin)  # saved again: the row is updated, not duplicated
    assert not totp.must_enrol(fresh(person('bob@example.com')))


def test_a_tampered_sealed_secret_is_refused(ann: User) -> None:
    app, _ = enrol(ann)
    with changing(User, ann.id) as row:
        body = row.totp_secret or ''
        row.totp_secret = body[:-2] + ('A' if body[-2] != 'A' else 'B') + body[-1]
    now = time.time() + LATER
    assert not totp.check(ann.id, app.at(now), now=now).ok
