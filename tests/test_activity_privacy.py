"""A person's activity log and data export show where their own actions came from, and where an unknown guesser came
from, but never the address of a teammate who shared with them or of an admin who acted on them."""

import io
import json
import zipfile

from nicegui.testing import User

from aurenlm import repos
from aurenlm.accounts import activity, admin
from aurenlm.models import User as Account
from aurenlm.repos import audit
from aurenlm.sharing import access
from aurenlm.sharing import service as sharing
from tests.helpers import person, sign_in

ANNS_ADDRESS = '203.0.113.5'
ADMINS_ADDRESS = '198.51.100.2'
GUESSERS_ADDRESS = '192.0.2.66'
BENS_ADDRESS = '192.0.2.10'


def bens_log(ben: Account) -> list[activity.Entry]:
    events = audit.for_user(ben)
    return activity.entries(events, ben.id, ben.email, audit.emails_of(events), audit.notebook_titles(events))


def a_shared_notebook_an_admin_action_a_guess_and_bens_own_sign_in(ann: Account) -> Account:
    ben = person('ben@example.com')
    boss = repos.users.create('boss@example.com', 'violet-harbour-lantern', is_admin=True)
    notebook = repos.notebooks.create(ann, 'Field notes')
    token = access.client_ip.set(ANNS_ADDRESS)
    try:
        sharing.invite(ann, notebook.id, ben.email, 'viewer')
    finally:
        access.client_ip.reset(token)
    admin.set_quotas(boss, ben.id, max_sources=20, max_storage_bytes=None, ip=ADMINS_ADDRESS)
    audit.signin_failed(ben.email, ip=GUESSERS_ADDRESS)
    audit.record(ben.id, 'login', ip=BENS_ADDRESS)
    return ben


def test_bens_log_hides_the_addresses_of_the_people_who_acted_on_him(ann: Account) -> None:
    ben = a_shared_notebook_an_admin_action_a_guess_and_bens_own_sign_in(ann)
    shown = {(line.what, line.who, line.ip) for line in bens_log(ben)}
    assert shown == {
        ('Shared a notebook with you', 'ann@example.com', ''),
        ('Your quotas were changed by an admin', 'boss@example.com', ''),
        ('Failed sign-in with your email', 'Unknown', GUESSERS_ADDRESS),
        ('Signed in', 'You', BENS_ADDRESS),
    }


async def test_bens_data_export_hides_them_too(user: User, ann: Account) -> None:
    a_shared_notebook_an_admin_action_a_guess_and_bens_own_sign_in(ann)
    await sign_in(user, email='ben@example.com')
    response = await user.http_client.get('/account/export')
    assert response.status_code == 200
    logged = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read('activity.json'))
    addresses = {entry['action']: entry['ip'] for entry in logged}
    assert addresses['notebook_shared'] == '' and addresses['admin_set_quotas'] == ''
    assert addresses['login_failed'] == GUESSERS_ADDRESS
    assert ANNS_ADDRESS not in str(logged) and ADMINS_ADDRESS not in str(logged)
