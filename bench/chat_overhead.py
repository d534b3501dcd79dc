"""Chat overhead benchmark (issue 4): time the app adds before the first token, on a notebook at NotebookLM's maximum.

    .venv/bin/python bench/chat_overhead.py              # SQLite (builds bench/out/chat-50x500k.db once)
    .venv/bin/python bench/chat_overhead.py --postgres   # ... and the same notebook copied into PostgreSQL
    .venv/bin/python bench/chat_overhead.py --rebuild    # regenerate the cached notebook

The notebook: 50 sources x 500,000 words of generated prose (bench/textgen.py), pages of ~320 words, chunked by the
app's `chunk_pages` and stored by the app's `sources._store_text` (pages, chunks, FTS5 rows): about 83,000 chunks of
~300 words. Embeddings: `embeddings.embed_texts` (wordllama, offline) runs on a random sample of EMBED_SAMPLE chunks
spread over every source; each other chunk gets the vector of a sampled chunk of its own source plus a little noise,
renormalised, so all 83k chunks carry a distinct 256-d vector with the offline model's name (embedding every chunk
would take ~2 minutes and change nothing measured here: search cost does not depend on vector values). The database
is cached as bench/out/chat-50x500k.db; runs only add and then delete chat messages.

A turn is driven through `aurenlm.chat.service.ask` (what the chat pane calls) against the fake Gemini server from
tests/fakes, scripted to hold its first token for FIRST_TOKEN_DELAY_S. The fake runs in this process, so its own
pause is timed from inside its handler with the same clock, and

    overhead = (first Token event - call) - (the fake's measured pause)

The chunks were embedded offline, so the question is embedded offline too (the path retrieval takes for such a
notebook even with a key). The first question (warm-up) builds the in-memory index and loads the models; the cold
build is reported apart. Then 50 different questions give p50/p95. `retrieval.best_passages` and its parts, and the
database calls `ask` makes, are timed alone afterwards for the breakdown.

The last line is `chat_overhead_p95_ms=<float>` (SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import benchkit  # noqa: I001 - first: a throwaway DATA_DIR and database before the app reads its settings
from benchkit import OUT, ROOT, median, percentile, table

SOURCES = 50
WORDS_PER_SOURCE = 500_000
PAGE_WORDS = 270  # paragraphs are added until a page reaches this: pages average ~320 words, chunks ~300
EMBED_SAMPLE = 5_000
QUESTIONS = 50
FIRST_TOKEN_DELAY_S = 0.25
CACHE_FORMAT = 1
CACHE_DB = OUT / 'chat-50x500k.db'
CACHE_META = OUT / 'chat-50x500k.json'
GOAL_MS = 50.0

os.environ['RATE_CHAT'] = '1000000/minute'  # 51 questions in a row would trip the per-user limit (20/minute)


# --- the notebook ---


def build_notebook(path: Path) -> dict:
    """Generate, chunk, store and embed the notebook into a fresh SQLite file at `path`; return its metadata."""
    import numpy as np
    from sqlalchemy import text, update
    from textgen import TextGen

    from aurenlm import db
    from aurenlm.ingest import Extracted, Heading, Page, chunk_pages
    from aurenlm.ingest.document import outline_from_pages
    from aurenlm.models import Source, SourceChunk
    from aurenlm.search import embeddings
    from aurenlm.sources.service import _store_text

    started = time.perf_counter()
    benchkit.use_database(f'sqlite:///{path}')
    user, notebook = benchkit.make_user_and_notebook(title='50 sources x 500k words')
    rng = np.random.default_rng(7)
    for index in range(SOURCES):
        gen = TextGen(1000 + index)
        pages: list[Page] = []
        words = chapter = section = 0
        while words < WORDS_PER_SOURCE:
            headings = []
            prefix = ''
            if len(pages) % 6 == 0:  # a new section every few pages; a new chapter every ten sections
                section += 1
                if section % 10 == 1:
                    chapter += 1
                title = f'{chapter}.{section} {gen.title()}'
                headings = [Heading(0, 2, title)]
                prefix = title + '\n\n'
            body = '\n\n'.join(gen.words_page(PAGE_WORDS))
            words += len(body.split())
            pages.append(Page(len(pages) + 1, prefix + body, headings))
        extracted = Extracted(pages=pages, outline=outline_from_pages(pages), title=f'Source {index + 1}')
        source = Source(
            notebook_id=notebook.id,
            added_by=user.id,
            kind='text',
            title=f'Source {index + 1}: {gen.title()}',
            filename=f'source-{index + 1}.md',
            mime='text/markdown',
            sha256=uuid.uuid4().hex * 2,
            status='ready',
            stage='ready',
            progress=1.0,
        )
        with db.session() as s:
            s.add(source)
            s.commit()
        _store_text(source, extracted, chunk_pages(extracted.pages))  # the app's own pages+chunks+FTS write
        print(f'  source {index + 1:2}/{SOURCES}: {len(pages)} pages  ({time.perf_counter() - started:.0f} s)')

    with db.engine().connect() as connection:
        rows = connection.execute(
            text('SELECT id, source_id, heading, text FROM source_chunk WHERE notebook_id = :n ORDER BY id'),
            {'n': notebook.id},
        ).all()
    by_source: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_source.setdefault(row.source_id, []).append(i)
    per_source = max(1, EMBED_SAMPLE // len(by_source))
    sample = sorted(i for members in by_source.values() for i in rng.choice(members, per_source, replace=False))
    t = time.perf_counter()
    sampled = embeddings.embed_texts([embeddings.passage_text(rows[i].heading, rows[i].text) for i in sample])
    embed_s = time.perf_counter() - t
    print(f'  embedded {len(sample):,} sampled chunks offline in {embed_s:.1f} s')
    vectors = np.empty((len(rows), embeddings.OFFLINE_DIM), dtype=np.float32)
    vectors[sample] = sampled
    where = {i: k for k, i in enumerate(sample)}
    for members in by_source.values():
        own = [where[i] for i in members if i in where]
        rest = np.array([i for i in members if i not in where], dtype=np.int64)
        base = sampled[rng.choice(own, len(rest))]
        noise = rng.standard_normal(base.shape).astype(np.float32) * 0.02
        vectors[rest] = embeddings.normalise(base + noise)
    with db.session() as s:
        s.execute(
            update(SourceChunk),
            [
                {'id': row.id, 'embedding': embeddings.to_blob(vectors[i]), 'embedding_model': embeddings.OFFLINE_MODEL}
                for i, row in enumerate(rows)
            ],
        )
        s.commit()
    with db.engine().connect() as connection:
        connection.exec_driver_sql('PRAGMA wal_checkpoint(TRUNCATE)')
        connection.exec_driver_sql('ANALYZE')
    db.dispose()
    meta = {
        'format': CACHE_FORMAT,
        'sources': SOURCES,
        'words_per_source': WORDS_PER_SOURCE,
        'chunks': len(rows),
        'embed_sample': len(sample),
        'user_email': user.email,
        'notebook_id': notebook.id,
        'build_s': round(time.perf_counter() - started, 1),
    }
    print(f'  built {len(rows):,} chunks in {meta["build_s"]} s')
    return meta


def cached_notebook(rebuild: bool) -> dict:
    """The cached notebook database, built on first use (or with --rebuild), migrated to the current head."""
    meta = json.loads(CACHE_META.read_text()) if CACHE_META.exists() and CACHE_DB.exists() else None
    if rebuild or meta is None or meta.get('format') != CACHE_FORMAT or meta.get('sources') != SOURCES:
        print(f'building the notebook into {CACHE_DB.relative_to(ROOT)} (once; a few minutes)')
        OUT.mkdir(parents=True, exist_ok=True)
        partial = OUT / 'chat-50x500k.building.db'
        for leftover in OUT.glob('chat-50x500k.*'):
            leftover.unlink()
        meta = build_notebook(partial)
        for suffix in ('-wal', '-shm'):
            Path(f'{partial}{suffix}').unlink(missing_ok=True)
        partial.replace(CACHE_DB)
        CACHE_META.write_text(json.dumps(meta, indent=1))
    return meta


# --- the fake Gemini, with its own pause timed from inside ---


@dataclass
class FakeTimes:
    arrivals: list[float] = field(default_factory=list)  # a model request reached the handler
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each first-token hold


def start_fake(times: FakeTimes):
    from tests.fakes import gemini_server as fake

    answer, pause = fake._Handler._answer, fake._Handler._pause

    def timed_answer(self, record, key):
        times.arrivals.append(time.perf_counter())
        return answer(self, record, key)

    def timed_pause(self, seconds):
        started = time.perf_counter()
        pause(self, seconds)
        if seconds > 0:
            times.pauses.append((started, time.perf_counter()))

    fake._Handler._answer = timed_answer
    fake._Handler._pause = timed_pause
    return fake.start_fake_gemini(), fake.Reply


def point_at(gemini) -> None:
    from aurenlm.config import reset_settings
    from aurenlm.llm import reset_provider
    from aurenlm.security import ratelimit

    os.environ.update(GEMINI_API_KEY=gemini.api_key, GEMINI_BASE_URL=gemini.url)
    reset_settings()
    reset_provider()
    ratelimit.reset()


# --- questions ---


def make_questions(count: int, seed: int) -> list[str]:
    from textgen import TextGen

    rng = random.Random(seed)
    gens = [TextGen(1000 + i) for i in range(SOURCES)]
    templates = [
        'How does {t} affect the {n} when the {m} changes?',
        'What should I know about {t} and {u}?',
        'Which {n} is needed before {t} can be used?',
        'Why is {t} important for the {n}?',
        'Explain how the {n} and the {m} work together with {t}.',
        'What happens to {t} if the {n} is missing?',
        'Is there a limit on {n} for {t}?',
        'Summarise what the sources say about {t}.',
        'Compare {t} with {u} in terms of {n}.',
        'When should the {n} be updated for {t}?',
    ]
    out: list[str] = []
    while len(out) < count:
        a, b = rng.sample(gens, 2)
        question = rng.choice(templates).format(
            t=rng.choice(a.topics), u=rng.choice(b.topics), n=rng.choice(a.nouns), m=rng.choice(b.nouns)
        )
        if question not in out:
            out.append(question)
    return out


# --- one chat turn ---


@dataclass
class Turn:
    total_ms: float  # call -> first Token
    pause_ms: float  # the fake's own hold, measured inside it
    started_ms: float  # call -> Started (retrieval done, passages known)
    request_ms: float  # call -> the model request reaches the fake
    after_pause_ms: float  # the fake releases its first chunk -> Token event
    done_ms: float  # first Token -> Done (rest of the stream, citations and answer saved)
    cpu_ms: float  # this process's CPU (every thread, the in-process fake's too) from call to first Token
    passages: int

    @property
    def overhead_ms(self) -> float:
        return self.total_ms - self.pause_ms


async def one_turn(user, notebook, question: str, source_ids: list[str], gemini, reply_cls, times: FakeTimes) -> Turn:
    from aurenlm.chat import service as chat

    gemini.script(
        reply_cls(text='The sources cover this [1]. They add a detail [2].', first_token_delay=FIRST_TOKEN_DELAY_S)
    )
    n_arrivals, n_pauses = len(times.arrivals), len(times.pauses)
    started = first = done = None
    passages = 0
    cpu_first = 0.0
    t0, cpu0 = time.perf_counter(), time.process_time()
    async for event in chat.ask(user, notebook, question, source_ids=source_ids):
        now = time.perf_counter()
        if isinstance(event, chat.Started):
            started, passages = now, len(event.passages)
        elif isinstance(event, chat.Token) and first is None:
            first, cpu_first = now, time.process_time() - cpu0
        elif isinstance(event, chat.Done | chat.Failed):
            done = now
            if isinstance(event, chat.Failed):
                raise RuntimeError(f'turn failed: {event.error}')
    if first is None or started is None or done is None:
        raise RuntimeError('the turn produced no token')
    arrival = times.arrivals[n_arrivals]
    pause_start, pause_end = times.pauses[n_pauses]
    return Turn(
        total_ms=(first - t0) * 1000,
        pause_ms=(pause_end - pause_start) * 1000,
        started_ms=(started - t0) * 1000,
        request_ms=(arrival - t0) * 1000,
        after_pause_ms=(first - pause_end) * 1000,
        done_ms=(done - first) * 1000,
        cpu_ms=cpu_first * 1000,
        passages=passages,
    )


# --- breakdown: retrieval and the database calls ask makes, timed alone ---


async def breakdown(user, notebook, questions: list[str], source_ids: list[str]) -> dict[str, list[float]]:
    from aurenlm import repos
    from aurenlm.chat import prompts
    from aurenlm.search import embeddings, retrieval
    from aurenlm.text.query import prepare

    def ms(fn, *args, **kwargs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        return (time.perf_counter() - t) * 1000, result

    async def ams(coro):
        t = time.perf_counter()
        result = await coro
        return (time.perf_counter() - t) * 1000, result

    parts: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        parts.setdefault(name, []).append(value)

    embeddings.forget_query_vectors()  # every question new to the query-vector cache, as in the turns above
    for question in questions:
        add('best_passages (whole)', (await ams(retrieval.best_passages(notebook.id, question, source_ids)))[0])
    embeddings.forget_query_vectors()
    selected = set(source_ids)
    for question in questions:
        add('  _stamps (version query)', ms(retrieval._stamps, notebook.id)[0])
        elapsed, (index, stamps) = ms(retrieval.notebook_index, notebook.id)
        add('  notebook_index (stamps + cache hit)', elapsed)
        elapsed, prepared = ms(prepare, question, embeddings.related_words)
        add('  query.prepare (+ related words)', elapsed)
        model = retrieval._model_of(stamps, selected)
        elapsed, vector = await ams(retrieval.query_vector(model, prepared.embed_text or question))
        add('  query_vector (offline embed + cache)', elapsed)
        elapsed, hits = ms(index.search, prepared, vector, selected, retrieval.CANDIDATES)
        add('  index.search (BM25 + vectors + RRF)', elapsed)
        ids = [hit.chunk_id for hit in hits]
        # the rest of best_passages (reading the hit chunks, merging neighbours, titles) has moved between
        # modules as retrieval evolved: time whichever of its pieces exist
        if hasattr(retrieval, '_chunk_rows'):
            elapsed, rows = ms(retrieval._chunk_rows, ids)
            add('  _chunk_rows (hit chunks from the db)', elapsed)
            if hasattr(retrieval, 'merge_passages'):
                elapsed, spans = ms(retrieval.merge_passages, hits, rows)
                add('  merge_passages (neighbours, budget)', elapsed)
                if hasattr(retrieval, '_titles'):
                    add('  _titles', ms(retrieval._titles, {span.source_id for span in spans})[0])
        elif hasattr(retrieval, '_passages'):
            add('  _passages (chunk rows, merge, budget)', ms(retrieval._passages, ids, retrieval.TOKEN_BUDGET)[0])
        add('notebooks.get', ms(repos.notebooks.get, user, notebook.id)[0])
        if hasattr(repos.sources, 'ready_ids'):  # the one-query ready check, once chat uses it
            add('sources.ready_ids (ready check)', ms(repos.sources.ready_ids, user, notebook.id, source_ids)[0])
        else:
            add('sources.get x 50 (ready check)', ms(lambda: [repos.sources.get(user, sid) for sid in source_ids])[0])
        elapsed, asked = ms(repos.messages.add, notebook.id, role='user', content=question, user_id=user.id)
        add('messages.add (question)', elapsed)
        elapsed, answer = ms(
            repos.messages.add, notebook.id, role='assistant', content='', user_id=None, status='streaming'
        )
        add('messages.add (answer)', elapsed)
        elapsed, history = ms(repos.messages.history, notebook.id, before=asked.created_at)
        add('messages.history', elapsed)
        passages = await retrieval.best_passages(notebook.id, question, source_ids)
        add('prompts.grounded', ms(prompts.grounded, question, passages, history)[0])
    repos.messages.clear(user, notebook.id)
    return parts


async def provider_alone(gemini, reply_cls, times: FakeTimes, runs: int = 20) -> list[float]:
    """The model client by itself (provider.stream with a typical prompt): its time to first piece minus the pause."""
    from aurenlm.llm import Message, Passage, get_provider

    provider = get_provider()
    passages = [Passage(i, i, 's', 'Source', 1, 'Heading', 'word ' * 300) for i in range(1, 9)]
    out = []
    for _ in range(runs):
        gemini.script(reply_cls(text='Short answer [1].', first_token_delay=FIRST_TOKEN_DELAY_S))
        n_pauses = len(times.pauses)
        t0 = time.perf_counter()
        first = None
        async for _piece in provider.stream('system', [Message('user', 'question?')], passages=passages):
            first = first or time.perf_counter()
        start, end = times.pauses[n_pauses]
        out.append((first - t0 - (end - start)) * 1000)
    return out


# --- the fixes proposed in the report, monkeypatched in to measure them (not the app's code) ---


def apply_proposed_fixes() -> None:
    """1. retrieval's version stamps from the `source` table (one row per source) instead of a GROUP BY over every
    chunk; 2. chat's ready check as one query for the selected ids, without loading each source's JSON columns."""
    from types import SimpleNamespace

    from sqlalchemy import func
    from sqlmodel import select

    from aurenlm import db, repos
    from aurenlm.models import NotebookMember, Source, SourceChunk
    from aurenlm.search import retrieval

    models: dict[tuple, str | None] = {}  # the model of a source version, read once (the index would keep it)

    def stamps(notebook_id: str) -> tuple:
        with db.session() as s:
            rows = s.exec(
                select(Source.id, Source.updated_at).where(Source.notebook_id == notebook_id, Source.status == 'ready')
            ).all()
            out = []
            for source_id, updated in rows:
                key = (source_id, updated)
                if key not in models:
                    models[key] = s.exec(
                        select(func.max(SourceChunk.embedding_model)).where(SourceChunk.source_id == source_id)
                    ).one()
                out.append(retrieval.SourceStamp(source_id, 0, int(updated.timestamp() * 1e6), models[key]))
        return tuple(sorted(out, key=lambda stamp: stamp.source_id))

    ready: dict[str, SimpleNamespace] = {}
    loaded = [0.0]
    original_get = repos.sources.get

    def get(user, source_id: str):
        # ask() calls get() once per selected id: the first call of a turn reads them all in one query
        if time.perf_counter() - loaded[0] > 0.5:
            ready.clear()
            loaded[0] = time.perf_counter()
            with db.session() as s:
                member = select(NotebookMember.notebook_id).where(NotebookMember.user_id == user.id)
                for sid, status in s.exec(
                    select(Source.id, Source.status).where(
                        Source.notebook_id.in_(member), Source.notebook_id == _try_fixes_notebook[0]
                    )
                ):
                    ready[sid] = SimpleNamespace(id=sid, status=status)
        return ready.get(source_id) or original_get(user, source_id)

    retrieval._stamps = stamps
    repos.sources.get = get
    print('  proposed fixes applied (monkeypatched): source-table stamps, one-query ready check')


_try_fixes_notebook: list[str] = ['']


# --- a run on one database ---


@dataclass
class Result:
    label: str
    cold_build_s: float
    warmup_ms: float
    turns: list[Turn]
    parts: dict[str, list[float]]
    client_ms: list[float]


async def measure(label: str, meta: dict, gemini, reply_cls, times: FakeTimes, questions: list[str]) -> Result:
    from aurenlm import repos
    from aurenlm.search import retrieval

    user = repos.users.by_email(meta['user_email'])
    notebook = repos.notebooks.get(user, meta['notebook_id'])
    source_ids = [s.id for s in repos.sources.list_for(user, notebook.id)]
    _try_fixes_notebook[0] = notebook.id
    repos.messages.clear(user, notebook.id)
    retrieval.forget(notebook.id)
    t = time.perf_counter()
    index, _ = await asyncio.to_thread(retrieval.notebook_index, notebook.id)
    cold = time.perf_counter() - t
    print(f'  {label}: {len(index):,} chunks in {len(source_ids)} sources; cold index build {cold:.1f} s')
    warm = await one_turn(
        user, notebook, 'What do the sources say about the database?', source_ids, gemini, reply_cls, times
    )
    turns = []
    for question in questions:
        turns.append(await one_turn(user, notebook, question, source_ids, gemini, reply_cls, times))
    repos.messages.clear(user, notebook.id)
    parts = await breakdown(user, notebook, questions, source_ids)
    client = await provider_alone(gemini, reply_cls, times)
    return Result(label, cold, warm.overhead_ms, turns, parts, client)


def copy_to_postgres(url: str, meta: dict) -> float:
    """The cached notebook's rows (users, notebook, sources, chunks with vectors; pages are not read by chat)."""
    from sqlalchemy import create_engine, insert, select, text

    from aurenlm import db
    from aurenlm.models import Notebook, NotebookMember, Source, SourceChunk, User

    started = time.perf_counter()
    sqlite = create_engine(f'sqlite:///{CACHE_DB}')
    with sqlite.connect() as src, db.engine().begin() as dst:
        for model in (User, Notebook, NotebookMember, Source):
            rows = [dict(r._mapping) for r in src.execute(select(model.__table__))]
            dst.execute(insert(model.__table__), rows)
        result = src.execution_options(yield_per=5000).execute(select(SourceChunk.__table__))
        for batch in result.partitions(5000):
            dst.execute(insert(SourceChunk.__table__), [dict(r._mapping) for r in batch])
        dst.execute(text("SELECT setval('source_chunk_id_seq', (SELECT max(id) FROM source_chunk))"))
        dst.execute(text('ANALYZE'))
    sqlite.dispose()
    return time.perf_counter() - started


