"""The account's data as one ZIP: every notebook the person belongs to as the importable JSON export
(aurenlm/exchange/export.py), plus account.json (who, when, which notebook is which file) and activity.json (their
own activity log). Built in memory, off the event loop: a small team's notebooks fit."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from dataclasses import dataclass

from aurenlm import repos
from aurenlm.accounts import activity
from aurenlm.exchange import export
from aurenlm.models import User, utcnow
from aurenlm.repos.notebooks import NotebookSummary
from aurenlm.web.files import safe_filename


@dataclass
class Archive:
    content: bytes
    filename: str
    notebooks: int


def _all_notebooks(user: User) -> list[NotebookSummary]:
    found: list[NotebookSummary] = []
    while True:
        before = (found[-1].updated_at, found[-1].id) if found else None
        batch = repos.notebooks.list_for(user, limit=200, before=before)
        found.extend(batch)
        if len(batch) < 200:
            return found


def _activity(user: User) -> list[dict]:
    events, before = [], None
    while True:
        batch = repos.audit.for_user(user, limit=500, before=before)
        events.extend(batch)
        if len(batch) < 500:
            break
        before = (batch[-1].created_at, batch[-1].id)
    return [
        {
            'at': e.created_at.isoformat(),
            'action': e.action,
            'by_me': e.user_id == user.id,
            'ip': activity.shown_ip(e, user.id),  # never another member's or an admin's address
            'detail': e.detail,
        }
        for e in events
    ]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


async def account_archive(user: User) -> Archive:
    """Everything the person can take away, as a ZIP; each notebook file can be imported again as a new notebook."""
    summaries = await asyncio.to_thread(_all_notebooks, user)
    files: dict[str, bytes] = {}
    listed = []
    for summary in summaries:
        exported = await export.export_notebook(user, summary.id, 'json')
        if exported is None:  # deleted or unshared while the archive was being made
            continue
        name = f'notebooks/{safe_filename(summary.title, "notebook")[:80]} ({summary.id[:8]}).json'
        files[name] = exported.content
        listed.append({'id': summary.id, 'title': summary.title, 'role': summary.role, 'file': name})
    account = {
        'email': user.email,
        'name': user.display_name,
        'created_at': user.created_at.isoformat(),
        'exported_at': utcnow().isoformat(),
        'notebooks': listed,
    }
    files['account.json'] = json.dumps(account, indent=2, ensure_ascii=False).encode()
    files['activity.json'] = json.dumps(await asyncio.to_thread(_activity, user), indent=2, default=str).encode()
    content = await asyncio.to_thread(_zip, files)
    return Archive(content, f'AurenLM account {utcnow():%Y-%m-%d}.zip', len(listed))
