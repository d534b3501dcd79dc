"""Settings: every knob AurenLM has, read from the environment and `.env`, validated in one place."""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
# Words people type into a key by hand; matched anywhere in the key, ignoring case and punctuation, so
# `Change_Me-changeme-...` is caught too. Each has 6+ characters, so a random key contains one by chance
# less than once in a hundred thousand keys.
_PLACEHOLDERS = 'changeme changethis secret password passwd example placeholder replace default insecure sample letmein'
PLACEHOLDER_WORDS = tuple(_PLACEHOLDERS.split()) + ('qwerty', 'abcdef', '123456')
# secrets.token_urlsafe(48) scores about 340 bits on this estimate, and 32 random hex digits about 110
MIN_SECRET_BITS = 80
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class ConfigError(Exception):
    """A setting is missing or unsafe; the message names it in one line."""


class Environment(StrEnum):
    development = 'development'
    staging = 'staging'
    production = 'production'


class RegistrationPolicy(StrEnum):
    """Who may create an account. Whatever the policy, the first account of an empty instance can be made."""

    open = 'open'
    invite_only = 'invite-only'
    closed = 'closed'


class SmtpSecurity(StrEnum):
    """How the connection to the mail server is protected: STARTTLS on the submission port (587), implicit TLS
    (465), or none (a relay on the same host or a test server on loopback)."""

    starttls = 'starttls'
    ssl = 'ssl'
    none = 'none'


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file='.env', env_file_encoding='utf-8', extra='ignore')

    environment: Environment = Environment.development
    secret_key: SecretStr | None = None
    data_dir: Path = Path('data')
    database_url: str | None = None
    host: str = '127.0.0.1'
    port: int = 8080
    public_url: str | None = None

    gemini_api_key: SecretStr | None = None
    gemini_model: str = 'gemini-2.5-flash'
    gemini_embed_model: str = 'text-embedding-004'
    gemini_base_url: str | None = None
    gemini_timeout_s: float = 60.0
    gemini_max_attempts: int = 4
    gemini_breaker_threshold: int = 5
    gemini_breaker_cooldown_s: float = 30.0

    redis_url: str | None = None
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # the reverse proxies whose X-Forwarded-* headers are believed (addresses or networks, `*` for any)
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ['127.0.0.1', '::1'])

    max_upload_mb: int = 50
    max_words_per_source: int = 500_000
    max_sources_per_notebook: int = 50
    max_zip_uncompressed_mb: int = 200
    max_zip_ratio: int = 100
    url_fetch_timeout_s: float = 20.0
    allow_private_urls: bool = False
    clamd_socket: str | None = None

    # failed sign-ins allowed per account, and per address, before each further failure doubles a wait
    rate_login: str = '5/15minutes'
    rate_login_ip: str = '50/15minutes'
    login_backoff_max_s: int = 900
    # wrong 2FA codes per account before the same doubling wait (a code has 1 in 333,333 odds, so fewer tries)
    rate_2fa: str = '5/hour'
    rate_register: str = '5/minute'
    rate_chat: str = '20/minute'
    rate_api_chat: str = '30/minute'
    rate_api_upload: str = '30/minute'
    rate_api_generate: str = '20/minute'
    rate_api_default: str = '300/minute'

    session_idle_minutes: int = 60 * 24 * 7
    session_max_hours: int = 24 * 30

    # OpenID Connect sign-in (docs/oidc.md): on when issuer, client id and secret are all set; the issuer is the URL
    # whose /.well-known/openid-configuration describes the provider
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = 'openid email profile'
    oidc_button_label: str = 'Sign in with single sign-on'

    # mail, for password-reset links; no SMTP_HOST means no mail (the reset page then says to ask an admin)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.starttls
    smtp_timeout_s: float = 10.0
    mail_from: str = 'AurenLM <noreply@localhost>'
    # reset requests per email address (whether or not it has an account) and per client address
    rate_reset: str = '3/hour'
    rate_reset_ip: str = '20/hour'
    # how long an invitation link to share a notebook works (docs/sharing.md); expired ones are purged
    invitation_days: int = Field(default=14, ge=1, le=365)

    log_level: str = 'INFO'
    log_json: bool | None = None

    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_recycle_s: int = 1800

    worker_concurrency: int = 2
    job_stale_after_s: int = 60

    # open | invite-only | closed; empty: open in development, invite-only elsewhere. The admin can change it at run
    # time (stored in the database, which then wins over this default)
    registration_policy: RegistrationPolicy | None = None
    # kept for older .env files: false means REGISTRATION_POLICY=closed when that is not set
    feature_registration: bool = True
    feature_gemini: bool = True
    feature_studio: bool = True
    feature_api: bool = True

    @field_validator('allowed_origins', 'forwarded_allow_ips', mode='before')
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(',') if o.strip()]
        return value

    @field_validator('registration_policy', mode='before')
    @classmethod
    def _empty_policy_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def default_registration_policy(self) -> RegistrationPolicy:
        """The policy until an admin picks one: REGISTRATION_POLICY, else closed when FEATURE_REGISTRATION=false,
        else open in development (so a developer can sign up at once) and invite-only anywhere people could find it."""
        if self.registration_policy is not None:
            return self.registration_policy
        if not self.feature_registration:
            return RegistrationPolicy.closed
        return RegistrationPolicy.open if self.is_development else RegistrationPolicy.invite_only

    @field_validator('smtp_security', mode='before')
    @classmethod
    def _empty_security_is_starttls(cls, value: object) -> object:
        return SmtpSecurity.starttls if isinstance(value, str) and not value.strip() else value

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_host.strip())

    @property
    def link_base(self) -> str | None:
        """Where links in mail point: PUBLIC_URL, or this server's own address in development. Never the request's
        Host header, which anyone can set: a reset link built from it would carry the token to the sender's site."""
        if self.public_url and self.public_url.strip():
            return self.public_url.strip().rstrip('/')
        if self.is_development:
            return f'http://{self.host}:{self.port}'
        return None

    @property
    def is_development(self) -> bool:
        return self.environment == Environment.development

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.environment == Environment.production

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f'sqlite:///{(self.data_dir / "aurenlm.db").resolve()}'

    @property
    def files_dir(self) -> Path:
        return self.data_dir / 'files'

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / 'cache'

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def oidc_enabled(self) -> bool:
        secret = self.oidc_client_secret.get_secret_value() if self.oidc_client_secret else ''
        return bool(self.oidc_issuer and self.oidc_client_id and secret)

    @property
    def gemini_enabled(self) -> bool:
        return self.feature_gemini and self.gemini_api_key is not None and bool(self.gemini_api_key.get_secret_value())

    def secret(self) -> str:
        assert self.secret_key is not None, 'resolve_secret() runs at start-up'
        return self.secret_key.get_secret_value()

    def resolve_secret(self) -> None:
        """Make sure a strong SECRET_KEY is set; in development, make one and keep it in DATA_DIR."""
        key = self.secret_key.get_secret_value() if self.secret_key else ''
        if self.is_development:
            if not key:
                self.secret_key = SecretStr(_development_secret(self.data_dir))
            return
        if not key:
            raise ConfigError(f'SECRET_KEY is not set: {self.environment} needs one; make it with: {MAKE_A_KEY}')
        problem = secret_key_problem(key, self._other_values())
        if problem:
            raise ConfigError(f'SECRET_KEY is too weak ({problem}); make a random one with: {MAKE_A_KEY}')

    def _other_values(self) -> list[str]:
        """Every other setting as text, so a key copied from the database password or an API key is caught."""
        values = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == 'secret_key' or value is None:
                continue
            values.append(value.get_secret_value() if isinstance(value, SecretStr) else str(value))
        return values


