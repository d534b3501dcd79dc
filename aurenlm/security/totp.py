"""Two-factor sign-in with TOTP (RFC 6238, through pyotp): enrolment, codes, recovery codes, turning it off.

- The shared secret is stored sealed: AES-GCM (the `cryptography` package) under a key derived from SECRET_KEY with
  HKDF, the user's id as associated data. A copy of the database alone (a backup, a dump) does not give the secrets
  away, and a sealed secret copied onto another account does not open. Changing SECRET_KEY makes every sealed
  secret unreadable: people then sign in with a recovery code and enrol again, or an admin resets their 2FA.
- A code is accepted in its 30-second step and one step either side (valid_window=1). The step it matched is
  written with a conditional UPDATE (`totp_last_step < step`), so a code, or any older one, works once: two
  requests racing with the same code cannot both pass, on SQLite and PostgreSQL alike.
- Wrong codes count per account in the same doubling backoff as wrong passwords (ratelimit.code_*); while a lock
  lasts no code is checked at all.
- Ten recovery codes of 80 random bits each; only their sha256 is kept (80 bits need no slow hash). A code is
  spent by `UPDATE ... WHERE used_at IS NULL`, so it works exactly once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from loguru import logger
from pyotp.utils import strings_equal
from sqlmodel import delete, func, or_, select, update

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import RecoveryCode, User, utcnow
from aurenlm.repos import audit, instance
from aurenlm.security import passwords, ratelimit

ISSUER = 'AurenLM'
WINDOW = 1  # steps either side of now: a clock 30 s off, or a code typed as it rolled over, still works
RECOVERY_COUNT = 10
RECOVERY_LENGTH = 16  # characters of RECOVERY_ALPHABET: 16 x 5 = 80 bits
# Crockford's base32: no I, L, O or U, so nothing reads as another character; typed ones are mapped back
RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
_TYPO = str.maketrans({'i': '1', 'l': '1', 'o': '0'})
SEAL_VERSION = 'v1'
_SEAL_INFO = b'aurenlm/totp-secret/v1'


class TwoFactorError(ValueError):
    """Why a 2FA step was refused, fit to show to the person."""


# -- the secret at rest ------------------------------------------------------------------------------------------------


def _seal_key() -> bytes:
    secret = get_settings().secret().encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(secret)


def seal(secret_b32: str, user_id: str) -> str:
    """`v1.` + base64url(nonce | AES-GCM ciphertext and tag of the raw secret); bound to the user's id."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key()).encrypt(nonce, base64.b32decode(secret_b32), user_id.encode())
    return f'{SEAL_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")}'


def unseal(stored: str, user_id: str) -> str | None:
    """The base32 secret, or None when it cannot be opened (SECRET_KEY changed, or the row was tampered with)."""
    version, _, body = stored.partition('.')
    if version != SEAL_VERSION:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + '=' * (-len(body) % 4))
        secret = AESGCM(_seal_key()).decrypt(raw[:12], raw[12:], user_id.encode())
    except (InvalidTag, ValueError):
        return None
    return base64.b32encode(secret).decode()


# -- enrolment ---------------------------------------------------------------------------------------------------------


