"""Notes: versions on every save, coalesced autosaves, restore, delete with undo, answers and reports as notes,
notes as sources, and the versions of chat messages. Nobody reaches another person's notes."""

from datetime import timedelta

import pytest

from aurenlm import repos
from aurenlm.chat import service as chat
from aurenlm.chat import versions as chat_versions
from aurenlm.models import NotebookMember, utcnow
from aurenlm.notes import service as notes
from aurenlm.notes.diffing import counts, diff, new_text, old_text
from tests.helpers import finished_artifact, person
from tests.sourcekit import drain, ready_source


@pytest.fixture
def bob():
    return person('bob@example.com')


async def collect(events):
    return [event async for event in events]


# -- diff -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('a', 'b', 'expected'),
    [
        (
            'the quick brown fox',
            'the slow brown fox',
            [('equal', 'the '), ('delete', 'quick'), ('insert', 'slow'), ('equal', ' brown fox')],
        ),
        ('one two three', 'one three', [('equal', 'one '), ('delete', 'two '), ('equal', 'three')]),
        ('a b c d', 'a x y d', [('equal', 'a '), ('delete', 'b c'), ('insert', 'x y'), ('equal', ' d')]),
        (
            'Hello world.\nSecond line.\n',
            'Hello there world.\nSecond line.\nThird.\n',
            [('equal', 'Hello'), ('insert', ' there'), ('equal', ' world.\nSecond line.\n'), ('insert', 'Third.\n')],
        ),
        ('', 'new text', [('insert', 'new text')]),
        ('old text', '', [('delete', 'old text')]),
        ('same', 'same', [('equal', 'same')]),
        ('', '', []),
    ],
)
def test_diff_on_known_inputs(a, b, expected) -> None:
    segments = diff(a, b)
    assert segments == expected
    assert old_text(segments) == a and new_text(segments) == b


def test_diff_round_trips_and_counts_words_on_long_texts() -> None:
    a = '\n'.join(f'Line {i} says something about topic {i % 7}.' for i in range(400))
    b = a.replace('topic 3', 'subject three').replace('Line 250 says', 'Line 250 now says')
    segments = diff(a, b)
    assert old_text(segments) == a and new_text(segments) == b
    added, removed = counts(segments)
    assert added >= 100 and removed >= 50
    assert ('insert', ' now') in segments


# -- versions ---------------------------------------------------------------------------------------------------


def test_create_lists_newest_first_and_pages(ann, notebook) -> None:
    start = utcnow()
    made = [
        notes.create(ann, notebook.id, f'Note {i}', f'Body {i}', now=start + timedelta(seconds=i)) for i in range(5)
    ]
    first = notes.list_notes(ann, notebook.id, limit=2)
    assert [n.title for n in first] == ['Note 4', 'Note 3']
    second = notes.list_notes(ann, notebook.id, limit=2, before=(first[-1].updated_at, first[-1].id))
    third = notes.list_notes(ann, notebook.id, limit=2, before=(second[-1].updated_at, second[-1].id))
    seen = [n.id for n in first + second + third]
    assert sorted(seen) == sorted(n.id for n in made) and len(set(seen)) == 5
    assert len(notes.versions(ann, made[0].id)) == 1, 'creating a note makes its first version'


def test_autosaves_within_a_minute_coalesce(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Draft', '', now=t0)
    for i, seconds in enumerate((5, 20, 59)):
        notes.update(ann, note.id, body=f'text {i}', autosave=True, now=t0 + timedelta(seconds=seconds))
    versions = notes.versions(ann, note.id)
    assert len(versions) == 1, 'all autosaves within 60 s of the version fold into it'
    assert versions[0].body == 'text 2'
    notes.update(ann, note.id, body='a minute later', autosave=True, now=t0 + timedelta(seconds=61))
    versions = notes.versions(ann, note.id)
    assert [v.body for v in versions] == ['a minute later', 'text 2']
    assert versions[0].author == 'ann'
    assert notes.get(ann, note.id).body == 'a minute later'


def test_explicit_saves_always_make_a_version_unless_identical(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Draft', 'one', now=t0)
    notes.update(ann, note.id, body='two', now=t0 + timedelta(seconds=1))
    notes.update(ann, note.id, body='two', now=t0 + timedelta(seconds=2))
    notes.update(ann, note.id, title='Final', now=t0 + timedelta(seconds=3))
    assert [(v.title, v.body) for v in notes.versions(ann, note.id)] == [
        ('Final', 'two'),
        ('Draft', 'two'),
        ('Draft', 'one'),
    ]


def test_the_empty_first_version_of_a_new_note_is_filled_in_not_kept(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, now=t0)
    notes.update(ann, note.id, title='Trip', body='plan', now=t0 + timedelta(minutes=5))
    assert [(v.title, v.body) for v in notes.versions(ann, note.id)] == [('Trip', 'plan')]


def test_autosaves_by_another_editor_do_not_fold_into_my_version(ann, bob, notebook) -> None:
    from aurenlm import db

    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=bob.id, role='editor'))
        s.commit()
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Shared', 'ann wrote', now=t0)
    notes.update(bob, note.id, body='bob wrote', autosave=True, now=t0 + timedelta(seconds=5))
    assert [v.author for v in notes.versions(ann, note.id)] == ['bob', 'ann']


