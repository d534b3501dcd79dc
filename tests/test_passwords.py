"""Password rules and argon2id hashing."""

from aurenlm.security import passwords


def test_short_password_refused():
    assert 'at least 10' in passwords.password_problem('short', 'ann@example.com')


def test_password_with_email_name_refused():
    assert 'email' in passwords.password_problem('annabelle-rocks-2024', 'annabelle@example.com')


def test_common_password_refused():
    assert 'common' in passwords.password_problem('Password123', 'ann@example.com')


def test_good_password_accepted():
    assert passwords.password_problem('violet-harbour-lantern', 'ann@example.com') is None


def test_hash_is_argon2id_and_verifies():
    hashed = passwords.hash_password('violet-harbour-lantern')
    assert hashed.startswith('$argon2id$')
    assert 'violet' not in hashed
    assert passwords.verify_password(hashed, 'violet-harbour-lantern')
    assert not passwords.verify_password(hashed, 'violet-harbour-lanterns')


def test_unknown_user_never_verifies():
    assert not passwords.verify_password(None, 'dummy password for timing only')
