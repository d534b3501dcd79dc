"""Per-account quotas an admin sets (sources, stored bytes), checked when a source comes in.

A source counts for the person who adds it and for the owner of the notebook it goes into (aurenlm/repos/usage.py),
so both people's quotas are checked. A quota of None is no limit. The answers are messages fit to show, naming the
quota and what to do; None means the source fits.
"""

from __future__ import annotations

from aurenlm import db
from aurenlm.models import Notebook, User
from aurenlm.repos import usage, users

ASK_ADMIN = 'ask your administrator to raise the quota'


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ('bytes', 'KB', 'MB', 'GB', 'TB'):
        if size < 1024 or unit == 'TB':
            return f'{int(size)} bytes' if unit == 'bytes' else f'{size:.1f} {unit}'
        size /= 1024
    return f'{n} bytes'  # pragma: no cover - the loop always returns


def _people(user: User, notebook_id: str) -> list[tuple[User, bool]]:
    """(person, is the actor) for the actor and, when someone else, the notebook's owner; fresh rows, so a quota
    changed after the page was built applies at once."""
    with db.session() as s:
        notebook = s.get(Notebook, notebook_id)
    people = [(users.get(user.id) or user, True)]
    if notebook is not None and notebook.owner_id != user.id:
        owner = users.get(notebook.owner_id)
        if owner is not None:
            people.append((owner, False))
    return people


def source_problem(user: User, notebook_id: str) -> str | None:
    """Refuse one more source when the adder, or the notebook's owner, is at their source quota."""
    for person, is_actor in _people(user, notebook_id):
        limit = person.quota_sources
        if limit is None:
            continue
        if usage.of(person.id).sources >= limit:
            if is_actor:
                return (
                    f'You have reached your quota of {limit} sources. Remove a source you no longer need, '
                    f'or {ASK_ADMIN}.'
                )
            return (
                f'This notebook’s owner has reached their quota of {limit} sources. Ask them to remove a source, '
                f'or {ASK_ADMIN}.'
            )
    return None


def storage_problem(user: User, notebook_id: str, size: int | None = None) -> str | None:
    """Refuse a source of `size` bytes that would take the adder, or the notebook's owner, past their storage quota;
    with no size (before an upload is read), refuse only when the quota is used up already."""
    for person, is_actor in _people(user, notebook_id):
        limit = person.quota_storage_bytes
        if limit is None:
            continue
        used = usage.of(person.id).bytes
        whose = 'your' if is_actor else 'this notebook’s owner’s'
        fix = 'Remove sources you no longer need' if is_actor else 'Ask the owner to remove sources'
        if size is None and used >= limit:
            return f'There is no room left in {whose} storage quota of {human_bytes(limit)}. {fix}, or {ASK_ADMIN}.'
        if size is not None and used + size > limit:
            left = max(0, limit - used)
            return (
                f'This source ({human_bytes(size)}) does not fit in {whose} storage quota of {human_bytes(limit)} '
                f'({human_bytes(left)} left). {fix}, or {ASK_ADMIN}.'
            )
    return None


def import_problem(user: User, sources: int, size: int) -> str | None:
    """Refuse an imported notebook (a new one, owned by `user`) whose sources would take them past a quota."""
    person = users.get(user.id) or user
    used = usage.of(person.id)
    if person.quota_sources is not None and used.sources + sources > person.quota_sources:
        left = max(0, person.quota_sources - used.sources)
        return (
            f'This export has {sources} sources, and your quota of {person.quota_sources} sources leaves room for '
            f'{left}. Remove sources you no longer need, or {ASK_ADMIN}.'
        )
    if person.quota_storage_bytes is not None and used.bytes + size > person.quota_storage_bytes:
        left = max(0, person.quota_storage_bytes - used.bytes)
        return (
            f'The sources of this export ({human_bytes(size)}) do not fit in your storage quota of '
            f'{human_bytes(person.quota_storage_bytes)} ({human_bytes(left)} left). Remove sources you no longer '
            f'need, or {ASK_ADMIN}.'
        )
    return None