@dataclass
class Enrolment:
    """A secret offered to one person and not yet confirmed: it lives only in their page until they confirm."""

    user_id: str
    email: str
    secret: str = field(default_factory=pyotp.random_base32)  # 32 base32 characters: 160 bits, as RFC 4226 advises

    def uri(self) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code (pyotp quotes the email)."""
        return pyotp.TOTP(self.secret).provisioning_uri(name=self.email, issuer_name=ISSUER)

    def qr_data_url(self) -> str:
        """The QR code as an SVG data URL, for an <img> src: an image, so nothing in it can run or be markup."""
        return segno.make(self.uri(), error='m').svg_data_uri(scale=5, border=2, dark='#111827', light='#ffffff')

    def grouped(self) -> str:
        """The secret in groups of four, for typing into an app by hand."""
        return ' '.join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def start(user: User) -> Enrolment:
    if enabled(user.id):
        raise TwoFactorError('Two-factor sign-in is already on. Turn it off first to set up a new authenticator.')
    return Enrolment(user_id=user.id, email=user.email)


def confirm(user: User, enrolment: Enrolment, code: str, *, ip: str = '') -> list[str]:
    """Turn 2FA on once the person's app shows a right code; answers the recovery codes, to be shown once."""
    if enrolment.user_id != user.id:
        raise TwoFactorError('This set-up belongs to another account. Reload the page and start again.')
    step = _matching_step(enrolment.secret, code)
    if step is None:
        raise TwoFactorError(
            'That code does not match. Check that the app shows AurenLM and your email, then type its current code.'
        )
    with db.session() as s:
        won = s.exec(
            update(User)
            .where(User.id == user.id, User.totp_enabled_at.is_(None))
            .values(totp_secret=seal(enrolment.secret, user.id), totp_enabled_at=utcnow(), totp_last_step=step)
        )
        s.commit()
    if won.rowcount != 1:
        raise TwoFactorError('Two-factor sign-in was turned on meanwhile, in another tab. Reload the page.')
    codes = _new_recovery_codes(user.id)
    audit.record(user.id, 'totp_enabled', ip=ip)
    return codes


# -- codes -------------------------------------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return re.sub(r'[\s-]', '', code or '')


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (of now and one either side) whose code this is, or None."""
    code = _digits(code)
    if not re.fullmatch(r'\d{6}', code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):  # every step is compared: no early exit to time
        if strings_equal(totp.generate_otp(step), code):
            found = step
    return found


def enabled(user_id: str) -> bool:
    """Is 2FA on for this account now (read from the database, not from a User some page holds)?"""
    with db.session() as s:
        row = s.get(User, user_id)
        return row is not None and row.totp_enabled_at is not None


@dataclass
class CodeCheck:
    ok: bool
    message: str = ''  # what to tell the person when not ok
    recovery: bool = False  # a recovery code was spent
    recovery_left: int = 0


def normalise_recovery(code: str) -> str:
    return _digits(code).lower().translate(_TYPO)


def recovery_hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    clean = normalise_recovery(code)
    return len(clean) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in clean)


def _accept_totp(user_id: str, code: str, now: float | None) -> str:
    """'ok', 'wrong' or 'replayed'. The read and the conditional write are separate transactions on purpose: on
    SQLite a read that later upgrades to a write fails outright if another writer committed in between."""
    with db.session() as s:
        row = s.get(User, user_id)
    if row is None or row.totp_enabled_at is None or not row.totp_secret:
        return 'wrong'
    secret = unseal(row.totp_secret, user_id)
    if secret is None:
        logger.warning('The TOTP secret of user {} cannot be opened: was SECRET_KEY changed?', user_id)
        return 'wrong'
    step = _matching_step(secret, code, now)
    if step is None:
        return 'wrong'
    with db.session() as s:
        won = s.exec(
            update(User)
            .where(
                User.id == user_id,
                User.totp_enabled_at.is_not(None),
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        s.commit()
    return 'ok' if won.rowcount == 1 else 'replayed'


def _spend_recovery(user_id: str, code: str) -> bool:
    with db.session() as s:
        won = s.exec(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.code_hash == recovery_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
        s.commit()
    return won.rowcount == 1


def check(
    user_id: str,
    code: str,
    *,
    ip: str = '',
    purpose: str = 'sign-in',
    password: bool = False,
    now: float | None = None,
) -> CodeCheck:
    """Check a second factor: a 6-digit code or a recovery code (and, with `password=True`, the account's password,
    for turning 2FA off). Wrong answers count towards the account's lock and are audited; so is a spent recovery
    code. `purpose` names the step in the audit log."""
    waiting = ratelimit.code_allowed(user_id)
    if not waiting.allowed:  # not even checked while the lock lasts
        return CodeCheck(False, waiting.wait_message())
    signed_in = purpose != 'sign-in'
    actor, target = (user_id, None) if signed_in else (None, user_id)
    outcome = 'wrong'
    if re.fullmatch(r'\d{6}', _digits(code)):
        outcome = _accept_totp(user_id, code, now)
    elif looks_like_recovery_code(code):
        outcome = 'recovery' if _spend_recovery(user_id, code) else 'wrong'
    if outcome == 'wrong' and password and code:  # a password may look like a recovery code: try it too
        account = _user(user_id)
        if account is not None and passwords.verify_password(account.password_hash, code):
            outcome = 'password'
    if outcome in ('ok', 'recovery', 'password'):
        ratelimit.code_succeeded(user_id)
        if outcome != 'recovery':
            return CodeCheck(True)
        left = recovery_codes_left(user_id)
        audit.record(actor, 'recovery_code_used', ip=ip, target_id=target, purpose=purpose, left=left)
        return CodeCheck(True, recovery=True, recovery_left=left)
    lock = ratelimit.code_failed(user_id)
    audit.record(actor, 'totp_failed', ip=ip, target_id=target, purpose=purpose, replayed=outcome == 'replayed')
    if outcome == 'replayed':
        message = 'That code was already used. Wait for the next code in your app and type that one.'
    elif password:
        message = 'That is not a current code, an unused recovery code or your password. Check it and try again.'
    else:
        message = 'That code is not right. Type the current code from your app, or an unused recovery code.'
    if not lock.allowed:
        message += ' ' + lock.wait_message()
    return CodeCheck(False, message)


def _user(user_id: str) -> User | None:
    with db.session() as s:
        return s.get(User, user_id)


# -- recovery codes ----------------------------------------------------------------------------------------------------


def _format_recovery(raw: str) -> str:
    return '-'.join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_recovery_codes(user_id: str) -> list[str]:
    """Replace the account's recovery codes with ten new ones, in one transaction; answers them in clear, once."""
    codes = [
        _format_recovery(''.join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)))
        for _ in range(RECOVERY_COUNT)
    ]
    with db.session() as s:
        s.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        s.add_all(RecoveryCode(user_id=user_id, code_hash=recovery_hash(code)) for code in codes)
        s.commit()
    return codes


