"""/api/v1/jobs/{id}: progress of a source's processing, visible to its notebook's members only."""

from sqlmodel import select

from aurenlm import db, repos
from aurenlm.models import Job
from tests.apikit import api, error_of, token_for
from tests.helpers import person
from tests.sourcekit import drain


def job_of(source_id: str) -> str:
    with db.session() as s:
        return s.exec(select(Job.id).where(Job.ref_id == source_id)).one()


async def test_a_job_goes_from_queued_to_done() -> None:
    ann = person()
    notebook = repos.notebooks.create(ann, 'Jobs')
    async with api(token_for(ann, write=True)) as client:
        source = (await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'T', 'text': 'Words.'})).json()
        job_id = job_of(source['id'])
        queued = (await client.get(f'/jobs/{job_id}')).json()
        assert queued == {'id': job_id, 'kind': 'ingest_source', 'status': 'queued', 'progress': 0.0, 'error': None}
        await drain()
        done = (await client.get(f'/jobs/{job_id}')).json()
        assert done['status'] == 'done' and done['progress'] == 1.0


async def test_another_persons_job_is_404() -> None:
    ann, bob = person(), person('bob@example.com')
    notebook = repos.notebooks.create(ann, 'Ann')
    async with api(token_for(ann)) as client:
        source = (await client.post(f'/notebooks/{notebook.id}/sources', json={'title': 'T', 'text': 'Words.'})).json()
    job_id = job_of(source['id'])
    async with api(token_for(bob)) as client:
        theirs = await client.get(f'/jobs/{job_id}')
        missing = await client.get('/jobs/0123456789abcdef')
    assert theirs.status_code == 404 and error_of(theirs)['code'] == 'not_found'
    assert missing.status_code == 404