def test_restore_makes_a_new_version_and_loses_nothing(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Plan', 'first idea', now=t0)
    notes.update(ann, note.id, body='second idea', now=t0 + timedelta(seconds=1))
    oldest = notes.versions(ann, note.id)[-1]
    restored = notes.restore(ann, note.id, oldest.id, now=t0 + timedelta(seconds=2))
    assert restored.body == 'first idea'
    versions = notes.versions(ann, note.id)
    assert [v.body for v in versions] == ['first idea', 'second idea', 'first idea']
    assert versions[0].id != oldest.id, 'a new version, not the old one moved'


def test_versions_are_paginated(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Log', 'v0', now=t0)
    for i in range(1, 12):
        notes.update(ann, note.id, body=f'v{i}', now=t0 + timedelta(seconds=i))
    pages, before = [], None
    while True:
        chunk = notes.versions(ann, note.id, limit=5, before=before)
        if not chunk:
            break
        pages.append(chunk)
        before = (chunk[-1].created_at, chunk[-1].id)
    bodies = [v.body for page in pages for v in page]
    assert bodies == [f'v{i}' for i in range(11, -1, -1)]
    assert [len(p) for p in pages] == [5, 5, 2]


def test_delete_then_undo_brings_back_the_same_note(ann, notebook) -> None:
    t0 = utcnow()
    note = notes.create(ann, notebook.id, 'Keep', 'a', now=t0)
    notes.update(ann, note.id, body='b', now=t0 + timedelta(seconds=1))
    deleted = notes.delete(ann, note.id)
    assert notes.get(ann, note.id) is None and notes.list_notes(ann, notebook.id) == []
    back = notes.undelete(ann, deleted)
    assert back.id == note.id and back.body == 'b'
    assert [v.body for v in notes.versions(ann, note.id)] == ['b', 'a']
    assert notes.undelete(ann, deleted) is None, 'undo twice does nothing'


def test_limits_are_explained(ann, notebook) -> None:
    note = notes.create(ann, notebook.id, 'x', '')
    with pytest.raises(notes.NoteError, match='Keep the title under'):
        notes.update(ann, note.id, title='t' * 301)
    with pytest.raises(notes.NoteError, match='too long'):
        notes.update(ann, note.id, body='x' * (notes.MAX_BODY + 1))


def test_nobody_reaches_another_persons_notes(ann, bob, notebook) -> None:
    note = notes.create(ann, notebook.id, 'Private', 'secret')
    version = notes.versions(ann, note.id)[0]
    assert notes.create(bob, notebook.id, 'Intruder', 'x') is None
    assert notes.get(bob, note.id) is None
    assert notes.list_notes(bob, notebook.id) == []
    assert notes.update(bob, note.id, body='changed') is None
    assert notes.versions(bob, note.id) == []
    assert notes.version(bob, note.id, version.id) is None
    assert notes.restore(bob, note.id, version.id) is None
    assert notes.delete(bob, note.id) is None
    assert notes.get(ann, note.id).body == 'secret'


def test_a_viewer_reads_but_cannot_write(ann, bob, notebook) -> None:
    from aurenlm import db

    note = notes.create(ann, notebook.id, 'Shared', 'text')
    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=bob.id, role='viewer'))
        s.commit()
    assert notes.get(bob, note.id).body == 'text'
    with pytest.raises(notes.NoteError, match='view this notebook'):
        notes.update(bob, note.id, body='changed')
    with pytest.raises(notes.NoteError, match='view this notebook'):
        notes.delete(bob, note.id)


# -- answers, reports, sources --------------------------------------------------------------------------------------


