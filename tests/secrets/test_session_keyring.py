"""The shared session in the real OS keyring (Secret Service over D-Bus, as scripts/test runs
it): commands use one session, its token is in the keyring and in no file, and sign-out removes
it. Without a keyring, nothing is shared and nothing is written instead."""

import io
import os

import keyring
import keyring.backends.fail
import pytest

from tests.conftest import ISSUED_SECRETS
from ticket.cli import main
from ticket.credentials import KeyringUnavailable
from ticket.services import open_connection
from ticket.sessions import KeyringSessions

SIGN_IN = "auth/accesstokenrequest"


def _secret_service_or_skip():
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "SecretService" in name:
        return
    if os.environ.get("TICKET_SECRET_SERVICE") or os.environ.get("CI"):
        pytest.fail(f"the Secret Service keyring this run provides is not in use, found {name}")
    pytest.skip(f"no Secret Service here ({name}); scripts/test provides one")


def test_commands_share_one_session_kept_only_in_the_secret_service(
    sim, monkeypatch, capsys, tmp_path_factory
):
    _secret_service_or_skip()
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")
    for _ in range(5):
        assert main(["accounts", "--api-url", sim.base_url], stdin=io.StringIO("")) == 0
    assert len(sim.requests(SIGN_IN)) == 1
    entry = f"session {sim.base_url.lower()} sim"
    stored = keyring.get_password("ticket", entry)
    [token] = [t for t in sim._tokens if t in stored]
    ISSUED_SECRETS.add(token)
    written = [p for p in tmp_path_factory.getbasetemp().rglob("*") if p.is_file()]
    assert [p for p in written if p.suffix == ".lock"]  # the lock file is there, and holds no token
    assert not [p for p in written if token in p.read_text(errors="ignore")]
    assert main(["sign-out", "--api-url", sim.base_url], stdin=io.StringIO("")) == 0
    assert keyring.get_password("ticket", entry) is None
    assert "Signed out" in capsys.readouterr().out


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_without_a_keyring_the_session_is_not_shared_and_says_why(no_keyring, sim, tmp_path):
    with pytest.raises(KeyringUnavailable, match="No secure keyring"):
        KeyringSessions(folder=tmp_path)
    connection = open_connection(sim.base_url)
    try:
        assert connection.client.auth.store is None
        assert "No secure keyring" in connection.unshared
    finally:
        connection.close()
    assert list(tmp_path.iterdir()) == []
