"""When the admin requires two-factor sign-in, an account that has not set it up yet reaches only the set-up page:
not its notebooks' exports, source files or the account ZIP through their download addresses either."""

import pyotp
from nicegui.testing import User

from aurenlm import repos
from aurenlm.models import Source
from aurenlm.models import User as Account
from aurenlm.repos import instance
from aurenlm.security import totp
from tests.helpers import person, sign_in


async def test_downloads_wait_for_two_factor_set_up_when_it_is_required(
    user: User, ann: Account, manual: Source
) -> None:
    instance.set_require_2fa(True, by=person('admin@example.com'))
    await sign_in(user)  # the password alone: the pages now send Ann to set up two-factor sign-in
    await user.should_see(marker='totp-required')
    addresses = (
        f'/export/notebook/{manual.notebook_id}?format=json',
        f'/download/source/{manual.id}',
        '/account/export',
    )
    for address in addresses:
        response = await user.http_client.get(address)
        assert response.status_code == 401, f'{address} answered {response.status_code} before two-factor set-up'

    enrolment = totp.start(ann)
    totp.confirm(ann, enrolment, pyotp.TOTP(enrolment.secret).now())
    assert repos.users.get(ann.id).totp_enabled_at is not None
    response = await user.http_client.get(addresses[0])
    assert response.status_code == 200, 'once set up, the same session downloads again'
