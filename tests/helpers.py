"""Small helpers that tests share: people, notebooks, a fake Gemini, signing in through the UI."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from nicegui import background_tasks
from nicegui.testing import User as TestUser

from aurenlm import db, repos
from aurenlm.llm import reset_provider
from aurenlm.models import Artifact, User
from aurenlm.security import passwords
from tests.fakes.gemini_server import FakeGemini, start_fake_gemini

PASSWORD = 'violet-harbour-lantern'
T = TypeVar('T')


def guess_all_at_once(
    monkeypatch: Any, attempt: Callable[[str], object], refused: type[Exception], count: int
) -> tuple[list[str], list[str]]:
    """Make `count` wrong-password attempts from threads together and answer (the passwords actually checked, each
    attempt's answer: the `refused` error's message, or 'accepted'). Every check is held until all attempts have
    arrived (or a second has passed): as if argon2 were slow and the guesses were all in flight together."""
    checked: list[str] = []
    arrived = threading.Condition()
    real_verify = passwords.verify_password

    def slow_verify(stored: str | None, typed: str) -> bool:
        with arrived:
            checked.append(typed)
            arrived.notify_all()
            arrived.wait_for(lambda: len(checked) >= count, timeout=1.0)
        return real_verify(stored, typed)

    def guess(n: int) -> str:
        try:
            attempt(f'guess-number-{n}-of-them')
        except refused as e:
            return str(e)
        return 'accepted'

    monkeypatch.setattr(passwords, 'verify_password', slow_verify)
    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(guess, range(count)))
    return checked, answers


def person(email: str = 'ann@example.com') -> User:
    return repos.users.create(email, PASSWORD)


@contextmanager
def changing(model: type[T], key: Any) -> Iterator[T]:
    """A stored row to change in place (as time passing would), written back when the block ends."""
    with db.session() as s:
        row = s.get(model, key)
        assert row is not None, (model.__name__, key)
        yield row
        s.add(row)
        s.commit()


def finished_artifact(user: User, notebook_id: str, **fields: Any) -> Artifact:
    """A studio artifact (kind, title, data, source_ids) written straight to the database, as a generation leaves it."""
    artifact = Artifact(notebook_id=notebook_id, user_id=user.id, status='done', **fields)
    with db.session() as s:
        s.add(artifact)
        s.commit()
    return artifact


@contextmanager
def gemini_on(settings_env: Callable[..., None], **settings: str) -> Iterator[FakeGemini]:
    """The app answers with Gemini, played by a fake server, for the length of the block; `settings` add to its own."""
    with start_fake_gemini() as fake:
        settings_env(GEMINI_API_KEY=fake.api_key, GEMINI_BASE_URL=fake.url, **settings)
        reset_provider()
        try:
            yield fake
        finally:
            reset_provider()


async def fill_dialog(user: TestUser, text: str) -> None:
    """Type `text` into the dialog that is opening (over what it offers) and press its OK button."""
    await user.should_see(marker='dialog-input')
    user.find(marker='dialog-input').clear().type(text)
    user.find(marker='dialog-ok').click()


async def confirm(user: TestUser, question: str) -> None:
    """Answer yes to the confirmation dialog that asks `question`."""
    await user.should_see(question)
    user.find(marker='confirm-ok').click()


async def sign_in(user: TestUser, email: str = 'ann@example.com', password: str = PASSWORD) -> None:
    await user.open('/login')
    user.find(marker='email').type(email)
    user.find(marker='password').type(password)
    user.find(marker='sign-in').click()
    # the password is checked in a thread by the click's handler (a task named after it): wait for the handler, then
    # for where it navigated
    async with asyncio.timeout(10):
        while any('.attempt at ' in task.get_name() for task in background_tasks.running_tasks):
            await asyncio.sleep(0.01)
    await navigation_done()


async def navigation_done() -> None:
    """Signing in (and out) ends in an HTTP round trip, the only place a cookie can be set: wait until the browser
    has followed it, so the next step runs signed in. A refused password navigates nowhere and returns at once."""
    async with asyncio.timeout(10):
        while any(task.get_name().startswith('navigate to') for task in background_tasks.running_tasks):
            await asyncio.sleep(0.01)
