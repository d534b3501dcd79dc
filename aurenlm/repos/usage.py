"""How much each person stores: the sources they added anywhere and the sources in notebooks they own, each once.

A source an editor adds to someone else's notebook counts for both people (the one who brought it, and the one whose
notebook holds it), so neither can go past a quota through the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import func, or_, select

from aurenlm import db
from aurenlm.models import Notebook, Source, User


@dataclass(frozen=True)
class Usage:
    sources: int = 0
    bytes: int = 0


def of(user_id: str) -> Usage:
    query = (
        select(func.count(Source.id), func.coalesce(func.sum(Source.size), 0))
        .select_from(Source)
        .join(Notebook, Notebook.id == Source.notebook_id)
        .where(or_(Source.added_by == user_id, Notebook.owner_id == user_id))
    )
    with db.session() as s:
        count, total = s.exec(query).one()
    return Usage(int(count), int(total))


def by_user(user_ids: Iterable[str]) -> dict[str, Usage]:
    """Usage of many people in one query (the Admin page's list); people with nothing stored are left out."""
    ids = list(user_ids)
    if not ids:
        return {}
    # one joined row per (person, source) pair: a source someone both added and owns meets their row once
    query = (
        select(User.id, func.count(Source.id), func.coalesce(func.sum(Source.size), 0))
        .select_from(Source)
        .join(Notebook, Notebook.id == Source.notebook_id)
        .join(User, or_(User.id == Source.added_by, User.id == Notebook.owner_id))
        .where(User.id.in_(ids))
        .group_by(User.id)
    )
    with db.session() as s:
        return {user_id: Usage(int(count), int(total)) for user_id, count, total in s.exec(query)}


def notebooks_owned(user_ids: Iterable[str]) -> dict[str, int]:
    ids = list(user_ids)
    if not ids:
        return {}
    query = (
        select(Notebook.owner_id, func.count(Notebook.id)).where(Notebook.owner_id.in_(ids)).group_by(Notebook.owner_id)
    )
    with db.session() as s:
        return {owner: int(count) for owner, count in s.exec(query)}
