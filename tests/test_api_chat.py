"""Chat over the API: SSE events in order (offline and Gemini), whole answers, history pages, scoping, limits."""

import json

from aurenlm import repos
from tests.apikit import api, assert_rate_limited, error_of, token_for
from tests.fakes.gemini_server import Reply
from tests.helpers import gemini_on, person


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split('\n\n'):
        lines = dict(line.split(': ', 1) for line in block.splitlines())
        events.append((lines['event'], json.loads(lines['data'])))
    return events


async def test_streamed_answer_offline(ann, notebook, manual) -> None:
    async with api(token_for(ann)) as client:
        response = await client.post(
            f'/notebooks/{notebook.id}/chat', json={'message': 'What does asn1_create_element do?'}
        )
    assert response.status_code == 200 and response.headers['content-type'].startswith('text/event-stream')
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == 'done' and set(kinds[:-1]) == {'token'} and len(kinds) > 3
    done = events[-1][1]
    assert done['content'] == ''.join(data['text'] for kind, data in events if kind == 'token')
    assert done['citations'] and all(c['source_id'] == manual.id for c in done['citations'])
    for cite in done['citations']:
        assert cite['quote'] in repos.sources.page(ann, manual.id, cite['page']).text
        assert isinstance(cite['chunk_id'], str)


async def test_whole_answer_and_history_pages(ann, notebook, manual) -> None:
    async with api(token_for(ann)) as client:
        for question in ('What is DER?', 'How do I decode?', 'What is a node?'):
            response = await client.post(
                f'/notebooks/{notebook.id}/chat', json={'message': question, 'stream': False, 'source_ids': [manual.id]}
            )
            assert response.status_code == 200 and response.json()['message_id']
        seen, cursor = [], None
        while True:
            params = {'limit': 4, **({'cursor': cursor} if cursor else {})}
            page = (await client.get(f'/notebooks/{notebook.id}/messages', params=params)).json()
            seen += [m['id'] for m in page['items']]
            cursor = page['next_cursor']
            if cursor is None:
                break
    assert len(seen) == 6 and len(set(seen)) == 6


async def test_streamed_answer_with_gemini(ann, notebook, manual, settings_env) -> None:
    with gemini_on(settings_env) as gemini:
        gemini.script(Reply(chunks=['Elements are ', 'created from ', 'definitions [1].']))
        async with api(token_for(ann)) as client:
            response = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'How?'})
    events = sse_events(response.text)
    assert [k for k, _ in events] == ['token', 'token', 'token', 'done']
    assert events[-1][1]['content'] == 'Elements are created from definitions [1].'
    assert [c['marker'] for c in events[-1][1]['citations']] == [1]


async def test_no_ready_sources_and_strangers(ann, notebook, manual) -> None:
    bob = person('bob@example.com')
    async with api(token_for(bob)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'hi'})
        assert response.status_code == 404
        assert (await client.get(f'/notebooks/{notebook.id}/messages')).status_code == 404
    async with api(token_for(ann)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'hi', 'source_ids': []})
        assert response.status_code == 422 and 'Select at least one' in error_of(response)['message']
        response = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'hi', 'source_ids': ['nope']})
        assert error_of(response)['code'] == 'unknown_source'
    async with api(token_for(ann, write=False)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'hi'})
        assert response.status_code == 403


async def test_chat_is_rate_limited_per_token(ann, notebook, manual, settings_env) -> None:
    settings_env(RATE_API_CHAT='2/minute')
    async with api(token_for(ann)) as client:
        for _ in range(2):
            ok = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'DER?', 'stream': False})
            assert ok.status_code == 200
        limited = await client.post(f'/notebooks/{notebook.id}/chat', json={'message': 'DER?', 'stream': False})
    assert_rate_limited(limited)


async def test_the_per_person_question_limit_is_a_429_too_streamed_or_not(ann, notebook, manual, settings_env) -> None:
    """RATE_CHAT counts a person's questions in the UI and the API together; past it nothing is saved."""
    settings_env(RATE_CHAT='1/minute', RATE_API_CHAT='100/minute')
    url = f'/notebooks/{notebook.id}/chat'
    async with api(token_for(ann, name='laptop')) as laptop, api(token_for(ann, name='phone')) as phone:
        assert (await laptop.post(url, json={'message': 'What is DER?', 'stream': False})).status_code == 200
        for client, stream in ((laptop, True), (phone, False)):
            limited = await client.post(url, json={'message': 'And BER?', 'stream': stream})
            assert assert_rate_limited(limited) >= 1
            assert not limited.headers['content-type'].startswith('text/event-stream')  # refused before any byte
            assert 'sending questions quickly' in error_of(limited)['message']
        messages = (await phone.get(f'/notebooks/{notebook.id}/messages')).json()['items']
    assert [m['content'] for m in messages if m['role'] == 'user'] == ['What is DER?']
