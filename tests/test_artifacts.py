"""The studio service, offline: every kind from a real PDF, versions, edits, grading, marks, and who may see what."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from aurenlm import db, jobs, repos
from aurenlm.models import Artifact, Job, QuizAttempt
from aurenlm.studio import Flashcards, MindMap, Quiz, Report, artifacts
from aurenlm.studio.schemas import iter_nodes
from tests.helpers import person
from tests.sourcekit import drain, ready_source


@pytest.fixture
async def pdf(ann, notebook):
    return await ready_source(ann, notebook.id, 'libtasn1.pdf')


async def made(ann, notebook, kind: str, source_ids: list[str], options: dict | None = None) -> Artifact:
    artifact = artifacts.start(ann, notebook.id, kind, source_ids, options)
    assert artifact is not None and artifact.status == 'queued' and artifact.job_id
    await drain()
    done = artifacts.get(ann, artifact.id)
    assert done.status == 'done', (done.status, done.error)
    return done


@pytest.mark.parametrize('kind', ['mindmap', 'quiz', 'flashcards', 'study_guide', 'briefing', 'faq', 'timeline'])
async def test_every_kind_offline_from_the_pdf(ann, notebook, pdf, kind) -> None:
    artifact = await made(ann, notebook, kind, [pdf.id])
    assert artifact.engine == 'offline' and artifacts.is_offline(artifact)
    assert artifact.source_ids == [pdf.id] and artifact.version == 1 and artifact.parent_id is None
    assert artifact.title.startswith(artifacts.KIND_LABELS[kind])
    job = jobs.get(artifact.job_id)
    assert job.status == 'done' and job.ref_id == artifact.id and job.progress == 1.0
    chunk_ids = {c.id for c in repos.sources.chunks_of(pdf.id)}
    if kind == 'mindmap':
        mindmap = MindMap.model_validate(artifact.data)
        top = [entry['title'] for entry in pdf.outline]
        assert [node.label for node in mindmap.nodes] == top, 'first-level nodes are the PDF outline'
        ids = [node.id for node in iter_nodes(mindmap.nodes)]
        assert len(ids) == len(set(ids))
    elif kind == 'quiz':
        quiz = Quiz.model_validate(artifact.data)
        assert len(quiz.questions) == 10
        assert all(q.citation.chunk_id in chunk_ids for q in quiz.questions)
    elif kind == 'flashcards':
        cards = Flashcards.model_validate(artifact.data).cards
        assert cards and all(c.citation.chunk_id in chunk_ids for c in cards)
    else:
        report = Report.model_validate(artifact.data)
        assert report.kind == kind and '[1]' in report.markdown
        assert all(c.chunk_id in chunk_ids for c in report.citations)


async def test_the_generator_reads_every_chunk_of_every_source(ann, notebook, pdf, monkeypatch) -> None:
    second = await ready_source(ann, notebook.id, 'gpl-3.txt')
    seen = []
    real = artifacts.studio.generate

    async def spy(kind, sources, options, provider, on_progress=None):
        seen.append(sources)
        return await real(kind, sources, options, provider, on_progress)

    monkeypatch.setattr(artifacts.studio, 'generate', spy)
    await made(ann, notebook, 'briefing', [second.id, pdf.id])
    (sources,) = seen
    assert [s.source_id for s in sources] == [pdf.id, second.id], 'notebook order'
    for source, row in zip(sources, [pdf, second], strict=True):
        stored = repos.sources.chunks_of(row.id)
        assert [c.chunk_id for c in source.chunks] == [c.id for c in stored]
        assert [c.text for c in source.chunks] == [c.text for c in stored]
        assert source.sha256 == row.sha256 and source.outline == (row.outline or [])


async def test_quiz_options_and_public_data_hide_the_answers(ann, notebook, pdf) -> None:
    quiz = await made(ann, notebook, 'quiz', [pdf.id], {'count': 5, 'difficulty': 'hard'})
    assert quiz.options == {'count': 5, 'difficulty': 'hard'}
    public = artifacts.public_data(quiz)
    assert len(public['questions']) == 5
    for question in public['questions']:
        assert set(question) == {'id', 'question', 'options'} and len(question['options']) == 4
    text = repr(public)
    for question in Quiz.model_validate(quiz.data).questions:
        assert question.explanation not in text and question.citation.quote not in text
    assert 'correct' not in text and 'citation' not in text


async def test_grading_is_done_on_the_server_and_saved(ann, notebook, pdf) -> None:
    artifact = await made(ann, notebook, 'quiz', [pdf.id], {'count': 6})
    quiz = Quiz.model_validate(artifact.data)
    answers = {q.id: q.correct_index for q in quiz.questions[:4]}
    answers[quiz.questions[4].id] = (quiz.questions[4].correct_index + 1) % 4
    grade = artifacts.submit_attempt(ann, artifact.id, answers)
    assert (grade.score, grade.total) == (4, 6)
    by_id = {r.question_id: r for r in grade.results}
    assert by_id[quiz.questions[4].id].correct is False and by_id[quiz.questions[5].id].chosen is None
    assert by_id[quiz.questions[0].id].explanation == quiz.questions[0].explanation
    perfect = artifacts.submit_attempt(ann, artifact.id, {q.id: q.correct_index for q in quiz.questions})
    assert perfect.score == 6
    saved = artifacts.attempts(ann, artifact.id)
    assert [(a.score, a.total) for a in saved] == [(6, 6), (4, 6)], 'newest first'


@pytest.mark.parametrize(
    'answers, problem',
    [
        ({'not-a-question': 0}, 'not in this quiz'),
        ('FIRST', 'must map question ids'),
        ({'<first>': 7}, 'between 0 and 3'),
        ({'<first>': '1'}, 'must be an option number'),
        ({'<first>': True}, 'must be an option number'),
        ({'<first>': 0, 'extra': 1}, 'not in this quiz'),
    ],
)
async def test_tampered_submissions_are_refused(ann, notebook, pdf, answers, problem) -> None:
    artifact = await made(ann, notebook, 'quiz', [pdf.id], {'count': 5})
    first = artifact.data['questions'][0]['id']
    if isinstance(answers, dict):
        answers = {first if k == '<first>' else k: v for k, v in answers.items()}
    with pytest.raises(ValueError, match=problem):
        artifacts.submit_attempt(ann, artifact.id, answers)
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(QuizAttempt)).one() == 0, 'nothing saved'


async def test_regenerate_keeps_every_version(ann, notebook, pdf) -> None:
    first = await made(ann, notebook, 'flashcards', [pdf.id])
    second = artifacts.regenerate(ann, first.id)
    await drain()
    third = artifacts.regenerate(ann, second.id)
    await drain()
    chain = artifacts.versions(ann, third.id)
    assert [(a.id, a.version, a.status) for a in chain] == [
        (first.id, 1, 'done'),
        (second.id, 2, 'done'),
        (third.id, 3, 'done'),
    ]
    assert chain[1].parent_id == first.id and chain[2].parent_id == second.id
    other = await made(ann, notebook, 'mindmap', [pdf.id])
    groups = artifacts.lineages(ann, notebook.id)
    assert [g.latest.id for g in groups] == [other.id, third.id]
    assert [a.id for a in artifacts.list_for(ann, notebook.id)] == [other.id, third.id, second.id, first.id]

    assert artifacts.delete(ann, second.id)
    assert [a.id for a in artifacts.versions(ann, third.id)] == [first.id, third.id], 'the chain holds'
    assert artifacts.get(ann, third.id).parent_id == first.id
    assert artifacts.delete(ann, third.id, with_versions=True)
    assert [a.id for a in artifacts.list_for(ann, notebook.id)] == [other.id]


async def test_mind_map_edit_is_a_new_version_with_stable_ids(ann, notebook, pdf) -> None:
    original = await made(ann, notebook, 'mindmap', [pdf.id])
    mindmap = MindMap.model_validate(original.data)
    branch = mindmap.nodes[1]
    kept = {node.id for node in iter_nodes(mindmap.nodes)}
    branch.label = 'Structures, renamed'
    branch.color = '#dc2626'
    branch.children.append(branch.children[0].model_copy(update={'id': '', 'children': []}))  # a duplicate label
    branch.children.append(type(branch)(label='A new idea'))
    edited = artifacts.save_mindmap_edit(ann, original.id, mindmap.model_dump())
    assert edited.id != original.id and edited.parent_id == original.id and edited.version == 2
    assert edited.status == 'done' and edited.engine == original.engine
    saved = MindMap.model_validate(edited.data)
    ids = [node.id for node in iter_nodes(saved.nodes)]
    assert len(ids) == len(set(ids)), 'ids stay unique, even for a repeated label'
    assert kept <= set(ids), 'existing nodes keep their ids through a rename'
    assert saved.nodes[1].label == 'Structures, renamed' and saved.nodes[1].color == '#dc2626'
    assert saved.nodes[1].children[-1].label == 'A new idea' and saved.nodes[1].children[-1].id
    assert MindMap.model_validate(artifacts.get(ann, original.id).data) == MindMap.model_validate(original.data)

    for bad, message in [
        ({'title': 'x', 'nodes': [{'label': '   '}]}, 'needs a label'),
        ({'title': 'x', 'nodes': [{'label': 'a', 'color': 'red; background: url(x)'}]}, 'hex values'),
        ({'nodes': []}, 'not valid'),
        ({'title': 'x', 'nodes': 'many'}, 'not valid'),
    ]:
        with pytest.raises(ValueError, match=message):
            artifacts.save_mindmap_edit(ann, edited.id, bad)


async def test_flashcard_marks_are_personal(ann, notebook, pdf) -> None:
    deck = await made(ann, notebook, 'flashcards', [pdf.id])
    card = deck.data['cards'][0]['id']
    assert artifacts.mark_card(ann, deck.id, card, True) is True
    assert artifacts.marks(ann, deck.id) == {card: True}
    artifacts.mark_card(ann, deck.id, card, False)
    assert artifacts.marks(ann, deck.id) == {card: False}
    with pytest.raises(ValueError, match='not in this deck'):
        artifacts.mark_card(ann, deck.id, 'forged', True)


async def test_nobody_reaches_another_persons_artifacts(ann, notebook, pdf) -> None:
    quiz = await made(ann, notebook, 'quiz', [pdf.id], {'count': 5})
    deck = await made(ann, notebook, 'flashcards', [pdf.id])
    mindmap = await made(ann, notebook, 'mindmap', [pdf.id])
    answers = {q['id']: 0 for q in quiz.data['questions']}
    artifacts.submit_attempt(ann, quiz.id, answers)
    bob = person('bob@example.com')
    assert artifacts.get(bob, quiz.id) is None
    assert artifacts.list_for(bob, notebook.id) == [] and artifacts.lineages(bob, notebook.id) == []
    assert artifacts.versions(bob, quiz.id) == []
    assert artifacts.submit_attempt(bob, quiz.id, answers) is None
    assert artifacts.attempts(bob, quiz.id) is None
    assert artifacts.mark_card(bob, deck.id, deck.data['cards'][0]['id'], True) is None
    assert artifacts.marks(bob, deck.id) is None
    assert artifacts.save_mindmap_edit(bob, mindmap.id, mindmap.data) is None
    assert artifacts.cancel(bob, quiz.id) is None
    assert artifacts.regenerate(bob, quiz.id) is None
    assert artifacts.delete(bob, quiz.id) is False
    assert artifacts.start(bob, notebook.id, 'quiz', [pdf.id]) is None
    assert repos.artifacts.set_fields(bob, quiz.id, title='Hijacked') is None, 'the repository scopes writes too'
    repos.artifacts.delete_rows(bob, [quiz.id])
    bobs = repos.notebooks.create(bob, 'Bob')
    assert repos.artifacts.get_for_job(bobs.id, quiz.id) is None, 'a job reaches only its own notebook'
    assert repos.artifacts.set_fields_for_job(bobs.id, quiz.id, title='Hijacked') is None
    with pytest.raises(ValueError, match='not in this notebook'):
        artifacts.start(bob, bobs.id, 'quiz', [pdf.id])
    assert artifacts.get(ann, quiz.id).title != 'Hijacked' and len(artifacts.attempts(ann, quiz.id)) == 1


async def test_a_viewer_can_study_but_not_change(ann, notebook, pdf) -> None:
    quiz = await made(ann, notebook, 'quiz', [pdf.id], {'count': 5})
    cara = person('cara@example.com')
    from aurenlm.models import NotebookMember

    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=cara.id, role='viewer'))
        s.commit()
    assert artifacts.get(cara, quiz.id) is not None
    grade = artifacts.submit_attempt(cara, quiz.id, {})
    assert grade.score == 0 and grade.total == 5
    assert len(artifacts.attempts(cara, quiz.id)) == 1 and artifacts.attempts(ann, quiz.id) == []
    with pytest.raises(artifacts.ArtifactForbidden):
        artifacts.start(cara, notebook.id, 'mindmap', [pdf.id])
    with pytest.raises(artifacts.ArtifactForbidden):
        artifacts.delete(cara, quiz.id)


async def test_bad_requests_get_clear_messages(ann, notebook, pdf, settings_env) -> None:
    with pytest.raises(ValueError, match='Select at least one source'):
        artifacts.start(ann, notebook.id, 'mindmap', [])
    with pytest.raises(ValueError, match='Unknown studio output'):
        artifacts.start(ann, notebook.id, 'poem', [pdf.id])
    with pytest.raises(ValueError, match='difficulty'):
        artifacts.start(ann, notebook.id, 'quiz', [pdf.id], {'difficulty': 'brutal'})
    clamped = artifacts.start(ann, notebook.id, 'quiz', [pdf.id], {'count': 99})
    assert clamped.options['count'] == 20
    artifacts.cancel(ann, clamped.id)
    settings_env(FEATURE_STUDIO='false')
    with pytest.raises(ValueError, match='turned off'):
        artifacts.start(ann, notebook.id, 'mindmap', [pdf.id])


async def test_cancel_while_queued_and_no_source_selected_means_all(ann, notebook, pdf) -> None:
    artifact = artifacts.start(ann, notebook.id, 'study_guide')  # None: the member's selection
    assert artifact.source_ids == [pdf.id]
    cancelled = artifacts.cancel(ann, artifact.id)
    assert cancelled.status == 'cancelled' and cancelled.data is None
    assert jobs.get(artifact.job_id).status == 'cancelled'
    await drain()
    assert artifacts.get(ann, artifact.id).status == 'cancelled'
    with db.session() as s:
        assert s.exec(select(Job).where(Job.id == artifact.job_id)).one().status == 'cancelled'
