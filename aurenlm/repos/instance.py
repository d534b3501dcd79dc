"""Instance settings an admin changes at run time (the `instance_setting` table): one JSON value per key.

A key that was never set answers its default from DEFAULTS, so a fresh instance needs no rows. Writes are upserts
that record who changed the setting and when.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from aurenlm import db
from aurenlm.models import InstanceSetting, User, utcnow

REQUIRE_2FA = 'require_2fa'

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
