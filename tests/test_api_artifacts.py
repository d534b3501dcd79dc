"""Studio over the API: start a job, read the artifact, and a quiz that reveals nothing before grading."""

import json

from aurenlm.studio import artifacts
from tests.apikit import api, assert_rate_limited, error_of, token_for
from tests.helpers import person
from tests.sourcekit import drain


async def test_mind_map_job_and_artifact(ann, notebook, manual) -> None:
    async with api(token_for(ann)) as client:
        started = await client.post(f'/notebooks/{notebook.id}/artifacts', json={'kind': 'mindmap'})
        assert started.status_code == 202
        ids = started.json()
        job = (await client.get(f'/jobs/{ids["job_id"]}')).json()
        assert job['status'] in ('queued', 'running')
        await drain()
        assert (await client.get(f'/jobs/{ids["job_id"]}')).json()['status'] == 'done'
        artifact = (await client.get(f'/artifacts/{ids["artifact_id"]}')).json()
    assert artifact['kind'] == 'mindmap' and artifact['status'] == 'done'
    nodes = artifact['data']['nodes']
    assert nodes and all({'id', 'label', 'children'} <= set(n) for n in nodes)


async def test_quiz_hides_answers_until_graded(ann, notebook, manual) -> None:
    async with api(token_for(ann)) as client:
        started = await client.post(
            f'/notebooks/{notebook.id}/artifacts',
            json={'kind': 'quiz', 'source_ids': [manual.id], 'options': {'count': 5, 'difficulty': 'easy'}},
        )
        await drain()
        artifact_id = started.json()['artifact_id']
        response = await client.get(f'/artifacts/{artifact_id}')
        body = response.json()
        questions = body['data']['questions']
        assert len(questions) == 5 and all(set(q) == {'id', 'question', 'options'} for q in questions)
        raw = response.text
        assert 'correct' not in raw and 'explanation' not in raw and 'citation' not in raw
        answers = {q['id']: 0 for q in questions}
        grade = await client.post(f'/artifacts/{artifact_id}/attempts', json={'answers': answers})
        assert grade.status_code == 200
        graded = grade.json()
        assert graded['total'] == 5 and 0 <= graded['score'] <= 5
        assert graded['score'] == sum(r['correct_index'] == 0 for r in graded['results'])
        assert all(r['explanation'] and r['citation']['quote'] for r in graded['results'])
        tampered = await client.post(f'/artifacts/{artifact_id}/attempts', json={'answers': {'nope': 1}})
        assert tampered.status_code == 422 and error_of(tampered)['code'] == 'invalid_answers'
        out_of_range = await client.post(
            f'/artifacts/{artifact_id}/attempts', json={'answers': {questions[0]['id']: 7}}
        )
        assert out_of_range.status_code == 422
    bob = person('bob@example.com')
    async with api(token_for(bob)) as client:
        assert (await client.get(f'/artifacts/{artifact_id}')).status_code == 404
        stolen = await client.post(f'/artifacts/{artifact_id}/attempts', json={'answers': answers})
        assert stolen.status_code == 404
        assert (await client.post(f'/notebooks/{notebook.id}/artifacts', json={'kind': 'faq'})).status_code == 404
    assert json.dumps(answers)


async def test_bad_kind_and_options(ann, notebook, manual) -> None:
    async with api(token_for(ann)) as client:
        assert (await client.post(f'/notebooks/{notebook.id}/artifacts', json={'kind': 'poem'})).status_code == 422
        bad = await client.post(
            f'/notebooks/{notebook.id}/artifacts', json={'kind': 'quiz', 'options': {'difficulty': 'brutal'}}
        )
        assert bad.status_code == 422


async def test_starting_generations_past_the_generate_limit_gets_429(ann, notebook, manual, settings_env) -> None:
    settings_env(RATE_API_GENERATE='1/minute')
    url = f'/notebooks/{notebook.id}/artifacts'
    async with api(token_for(ann)) as client:
        assert (await client.post(url, json={'kind': 'mindmap'})).status_code == 202
        assert_rate_limited(await client.post(url, json={'kind': 'quiz'}))
        assert (await client.get(f'/notebooks/{notebook.id}')).status_code == 200  # other groups still answer
    assert [a.kind for a in artifacts.list_for(ann, notebook.id)] == ['mindmap']
