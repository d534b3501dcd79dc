"""The virus scan against the real clamd (Debian's clamav-daemon) with a local EICAR signature."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from aurenlm import repos
from aurenlm.ingest import IngestError
from tests.helpers import person
from tests.sourcekit import stored_files, upload

EICAR = rb'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
CLAMD = Path('/usr/sbin/clamd')


@pytest.fixture(scope='module')
def clamd_socket(tmp_path_factory) -> str:
    if not CLAMD.exists():
        pytest.fail('clamd is missing: `make test` installs clamav-daemon (scripts/system-packages.sh)')
    home = tmp_path_factory.mktemp('clamd')
    (home / 'db').mkdir()
    (home / 'db' / 'local.hdb').write_text('44d88612fea8a8f36de82e1278abb02f:68:Test.EICAR.Local\n')
    socket = home / 'clamd.sock'
    (home / 'clamd.conf').write_text(
        f'DatabaseDirectory {home / "db"}\nLocalSocket {socket}\nForeground yes\nLogFile {home / "clamd.log"}\n'
    )
    process = subprocess.Popen([str(CLAMD), '-c', str(home / 'clamd.conf')], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not socket.exists():
        assert process.poll() is None, (home / 'clamd.log').read_text() if (home / 'clamd.log').exists() else ''
        assert time.monotonic() < deadline, 'clamd did not start within 60 s'
        time.sleep(0.1)
    yield str(socket)
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(home, ignore_errors=True)


async def test_infected_file_is_refused_and_named(clamd_socket, settings_env) -> None:
    settings_env(CLAMD_SOCKET=clamd_socket)
    ann = person()
    notebook = repos.notebooks.create(ann, 'Scanned')
    with pytest.raises(IngestError, match='Test.EICAR'):
        await upload(ann, notebook.id, 'notes.txt', EICAR)
    assert repos.sources.list_for(ann, notebook.id) == [] and stored_files() == []
    clean = await upload(ann, notebook.id, 'gpl-3.txt')
    assert clean.status == 'queued'


async def test_scanner_down_refuses_clearly(settings_env, tmp_path) -> None:
    settings_env(CLAMD_SOCKET=str(tmp_path / 'no-such.sock'))
    ann = person()
    notebook = repos.notebooks.create(ann, 'Scanned')
    with pytest.raises(IngestError, match='virus scanner is not reachable'):
        await upload(ann, notebook.id, 'gpl-3.txt')
    assert repos.sources.list_for(ann, notebook.id) == [] and stored_files() == []
