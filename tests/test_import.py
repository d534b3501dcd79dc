"""Import of a notebook JSON export: a lossless round trip, citations pointed at the new passages, and hostile or
damaged files refused with a clear message and nothing created."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from aurenlm import db, repos
from aurenlm.chat import service as chat
from aurenlm.chat import versions as chat_versions
from aurenlm.config import get_settings
from aurenlm.exchange import export, importer, rebuild
from aurenlm.exchange.schema import Bundle
from aurenlm.models import Artifact, ChatMessage, Citation, Note, Notebook, NoteVersion, Source, SourceChunk, utcnow
from aurenlm.notes import service as notes
from aurenlm.sources import service as sources
from aurenlm.studio import artifacts
from tests.sourcekit import drain, ready_source


async def collect(events):
    return [event async for event in events]


async def made(user, notebook, kind: str, source_ids: list[str]) -> Artifact:
    artifact = artifacts.start(user, notebook.id, kind, source_ids)
    await drain()
    done = artifacts.get(user, artifact.id)
    assert done.status == 'done', done.error
    return done


async def build_rich_notebook(user, notebook) -> None:
    """Every kind of thing an export carries, with versions, citations and cross references."""
    manual = await ready_source(user, notebook.id, 'libtasn1.pdf')
    readme = await ready_source(user, notebook.id, 'shared-mime-info-README.md')
    ids = [manual.id, readme.id]
    first = await collect(chat.ask(user, notebook, 'What does asn1_create_element do?', source_ids=ids))
    await collect(chat.regenerate(user, notebook, first[-1].message.id, source_ids=ids))
    second = await collect(chat.ask(user, notebook, 'How are DER encodings decoded?', source_ids=ids))
    edited = chat_versions.edit_question(user, second[0].question.id, 'How is DER decoded into elements?')
    await collect(chat.ask(user, notebook, edited.content, source_ids=ids, question_message=edited))

    t0 = utcnow() - timedelta(minutes=10)
    plan = notes.create(user, notebook.id, 'Plan', 'first', now=t0)
    notes.update(user, plan.id, body='second\n\nwith *markdown*', now=t0 + timedelta(seconds=5))
    notes.update(user, plan.id, title='Plan v2', body='third', now=t0 + timedelta(seconds=90))
    saved = notes.from_answer(user, first[-1].message.id)
    await notes.use_as_source(user, saved.id)
    await drain()

    mindmap = await made(user, notebook, 'mindmap', [manual.id])
    edited_map = dict(mindmap.data)
    edited_map['title'] = 'Edited map'
    artifacts.save_mindmap_edit(user, mindmap.id, edited_map)
    await made(user, notebook, 'quiz', [manual.id])
    await made(user, notebook, 'flashcards', [readme.id])
    report = await made(user, notebook, 'study_guide', [manual.id, readme.id])
    notes.from_artifact(user, report.id)


def normalise(bundle: Bundle) -> dict[str, Any]:
    """The bundle without ids and timestamps: references become positions, chunks become (source, ordinal)."""
    sources = {s.id: s.title for s in bundle.sources}
    chunks = {c.id: (s.title, c.ordinal) for s in bundle.sources for c in s.chunks}
    messages = [m.id for m in bundle.messages]
    artifact_ids = [a.id for a in bundle.artifacts]

    def cite(c) -> tuple:
        return (c.marker, sources.get(c.source_id), chunks.get(c.chunk_id), c.page, c.quote, c.source_title)

    def data(value: Any) -> Any:
        if isinstance(value, list):
            return [data(v) for v in value]
        if isinstance(value, dict):
            out = {k: data(v) for k, v in value.items()}
            if 'chunk_id' in value and 'source_id' in value:
                out['chunk_id'] = chunks.get(value['chunk_id'])
                out['source_id'] = sources.get(value['source_id'])
            return out
        return value

    return {
        'notebook': bundle.notebook.title,
        'sources': sorted(
            (
                s.title,
                s.kind,
                s.sha256,
                s.page_count,
                s.word_count,
                tuple(p.text for p in s.pages),
                tuple((c.ordinal, c.page, c.char_start, c.char_end, c.heading) for c in s.chunks),
                json.dumps(s.guide, sort_keys=True),
            )
            for s in bundle.sources
        ),
        'notes': sorted(
            (
                (
                    n.title,
                    n.body,
                    n.kind,
                    sources.get(n.source_id),
                    tuple(cite(c) for c in n.citations),
                    tuple((v.title, v.body) for v in n.versions),
                )
                for n in bundle.notes
            ),
            key=repr,
        ),
        'messages': [
            (
                m.role,
                m.content,
                m.status,
                m.engine,
                messages.index(m.reply_to_id) if m.reply_to_id else None,
                messages.index(m.superseded_by) if m.superseded_by else None,
                tuple(cite(c) for c in m.citations),
            )
            for m in bundle.messages
        ],
        'artifacts': [
            (
                a.kind,
                a.title,
                a.status,
                a.engine,
                json.dumps(data(a.data), sort_keys=True),
                json.dumps(a.options, sort_keys=True),
                a.version,
                artifact_ids.index(a.parent_id) if a.parent_id else None,
                tuple(sources.get(s) for s in a.source_ids),
                a.source_hash,
            )
            for a in bundle.artifacts
        ],
    }


async def test_export_import_export_is_lossless(ann, notebook) -> None:
    await build_rich_notebook(ann, notebook)
    original = await export.export_notebook(ann, notebook.id, 'json')
    result = await importer.import_notebook(ann, original.content)
    copy = result.notebook
    assert copy.id != notebook.id and copy.title == 'Manuals'
    assert (result.sources, result.notes, result.messages, result.artifacts) == (3, 3, 7, 5)
    again = await export.export_notebook(ann, copy.id, 'json')

    before = Bundle.model_validate_json(original.content)
    after = Bundle.model_validate_json(again.content)
    assert before.notebook.id != after.notebook.id
    assert not {s.id for s in before.sources} & {s.id for s in after.sources}
    assert normalise(before) == normalise(after)
    # every citation of the copy points at a passage of the copy, with the same text as before
    old_text = {c.id: p.text for s in before.sources for c in s.chunks for p in s.pages if p.page == c.page}
    new_chunks = {c.id for s in after.sources for c in s.chunks}
    cited = [c for m in after.messages for c in m.citations] + [c for n in after.notes for c in n.citations]
    assert cited and all(c.chunk_id in new_chunks for c in cited)
    assert old_text  # sanity
    # the timestamps that order things came along too
    assert [m.created_at for m in before.messages] == [m.created_at for m in after.messages]


async def test_an_imported_notebook_answers_with_citations_into_its_sources(ann, notebook) -> None:
    manual = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    original = await export.export_notebook(ann, notebook.id, 'json')
    copy = (await importer.import_notebook(ann, original.content)).notebook
    imported = repos.sources.list_for(ann, copy.id)
    assert [(s.title, s.status, s.page_count) for s in imported] == [('libtasn1', 'ready', 36)]
    assert all(c.embedding for c in repos.sources.chunks_of(imported[0].id)), 'passages are embedded'
    events = await collect(chat.ask(ann, copy, 'What does asn1_create_element do?', source_ids=[imported[0].id]))
    assert isinstance(events[-1], chat.Done) and events[-1].citations
    assert {c.source_id for c in events[-1].citations} == {imported[0].id}
    assert manual.id != imported[0].id
    path = sources.file_path(imported[0])
    assert path.exists() and 'asn1_create_element' in path.read_text()


async def test_a_source_without_passage_positions_is_chunked_again(ann, notebook) -> None:
    readme = await ready_source(ann, notebook.id, 'shared-mime-info-README.md')
    events = await collect(chat.ask(ann, notebook, 'What is shared-mime-info?', source_ids=[readme.id]))
    assert events[-1].citations
    data = json.loads((await export.export_notebook(ann, notebook.id, 'json')).content)
    data['sources'][0]['chunks'] = []
    copy = (await importer.import_notebook(ann, json.dumps(data).encode())).notebook
    source = repos.sources.list_for(ann, copy.id)[0]
    chunks = repos.sources.chunks_of(source.id)
    assert chunks and chunks[0].heading, 'headings found again in the Markdown'
    message = [m for m in repos.messages.page(ann, copy.id) if m.role == 'assistant'][0]
    cites = repos.messages.citations([message.id])[message.id]
    by_id = {c.id: c for c in chunks}
    assert cites and all(c.chunk_id in by_id and c.quote[:50] in by_id[c.chunk_id].text for c in cites)


# -- hostile and damaged files --------------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    with db.session() as s:
        counted = {
            model.__name__: s.exec(select(func.count()).select_from(model)).one()
            for model in (Notebook, Source, SourceChunk, Note, NoteVersion, ChatMessage, Citation, Artifact)
        }
    folder = get_settings().files_dir
    counted['files'] = len(list(folder.iterdir())) if folder.exists() else 0
    return counted


@pytest.fixture
async def sample(ann, notebook) -> dict[str, Any]:
    """A small valid export: a pasted-text source, a question with a cited answer, a note."""
    source = await sources.add_text(ann, notebook.id, 'Birds', '# Birds\n\nPelicans migrate to Lake Zorvath in spring.')
    await drain()
    await collect(chat.ask(ann, notebook, 'Where do pelicans migrate?', source_ids=[source.id]))
    notes.create(ann, notebook.id, 'Note', 'Body')
    return json.loads((await export.export_notebook(ann, notebook.id, 'json')).content)


def hostile(sample: dict[str, Any], change) -> bytes:
    data = json.loads(json.dumps(sample))
    result = change(data)
    return result if isinstance(result, bytes) else json.dumps(data).encode()


def _set(path: list, value) -> Any:
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


CASES = [
    ('invalid json', lambda d: b'{"schema_version": 1, "notebook": ', 'not valid JSON'),
    ('not utf-8', lambda d: b'\xff\xfe{}', 'not valid JSON'),
    ('empty', lambda d: b'', 'empty'),
    ('a list', lambda d: b'[1, 2, 3]', 'not a valid AurenLM notebook export'),
    ('no schema version', lambda d: d.pop('schema_version'), 'no schema_version'),
    ('future schema version', _set(['schema_version'], 2), 'schema version 2'),
    ('schema version as text', _set(['schema_version'], '1'), 'schema version "1"'),
    ('a single note', _set(['scope'], 'note'), 'single note'),
    ('huge title', _set(['notes', 0, 'title'], 'x' * 100_000), r'notes → 0 → title: String should have at most 300'),
    ('huge body', _set(['notes', 0, 'body'], 'x' * 600_000), r'notes → 0 → body'),
    ('number as text', _set(['sources', 0, 'page_count'], '3'), r'sources → 0 → page_count'),
    ('bad role', _set(['messages', 0, 'role'], 'system'), r'messages → 0 → role'),
    ('unknown field', _set(['notes', 0, 'evil'], True), r'notes → 0 → evil'),
    ('too many notes', lambda d: d['notes'].extend([d['notes'][0]] * 5_001), r'notes: List should have at most'),
    ('duplicate ids', lambda d: d['notes'].append(dict(d['notes'][0])), 'twice'),
    ('bad sha', _set(['sources', 0, 'sha256'], '../../etc/passwd'), r'sources → 0 → sha256'),
    ('chunk outside its page', _set(['sources', 0, 'chunks', 0, 'char_end'], 1_999_999), 'outside its page'),
    ('pages out of order', _set(['sources', 0, 'pages', 0, 'page'], 7), 'numbered 1, 2, 3'),
    ('empty title', _set(['notebook', 'title'], ''), r'notebook → title'),
    (
        'deep nesting',
        lambda d: ('{"schema_version": 1, "x": ' + '[' * 100_000 + ']' * 100_000 + '}').encode(),
        'recursion',
    ),
    (
        'quiz without answers',
        lambda d: d['artifacts'].append(
            {
                'id': 'q1',
                'kind': 'quiz',
                'title': 'Quiz',
                'status': 'done',
                'created_at': d['exported_at'],
                'data': {'questions': [{'id': 'a', 'question': 'Q?', 'options': ['1', '2', '3', '4']}]},
            }
        ),
        'Quizzes must include their answers',
    ),
    (
        'mind map with a script colour',
        lambda d: d['artifacts'].append(
            {
                'id': 'm1',
                'kind': 'mindmap',
                'title': 'Map',
                'status': 'done',
                'created_at': d['exported_at'],
                'data': {'title': 'Map', 'nodes': [{'label': 'x', 'color': 'red;background:url(http://x)'}]},
            }
        ),
        'Colours must be hex',
    ),
]


@pytest.mark.parametrize(('case', 'change', 'message'), CASES, ids=[c[0] for c in CASES])
async def test_hostile_or_damaged_imports_are_refused_and_create_nothing(ann, sample, case, change, message) -> None:
    before = counts()
    listed = repos.notebooks.list_for(ann)
    with pytest.raises(importer.NotebookImportError) as refused:
        await importer.import_notebook(ann, hostile(sample, change))
    assert refused.value.args[0]
    assert re.search(message, str(refused.value)), str(refused.value)
    assert counts() == before
    assert [n.id for n in repos.notebooks.list_for(ann)] == [n.id for n in listed]


async def test_an_oversized_file_is_refused_before_it_is_read(ann, sample, monkeypatch) -> None:
    monkeypatch.setattr(importer, 'MAX_IMPORT_BYTES', 1000)
    with pytest.raises(importer.NotebookImportError, match='larger than'):
        await importer.import_notebook(ann, json.dumps(sample).encode())


async def test_too_many_sources_for_this_server(ann, sample, settings_env) -> None:
    settings_env(MAX_SOURCES_PER_NOTEBOOK='0')
    with pytest.raises(importer.NotebookImportError, match='allows 0 per notebook'):
        await importer.import_notebook(ann, json.dumps(sample).encode())


async def test_a_failure_half_way_rolls_everything_back(ann, sample, monkeypatch) -> None:
    before = counts()

    def explode(self, cite):
        raise RuntimeError('disk on fire')

    monkeypatch.setattr(rebuild.IdMap, 'cite', explode)
    with pytest.raises(importer.NotebookImportError, match='nothing was created'):
        await importer.import_notebook(ann, json.dumps(sample).encode())
    assert counts() == before, 'no rows and no files are left behind'


async def test_nul_characters_do_not_break_the_database(ann, sample) -> None:
    data = json.loads(json.dumps(sample))
    data['notes'][0]['body'] = 'before\u0000after'
    copy = (await importer.import_notebook(ann, json.dumps(data).encode())).notebook
    imported = notes.list_notes(ann, copy.id)
    assert [n.body for n in imported] == ['beforeafter']
