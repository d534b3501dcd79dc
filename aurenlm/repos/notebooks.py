"""Notebooks and their members. A stranger's notebook id behaves exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlmodel import func, select

from aurenlm import db
from aurenlm.models import Notebook, NotebookMember, Source, User, utcnow

MAX_TITLE = 200


class NotebookError(ValueError):
    """A refused change, fit to show."""


@dataclass
class NotebookSummary:
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    source_count: int
    role: str
    owner_id: str = ''
    owner_name: str = ''


def clean_title(title: str) -> str:
    title = ' '.join((title or '').split())
    if not title:
        raise NotebookError('Give the notebook a title.')
    if len(title) > MAX_TITLE:
        raise NotebookError(f'Keep the title under {MAX_TITLE} characters.')
    return title


def get(user: User, notebook_id: str) -> Notebook | None:
    with db.session() as s:
        return s.exec(
            select(Notebook)
            .join(NotebookMember, NotebookMember.notebook_id == Notebook.id)
            .where(Notebook.id == notebook_id, NotebookMember.user_id == user.id)
        ).first()


def role(user: User, notebook_id: str) -> str | None:
    with db.session() as s:
        member = s.get(NotebookMember, (notebook_id, user.id))
        return member.role if member else None


def list_for(user: User, *, limit: int = 200, before: tuple[datetime, str] | None = None) -> list[NotebookSummary]:
    """Newest first; `before` is the (updated_at, id) of the last row of the previous page."""
    sources = select(Source.notebook_id, func.count(Source.id).label('n')).group_by(Source.notebook_id).subquery()
    query = (
        select(Notebook, NotebookMember.role, func.coalesce(sources.c.n, 0), User.display_name, User.email)
        .join(NotebookMember, NotebookMember.notebook_id == Notebook.id)
        .join(User, User.id == Notebook.owner_id)
        .outerjoin(sources, sources.c.notebook_id == Notebook.id)
        .where(NotebookMember.user_id == user.id)
    )
    if before is not None:
        at, last_id = before
        query = query.where((Notebook.updated_at < at) | ((Notebook.updated_at == at) & (Notebook.id < last_id)))
    query = query.order_by(Notebook.updated_at.desc(), Notebook.id.desc()).limit(limit)
    with db.session() as s:
        return [
            NotebookSummary(
                nb.id, nb.title, nb.created_at, nb.updated_at, int(count), member_role, nb.owner_id, name or email
            )
            for nb, member_role, count, name, email in s.exec(query)
        ]


def summary(user: User, notebook_id: str) -> NotebookSummary | None:
    notebook = get(user, notebook_id)
    if notebook is None:
        return None
    with db.session() as s:
        count = s.exec(select(func.count(Source.id)).where(Source.notebook_id == notebook_id)).one()
        owner = s.get(User, notebook.owner_id)
    return NotebookSummary(
        notebook.id,
        notebook.title,
        notebook.created_at,
        notebook.updated_at,
        int(count),
        role(user, notebook_id) or '',
        notebook.owner_id,
        (owner.display_name or owner.email) if owner else '',
    )


def create(user: User, title: str) -> Notebook:
    notebook = Notebook(owner_id=user.id, title=clean_title(title))
    with db.session() as s:
        s.add(notebook)
        s.flush()
        s.add(NotebookMember(notebook_id=notebook.id, user_id=user.id, role='owner'))
        s.commit()
    return notebook


def rename(user: User, notebook_id: str, title: str) -> Notebook | None:
    """Only the owner renames (the sharing service says so to everyone else; this is the floor under it)."""
    title = clean_title(title)
    if role(user, notebook_id) != 'owner':
        return None
    with db.session() as s:
        notebook = s.get(Notebook, notebook_id)
        if notebook is None:
            return None
        notebook.title = title
        notebook.updated_at = utcnow()
        s.add(notebook)
        s.commit()
        return notebook


def touch(notebook_id: str) -> None:
    with db.session() as s:
        notebook = s.get(Notebook, notebook_id)
        if notebook is not None:
            notebook.updated_at = utcnow()
            s.add(notebook)
            s.commit()


def delete(user: User, notebook_id: str) -> bool:
    """Only the owner deletes; files of its sources are removed by the caller's cleanup hook."""
    if role(user, notebook_id) != 'owner':
        return False
    with db.session() as s:
        s.exec(sa_delete(Notebook).where(Notebook.id == notebook_id))
        s.commit()
    return True


def deselected_sources(user: User, notebook_id: str) -> set[str]:
    with db.session() as s:
        member = s.get(NotebookMember, (notebook_id, user.id))
        return set(member.deselected_source_ids) if member else set()


def set_deselected_sources(user: User, notebook_id: str, source_ids: set[str]) -> None:
    with db.session() as s:
        member = s.get(NotebookMember, (notebook_id, user.id))
        if member is None:
            return
        member.deselected_source_ids = sorted(source_ids)
        s.add(member)
        s.commit()
