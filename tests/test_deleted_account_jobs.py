"""Work a person queued in a teammate's notebook outlives their account: when an editor deletes their account (or an
admin deletes it) while a source they added is still waiting to be read, the source is read and becomes ready, and a
studio output they started is made. The notebook's owner and editors are responsible for it from then on. A person
who was only removed from the notebook is still refused, as before."""

from __future__ import annotations

from aurenlm import db, repos
from aurenlm.accounts import deletion
from aurenlm.models import Source, User
from aurenlm.sharing import service as sharing
from aurenlm.sources import service as sources
from aurenlm.studio import artifacts
from tests.helpers import person
from tests.sourcekit import drain, ready_source


def source_now(source_id: str) -> Source:
    with db.session() as s:
        return s.get(Source, source_id)


async def test_a_source_queued_by_an_editor_who_deleted_their_account_finishes_ready(ann: User) -> None:
    carl = person('carl@example.com')
    handbook = repos.notebooks.create(carl, 'Team handbook')
    sharing.invite(carl, handbook.id, 'ann@example.com', 'editor')
    already = await ready_source(carl, handbook.id, 'gpl-3.txt')
    queued = await sources.add_text(ann, handbook.id, 'How we work', 'We write things down and share them. ' * 20)
    outline = artifacts.start(ann, handbook.id, 'study_guide', [already.id])
    assert source_now(queued.id).status == 'queued'

    deletion.delete_user(ann, ann)
    await drain()

    read = source_now(queued.id)
    assert (read.status, read.error) == ('ready', None), 'the notebook still exists: its owner keeps what she added'
    assert artifacts.get(carl, outline.id).status == 'done'


async def test_a_source_queued_by_an_editor_who_was_removed_is_still_refused(ann: User) -> None:
    carl = person('carl@example.com')
    handbook = repos.notebooks.create(carl, 'Team handbook')
    sharing.invite(carl, handbook.id, 'ann@example.com', 'editor')
    queued = await sources.add_text(ann, handbook.id, 'How we work', 'We write things down and share them. ' * 20)
    sharing.remove_member(carl, handbook.id, ann.id)
    await drain()
    refused = source_now(queued.id)
    assert refused.status == 'failed' and 'An editor can press Retry' in refused.error


async def test_jobs_of_a_deleted_owner_go_with_the_notebook(ann: User) -> None:
    diary = repos.notebooks.create(ann, 'Diary')
    queued = await sources.add_text(ann, diary.id, 'Dear diary', 'secret thoughts ' * 10)
    deletion.delete_user(ann, ann)
    await drain()
    assert source_now(queued.id) is None
