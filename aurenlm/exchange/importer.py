"""Import a notebook's JSON export as a new notebook of the acting user: sources with their text, notes with their
versions, the conversation with its citations, and studio artifacts.

The file is validated completely (schema version, strict types, bounds, references) before anything is written.
Embeddings are computed first, then files are written and every row goes in one transaction; if anything fails,
the files are removed again and nothing is left behind. Citations and artifacts are pointed at the new passages.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger
from pydantic import ValidationError

from aurenlm import db, repos, studio
from aurenlm.accounts import quotas
from aurenlm.config import get_settings
from aurenlm.exchange.rebuild import PlannedSource, clean, plan_source, write_rows
from aurenlm.exchange.schema import SCHEMA_VERSION, ArtifactOut, Bundle, Probe, SourceOut
from aurenlm.ingest.document import count_words
from aurenlm.models import Notebook, User
from aurenlm.repos.notebooks import NotebookError, clean_title
from aurenlm.search.vectors import embed_passages
from aurenlm.sources import service as sources
from aurenlm.studio.validation import ArtifactError, clean_mindmap

MAX_IMPORT_MB = 64
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
MAX_TOTAL_VERSIONS = 20_000
MAX_TOTAL_CHUNKS = 200_000
MAX_CHUNK_CHARS = 50_000
AGAIN = 'Export the notebook again from AurenLM and import the new file.'


class NotebookImportError(ValueError):
    """Why an import was refused; nothing was created. The message is safe to show."""


@dataclass
class ImportResult:
    notebook: Notebook
    sources: int = 0
    notes: int = 0
    messages: int = 0
    artifacts: int = 0
    skipped_sources: list[str] = field(default_factory=list)  # titles of sources exported without text


# -- validation -------------------------------------------------------------------------------------------------


def _where(error: dict) -> str:
    return ' → '.join(str(part) for part in error.get('loc', ())) or 'the file'


def _invalid(e: ValidationError) -> NotebookImportError:
    first = e.errors(include_url=False)[0]
    message = str(first.get('msg', 'invalid'))
    if first.get('type') == 'json_invalid':
        return NotebookImportError(f'This file is not valid JSON ({message}). Choose a notebook export (.json).')
    return NotebookImportError(
        f'This file is not a valid AurenLM notebook export: {_where(first)}: {message[:200]}. {AGAIN}'
    )


def parse(raw: bytes | str) -> Bundle:
    """Validate an export completely; raises NotebookImportError with a reason a person can act on."""
    size = len(raw.encode('utf-8') if isinstance(raw, str) else raw)
    if size > MAX_IMPORT_BYTES:
        raise NotebookImportError(f'The file is larger than {MAX_IMPORT_MB} MB. Export a smaller notebook.')
    if not size:
        raise NotebookImportError('The file is empty. Choose a notebook export (.json).')
    try:
        probe = Probe.model_validate_json(raw)
    except ValidationError as e:
        raise _invalid(e) from None
    if probe.schema_version is None:
        raise NotebookImportError(
            'This file is not an AurenLM notebook export (it has no schema_version). Choose a notebook export (.json).'
        )
    if type(probe.schema_version) is not int or probe.schema_version != SCHEMA_VERSION:
        raise NotebookImportError(
            f'This export has schema version {json.dumps(probe.schema_version)[:20]}, and this server reads version '
            f'{SCHEMA_VERSION}. Export the notebook with this version of AurenLM.'
        )
    if probe.scope not in (None, 'notebook'):
        raise NotebookImportError(
            f'This file is an export of a single {str(probe.scope)[:20]}, not of a notebook. '
            'Export the whole notebook as JSON and import that.'
        )
    try:
        bundle = Bundle.model_validate_json(raw, strict=True)
    except ValidationError as e:
        raise _invalid(e) from None
    except RecursionError:
        raise NotebookImportError(f'This file is nested too deeply to be a notebook export. {AGAIN}') from None
    check(bundle)
    return bundle


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise NotebookImportError(f'The file lists the {what} {item[:40]!r} twice. {AGAIN}')
        seen.add(item)


def check(bundle: Bundle) -> None:
    """The rules a schema cannot say: unique ids, limits of this server, pages and passages that fit their text."""
    settings = get_settings()
    _unique([s.id for s in bundle.sources], 'source')
    _unique([n.id for n in bundle.notes], 'note')
    _unique([m.id for m in bundle.messages], 'message')
    _unique([a.id for a in bundle.artifacts], 'artifact')
    _unique([v.id for n in bundle.notes for v in n.versions], 'note version')
    with_text = [s for s in bundle.sources if s.pages]
    _unique([s.sha256 for s in with_text], 'source content')
    _unique([str(c.id) for s in with_text for c in s.chunks], 'passage')
    if len(with_text) > settings.max_sources_per_notebook:
        raise NotebookImportError(
            f'The notebook has {len(with_text)} sources; this server allows {settings.max_sources_per_notebook} per '
            'notebook. Remove some sources before exporting.'
        )
    if sum(len(n.versions) for n in bundle.notes) > MAX_TOTAL_VERSIONS:
        raise NotebookImportError(f'The notebook has more than {MAX_TOTAL_VERSIONS:,} note versions. {AGAIN}')
    if sum(len(s.chunks) for s in with_text) > MAX_TOTAL_CHUNKS:
        raise NotebookImportError(f'The notebook has more than {MAX_TOTAL_CHUNKS:,} passages. {AGAIN}')
    for source in with_text:
        _check_source(source, settings.max_words_per_source)
    for artifact in bundle.artifacts:
        _check_artifact(artifact)


def _check_source(source: SourceOut, max_words: int) -> None:
    name = f'source “{source.title[:60]}”'
    numbers = [p.page for p in source.pages]
    if numbers != list(range(1, len(numbers) + 1)):
        raise NotebookImportError(f'The pages of the {name} are not numbered 1, 2, 3… in order. {AGAIN}')
    words = sum(count_words(p.text) for p in source.pages)
    if words > max_words:
        raise NotebookImportError(f'The {name} has {words:,} words; this server allows {max_words:,} per source.')
    lengths = {p.page: len(p.text) for p in source.pages}
    ordinals = [c.ordinal for c in source.chunks]
    if source.chunks and sorted(ordinals) != list(range(len(ordinals))):
        raise NotebookImportError(f'The passages of the {name} are not numbered in order. {AGAIN}')
    for chunk in source.chunks:
        length = lengths.get(chunk.page)
        if length is None or not 0 <= chunk.char_start < chunk.char_end <= length:
            raise NotebookImportError(f'A passage of the {name} points outside its page. {AGAIN}')
        if chunk.char_end - chunk.char_start > MAX_CHUNK_CHARS:
            raise NotebookImportError(f'A passage of the {name} is implausibly long. {AGAIN}')


def _check_artifact(artifact: ArtifactOut) -> None:
    name = f'studio item “{artifact.title[:60] or artifact.kind}”'
    try:
        studio.parse_options(artifact.kind, artifact.options)
    except studio.StudioError as e:
        raise NotebookImportError(f'The options of the {name} are not valid: {e}') from None
    if artifact.status != 'done':
        return
    if artifact.data is None:
        raise NotebookImportError(f'The {name} is marked finished but has no content. {AGAIN}')
    try:
        if artifact.kind == 'mindmap':
            clean_mindmap(artifact.data)
        elif artifact.kind == 'quiz':
            studio.Quiz.model_validate(artifact.data)
        elif artifact.kind == 'flashcards':
            studio.Flashcards.model_validate(artifact.data)
        else:
            report = studio.Report.model_validate(artifact.data)
            if report.kind != artifact.kind:
                raise ValueError('its kind does not match')
    except (ValidationError, ArtifactError, ValueError) as e:
        reason = _where(e.errors()[0]) + ': ' + e.errors()[0]['msg'] if isinstance(e, ValidationError) else str(e)
        hint = ' Quizzes must include their answers.' if artifact.kind == 'quiz' else ''
        raise NotebookImportError(f'The content of the {name} is not valid ({reason[:200]}).{hint} {AGAIN}') from None


# -- writing ------------------------------------------------------------------------------------------------------


def _write_rows(user: User, bundle: Bundle, notebook: Notebook, planned: list[PlannedSource]) -> ImportResult:
    """Every row in one transaction. Blocking."""
    with db.session() as s:
        write_rows(s, user, bundle, notebook, planned)
        s.commit()
    return ImportResult(
        notebook,
        sources=len(planned),
        notes=len(bundle.notes),
        messages=len(bundle.messages),
        artifacts=len(bundle.artifacts),
    )


def _write_files(planned: list[PlannedSource]) -> list[Path]:
    written: list[Path] = []
    folder = sources.files_dir()
    try:
        for plan in planned:
            path = folder / plan.row.file_name
            path.write_bytes(plan.text.encode('utf-8'))
            written.append(path)
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def import_notebook(user: User, raw: bytes | str) -> ImportResult:
    """Create a new notebook from a JSON export. Raises NotebookImportError; on any failure nothing is created."""
    bundle = await asyncio.to_thread(parse, raw)
    try:
        title = clean_title(clean(bundle.notebook.title))
    except NotebookError as e:
        raise NotebookImportError(f'The notebook title is not valid: {e}') from None
    notebook = Notebook(owner_id=user.id, title=title)
    importable = [s for s in bundle.sources if s.pages]
    skipped = [s.title for s in bundle.sources if not s.pages]
    planned = await asyncio.to_thread(lambda: [plan_source(s, notebook.id, user) for s in importable])
    over_quota = quotas.import_problem(user, len(planned), sum(plan.row.size for plan in planned))
    if over_quota:
        raise NotebookImportError(over_quota)
    try:
        for plan in planned:
            if plan.drafts:
                plan.model, plan.blobs = await embed_passages([(d.heading, d.text) for d in plan.drafts])
    except Exception as e:  # noqa: BLE001 - the embedding service is down: nothing was written yet
        logger.opt(exception=e).warning('embedding imported sources failed')
        raise NotebookImportError(
            'Indexing the imported sources failed, so nothing was created. Try the import again in a few minutes.'
        ) from e
    written = await asyncio.to_thread(_write_files, planned)
    try:
        result = await asyncio.to_thread(_write_rows, user, bundle, notebook, planned)
    except BaseException as e:
        _remove(written)
        if isinstance(e, Exception):
            logger.opt(exception=e).warning('notebook import failed')
            raise NotebookImportError(
                'The import failed and nothing was created. Check that the file is an unmodified AurenLM export.'
            ) from e
        raise
    result.skipped_sources = skipped
    repos.notebooks.touch(notebook.id)
    logger.info(
        f'imported notebook {notebook.id} for {user.id}: {result.sources} sources, {result.notes} notes, '
        f'{result.messages} messages, {result.artifacts} artifacts'
    )
    return result


def describe(result: ImportResult) -> str:
    """One line for the notification after an import."""
    text = (
        f'Imported “{result.notebook.title}”: {result.sources} sources, {result.notes} notes, '
        f'{result.messages} messages, {result.artifacts} studio items.'
    )
    if result.skipped_sources:
        text += f' {len(result.skipped_sources)} source(s) had no text in the export and were left out.'
    return text