async def test_save_an_answer_as_a_note_then_use_it_as_a_cited_source(ann, bob, notebook) -> None:
    manual = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    events = await collect(chat.ask(ann, notebook, 'What does asn1_create_element do?', source_ids=[manual.id]))
    answer = events[-1].message
    assert isinstance(events[-1], chat.Done) and events[-1].citations

    assert notes.from_answer(bob, answer.id) is None
    note = notes.from_answer(ann, answer.id)
    assert note.kind == 'answer' and note.body == answer.content
    assert note.title == 'What does asn1_create_element do?'
    markers = {c['marker'] for c in note.citations}
    assert markers == {c.marker for c in events[-1].citations}
    first = note.citations[0]
    assert first['source_id'] == manual.id and first['source_title'] == 'libtasn1' and first['quote']
    assert isinstance(first['chunk_id'], int) and first['page'] >= 1

    question = events[0].question
    with pytest.raises(notes.NoteError, match='Only answers'):
        notes.from_answer(ann, question.id)

    note = notes.update(ann, note.id, body='Pelicans migrate to Lake Zorvath every spring.\n\n' + note.body)
    source = await notes.use_as_source(ann, note.id)
    assert source.kind == 'note' and source.title == note.title
    await drain()
    ready = repos.sources.get(ann, source.id)
    assert ready.status == 'ready', ready.error
    assert notes.get(ann, note.id).source_id == source.id
    text = repos.sources.page(ann, source.id, 1).text
    assert '[1]' not in text and '(libtasn1, p.' in text, 'markers become readable references'
    with pytest.raises(notes.NoteError, match='already a source'):
        await notes.use_as_source(ann, note.id)

    events = await collect(chat.ask(ann, notebook, 'Where do pelicans migrate every spring?', source_ids=[source.id]))
    done = events[-1]
    assert isinstance(done, chat.Done) and done.citations
    assert all(c.source_id == source.id for c in done.citations)
    assert any('Zorvath' in c.quote for c in done.citations)


async def test_save_a_report_as_a_note_keeps_its_citations(ann, notebook, manual) -> None:
    chunk = repos.sources.chunks_of(manual.id)[3]
    data = {
        'kind': 'study_guide',
        'title': 'libtasn1',
        'markdown': '# Key ideas\n\nElements are created from a definitions tree [1].',
        'citations': [{'chunk_id': chunk.id, 'source_id': manual.id, 'page': chunk.page, 'quote': chunk.text[:80]}],
    }
    report = finished_artifact(
        ann, notebook.id, kind='study_guide', title='Study guide: libtasn1', data=data, source_ids=[manual.id]
    )
    note = notes.from_artifact(ann, report.id)
    assert note.kind == 'report' and note.title == 'Study guide: libtasn1'
    assert note.body.startswith('# Key ideas')
    assert note.citations == [
        {
            'marker': 1,
            'source_id': manual.id,
            'chunk_id': chunk.id,
            'page': chunk.page,
            'quote': chunk.text[:80],
            'source_title': 'libtasn1',
        }
    ]


# -- versions of chat messages ----------------------------------------------------------------------------------------


async def test_regenerated_answers_are_versions(ann, notebook) -> None:
    manual = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    first = (await collect(chat.ask(ann, notebook, 'How are DER encodings decoded?', source_ids=[manual.id])))[-1]
    second = (await collect(chat.regenerate(ann, notebook, first.message.id, source_ids=[manual.id])))[-1]
    versions = chat_versions.versions(ann, second.message.id)
    assert [v.id for v in versions] == [first.message.id, second.message.id]
    assert chat_versions.versions(ann, first.message.id) == versions


async def test_editing_a_question_keeps_the_earlier_one(ann, bob, notebook) -> None:
    manual = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    events = await collect(chat.ask(ann, notebook, 'How are DER encodings decoded?', source_ids=[manual.id]))
    question, answer = events[0].question, events[-1].message
    assert chat_versions.edit_question(bob, question.id, 'Hijack') is None
    with pytest.raises(chat_versions.EditError, match='unchanged'):
        chat_versions.edit_question(ann, question.id, 'How are DER encodings decoded?')
    edited = chat_versions.edit_question(ann, question.id, 'How is a DER encoding decoded into an element?')
    assert edited.role == 'user' and edited.superseded_by is None
    assert repos.messages.get(ann, question.id).superseded_by == edited.id
    assert repos.messages.get(ann, answer.id).superseded_by == edited.id
    current = repos.messages.page(ann, notebook.id)
    assert [m.id for m in current] == [edited.id], 'the old question and its answer are earlier versions now'
    events = await collect(chat.ask(ann, notebook, edited.content, source_ids=[manual.id], question_message=edited))
    assert isinstance(events[-1], chat.Done) and events[-1].message.reply_to_id == edited.id
    assert [m.id for m in chat_versions.versions(ann, edited.id)] == [question.id, edited.id]
    assert [m.id for m in chat_versions.versions(ann, question.id)] == [question.id, edited.id]
    with pytest.raises(chat_versions.EditError, match='already edited'):
        chat_versions.edit_question(ann, question.id, 'Another try')


def test_the_repository_scopes_every_change_by_the_acting_user(ann, bob, notebook) -> None:
    note = notes.create(ann, notebook.id, 'Plan', 'for ann only')
    assert repos.notes.set_fields(bob, note.id, title='Hijacked') is None
    assert repos.notes.save(bob, note.id, title='x', body='y', now=utcnow(), coalesce_within=None) is None
    assert repos.notes.raw_versions(bob, note.id) == []
    assert repos.notes.delete(bob, note.id) is False
    snapshot = notes.delete(ann, note.id)
    assert repos.notes.reinsert(bob, snapshot.note, snapshot.versions) is False, 'Undo is only for members'
    assert notes.undelete(ann, snapshot).title == 'Plan'
