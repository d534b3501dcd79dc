"""A person asks their sources in the Chat pane: answers stream in with citations, and nothing is unsafe."""

from nicegui import ui
from nicegui.testing import User

from aurenlm import repos
from components.markdown_view import CiteInfo, render
from tests.fakes.gemini_server import Reply
from tests.helpers import confirm, gemini_on, person, sign_in
from tests.sourcekit import ready_source


def html_of(user: User) -> str:
    return '\n'.join(el.content for el in user.find(ui.html).elements)


async def open_notebook(user: User, source_name: str = 'libtasn1.pdf'):
    ann = person()
    notebook = repos.notebooks.create(ann, 'Manual')
    source = await ready_source(ann, notebook.id, source_name)
    await sign_in(user)
    await user.should_see('Your notebooks')
    await user.open(f'/notebook/{notebook.id}')
    return ann, notebook, source


async def test_ask_and_get_a_cited_answer(user: User) -> None:
    ann, notebook, _ = await open_notebook(user)
    await user.should_see('36 pages')
    user.find(marker='message').type('What does asn1_create_element do?')
    user.find(marker='send').click()
    await user.should_see('What does asn1_create_element do?')
    await user.should_see(marker='answer-time', retries=100)
    page = html_of(user)
    assert 'Here is what your sources say' in page and 'class="auren-cite"' in page
    stored = repos.messages.page(ann, notebook.id)
    assert [m.role for m in stored] == ['assistant', 'user'] and stored[0].status == 'complete'


async def test_suggested_questions_come_from_the_guide(user: User) -> None:
    _, _, source = await open_notebook(user)
    questions = source.guide['questions']
    await user.should_see(questions[0])


async def test_no_selected_source_is_explained(user: User) -> None:
    await open_notebook(user)
    user.find(marker='select-all').click()
    await user.should_see('No sources selected')
    user.find(marker='message').type('Anything there?')
    user.find(marker='send').click()
    await user.should_see('Select at least one ready source')


async def test_asking_too_quickly_says_how_long_to_wait(user: User, settings_env) -> None:
    settings_env(RATE_CHAT='1/minute')
    await open_notebook(user, 'gpl-3.txt')
    user.find(marker='message').type('What is copyleft?')
    user.find(marker='send').click()
    await user.should_see(marker='answer-time', retries=100)
    user.find(marker='message').type('And the patent clause?')
    user.find(marker='send').click()
    await user.should_see('You are sending questions quickly. Please wait')


async def test_load_earlier_and_clear(user: User) -> None:
    ann, notebook, _ = await open_notebook(user, 'gpl-3.txt')
    for i in range(40):
        repos.messages.add(notebook.id, role='user', content=f'old question {i:02d}', user_id=ann.id)
    await user.open(f'/notebook/{notebook.id}')
    await user.should_see('old question 39')
    await user.should_not_see('old question 05')
    user.find(marker='load-earlier').click()
    await user.should_see('old question 05')
    user.find(marker='clear-chat').click()
    await confirm(user, 'Clear chat?')
    await user.should_see('Chat cleared')
    assert repos.messages.page(ann, notebook.id) == []


async def test_html_in_an_answer_is_shown_as_text(user: User, settings_env) -> None:
    with gemini_on(settings_env) as gemini:
        await open_notebook(user, 'gpl-3.txt')
        gemini.script(
            Reply(text='<script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) [1]')
        )
        user.find(marker='message').type('Tell me')
        user.find(marker='send').click()
        await user.should_see(marker='answer-time', retries=100)
        page = html_of(user)
        assert '&lt;script&gt;alert(1)&lt;/script&gt;' in page
        for content in page.split('\n'):
            assert '<script' not in content and '<img' not in content, content[:300]
        assert 'href="javascript:' not in page


def test_chip_attributes_are_escaped() -> None:
    cite = CiteInfo(1, 's', 'Evil "title" <b>', 2, 'quote with "quotes" & <tags>', 5)
    html = render('Claim [1]. Missing [9].', {1: cite})
    assert 'data-tip="Evil &quot;title&quot; &lt;b&gt;' in html
    assert '<b>' not in html
    assert 'auren-cite-missing">9<' in html


async def test_regenerate_keeps_versions_and_edit_asks_again(user: User) -> None:
    ann, notebook, _ = await open_notebook(user, 'gpl-3.txt')
    user.find(marker='message').type('What is copyleft?')
    user.find(marker='send').click()
    await user.should_see(marker='answer-time', retries=100)
    user.find(marker='regenerate').click()
    await user.should_see('2 / 2', retries=100)
    user.find(marker='edit-question').click()
    await user.should_see(marker='edit-question-input')
    user.find(marker='edit-question-input').clear().type('Who may distribute copies?')
    user.find(marker='edit-question-ok').click()
    await user.should_see('Who may distribute copies?')
    await user.should_see(marker='answer-time', retries=100)
    await user.should_not_see('What is copyleft?')
    current = repos.messages.page(ann, notebook.id)
    assert [m.content for m in current if m.role == 'user'] == ['Who may distribute copies?']
