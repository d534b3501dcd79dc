"""Configuration: secrets are required outside development, generated safely inside it."""

import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aurenlm.config import ConfigError, Settings, secret_key_problem

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_secret_refuses(tmp_path):
    settings = Settings(environment='production', data_dir=tmp_path, secret_key=None, _env_file=None)
    with pytest.raises(ConfigError, match='SECRET_KEY'):
        settings.resolve_secret()


@pytest.mark.parametrize('weak', ['short', 'change-me', 'x' * 31])
def test_staging_with_weak_secret_refuses(tmp_path, weak):
    settings = Settings(environment='staging', data_dir=tmp_path, secret_key=weak, _env_file=None)
    with pytest.raises(ConfigError, match='SECRET_KEY'):
        settings.resolve_secret()


def test_production_with_strong_secret_starts(tmp_path):
    key = secrets.token_urlsafe(48)
    settings = Settings(environment='production', data_dir=tmp_path, secret_key=key, _env_file=None)
    settings.resolve_secret()
    assert settings.secret() == key


@pytest.mark.parametrize(
    ('key', 'reason'),
    [
        ('a' * 64, 'bits of randomness'),
        ('changeme-changeme-changeme-changeme-x', 'placeholder word "changeme"'),
        ('Q8vR2-kLm' + 'My_Secret' + 'Zt4Wn7Px3Yb6Hc9Jd', 'placeholder word "secret"'),
        ('a1b2c3d4e5f6g7h8' * 4, 'bits of randomness'),  # 16 different characters, repeated: one copy's worth
    ],
)
def test_production_refuses_a_key_made_by_hand(tmp_path, key, reason):
    settings = Settings(environment='production', data_dir=tmp_path, secret_key=key, _env_file=None)
    with pytest.raises(ConfigError) as refused:
        settings.resolve_secret()
    message = str(refused.value)
    assert reason in message and '\n' not in message
    assert 'secrets.token_urlsafe(48)' in message, 'the message says how to make a good key'


def test_production_refuses_a_key_that_is_another_setting(tmp_path):
    key = secrets.token_urlsafe(48)
    for other in ({'gemini_api_key': key}, {'database_url': f'postgresql://auren:{key}@db/auren'}):
        settings = Settings(environment='production', data_dir=tmp_path, secret_key=key, _env_file=None, **other)
        with pytest.raises(ConfigError, match='same as another setting'):
            settings.resolve_secret()


def test_random_keys_of_the_usual_shapes_pass():
    for _ in range(200):
        for key in (secrets.token_urlsafe(48), secrets.token_urlsafe(24), secrets.token_hex(16), secrets.token_hex(32)):
            assert secret_key_problem(key) is None, key


def test_check_config_refuses_a_weak_production_key_in_one_line(tmp_path):
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'DATA_DIR': str(tmp_path), 'ENVIRONMENT': 'production'}
    result = subprocess.run(
        [sys.executable, '-m', 'aurenlm', 'check-config'],
        env={**env, 'SECRET_KEY': 'a' * 64},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'SECRET_KEY' in lines[0] and 'secrets.token_urlsafe(48)' in lines[0], result.stderr


def test_development_generates_a_private_secret_once(tmp_path):
    first = Settings(data_dir=tmp_path, secret_key=None, _env_file=None)
    first.resolve_secret()
    key_file = tmp_path / 'secret_key'
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret()) >= 32
    second = Settings(data_dir=tmp_path, secret_key=None, _env_file=None)
    second.resolve_secret()
    assert second.secret() == first.secret()


def test_lists_and_flags_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('ALLOWED_ORIGINS', 'https://a.example, https://b.example')
    monkeypatch.setenv('FEATURE_REGISTRATION', 'false')
    settings = Settings(_env_file=None)
    assert settings.allowed_origins == ['https://a.example', 'https://b.example']
    assert settings.feature_registration is False


def test_default_database_is_sqlite_under_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=None, _env_file=None)
    assert settings.db_url == f'sqlite:///{(tmp_path / "aurenlm.db").resolve()}'


def test_env_example_documents_every_setting():
    documented = (ROOT / '.env.example').read_text()
    for name in Settings.model_fields:
        assert f'{name.upper()}=' in documented, f'{name.upper()} is missing from .env.example'


def _run_main(env_extra: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {'PATH': '/usr/bin:/bin', 'DATA_DIR': str(tmp_path), 'HOME': str(tmp_path), **env_extra}
    return subprocess.run(
        [sys.executable, str(ROOT / 'main.py')], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_main_exits_in_production_without_secret(tmp_path):
    result = _run_main({'ENVIRONMENT': 'production'}, tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'SECRET_KEY' in lines[0], result.stderr


def test_main_names_a_malformed_setting(tmp_path):
    result = _run_main({'PORT': 'eighty'}, tmp_path)
    assert result.returncode != 0
    assert 'PORT' in result.stderr