def recovery_codes_left(user_id: str) -> int:
    with db.session() as s:
        query = select(func.count()).select_from(RecoveryCode)
        return s.exec(query.where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).one()


def regenerate_recovery_codes(user: User, code: str, *, ip: str = '') -> list[str]:
    """New recovery codes (the old ones stop working), once the person proves they hold the authenticator."""
    if not enabled(user.id):
        raise TwoFactorError('Two-factor sign-in is off. Turn it on to get recovery codes.')
    verdict = check(user.id, code, ip=ip, purpose='new recovery codes')
    if not verdict.ok:
        raise TwoFactorError(verdict.message)
    codes = _new_recovery_codes(user.id)
    audit.record(user.id, 'recovery_codes_regenerated', ip=ip)
    return codes


# -- turning it off ----------------------------------------------------------------------------------------------------


def _clear(user_id: str) -> bool:
    # (an admin's reset for someone else is aurenlm/accounts/admin.reset_two_factor)
    with db.session() as s:
        won = s.exec(
            update(User)
            .where(User.id == user_id, User.totp_enabled_at.is_not(None))
            .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
        )
        s.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        s.commit()
    return won.rowcount == 1


def disable(user: User, code_or_password: str, *, ip: str = '') -> None:
    """Turn 2FA off with a current code, a recovery code or the password (counted like wrong codes)."""
    if not enabled(user.id):
        raise TwoFactorError('Two-factor sign-in is already off.')
    verdict = check(user.id, code_or_password, ip=ip, purpose='turn off', password=True)
    if not verdict.ok:
        raise TwoFactorError(verdict.message)
    if _clear(user.id):
        audit.record(user.id, 'totp_disabled', ip=ip)


def must_enrol(user: User) -> bool:
    """Does the instance require 2FA of everyone while this account (as just read from its session) has none?"""
    return user.totp_enabled_at is None and instance.require_2fa()
