"""How the repos reach rows: through the acting user's notebook membership, and one keyset page at a time.

Every table that belongs to a notebook has a `notebook_id`; a row is the user's to see when they are a member of
that notebook. A stranger's id finds nothing, exactly like a missing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from aurenlm import db
from aurenlm.models import NotebookMember, User

Row = TypeVar('Row')
Query = TypeVar('Query', Select, SelectOfScalar)


def member_of(user: User) -> SelectOfScalar[str]:
    """The ids of the notebooks the user is a member of, as a subquery."""
    return select(NotebookMember.notebook_id).where(NotebookMember.user_id == user.id)


def visible(user: User, model: Any) -> Any:
    """The condition that a row of `model` lies in one of the user's notebooks."""
    return model.notebook_id.in_(member_of(user))


def in_notebook(user: User, model: type[Row], notebook_id: str) -> SelectOfScalar[Row]:
    """The rows of one notebook; none when the user is not its member."""
    return select(model).where(model.notebook_id == notebook_id, visible(user, model))


def reach(s: Session, user: User, model: type[Row], row_id: Any, *, lock: bool = False) -> Row | None:
    """One row by id inside a transaction (locked for update with `lock`), or None when the user cannot reach it."""
    query = select(model).where(model.id == row_id, visible(user, model))
    return s.exec(query.with_for_update() if lock else query).first()


def find(user: User, model: type[Row], row_id: Any) -> Row | None:
    """One row by id, or None when it is missing or in a notebook the user is not a member of."""
    with db.session() as s:
        return reach(s, user, model, row_id)


def assign(s: Session, row: Row, values: dict[str, Any]) -> Row:
    """Set the fields of a row already reached in this transaction."""
    for name, value in values.items():
        setattr(row, name, value)
    s.add(row)
    return row


def change(user: User, model: type[Row], row_id: Any, values: dict[str, Any]) -> Row | None:
    """Set fields of one row the user can reach, in one transaction; None when they cannot reach it."""
    with db.session() as s:
        row = reach(s, user, model, row_id)
        if row is None:
            return None
        assign(s, row, values)
        s.commit()
        return row


def keyset(
    query: Query, at: Any, row_id: Any, cursor: tuple[datetime, str] | None, *, newest_first: bool = True
) -> Query:
    """Order by (time, id) and start after `cursor`, the (time, id) of the previous page's last row."""
    if cursor is not None:
        last_at, last_id = cursor
        if newest_first:
            query = query.where((at < last_at) | ((at == last_at) & (row_id < last_id)))
        else:
            query = query.where((at > last_at) | ((at == last_at) & (row_id > last_id)))
    return query.order_by(at.desc(), row_id.desc()) if newest_first else query.order_by(at, row_id)
