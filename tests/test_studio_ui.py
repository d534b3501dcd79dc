"""The Studio pane as a person uses it: make a mind map and edit it, take a quiz, flip flashcards, read a report.

The quiz leak test looks at what the browser would receive (every element's props and text, every message sent
down the socket) rather than at the code.
"""

from __future__ import annotations

import asyncio
import json

from nicegui import ui
from nicegui.testing import User

from aurenlm import repos
from aurenlm.models import Artifact
from aurenlm.studio import MindMap, Quiz, artifacts
from tests.helpers import confirm, fill_dialog, person, sign_in
from tests.sourcekit import upload


async def wait_for(check, timeout: float = 30.0):
    """Poll `check()` until it returns something truthy (the app's own worker runs the jobs)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError('timed out waiting')
        await asyncio.sleep(0.1)


async def notebook_with_pdf(user: User):
    ann = person()
    notebook = repos.notebooks.create(ann, 'Manuals')
    source = await upload(ann, notebook.id, 'libtasn1.pdf')
    await wait_for(lambda: repos.sources.get(ann, source.id).status == 'ready')
    await sign_in(user)
    await user.should_see('Your notebooks')
    await user.open(f'/notebook/{notebook.id}')
    await user.should_see('Uses the 1 selected source.')
    return ann, notebook


def latest(ann, notebook, kind: str) -> Artifact | None:
    return next((a for a in artifacts.list_for(ann, notebook.id) if a.kind == kind), None)


async def generated(user: User, ann, notebook, kind: str) -> Artifact:
    artifact = await wait_for(lambda: latest(ann, notebook, kind))
    done = await wait_for(lambda: (a := artifacts.get(ann, artifact.id)) and a.status == 'done' and a)
    await user.should_see(marker='artifact-open', retries=30)
    return done


def the(user: User, marker: str):
    elements = user.find(marker=marker).elements
    assert len(elements) == 1, (marker, len(elements))
    return next(iter(elements))


def chart_labels(chart: ui.echart) -> list[str]:
    root = chart.options['series'][0]['data'][0]
    return [root['name'], *[child['name'] for child in root.get('children', [])]]


async def test_make_a_mind_map_and_edit_it(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='studio-mindmap').click()
    artifact = await generated(user, ann, notebook, 'mindmap')
    await user.should_see('Offline — built from your sources')
    user.find(marker='artifact-open').click()
    await user.should_see(marker='mindmap-chart')
    chart = the(user, 'mindmap-chart')
    mindmap = MindMap.model_validate(artifact.data)
    assert chart_labels(chart) == [mindmap.title, *[n.label for n in mindmap.nodes]]

    branch = mindmap.nodes[1]
    chart_element = user.find(marker='mindmap-chart')
    chart_element.trigger('componentClick', branch.children[0].id)
    await user.should_see(marker='node-menu')
    await user.should_see(branch.children[0].label)

    user.find(marker='node-rename').click()
    await fill_dialog(user, 'Renamed in a test')
    await user.should_see('saved as version 2')
    edited = latest(ann, notebook, 'mindmap')
    assert edited.version == 2 and edited.parent_id == artifact.id
    saved = MindMap.model_validate(edited.data)
    assert saved.nodes[1].children[0].label == 'Renamed in a test'
    assert saved.nodes[1].children[0].id == branch.children[0].id, 'a rename keeps the node id'
    root = chart.options['series'][0]['data'][0]
    assert root['children'][1]['children'][0]['name'] == 'Renamed in a test'

    user.find(marker='node-colour-red').click()
    await user.should_see('saved as version 3')
    assert MindMap.model_validate(latest(ann, notebook, 'mindmap').data).nodes[1].children[0].color == '#dc2626'

    user.find(marker='node-add').click()
    await fill_dialog(user, 'A brand new child')
    await user.should_see('saved as version 4')
    newest = MindMap.model_validate(latest(ann, notebook, 'mindmap').data)
    child = newest.nodes[1].children[0].children[-1]
    assert child.label == 'A brand new child' and child.id

    chart_element.trigger('chart:dblclick', branch.id)  # fold the branch
    assert root_item(chart)['children'][1]['collapsed'] is True
    user.find(marker='mindmap-expand-all').click()
    assert root_item(chart)['children'][1]['collapsed'] is False

    chart_element.trigger('chart:treeroam', 1.25)
    await user.should_see('125%')
    user.find(marker='mindmap-fit').click()
    await user.should_see('100%')

    user.find(marker='mindmap-export').click()
    user.find(marker='export-markdown').click()
    outline = await user.download.next()
    assert outline.text.startswith(f'# {newest.title}\n') and '  - Renamed in a test' in outline.text
    user.find(marker='export-json').click()
    exported = json.loads((await user.download.next()).text)
    assert MindMap.model_validate(exported) == newest

    chart_element.trigger('componentClick', branch.id)
    await user.should_see(marker='node-ask')
    user.find(marker='node-ask').click()
    question = f'What do the sources say about {branch.label}, in the context of {mindmap.title}?'
    await user.should_see(question)  # in the chat, which sends it


def root_item(chart: ui.echart) -> dict:
    return chart.options['series'][0]['data'][0]


async def test_take_a_quiz_then_retake_it(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='studio-quiz').click()
    await user.should_see(marker='quiz-options')
    the(user, 'quiz-count').value = 5
    the(user, 'quiz-difficulty').value = 'easy'
    user.find(marker='quiz-create').click()
    artifact = await generated(user, ann, notebook, 'quiz')
    assert artifact.options == {'count': 5, 'difficulty': 'easy'}
    quiz = Quiz.model_validate(artifact.data)

    user.find(marker='artifact-open').click()
    await user.should_see(marker='quiz-view')
    await user.should_see('5 questions · Easy')
    correct = {tuple(q.options): q.correct_index for q in quiz.questions}
    radios = list(user.find(marker='quiz-choice').elements)
    assert len(radios) == 5
    for n, radio in enumerate(radios):
        right = correct[tuple(radio.options.values())]
        radio.value = right if n < 3 else (right + 1) % 4
    user.find(marker='quiz-submit').click()
    await user.should_see('Score: 3 / 5 (60%)')
    await user.should_see(quiz.questions[0].explanation)
    await user.should_see(marker='citation-chip')
    await user.should_see('3 / 5 · just now')
    attempt = artifacts.attempts(ann, artifact.id)[0]
    assert (attempt.score, attempt.total) == (3, 5)

    user.find(marker='quiz-retake').click()
    await user.should_not_see(quiz.questions[0].explanation)
    user.find(marker='quiz-submit').click()
    await confirm(user, 'Submit with unanswered questions?')
    await user.should_see('Score: 0 / 5 (0%)')
    assert len(artifacts.attempts(ann, artifact.id)) == 2


def client_state(user: User) -> str:
    """Everything the browser holds about the page's elements: tags, props (options, labels), text, classes."""
    assert user.client is not None
    # not ASCII-escaped: a text with a curly apostrophe must be found as it is written
    elements = [element._to_dict() for element in user.client.elements.values()]
    return json.dumps(elements, default=str, ensure_ascii=False)


