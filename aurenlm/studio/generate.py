"""The studio entry point: one artifact from the selected sources, offline or through the model, plus its cache key.

With a model, small selections go in one call with numbered passages. Large ones are map-reduced: each source
(or each part of a very long one) is first condensed into cited key points, and the artifact is written from those.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from aurenlm.llm import Message
from aurenlm.studio import grounding, prompts
from aurenlm.studio.corpus import Corpus
from aurenlm.studio.flashcards import offline_flashcards
from aurenlm.studio.grounding import Evidence
from aurenlm.studio.inputs import StudioChunk, StudioSource, selection_title
from aurenlm.studio.mindmap import offline_mindmap
from aurenlm.studio.options import REPORT_KINDS, REPORT_LABELS, StudioError, StudioOptions, parse_options
from aurenlm.studio.prompts import PROMPT_VERSION, DigestBlock, PromptPassage
from aurenlm.studio.quiz import offline_quiz
from aurenlm.studio.reports import offline_report
from aurenlm.studio.schemas import FlashcardsDraft, MindMapDraft, QuizDraft, ReportDraft, SourceDigest

OFFLINE_ENGINE_VERSION = 'offline-2'  # bump when the offline generators change their output (2: one stopword list)
SINGLE_CALL_WORDS = 12_000  # above this the selection is map-reduced
MAP_PART_WORDS = 60_000  # one map call reads at most this much of a source
MAP_CONCURRENCY = 4

Progress = Callable[[float, str], None]
DRAFTS: dict[str, type[BaseModel]] = {
    'mindmap': MindMapDraft,
    'quiz': QuizDraft,
    'flashcards': FlashcardsDraft,
    **{kind: ReportDraft for kind in REPORT_KINDS},
}


def cache_key(kind: str, options: dict[str, Any] | None, source_sha256s: list[str], model: str) -> str:
    """Same kind, options, source contents, model and prompt version: same artifact, so the cached one can be reused."""
    payload = {
        'prompt': PROMPT_VERSION,
        'engine': OFFLINE_ENGINE_VERSION,
        'kind': kind,
        'options': parse_options(kind, options).cache_fields(),
        'sources': list(source_sha256s),  # order matters: branches and sections follow it
        'model': model,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode('utf-8')).hexdigest()


def run_offline(options: StudioOptions, sources: list[StudioSource]) -> BaseModel:
    """The offline engine, synchronous and deterministic (call it in a thread: it is CPU work)."""
    corpus = Corpus(sources)
    title = options.title or selection_title(sources)
    if options.kind == 'mindmap':
        return offline_mindmap(corpus, title)
    if options.kind == 'quiz':
        return offline_quiz(corpus, options.count, options.difficulty)
    if options.kind == 'flashcards':
        return offline_flashcards(corpus, options.count)
    return offline_report(corpus, options.kind, title)


async def generate(
    kind: str,
    sources: list[StudioSource],
    options: dict[str, Any] | None,
    provider: Any,
    on_progress: Progress | None = None,
) -> dict[str, Any]:
    """Build a studio artifact (mind map, quiz, flashcards or report) and return it as a JSON-ready dict."""
    opts = parse_options(kind, options)
    report = on_progress or (lambda fraction, message: None)
    if not any(source.chunks for source in sources):
        raise StudioError('The selected sources have no text yet. Select sources that finished processing.')
    if getattr(provider, 'name', '') == 'offline':
        report(0.05, 'Reading the sources')
        artifact = await asyncio.to_thread(run_offline, opts, sources)
        report(1.0, 'Done')
        return artifact.model_dump(mode='json')

    large = sum(source.word_count for source in sources) > SINGLE_CALL_WORDS
    if large:
        evidence, data = await _map_step(sources, provider, report)
    else:
        evidence, data = _passages(sources)
    report(0.8 if large else 0.1, 'Writing the result')
    request = prompts.studio_request(opts, data, from_digests=large)
    draft = await _ask(provider, request, DRAFTS[kind])
    artifact = _ground(opts, draft, evidence, selection_title(sources))
    report(1.0, 'Done')
    return artifact.model_dump(mode='json')


def _ground(opts: StudioOptions, draft: BaseModel, evidence: list[Evidence], fallback_title: str) -> BaseModel:
    title = opts.title or fallback_title
    if isinstance(draft, MindMapDraft):
        return grounding.ground_mindmap(draft, title)
    if isinstance(draft, QuizDraft):
        return grounding.ground_quiz(draft, evidence, opts.count)
    if isinstance(draft, FlashcardsDraft):
        return grounding.ground_flashcards(draft, evidence, opts.count)
    assert isinstance(draft, ReportDraft)
    return grounding.ground_report(draft, evidence, opts.kind, f'{REPORT_LABELS[opts.kind]}: {title}')


async def _ask(provider: Any, request: str, schema: type[BaseModel]) -> BaseModel:
    result = await provider.generate_json(prompts.SYSTEM, [Message(role='user', text=request)], schema)
    if isinstance(result, schema):
        return result
    # providers may hand back a dict (or a model of their own); the schema is the contract either way
    return schema.model_validate(result.model_dump() if isinstance(result, BaseModel) else result)


def _prompt_passages(chunks: list[StudioChunk]) -> list[PromptPassage]:
    return [PromptPassage(i + 1, c.source_title, c.page, c.heading, c.text) for i, c in enumerate(chunks)]


def _passages(sources: list[StudioSource]) -> tuple[list[Evidence], str]:
    """Every chunk of every source, numbered [1]..[n] in source order."""
    chunks = [chunk for source in sources for chunk in source.chunks]
    return [Evidence(chunk) for chunk in chunks], prompts.fence_passages(_prompt_passages(chunks))


def _parts(chunks: list[StudioChunk], budget: int) -> list[list[StudioChunk]]:
    parts: list[list[StudioChunk]] = [[]]
    words = 0
    for chunk in chunks:
        size = len(chunk.text.split())
        if parts[-1] and words + size > budget:
            parts.append([])
            words = 0
        parts[-1].append(chunk)
        words += size
    return [part for part in parts if part]


async def _map_step(sources: list[StudioSource], provider: Any, report: Progress) -> tuple[list[Evidence], str]:
    """Condense every source into key points; number them for the whole selection, each pointing at its chunk."""
    jobs = []
    for source in sources:
        parts = _parts(source.chunks, MAP_PART_WORDS)
        jobs += [(source, part, i + 1, len(parts)) for i, part in enumerate(parts)]
    limit = asyncio.Semaphore(MAP_CONCURRENCY)
    done = 0

    async def digest(source: StudioSource, part: list[StudioChunk], index: int, count: int) -> SourceDigest:
        nonlocal done
        async with limit:
            request = prompts.digest_request(source.title, _prompt_passages(part), index, count)
            result = await _ask(provider, request, SourceDigest)
        done += 1
        report(0.05 + 0.7 * done / len(jobs), f'Read {done} of {len(jobs)}: {source.title}')
        assert isinstance(result, SourceDigest)
        return result

    report(0.05, 'Reading the sources')
    tasks = [asyncio.create_task(digest(*job)) for job in jobs]
    try:
        results = await asyncio.gather(*tasks)
    except BaseException:
        # one failure ends the job: stop the other calls, and raise the error itself (an LLMError keeps its message)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    evidence: list[Evidence] = []
    blocks: list[DigestBlock] = []
    for (source, part, _index, _count), result in zip(jobs, results, strict=True):
        points = []
        for point in result.key_points:
            refs = [n for n in point.passages if 1 <= n <= len(part)]
            if not refs or not point.point.strip():
                continue  # a point that cites nothing real cannot be cited later either
            evidence.append(Evidence(part[refs[0] - 1], hint=point.point))
            points.append((len(evidence), point.point))
        blocks.append(DigestBlock(source.title, result.summary, result.topics, points))
    if not evidence:
        raise StudioError('The model could not condense the selected sources. Try again, or select fewer sources.')
    return evidence, prompts.fence_digests(blocks)
