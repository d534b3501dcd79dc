"""Small helpers that tests share: people, notebooks, signing in through the UI."""

from __future__ import annotations

from nicegui.testing import User as TestUser

from aurenlm import repos
from aurenlm.models import User

PASSWORD = 'violet-harbour-lantern'


def person(email: str = 'ann@example.com') -> User:
    return repos.users.create(email, PASSWORD)


async def sign_in(user: TestUser, email: str = 'ann@example.com', password: str = PASSWORD) -> None:
    await user.open('/login')
    user.find(marker='email').type(email)
    user.find(marker='password').type(password)
    user.find(marker='sign-in').click()
