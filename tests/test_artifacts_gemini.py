"""The studio service against the fake Gemini: structured output, one retry, clean failures, cache, map-reduce."""

from __future__ import annotations

import asyncio
import json

import pytest

from aurenlm import jobs
from aurenlm.llm import reset_provider
from aurenlm.studio import MindMap, Report, artifacts
from aurenlm.studio.schemas import iter_nodes
from tests.fakes.gemini_server import BadJson, Reply, Stall
from tests.helpers import gemini_on
from tests.sourcekit import drain, ready_source

MINDMAP = {
    'title': 'libtasn1',
    'nodes': [
        {'label': 'Encoding', 'children': [{'label': 'DER'}, {'label': 'DER'}, {'label': 'der '}]},
        {'label': 'Encoding', 'children': [{'label': 'DER'}]},
        {'label': 'Parsing', 'children': []},
    ],
}


@pytest.fixture
async def readme(ann, notebook):
    # processed offline first, so that ingest (guide, embeddings) never talks to the fake below; small enough to be
    # sent in one call
    return await ready_source(ann, notebook.id, 'shared-mime-info-README.md')


@pytest.fixture
def gemini(settings_env):
    with gemini_on(settings_env, GEMINI_TIMEOUT_S='10', GEMINI_MAX_ATTEMPTS='2') as fake:
        yield fake


def calls(fake) -> list:
    return fake.model_requests('generateContent')


def schema_of(request) -> str:
    return json.dumps(request.body['generationConfig'].get('responseJsonSchema') or {})


async def generated(ann, notebook, kind, source_ids, options=None):
    artifact = artifacts.start(ann, notebook.id, kind, source_ids, options)
    await drain()
    return artifacts.get(ann, artifact.id)


async def test_structured_mind_map_with_repeated_labels_gets_unique_ids(ann, notebook, readme, gemini) -> None:
    gemini.script(Reply(text=json.dumps(MINDMAP)))
    artifact = await generated(ann, notebook, 'mindmap', [readme.id])
    assert artifact.status == 'done' and artifact.engine == 'gemini-2.5-flash'
    assert not artifacts.is_offline(artifact)
    (request,) = calls(gemini)
    assert request.json_mode and '$defs' in schema_of(request), 'the recursive schema keeps its $defs'
    mindmap = MindMap.model_validate(artifact.data)
    assert [n.label for n in mindmap.nodes] == ['Encoding', 'Encoding', 'Parsing']
    ids = [n.id for n in iter_nodes(mindmap.nodes)]
    assert len(ids) == len(set(ids)) == 7


async def test_the_same_request_twice_calls_the_model_once(ann, notebook, readme, gemini) -> None:
    gemini.script(Reply(text=json.dumps(MINDMAP)))
    before = artifacts.cache_stats()
    first = await generated(ann, notebook, 'mindmap', [readme.id])
    second = await generated(ann, notebook, 'mindmap', [readme.id])
    after = artifacts.cache_stats()
    assert first.status == second.status == 'done' and first.id != second.id
    assert second.data == first.data
    assert len(calls(gemini)) == 1, 'the second request was served from the cache'
    assert (after['hits'] - before['hits'], after['misses'] - before['misses']) == (1, 1)

    other_options = await generated(ann, notebook, 'quiz', [readme.id], {'count': 5})
    assert other_options.status in ('done', 'failed') and len(calls(gemini)) >= 2, 'another kind is another call'
    calls_before = len(calls(gemini))
    gemini.script(Reply(text=json.dumps(MINDMAP)))
    fresh = artifacts.regenerate(ann, second.id)
    await drain()
    assert (artifacts.get(ann, fresh.id).version, fresh.parent_id) == (2, second.id)
    assert len(calls(gemini)) == calls_before + 1, 'regenerating asks the model again'


