"""Instance settings an admin changes at run time (the `instance_setting` table): one JSON value per key.

A key that was never set answers its default from DEFAULTS, so a fresh instance needs no rows. Writes are upserts
that record who changed the setting and when.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from aurenlm import db
from aurenlm.config import RegistrationPolicy, get_settings
from aurenlm.models import InstanceSetting, User, utcnow

REQUIRE_2FA = 'require_2fa'
# open | invite-only | closed; its default comes from the environment (Settings.default_registration_policy)
REGISTRATION_POLICY = 'registration_policy'

DEFAULTS: dict[str, Any] = {
    REQUIRE_2FA: False,  # every account must enrol TOTP before it can use the app
}


def get(key: str, default: Any = None) -> Any:
    """The stored value, else `default`, else the key's entry in DEFAULTS."""
    with db.session() as s:
        row = s.get(InstanceSetting, key)
    if row is not None:
        return row.value
    return default if default is not None else DEFAULTS.get(key)


def put(key: str, value: Any, *, by: User | None) -> None:
    """Store `value` under `key`; two admins saving at once both succeed and the later write stays."""
    for _ in range(2):  # a concurrent first write can win the insert: then update the row it made
        with db.session() as s:
            row = s.get(InstanceSetting, key) or InstanceSetting(key=key)
            row.value = value
            row.updated_at = utcnow()
            row.updated_by = by.id if by is not None else None
            s.add(row)
            try:
                s.commit()
                return
            except IntegrityError:
                s.rollback()
    raise RuntimeError(f'instance setting {key!r} could not be saved')


def require_2fa() -> bool:
    """Must every account have TOTP turned on before it may use the app?"""
    return bool(get(REQUIRE_2FA))


def set_require_2fa(value: bool, *, by: User | None) -> None:
    put(REQUIRE_2FA, bool(value), by=by)


def registration_policy() -> RegistrationPolicy:
    """Who may create an account now: the admin's choice, else the environment's default. A stored value that is no
    longer a policy (an older release's) falls back to the default rather than opening the door."""
    stored = get(REGISTRATION_POLICY)
    try:
        return RegistrationPolicy(stored) if stored is not None else get_settings().default_registration_policy
    except ValueError:
        return get_settings().default_registration_policy


def set_registration_policy(value: RegistrationPolicy | str, *, by: User | None) -> RegistrationPolicy:
    policy = RegistrationPolicy(value)  # ValueError for anything that is not a policy
    put(REGISTRATION_POLICY, policy.value, by=by)
    return policy