def secret_key_bits(key: str) -> float:
    """A rough estimate of a key's randomness in bits: Shannon bits per character times the number of distinct
    three-character runs, so a repeated pattern (`abcdefgh` x 4) earns no more than one copy of it."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = max(0.0, -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values()))
    runs = {key[i : i + 3] for i in range(max(1, len(key) - 2))}
    return per_char * min(len(key), len(runs) + 2)


def secret_key_problem(key: str, other_values: Sequence[str] = ()) -> str | None:
    """Why this SECRET_KEY is unsafe, in a few words; None when it is fine."""
    if len(key) < MIN_SECRET_LENGTH:
        return f'{len(key)} characters, needs {MIN_SECRET_LENGTH}+'
    letters = re.sub(r'[^a-z0-9]', '', key.lower())
    word = next((w for w in PLACEHOLDER_WORDS if w in letters), None)
    if word:
        return f'it contains the placeholder word "{word}"'
    if any(value and (value == key or key in value) for value in other_values):
        return 'it is the same as another setting'
    bits = secret_key_bits(key)
    if bits < MIN_SECRET_BITS:
        return f'about {bits:.0f} bits of randomness, needs {MIN_SECRET_BITS}+'
    return None


def _development_secret(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / 'secret_key'
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL + 0600: the key is never readable by others, not even for a moment
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.resolve_secret()
    return settings


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()


def test_postgres_url() -> str | None:
    """The server URL the test suite uses to create its own PostgreSQL database."""
    return os.environ.get('AURENLM_TEST_POSTGRES_URL')