async def test_the_quiz_answers_never_reach_the_browser_before_grading(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    sent: list[tuple[str, object]] = []
    original = user.client.outbox._emit

    async def recording_emit(message) -> None:
        sent.append((message[1], message[2]))
        await original(message)

    user.client.outbox._emit = recording_emit
    user.find(marker='studio-quiz').click()
    await user.should_see(marker='quiz-options')
    user.find(marker='quiz-create').click()
    artifact = await generated(user, ann, notebook, 'quiz')
    quiz = Quiz.model_validate(artifact.data)
    user.find(marker='artifact-open').click()
    await user.should_see(marker='quiz-view')
    await asyncio.sleep(0.3)  # let the outbox flush what the dialog sent

    seen = client_state(user) + json.dumps(sent, default=str, ensure_ascii=False)
    assert any(q.question in seen for q in quiz.questions), 'the detector sees the quiz itself'
    for question in quiz.questions:
        assert question.explanation not in seen, question.explanation
        assert json.dumps(question.citation.quote, ensure_ascii=False)[1:-1] not in seen
        assert question.citation.quote not in seen
    assert 'correct_index' not in seen and 'explanation' not in seen
    # an option's text lives in its question's radio, in the generated order, and in no other element's text or prop
    options = {option for q in quiz.questions for option in q.options}
    radios = {tuple(r.options.values()): r for r in user.find(marker='quiz-choice').elements}
    assert set(radios) == {tuple(q.options) for q in quiz.questions}
    for radio in radios.values():
        assert radio.value is None and {o['value'] for o in radio.props['options']} == {0, 1, 2, 3}
    for element in the(user, 'quiz-view').descendants():
        if isinstance(element, ui.radio):
            continue
        values = [element.props.get(name) for name in element.props] + [getattr(element, 'text', None)]
        assert not options & {v for v in values if isinstance(v, str)}, element

    for radio in user.find(marker='quiz-choice').elements:
        radio.value = 0
    user.find(marker='quiz-submit').click()
    await user.should_see(marker='quiz-score')
    await user.should_see(quiz.questions[0].explanation)
    await asyncio.sleep(0.3)
    after = client_state(user) + json.dumps(sent, default=str, ensure_ascii=False)
    assert quiz.questions[0].explanation in after, 'after grading the explanation is sent, so the check above is real'


async def test_flashcards_flip_move_and_remember(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='studio-flashcards').click()
    artifact = await generated(user, ann, notebook, 'flashcards')
    cards = artifact.data['cards']
    user.find(marker='artifact-open').click()
    await user.should_see(marker='flashcard')
    await user.should_see(f'Card 1 of {len(cards)}')
    await user.should_see(cards[0]['front'])
    view = user.find(marker='flashcards-view')
    view.trigger('keydown', ' ')
    await user.should_see(cards[0]['back'])
    await user.should_see(marker='citation-chip')
    view.trigger('keydown', 'ArrowRight')
    await user.should_see('Card 2 of')
    await user.should_see(cards[1]['front'])
    view.trigger('keydown', 'ArrowLeft')
    await user.should_see(cards[0]['front'])
    user.find(marker='card-known').click()
    await user.should_see('1 known')
    user.find(marker='card-learning').click()
    await user.should_see('1 still learning')
    assert artifacts.marks(ann, artifact.id) == {cards[0]['id']: True, cards[1]['id']: False}
    user.find(marker='flashcard').click()
    await user.should_see('Answer')


async def test_a_report_with_citation_chips(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='studio-study_guide').click()
    artifact = await generated(user, ann, notebook, 'study_guide')
    user.find(marker='artifact-open').click()
    await user.should_see(marker='report-view')
    await user.should_see('Cited passages')
    html = ' '.join(e.content for e in user.find(ui.html).elements)
    assert 'class="auren-cite"' in html and 'data-marker="1"' in html
    user.find(marker='report-download').click()
    download = await user.download.next()
    assert download.text.startswith(artifact.data['markdown'].rstrip()[:40]) and '## Sources' in download.text
    user.find(marker='report-save-note').click()
    await user.should_see('Saved as note')
    saved = repos.notes.all_for(ann, notebook.id)
    assert [(n.kind, n.title) for n in saved] == [('report', artifact.title)] and saved[0].citations


async def test_regenerate_and_delete_from_the_card(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='studio-faq').click()
    first = await generated(user, ann, notebook, 'faq')
    user.find(marker='artifact-regenerate').click()
    await wait_for(lambda: len(artifacts.versions(ann, first.id)) == 2)
    second = artifacts.versions(ann, first.id)[-1]
    await wait_for(lambda: artifacts.get(ann, second.id).status == 'done')
    await user.should_see('version 2')
    await user.should_see('Open version 1')
    user.find(marker='artifact-delete').click()
    await confirm(user, 'and its 1 earlier version will be deleted')
    await user.should_see('Nothing generated yet')
    assert artifacts.list_for(ann, notebook.id) == []


async def test_nothing_selected_says_what_to_do(user: User) -> None:
    ann, notebook = await notebook_with_pdf(user)
    user.find(marker='select-all').click()  # untick every source
    await user.should_see('Select at least one ready source on the left')
    user.find(marker='studio-mindmap').click()
    await user.should_see('Select at least one source that has finished processing.')
    assert artifacts.list_for(ann, notebook.id) == []