def report(results: list[Result]) -> None:
    print('\n## Time the app adds before the first token (ms; fake first-token hold measured and subtracted)')
    headers = ['db', 'p50', 'p95', 'mean', 'max', 'min']
    rows = []
    for r in results:
        for name, values in (
            ('overhead (call -> first token - hold)', [t.overhead_ms for t in r.turns]),
            ('  call -> Started (retrieval done)', [t.started_ms for t in r.turns]),
            ('  call -> model request reaches fake', [t.request_ms for t in r.turns]),
            ('  fake releases first chunk -> Token', [t.after_pause_ms for t in r.turns]),
            ('fake hold itself (set %.0f ms)' % (FIRST_TOKEN_DELAY_S * 1000), [t.pause_ms for t in r.turns]),
            ('first token -> Done (stream end, saves)', [t.done_ms for t in r.turns]),
            ('process CPU, call -> first token', [t.cpu_ms for t in r.turns]),
            ('model client alone (provider.stream)', r.client_ms),
        ):
            rows.append(
                [
                    f'{r.label}: {name}',
                    percentile(values, 50),
                    percentile(values, 95),
                    sum(values) / len(values),
                    max(values),
                    min(values),
                ]
            )
    table(['measure', *headers[1:]], rows)
    for r in results:
        print(
            f'  {r.label}: cold index build {r.cold_build_s:.2f} s; warm-up turn overhead {r.warmup_ms:.0f} ms; '
            f'passages per answer {median([t.passages for t in r.turns]):.0f}'
        )

    print('\n## Breakdown, each part timed alone over the same questions (ms)')
    rows = []
    for r in results:
        for name, values in r.parts.items():
            rows.append([f'{r.label}: {name}', percentile(values, 50), percentile(values, 95), max(values)])
    table(['part', 'p50', 'p95', 'max'], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rebuild', action='store_true', help='regenerate the cached notebook')
    parser.add_argument('--postgres', action='store_true', help='also measure on PostgreSQL (copies 83k chunks)')
    parser.add_argument('--questions', type=int, default=QUESTIONS)
    parser.add_argument('--try-fixes', action='store_true', help='measure with the proposed fixes monkeypatched in')
    args = parser.parse_args()
    benchkit.quiet_logs()
    bench_started = time.perf_counter()
    print(f'load average at start: {" ".join(f"{x:.2f}" for x in os.getloadavg())} (2 cores)')
    meta = cached_notebook(args.rebuild)
    print(
        f'notebook: {meta["sources"]} sources x {meta["words_per_source"]:,} words, {meta["chunks"]:,} chunks '
        f'({meta["embed_sample"]:,} embedded, the rest perturbed copies)'
    )
    questions = make_questions(args.questions, seed=11)
    if args.try_fixes:
        apply_proposed_fixes()
    times = FakeTimes()
    gemini, reply_cls = start_fake(times)
    results: list[Result] = []
    try:
        benchkit.use_database(f'sqlite:///{CACHE_DB}', benchkit.TMP / 'data-sqlite')
        point_at(gemini)
        results.append(asyncio.run(measure('SQLite', meta, gemini, reply_cls, times, questions)))
        if args.postgres and benchkit.postgres_available():
            with benchkit.postgres_database('aurenlm_bench_chat') as url:
                benchkit.use_database(url, benchkit.TMP / 'data-postgres')
                point_at(gemini)
                print(f'  copied the notebook into PostgreSQL in {copy_to_postgres(url, meta):.0f} s')
                results.append(asyncio.run(measure('PostgreSQL', meta, gemini, reply_cls, times, questions)))
    finally:
        gemini.stop()
    report(results)
    p95 = percentile([t.overhead_ms for t in results[0].turns], 95)
    print(f'\ngoal <= {GOAL_MS:.0f} ms p95 on SQLite: {"met" if p95 <= GOAL_MS else "NOT met"}')
    print(f'load average at end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'bench runtime {time.perf_counter() - bench_started:.1f} s')
    benchkit.cleanup()
    print(f'chat_overhead_p95_ms={p95:.1f}')


if __name__ == '__main__':
    main()