async def test_invalid_json_is_retried_once_with_the_problem(ann, notebook, readme, gemini) -> None:
    gemini.script(BadJson(), Reply(text=json.dumps(MINDMAP)))
    artifact = await generated(ann, notebook, 'mindmap', [readme.id])
    assert artifact.status == 'done'
    first, retry = calls(gemini)
    assert 'not valid JSON for the schema' in retry.last_user_text


async def test_invalid_json_twice_fails_clearly_and_saves_nothing(ann, notebook, readme, gemini) -> None:
    gemini.script(BadJson(), BadJson('{"title": 3}'))
    artifact = await generated(ann, notebook, 'mindmap', [readme.id])
    assert artifact.status == 'failed'
    assert artifact.data is None
    assert 'wrong shape twice' in artifact.error and 'Retry' in artifact.error
    assert len(calls(gemini)) == 2, 'a malformed answer is not retried by the job queue as well'
    job = jobs.get(artifact.job_id)
    assert job.status == 'failed' and job.attempts == 1
    before = artifacts.cache_stats()['hits']
    gemini.script(Reply(text=json.dumps(MINDMAP)))
    again = await generated(ann, notebook, 'mindmap', [readme.id])
    assert again.status == 'done' and artifacts.cache_stats()['hits'] == before, 'a failure is never cached'


async def test_a_large_selection_is_map_reduced_one_call_per_source(ann, notebook, readme, settings_env) -> None:
    others = [await ready_source(ann, notebook.id, name) for name in ('libtasn1.pdf', 'gpl-3.txt')]
    selected = [readme, *others]
    assert sum(s.word_count for s in selected) > 12_000
    digest = {
        'summary': 'A manual.',
        'topics': ['encoding'],
        'key_points': [{'point': 'The first passage says something.', 'passages': [1]}],
    }
    report = {'title': 'Briefing', 'markdown': '# Briefing\n\nA finding [1]. Another [2]. And [3].'}
    with gemini_on(settings_env) as fake:
        fake.script(*[Reply(text=json.dumps(digest)) for _ in selected], Reply(text=json.dumps(report)))
        artifact = await generated(ann, notebook, 'briefing', [s.id for s in selected])
        requests = calls(fake)
    assert artifact.status == 'done', artifact.error
    digests = [r for r in requests if 'key_points' in schema_of(r)]
    assert len(digests) == len(selected) and len(requests) == len(selected) + 1
    for source in selected:
        assert sum(f'"{source.title}"' in r.last_user_text for r in digests) == 1, source.title
    cited = Report.model_validate(artifact.data).citations
    assert {c.source_id for c in cited} == {s.id for s in selected}, 'every source contributes'


async def test_cancelling_a_running_generation_stops_it_and_saves_nothing(
    ann, notebook, readme, gemini, settings_env
) -> None:
    # the model stays silent until the fake stops and may take 10 minutes: only abandoning the call ends the job
    # (how fast is a figure in bench/timings.py, artifact_cancel_ms)
    settings_env(GEMINI_TIMEOUT_S='600')
    reset_provider()
    gemini.script(Stall(seconds=600, then=Reply(text=json.dumps(MINDMAP))))
    artifact = artifacts.start(ann, notebook.id, 'mindmap', [readme.id])
    worker = jobs.Worker(concurrency=1, poll_s=0.05)
    worker.start()
    try:
        for _ in range(600):
            if calls(gemini) and artifacts.get(ann, artifact.id).status == 'running':
                break
            await asyncio.sleep(0.05)
        assert artifacts.get(ann, artifact.id).status == 'running'
        cancelled = artifacts.cancel(ann, artifact.id)
        assert cancelled.status == 'cancelled'
        await worker.drain(timeout_s=60)
        (request,) = calls(gemini)
        assert request.status == 0, 'the model call was abandoned while the model was still silent'
    finally:
        await worker.stop()
    final = artifacts.get(ann, artifact.id)
    assert final.status == 'cancelled' and final.data is None
    assert jobs.get(artifact.job_id).status == 'cancelled'
