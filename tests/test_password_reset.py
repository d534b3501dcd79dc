"""A person who forgot their password gets a link by mail, from a real SMTP server on loopback, and chooses a new one.

The link is single-use, lives 30 minutes and is stored only as a hash; asking answers the same whether or not the
address has an account (even when the mail server is down); requests are limited per address and per client; and
setting the new password signs the account out everywhere.
"""

import asyncio
import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from nicegui.testing import User
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.accounts import reset
from aurenlm.models import AuditEvent, PasswordReset
from aurenlm.security import sessions
from aurenlm.security import tokens as security_tokens
from tests.fakes.mailbox import Mailbox, free_port, running_mailbox
from tests.helpers import PASSWORD, changing, person, sign_in

NEW_PASSWORD = 'copper-meadow-sextant'
SENT = 'Check your inbox'


@pytest.fixture
def mailbox(settings_env) -> Iterator[Mailbox]:
    """The app sends its mail to a real SMTP server on a free loopback port, which keeps what it receives."""
    with running_mailbox() as box:
        settings_env(**box.settings)
        yield box


def reset_rows() -> list[PasswordReset]:
    with db.session() as s:
        return list(s.exec(select(PasswordReset)))


def events(action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def token_of(mail) -> str:
    return parse_qs(urlsplit(mail.links[0]).query)['token'][0]


async def ask_for_link(user: User, email: str) -> None:
    await user.open('/forgot')
    user.find(marker='email').type(email)
    user.find(marker='send-reset').click()


async def test_a_forgotten_password_is_reset_through_the_link_in_the_mail(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await user.open('/login')
    user.find(marker='forgot-password').click()
    await user.should_see('Reset your password')
    user.find(marker='email').type('Ann@Example.com')
    user.find(marker='send-reset').click()
    await user.should_see(SENT, retries=100)

    mail = mailbox.wait_for('ann@example.com')
    assert mail.subject == 'Reset your AurenLM password'
    assert mail.links[0].startswith('http://127.0.0.1:8080/reset?token='), 'links point at this server, not a Host'
    assert '30 minutes' in mail.body

    await user.open(mail.reset_path())
    await user.should_see('For ann@example.com')
    user.find(marker='password').type(NEW_PASSWORD)
    user.find(marker='confirm').type(NEW_PASSWORD)
    user.find(marker='set-password').click()
    await user.should_see(marker='reset-done', retries=100)  # argon2 runs in a thread

    await sign_in(user, password=PASSWORD)
    await user.should_see('Email or password is not right')
    await sign_in(user, password=NEW_PASSWORD)
    await user.should_see('Your notebooks')


async def test_an_address_without_an_account_gets_the_same_answer_and_a_notice(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await ask_for_link(user, 'ann@example.com')
    await user.should_see(SENT, retries=100)
    await ask_for_link(user, 'nobody@example.com')
    await user.should_see(SENT, retries=100)

    notice = mailbox.wait_for('nobody@example.com')
    assert 'has no account here' in notice.body
    assert not any('/reset?' in link for link in notice.links), 'no reset link for an address without an account'
    assert len(reset_rows()) == 1, "only Ann's request made a link"


async def test_the_mail_server_being_down_says_so_and_reveals_nothing(user: User, settings_env) -> None:
    settings_env(SMTP_HOST='127.0.0.1', SMTP_PORT=str(free_port()), SMTP_SECURITY='none')  # nobody listens there
    ann = person('ann@example.com')
    for address in ('ann@example.com', 'nobody@example.com'):
        await ask_for_link(user, address)
        await user.should_see('The email could not be sent', retries=100)
        await user.should_not_see(SENT)
    assert reset_rows() == [], 'nothing is left behind: no link that nobody received'
    assert repos.users.authenticate('ann@example.com', PASSWORD).id == ann.id, 'the password is unchanged'
    assert len(events('password_reset_mail_failed')) == 2


async def test_a_mail_server_that_refuses_the_recipient_is_a_failure_too(mailbox: Mailbox) -> None:
    person('ann@example.com')
    mailbox.refuse = True
    known, unknown = await reset.ask('ann@example.com', ip='10.0.0.1'), await reset.ask('x@example.com', ip='10.0.0.1')
    assert known.outcome == unknown.outcome == reset.Asked.mail_failed
    assert known.message == unknown.message
    assert reset_rows() == []


async def test_the_link_works_once(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    path = mailbox.wait_for('ann@example.com').reset_path()
    await user.open(path)
    user.find(marker='password').type(NEW_PASSWORD)
    user.find(marker='confirm').type(NEW_PASSWORD)
    user.find(marker='set-password').click()
    await user.should_see(marker='reset-done', retries=100)  # argon2 runs in a thread

    await user.open(path)
    await user.should_see('expired or was already used')
    await user.should_not_see(marker='set-password')


async def test_the_link_expires_after_30_minutes(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    mail = mailbox.wait_for('ann@example.com')
    (row,) = reset_rows()
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)
    with changing(PasswordReset, row.id) as stored:
        stored.expires_at = stored.created_at + timedelta(minutes=30) - timedelta(hours=1)  # half an hour has passed
    await user.open(mail.reset_path())
    await user.should_see('expired or was already used')
    with pytest.raises(reset.ResetError, match='expired'):
        reset.choose_password(token_of(mail), NEW_PASSWORD)


async def test_only_the_hash_of_the_link_is_stored(mailbox: Mailbox) -> None:
    ann = person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    token = token_of(mailbox.wait_for('ann@example.com'))
    (row,) = reset_rows()
    assert row.id == hashlib.sha256(token.encode()).hexdigest()
    assert row.user_id == ann.id
    assert token not in row.id


async def test_a_reset_signs_out_every_session_and_is_audited(mailbox: Mailbox) -> None:
    ann = person('ann@example.com')
    laptop, phone = sessions.create(ann, user_agent='laptop'), sessions.create(ann, user_agent='phone')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    reset.choose_password(token_of(mailbox.wait_for('ann@example.com')), NEW_PASSWORD, ip='10.0.0.2')
    assert sessions.resolve(laptop.token) is None
    assert sessions.resolve(phone.token) is None
    (requested,) = events('password_reset_requested')
    assert (requested.target_id, requested.ip) == (ann.id, '10.0.0.1')
    (done,) = events('password_reset')
    assert (done.user_id, done.ip) == (ann.id, '10.0.0.2')
    assert [e.action for e in repos.audit.for_user(ann)][:2] == ['password_reset', 'password_reset_requested']


async def test_a_reset_revokes_every_api_token_so_a_hijackers_token_dies_with_the_recovery(mailbox: Mailbox) -> None:
    ann = person('ann@example.com')
    planted = security_tokens.issue(ann, 'hijacker script', can_write=True)  # made while someone else held her session
    her_own = security_tokens.issue(ann, 'backup job')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    reset.choose_password(token_of(mailbox.wait_for('ann@example.com')), NEW_PASSWORD, ip='10.0.0.2')
    for made in (planted, her_own):
        with pytest.raises(security_tokens.TokenRejected) as refused:
            security_tokens.authenticate(made.token)
        assert refused.value.code == 'token_revoked'
    (done,) = events('password_reset')
    assert (done.user_id, done.ip) == (ann.id, '10.0.0.2')
    assert done.detail['tokens_revoked'] == 2, 'the activity log says how many tokens the reset revoked'


async def test_the_done_message_says_api_tokens_were_revoked(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    await user.open(mailbox.wait_for('ann@example.com').reset_path())
    user.find(marker='password').type(NEW_PASSWORD)
    user.find(marker='confirm').type(NEW_PASSWORD)
    user.find(marker='set-password').click()
    await user.should_see(marker='reset-done', retries=100)
    await user.should_see('API tokens')


async def test_a_refused_password_keeps_the_link(user: User, mailbox: Mailbox) -> None:
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    await user.open(mailbox.wait_for('ann@example.com').reset_path())
    user.find(marker='password').type('password123')
    user.find(marker='confirm').type('password123')
    user.find(marker='set-password').click()
    await user.should_see('too common', retries=100)
    user.find(marker='password').clear().type(NEW_PASSWORD)
    user.find(marker='confirm').clear().type(NEW_PASSWORD)
    user.find(marker='set-password').click()
    await user.should_see(marker='reset-done', retries=100)  # argon2 runs in a thread


async def test_two_submissions_racing_with_one_link_cannot_both_win(mailbox: Mailbox) -> None:
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    token = token_of(mailbox.wait_for('ann@example.com'))

    def attempt(password: str) -> str:
        try:
            reset.choose_password(token, password)
        except reset.ResetError:
            return 'refused'
        return password

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, [NEW_PASSWORD, 'another-quiet-harbour']))
    assert outcomes.count('refused') == 1
    winner = next(o for o in outcomes if o != 'refused')
    assert repos.users.authenticate('ann@example.com', winner) is not None


async def test_requests_are_limited_per_address_whether_or_not_it_has_an_account(settings_env, mailbox) -> None:
    settings_env(RATE_RESET='2/hour', **mailbox.settings)
    person('ann@example.com')
    for address in ('ann@example.com', 'nobody@example.com'):
        outcomes = [(await reset.ask(address, ip=f'10.0.0.{n}')).outcome for n in range(3)]
        assert outcomes == [reset.Asked.sent, reset.Asked.sent, reset.Asked.rate_limited], address
    assert len(mailbox.to('ann@example.com')) == 2


async def test_requests_are_limited_per_client_address(user: User, settings_env, mailbox) -> None:
    settings_env(RATE_RESET_IP='2/hour', **mailbox.settings)
    for n in range(2):
        assert (await reset.ask(f'person{n}@example.com', ip='10.0.0.9')).outcome == reset.Asked.sent
    limited = await reset.ask('person3@example.com', ip='10.0.0.9')
    assert limited.outcome == reset.Asked.rate_limited
    assert 'Too many reset requests' in limited.message
    assert mailbox.to('person3@example.com') == []
    assert (await reset.ask('person3@example.com', ip='10.0.0.10')).outcome == reset.Asked.sent


async def test_an_address_crafted_to_add_recipients_is_refused(mailbox: Mailbox) -> None:
    person('ann@example.com')
    for crafted in ('ann@example.com\r\nBcc: eve@example.com', 'ann@example.com, eve@example.com', '<eve@example.com>'):
        assert (await reset.ask(crafted, ip='10.0.0.1')).outcome == reset.Asked.invalid_email
    await asyncio.sleep(0.2)
    assert mailbox.messages == []


async def test_without_a_mail_server_the_page_says_to_ask_an_administrator(user: User) -> None:
    person('ann@example.com')
    await user.open('/forgot')
    await user.should_see('Ask your administrator')
    await user.should_not_see(marker='send-reset')


async def test_outside_development_links_need_a_public_url(settings_env, mailbox: Mailbox) -> None:
    settings_env(ENVIRONMENT='production', SECRET_KEY='Zq8v-' + 'kT3xW9pLm2RbN7cYhF4jD6sGqA1eU5oV' * 2)
    assert not reset.available(), 'without PUBLIC_URL a link would have nowhere to point'
    settings_env(PUBLIC_URL='https://notebooks.example.org/')
    person('ann@example.com')
    await reset.ask('ann@example.com', ip='10.0.0.1')
    assert mailbox.wait_for('ann@example.com').links[0].startswith('https://notebooks.example.org/reset?token=')
