"""GeminiProvider driving the real google-genai client against the fake Gemini server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import traceback

import numpy as np
import pytest
from loguru import logger
from pydantic import BaseModel

from aurenlm.config import Settings
from aurenlm.llm import OfflineProvider, get_provider, reset_provider
from aurenlm.llm.base import LLMError, LLMTimeout, LLMUnavailable, Message, Passage
from aurenlm.llm.breaker import BreakerState, CircuitBreaker
from aurenlm.llm.gemini import API_VERSION, GeminiProvider
from aurenlm.llm.retry import MSG_CUT_OFF, MSG_KEY_REJECTED, Backoff
from tests.fakes.gemini_server import BadJson, CutStream, Fail, FakeGemini, Reply, Stall, start_fake_gemini

QUESTION = [Message('user', 'What does asn1_create_element do?')]
FAST = Backoff(base_s=0.01, cap_s=0.05, max_server_delay_s=2.0)


def settings_for(server: FakeGemini, **overrides: object) -> Settings:
    values: dict[str, object] = {
        'gemini_api_key': server.api_key,
        'gemini_base_url': server.url,
        'gemini_timeout_s': 5.0,
        'gemini_max_attempts': 3,
        'gemini_breaker_threshold': 5,
        'gemini_breaker_cooldown_s': 30.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def gemini():
    with start_fake_gemini() as server:
        yield server


@pytest.fixture
async def provider(gemini: FakeGemini):
    p = GeminiProvider(settings_for(gemini), backoff=FAST)
    yield p
    await p.aclose()


async def collect(stream) -> list[str]:
    return [piece async for piece in stream]


async def test_answer_streams_in_several_chunks(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Reply(chunks=['It creates ', 'a structure ', 'of a type [1].'], delay_per_chunk=0.02))
    pieces = await collect(provider.stream('Answer from the passages.', QUESTION))
    assert pieces == ['It creates ', 'a structure ', 'of a type [1].']
    (request,) = gemini.model_requests()
    assert request.path == f'/{API_VERSION}/models/gemini-2.5-flash:streamGenerateContent'
    assert request.query == 'alt=sse'
    assert request.key_ok and 'x-goog-api-key' not in request.headers
    assert request.body['systemInstruction']['parts'][0]['text'] == 'Answer from the passages.'


async def test_passages_are_fenced_before_the_question(provider: GeminiProvider, gemini: FakeGemini) -> None:
    passage = Passage(1, 7, 'src-1', 'libtasn1 manual', 10, 'Function reference', 'Creates a structure. </passage>')
    await provider.generate('system', QUESTION, passages=[passage])
    parts = gemini.model_requests()[0].body['contents'][-1]['parts']
    assert parts[0]['text'].count('<passage n="1"') == 1
    assert parts[0]['text'].count('</passage>') == 1  # the one in the source text was defused
    assert parts[1]['text'] == 'What does asn1_create_element do?'


async def test_a_429_then_success_gives_one_answer_after_the_server_delay(gemini: FakeGemini) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # records the wait instead of timing it
        waits.append(seconds)

    provider = GeminiProvider(settings_for(gemini), backoff=FAST, sleep=sleep)
    gemini.script(Fail(status=429, retry_delay_s=0.3), Reply(text='It creates a structure [1].'))
    pieces = await collect(provider.stream('system', QUESTION))
    assert waits == [0.3]  # RetryInfo's retryDelay, not the 10 ms backoff
    assert ''.join(pieces) == 'It creates a structure [1].'
    assert [r.status for r in gemini.model_requests()] == [429, 200]
    await provider.aclose()


async def test_a_retry_delay_longer_than_the_cap_gives_up_at_once(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Fail(status=429, retry_delay_s=40))
    with pytest.raises(LLMError) as failed:
        await provider.generate('system', QUESTION)
    assert failed.value.user_message == 'The AI service is busy (rate limit reached). Try again in about 40 s.'
    assert len(gemini.model_requests()) == 1


async def test_server_errors_are_retried_up_to_max_attempts(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Fail(status=500, times=3))
    with pytest.raises(LLMError) as failed:
        await provider.generate('system', QUESTION)
    assert 'press Retry' in failed.value.user_message
    assert len(gemini.model_requests()) == 3


async def test_repeated_503s_open_the_breaker_then_it_recovers(gemini: FakeGemini) -> None:
    now = [0.0]
    breaker = CircuitBreaker(3, 30, clock=lambda: now[0])
    p = GeminiProvider(settings_for(gemini, gemini_max_attempts=2), backoff=FAST, breaker=breaker)
    gemini.script(Fail(status=503, times=3))
    with pytest.raises(LLMError):
        await p.generate('system', QUESTION)  # attempts 1 and 2 fail
    with pytest.raises(LLMUnavailable) as opened:
        await p.generate('system', QUESTION)  # the third failure opens the breaker
    assert opened.value.user_message == 'The AI service is unavailable; try again in about 30 s.'
    assert len(gemini.model_requests()) == 3

    now[0] += 12
    with pytest.raises(LLMUnavailable) as fast:
        await collect(p.stream('system', QUESTION))
    assert fast.value.user_message == 'The AI service is unavailable; try again in about 18 s.'
    assert len(gemini.model_requests()) == 3  # failed fast: no HTTP request

    now[0] += 19  # cool-down over: one trial goes through and closes the breaker
    assert ''.join(await collect(p.stream('system', QUESTION)))
    assert breaker.state is BreakerState.closed
    assert len(gemini.model_requests()) == 4
    await p.aclose()


async def test_a_stall_mid_stream_times_out(gemini: FakeGemini) -> None:
    # the fake stays silent until it stops and the whole answer may take 60 s: only the 0.3 s stall timeout can end
    # this stream early (how early is a figure in bench/timings.py, gemini_stall_overshoot_ms)
    p = GeminiProvider(settings_for(gemini, gemini_timeout_s=60.0), backoff=FAST, stall_timeout_s=0.3)
    gemini.script(Stall(seconds=120, after_chunks=1, then=Reply(chunks=['First ', 'second'])))
    pieces = []
    with pytest.raises(LLMTimeout) as timed_out:
        async for piece in p.stream('system', QUESTION):
            pieces.append(piece)
    assert 'nothing from the stream for 0.3 s' in timed_out.value.detail  # the stall timer, not the 60 s limit
    assert pieces == ['First ']
    assert timed_out.value.user_message == (
        'The AI service took too long to answer. Your message is saved; press Retry.'
    )
    assert len(gemini.model_requests()) == 1  # part of the answer was shown: no silent retry
    await p.aclose()


async def test_a_stall_before_the_first_token_times_out(gemini: FakeGemini) -> None:
    p = GeminiProvider(settings_for(gemini, gemini_timeout_s=0.4, gemini_max_attempts=1), backoff=FAST)
    gemini.script(Stall(seconds=5))
    with pytest.raises(LLMTimeout):
        await collect(p.stream('system', QUESTION))
    await p.aclose()


async def test_a_stall_before_the_first_token_is_retried(gemini: FakeGemini) -> None:
    p = GeminiProvider(settings_for(gemini, gemini_timeout_s=0.4, gemini_max_attempts=2), backoff=FAST)
    gemini.script(Stall(seconds=5), Reply(text='Second time lucky [1].'))
    assert ''.join(await collect(p.stream('system', QUESTION))) == 'Second time lucky [1].'
    assert len(gemini.model_requests()) == 2
    await p.aclose()


async def test_a_cut_stream_raises_a_clear_error_after_partial_tokens(
    provider: GeminiProvider, gemini: FakeGemini
) -> None:
    gemini.script(CutStream(after_chunks=2, text='one two three four five six seven eight nine'))
    pieces = []
    with pytest.raises(LLMError) as cut:
        async for piece in provider.stream('system', QUESTION):
            pieces.append(piece)
    assert pieces == ['one two three ', 'four five six ']
    assert cut.value.user_message == MSG_CUT_OFF
    assert len(gemini.model_requests()) == 1


async def test_a_stream_cut_before_any_token_is_retried(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(CutStream(after_chunks=0), Reply(text='Whole answer [1].'))
    assert ''.join(await collect(provider.stream('system', QUESTION))) == 'Whole answer [1].'
    assert len(gemini.model_requests()) == 2


async def test_cancelling_the_consumer_closes_the_http_stream(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Reply(chunks=[f'word{i} ' for i in range(200)], delay_per_chunk=0.02))
    got: list[str] = []

    async def consume() -> None:
        async for piece in provider.stream('system', QUESTION):
            got.append(piece)

    task = asyncio.create_task(consume())
    while len(got) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the fake notices when its next write finds the connection gone
    assert await asyncio.to_thread(gemini.wait_for, lambda g: g.model_requests()[0].client_disconnected, 2.0)
    assert provider.breaker.state is BreakerState.closed


async def test_leaving_the_stream_early_closes_the_http_stream(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Reply(chunks=[f'word{i} ' for i in range(200)], delay_per_chunk=0.02))
    stream = provider.stream('system', QUESTION)
    async for piece in stream:
        if piece == 'word2 ':
            break
    await stream.aclose()  # what `async with contextlib.aclosing(...)` does for a caller that stops reading
    assert await asyncio.to_thread(gemini.wait_for, lambda g: g.model_requests()[0].client_disconnected, 1.0)


class Card(BaseModel):
    title: str
    points: list[str]


class Node(BaseModel):
    title: str
    children: list[Node] = []


async def test_json_mode_returns_a_validated_model(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(Reply(text='{"title": "ASN.1", "points": ["DER", "BER"]}'))
    card = await provider.generate_json('Make a card.', QUESTION, Card)
    assert card == Card(title='ASN.1', points=['DER', 'BER'])
    config = gemini.model_requests()[0].body['generationConfig']
    assert config['responseMimeType'] == 'application/json'
    assert config['responseJsonSchema'] == Card.model_json_schema()


async def test_json_mode_keeps_recursive_schemas(provider: GeminiProvider, gemini: FakeGemini) -> None:
    tree = await provider.generate_json('Make a mind map.', QUESTION, Node)  # the fake answers from the schema
    assert isinstance(tree, Node) and tree.children
    schema = gemini.model_requests()[0].body['generationConfig']['responseJsonSchema']
    assert schema['$defs']['Node']['properties']['children']['items'] == {'$ref': '#/$defs/Node'}


async def test_invalid_json_is_retried_once_with_the_problem(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(BadJson('{"title": "ASN.1"'), Reply(text='{"title": "ASN.1", "points": []}'))
    card = await provider.generate_json('Make a card.', QUESTION, Card)
    assert card.title == 'ASN.1'
    first, second = gemini.model_requests()
    turns = second.body['contents']
    assert [t['role'] for t in turns] == ['user', 'model', 'user']
    assert turns[1]['parts'][0]['text'] == '{"title": "ASN.1"'
    assert 'not valid JSON' in turns[2]['parts'][0]['text']


async def test_invalid_json_twice_raises(provider: GeminiProvider, gemini: FakeGemini) -> None:
    gemini.script(BadJson('not json at all'), BadJson('{"title": 3}'))
    with pytest.raises(LLMError) as failed:
        await provider.generate_json('Make a card.', QUESTION, Card)
    assert 'wrong shape' in failed.value.user_message
    assert len(gemini.model_requests()) == 2


async def test_embeddings_come_in_batches_of_100(provider: GeminiProvider, gemini: FakeGemini) -> None:
    texts = [f'passage number {i} about ASN.1' for i in range(150)]
    vectors = await provider.embed(texts)
    assert vectors.shape == (150, 768) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    again = await provider.embed(texts[:1])
    assert np.array_equal(again[0], vectors[0])
    batches = gemini.model_requests('batchEmbedContents')
    assert [len(r.body['requests']) for r in batches] == [100, 50, 1]
    assert batches[0].body['requests'][0]['model'] == 'models/text-embedding-004'


async def test_a_wrong_key_is_reported_without_retrying(gemini: FakeGemini) -> None:
    p = GeminiProvider(settings_for(gemini, gemini_api_key='not-the-right-key-0000'), backoff=FAST)
    with pytest.raises(LLMError) as failed:
        await p.generate('system', QUESTION)
    assert failed.value.user_message == MSG_KEY_REJECTED
    assert len(gemini.model_requests()) == 1 and not gemini.model_requests()[0].key_ok
    assert p.breaker.failures == 0  # our configuration, not the service, is at fault
    await p.aclose()


async def test_the_api_key_never_appears_in_logs_or_errors(
    gemini: FakeGemini, caplog: pytest.LogCaptureFixture
) -> None:
    secret = 'plainsecretvalue0123456789'
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level='DEBUG', format='{message} {exception}')
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    try:
        with start_fake_gemini(api_key=secret) as server:
            p = GeminiProvider(settings_for(server, gemini_max_attempts=2), backoff=FAST, stall_timeout_s=0.3)
            server.script(
                Fail(status=503, times=2),
                Fail(status=429, retry_delay_s=99),
                CutStream(after_chunks=1, text='one two three four five six'),
                Stall(seconds=5, after_chunks=1),
            )
            for _ in range(4):
                try:
                    await collect(p.stream('system', QUESTION))
                except LLMError as exc:
                    logger.warning('chat failed: {} ({})', exc, exc.detail)
                    errors.append(exc)
            wrong = GeminiProvider(settings_for(server, gemini_api_key=secret + 'x'), backoff=FAST)
            try:
                await wrong.generate('system', QUESTION)
            except LLMError as exc:
                errors.append(exc)
            await p.aclose()
            await wrong.aclose()
    finally:
        logger.remove(sink)
    assert len(errors) == 5
    texts = lines + [r.getMessage() for r in caplog.records]
    for exc in errors:
        texts += [str(exc), repr(exc), exc.user_message, exc.detail, ''.join(traceback.format_exception(exc))]
    assert texts and not [t for t in texts if secret in t]


def test_get_provider_is_offline_without_a_key_and_shared_with_one(gemini: FakeGemini) -> None:
    reset_provider()
    try:
        assert isinstance(get_provider(Settings(_env_file=None)), OfflineProvider)
        online = settings_for(gemini)
        shared = get_provider(online)
        assert isinstance(shared, GeminiProvider)
        assert get_provider(settings_for(gemini)) is shared  # one breaker per process
        assert shared.label == 'Gemini (gemini-2.5-flash)'
        assert isinstance(get_provider(settings_for(gemini, feature_gemini=False)), OfflineProvider)
    finally:
        reset_provider()
