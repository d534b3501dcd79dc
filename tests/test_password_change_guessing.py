"""Someone at an open, signed-in browser who does not know its password cannot guess it through "Change password"
faster than the limit allows, not even by sending many attempts at once (the page checks each in a thread)."""

import pytest

from aurenlm import repos
from aurenlm.accounts.password_change import PasswordChangeError, change_password
from aurenlm.models import User
from tests.helpers import PASSWORD, guess_all_at_once

GUESSES = 6
NEW_PASSWORD = 'copper-meadow-sextant'


def test_guesses_sent_at_once_are_limited_like_guesses_sent_one_by_one(
    ann: User, settings_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_env(RATE_LOGIN='2/15minutes')
    checked, answers = guess_all_at_once(
        monkeypatch,
        lambda guess: change_password(ann, guess, NEW_PASSWORD, keep_token=None),
        PasswordChangeError,
        GUESSES,
    )
    assert len(checked) == 2, f'{len(checked)} guesses were checked against the password; the limit is 2'
    assert sum('Please wait' in answer for answer in answers) == GUESSES - 2
    assert repos.users.authenticate('ann@example.com', PASSWORD) is not None


def test_the_right_current_password_starts_the_count_again(ann: User, settings_env) -> None:
    settings_env(RATE_LOGIN='2/15minutes')
    with pytest.raises(PasswordChangeError, match='not right'):
        change_password(ann, 'a-wrong-guess-at-it', NEW_PASSWORD, keep_token=None)
    with pytest.raises(PasswordChangeError, match='too common'):  # right current password, weak new one
        change_password(ann, PASSWORD, 'password123', keep_token=None)
    with pytest.raises(PasswordChangeError, match='not right'):  # a typo: still not locked out
        change_password(ann, 'violet-harbour-lanter', NEW_PASSWORD, keep_token=None)
    change_password(ann, PASSWORD, NEW_PASSWORD, keep_token=None)
    assert repos.users.authenticate('ann@example.com', NEW_PASSWORD) is not None
