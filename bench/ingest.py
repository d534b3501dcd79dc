"""Ingest benchmark (issue 3): pages per second through the app's real ingest path, against extraction baselines.

    .venv/bin/python bench/ingest.py            # SQLite and PostgreSQL (when the server answers)
    .venv/bin/python bench/ingest.py --runs 5   # more repetitions of the app's path (the median is reported)

Inputs: a generated 500-page text PDF (weasyprint; chapters, sections, paragraphs, lists and code, page numbers in
the footer; cached as bench/out/ingest-500p.pdf) and the real PDFs in tests/data. The app's path is the one
`aurenlm.sources.service.process` runs for a PDF: `extract` (pypdfium2, in a worker thread, forking page-range
readers for long documents) -> `check_word_limit` -> `chunk_pages` -> `_store_text` (pages + chunks, FTS5 triggers or
the PostgreSQL tsvector/GIN index, one commit). Embeddings (`embed_source`) and the offline source guide are separate
stages and reported separately; so is one whole job (upload -> door checks -> claimed job -> ready). Baselines:
pdfplumber and pypdf extracting text page by page, nothing else.

The last line is `ingest_pages_per_s=<float>`: SQLite, the 500-page PDF, extract+chunk+index+commit.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import benchkit  # noqa: I001 - first: a throwaway DATA_DIR and database before the app reads its settings
from benchkit import OUT, ROOT, median, table

BOOK_PAGES = 500
BOOK = OUT / f'ingest-{BOOK_PAGES}p.pdf'
REAL = [ROOT / 'tests' / 'data' / 'libtasn1.pdf', ROOT / 'tests' / 'data' / 'shared-mime-info-spec.pdf']
ORIGINAL_APP_PAGES_PER_S = 12.0  # the original app on pdfplumber, from issue 3
GOAL_PAGES_PER_S = 500.0

CSS = """
@page { size: A4; margin: 2.2cm 2cm;
        @top-center { content: "Field Manual of Interchange Formats"; font-size: 8pt; color: #666 }
        @bottom-center { content: "Page " counter(page); font-size: 8pt } }
body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 20pt; page-break-before: always; } h2 { font-size: 14pt; } h3 { font-size: 11.5pt; }
pre { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; background: #f4f4f4; padding: 6pt; }
"""


# --- the 500-page PDF ---


def book_html(words: int, seed: int = 3) -> str:
    from textgen import TextGen

    gen = TextGen(seed, topic_words=400, topic_rate=0.03)
    parts = ['<html><head><meta charset="utf-8"><title>Field Manual of Interchange Formats</title>']
    parts.append(f'<style>{CSS}</style></head><body>')
    count = chapter = 0
    while count < words:
        chapter += 1
        parts.append(f'<h1>{chapter} {html.escape(gen.title())}</h1>')
        parts.append(f'<p>{html.escape(gen.paragraph(4))}</p>')
        for section in range(1, gen.rng.randint(4, 8) + 1):
            parts.append(f'<h2>{chapter}.{section} {html.escape(gen.title())}</h2>')
            for sub in range(1, gen.rng.randint(1, 4) + 1):
                if gen.rng.random() < 0.6:
                    parts.append(f'<h3>{chapter}.{section}.{sub} {html.escape(gen.title())}</h3>')
                for _ in range(gen.rng.randint(2, 5)):
                    paragraph = gen.paragraph()
                    count += len(paragraph.split())
                    parts.append(f'<p>{html.escape(paragraph)}</p>')
                roll = gen.rng.random()
                if roll < 0.25:
                    items = [gen.sentence(18) for _ in range(gen.rng.randint(3, 6))]
                    count += sum(len(i.split()) for i in items)
                    parts.append('<ul>' + ''.join(f'<li>{html.escape(i)}</li>' for i in items) + '</ul>')
                elif roll < 0.35:
                    parts.append(f'<pre>{html.escape(gen.code_block())}</pre>')
    parts.append('</body></html>')
    return ''.join(parts)


def build_book(pages: int = BOOK_PAGES) -> Path:
    """Render the book (about a minute the first time), keeping exactly `pages` pages; cached under bench/out."""
    if BOOK.exists():
        return BOOK
    from weasyprint import HTML

    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    words = pages * 520
    while True:
        document = HTML(string=book_html(words)).render()
        if len(document.pages) >= pages:
            break
        words = int(words * pages / len(document.pages) * 1.05)
    partial = BOOK.with_suffix('.part')
    document.copy(document.pages[:pages]).write_pdf(partial)
    partial.replace(BOOK)
    print(f'built {BOOK.relative_to(ROOT)}: {pages} pages in {time.perf_counter() - started:.1f} s')
    return BOOK


# --- baselines: extraction alone ---


def pdfplumber_extract(path: Path) -> tuple[int, int]:
    import pdfplumber

    pages = words = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words += len((page.extract_text() or '').split())
            page.close()  # drop the page's cached layout objects, as a long-running app would
            pages += 1
    return pages, words


def pypdf_extract(path: Path) -> tuple[int, int]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    words = sum(len((page.extract_text() or '').split()) for page in reader.pages)
    return len(reader.pages), words


def app_extract_only(path: Path, processes: int | None) -> tuple[int, int]:
    from aurenlm.ingest.extract import extract

    extracted = extract(path, 'pdf', processes=processes)
    return len(extracted.pages), extracted.word_count


def timed(fn, *args, runs: int = 1) -> tuple[float, tuple]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - started)
    return median(times), result


# --- the app's path ---


@dataclass
class AppRun:
    extract: float
    chunk: float
    store: float
    pages: int
    words: int
    chunks: int
    cpu: float  # user + system seconds of this process and the extraction workers it forked and reaped

    @property
    def total(self) -> float:
        return self.extract + self.chunk + self.store


@dataclass
class AppFigures:
    runs: list[AppRun] = field(default_factory=list)
    embed_compute: float = float('nan')
    embed_total: float = float('nan')
    guide: float = float('nan')
    job: float = float('nan')

    def best_median(self, attr: str) -> float:
        return median([getattr(r, attr) for r in self.runs])


def new_source(user, notebook, path: Path):
    """A source row as `_accept` leaves it (queued, file stored), with a sha256 of its own so runs never collide."""
    from aurenlm import db
    from aurenlm.models import Source

    source = Source(
        notebook_id=notebook.id,
        added_by=user.id,
        kind='pdf',
        title=path.stem,
        filename=path.name,
        mime='application/pdf',
        size=path.stat().st_size,
        sha256=uuid.uuid4().hex + uuid.uuid4().hex,
        file_name=None,
        status='queued',
        stage='queued',
    )
    with db.session() as s:
        s.add(source)
        s.commit()
    return source


async def app_ingest(source, path: Path) -> AppRun:
    """The steps of `sources.process` up to the commit of the text, each timed, run the way process runs them."""
    from aurenlm.config import get_settings
    from aurenlm.ingest import chunk_pages
    from aurenlm.ingest.checks import check_word_limit
    from aurenlm.ingest.extract import extract
    from aurenlm.sources.service import _store_text

    cpu0 = _cpu()
    t0 = time.perf_counter()
    extracted = await asyncio.to_thread(extract, path, 'pdf')
    check_word_limit(extracted.word_count, get_settings().max_words_per_source)
    t1 = time.perf_counter()
    drafts = chunk_pages(extracted.pages)
    t2 = time.perf_counter()
    await asyncio.to_thread(_store_text, source, extracted, drafts)
    t3 = time.perf_counter()
    cpu = _cpu() - cpu0
    return AppRun(t1 - t0, t2 - t1, t3 - t2, len(extracted.pages), extracted.word_count, len(drafts), cpu)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


async def app_later_stages(source, path: Path, figures: AppFigures) -> None:
    """Embeddings (computing them alone, then `embed_source`: compute + store) and the offline source guide."""
    from aurenlm import repos
    from aurenlm.ingest.extract import extract
    from aurenlm.search.vectors import embed_passages
    from aurenlm.sources import guide
    from aurenlm.sources.service import embed_source

    chunks = repos.sources.chunks_of(source.id)
    await embed_passages([(c.heading, c.text) for c in chunks[:8]])  # load wordllama outside the timing
    started = time.perf_counter()
    await embed_passages([(c.heading, c.text) for c in chunks])
    figures.embed_compute = time.perf_counter() - started
    started = time.perf_counter()
    await embed_source(source.id)
    figures.embed_total = time.perf_counter() - started
    extracted = extract(path, 'pdf')
    started = time.perf_counter()
    await guide.write_guide(source, extracted)  # a fresh sha256: never a cache hit
    figures.guide = time.perf_counter() - started


async def whole_job(user, notebook, path: Path) -> float:
    """Upload -> door checks -> job claimed and run by the job runner -> source ready, end to end."""
    from aurenlm import jobs, repos
    from aurenlm.sources import service as sources

    async def chunks():
        data = path.read_bytes()
        for i in range(0, len(data), 64 * 1024):
            yield data[i : i + 64 * 1024]

    started = time.perf_counter()
    source = await sources.add_upload(user, notebook.id, path.name, chunks())
    job = jobs.claim('bench-worker')
    await jobs.run_one(job, 'bench-worker')
    elapsed = time.perf_counter() - started
    fresh = repos.sources.get(user, source.id)
    if fresh is None or fresh.status != 'ready':
        print(f'  whole job did not finish: {fresh.status if fresh else "gone"} {fresh.error if fresh else ""}')
        return float('nan')
    sources.delete(user, source.id)
    return elapsed


def run_backend(label: str, files: list[Path], runs: int, later: bool) -> dict[Path, AppFigures]:
    from aurenlm import repos

    user, notebook = benchkit.make_user_and_notebook(title=f'Ingest on {label}')
    results: dict[Path, AppFigures] = {}
    for path in files:
        figures = AppFigures()
        repeats = runs if path == BOOK else runs + 2
        for _ in range(repeats + 1):  # the first run warms imports, the fork pool and the database; not counted
            source = new_source(user, notebook, path)
            figures.runs.append(asyncio.run(app_ingest(source, path)))
            if later and len(figures.runs) == repeats + 1:
                asyncio.run(app_later_stages(source, path, figures))
            repos.sources.delete_rows(source)
        figures.runs = figures.runs[1:]
        if later and path == BOOK:
            figures.job = asyncio.run(whole_job(user, notebook, path))
        results[path] = figures
        run = figures.runs[0]
        print(
            f'  {label:10} {path.name:28} {run.pages:4} pages {run.words:7,} words {run.chunks:5,} chunks  '
            f'e2e median {figures.best_median("total"):.3f} s'
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=3, help='timed runs of the app path per file (median)')
    parser.add_argument('--no-postgres', action='store_true')
    parser.add_argument(
        '--no-baselines', action='store_true', help='skip pdfplumber and pypdf (about 6 minutes); no ratios then'
    )
    args = parser.parse_args()
    benchkit.quiet_logs()
    bench_started = time.perf_counter()
    print(f'load average at start: {" ".join(f"{x:.2f}" for x in os.getloadavg())} ({os.cpu_count()} cores)')
    files = [build_book(), *REAL]

    print('\n## Extraction alone (one process unless noted)')
    baselines: dict[Path, dict[str, float]] = {}
    app_extract_only(REAL[0], 1)  # load pypdfium2 outside the timings
    for path in files:
        row = baselines.setdefault(path, {})
        methods = [
            ('pdfplumber', pdfplumber_extract, (path,), 1),
            ('pypdf', pypdf_extract, (path,), 1),
            ('app extract, 1 process', app_extract_only, (path, 1), 3),
            ('app extract (as ingest runs it)', app_extract_only, (path, None), 3),
        ]
        for name, fn, fn_args, runs in methods[2:] if args.no_baselines else methods:
            seconds, (pages, _words) = timed(fn, *fn_args, runs=runs)
            row[name] = pages / seconds
            row['pages'] = pages
            print(f'  {path.name:28} {name:32} {seconds:7.3f} s  {pages / seconds:8.1f} pages/s')

    print('\n## App ingest: extract + chunk + index + commit')
    backends: dict[str, dict[Path, AppFigures]] = {}
    benchkit.use_database(f'sqlite:///{benchkit.TMP / "ingest.db"}', benchkit.TMP / 'data-sqlite')
    backends['SQLite'] = run_backend('SQLite', files, args.runs, later=True)
    if not args.no_postgres and benchkit.postgres_available():
        with benchkit.postgres_database('aurenlm_bench_ingest') as url:
            benchkit.use_database(url, benchkit.TMP / 'data-postgres')
            backends['PostgreSQL'] = run_backend('PostgreSQL', files, args.runs, later=True)
    else:
        print('  PostgreSQL skipped (no server at AURENLM_BENCH_POSTGRES_URL / 127.0.0.1:5432)')

    print('\n## Pages per second, per method and file')
    headers = ['method', *(f'{p.name} ({int(baselines[p]["pages"])} p)' for p in files)]
    rows = [
        [name, *(baselines[p].get(name, float('nan')) for p in files)]
        for name in ('pdfplumber', 'pypdf', 'app extract, 1 process', 'app extract (as ingest runs it)')
    ]
    for label, results in backends.items():
        pages = {p: results[p].runs[0].pages for p in files}
        rows.append([f'app chunk ({label})', *(pages[p] / results[p].best_median('chunk') for p in files)])
        rows.append([f'app index+commit ({label})', *(pages[p] / results[p].best_median('store') for p in files)])
        rows.append(
            [
                f'**app extract+chunk+index+commit ({label})**',
                *(pages[p] / results[p].best_median('total') for p in files),
            ]
        )
    table(headers, rows)

    print('\n## Stage times, seconds (median of runs; embeddings, guide and whole job: one run)')
    rows = []
    for label, results in backends.items():
        for p in files:
            f = results[p]
            rows.append(
                [
                    label,
                    p.name,
                    f.runs[0].chunks,
                    f.best_median('extract'),
                    f.best_median('chunk'),
                    f.best_median('store'),
                    f.best_median('total'),
                    f.best_median('cpu'),
                    f.embed_total,
                    f.embed_compute,
                    f.guide,
                    f.job,
                ]
            )
    table(
        [
            'db',
            'file',
            'chunks',
            'extract',
            'chunk',
            'index+commit',
            'e2e (headline)',
            'e2e CPU s',
            'embed_source',
            'of it, compute',
            'guide',
            'whole job',
        ],
        rows,
    )

    sqlite_book = backends['SQLite'][BOOK]
    headline = sqlite_book.runs[0].pages / sqlite_book.best_median('total')
    plumber = baselines[BOOK].get('pdfplumber', float('nan'))
    pypdf_rate = baselines[BOOK].get('pypdf', float('nan'))
    print('\n## Ratios (500-page PDF)')
    if not args.no_baselines:
        print(f'  app e2e on SQLite vs pdfplumber extraction alone: {headline / plumber:6.1f}x')
        print(f'  app e2e on SQLite vs pypdf extraction alone:      {headline / pypdf_rate:6.1f}x')
        app_extract = baselines[BOOK]['app extract (as ingest runs it)']
        print(f'  app extraction alone vs pypdf:                    {app_extract / pypdf_rate:6.1f}x')
    print(f'  app e2e on SQLite vs the original app (~12 p/s):  {headline / ORIGINAL_APP_PAGES_PER_S:6.1f}x')
    if not args.no_baselines:
        # the goal is 500/12 = 42x the original pdfplumber app; pdfplumber's speed on this file puts that in scale
        print(
            f'  goal as a multiple of pdfplumber: {GOAL_PAGES_PER_S / ORIGINAL_APP_PAGES_PER_S:.0f}x; here the app '
            f'reaches {headline / plumber:.0f}x pdfplumber on the same file '
            f'({sqlite_book.runs[0].words / BOOK_PAGES:.0f} words a page)'
        )
    if 'PostgreSQL' in backends:
        pg = backends['PostgreSQL'][BOOK]
        pg_rate = pg.runs[0].pages / pg.best_median('total')
        print(f'  app e2e on PostgreSQL:                            {pg_rate:6.1f} pages/s')
    print(f'  goal >= {GOAL_PAGES_PER_S:.0f} pages/s: {"met" if headline >= GOAL_PAGES_PER_S else "NOT met"}')
    print(f'load average at end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'\nbench runtime {time.perf_counter() - bench_started:.1f} s')
    benchkit.cleanup()
    print(f'ingest_pages_per_s={headline:.1f}')


if __name__ == '__main__':
    main()
