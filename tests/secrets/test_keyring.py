"""Credentials through the real OS keyring (Secret Service over D-Bus), and what the app says
when there is no keyring. scripts/test runs the suite under dbus-run-session with gnome-keyring
unlocked and says so in TICKET_SECRET_SERVICE: there, as under CI, a missing Secret Service is a
failure, never a skip."""

import os
import uuid

import keyring
import keyring.backends.fail
import pytest
from pydantic import SecretStr

from tests.conftest import FAKE_PASSWORD, FAKE_SEC
from ticket.credentials import Credentials, KeyringStore, KeyringUnavailable


def _secret_service_or_skip():
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "SecretService" in name:
        return
    if os.environ.get("TICKET_SECRET_SERVICE") or os.environ.get("CI"):
        pytest.fail(f"the Secret Service keyring this run provides is not in use, found {name}")
    pytest.skip(f"no Secret Service here ({name}); scripts/test provides one")


def test_store_read_replace_and_delete_in_the_secret_service():
    _secret_service_or_skip()
    store = KeyringStore()
    assert "SecretService" in store.backend_name()
    user = f"fake-user-{uuid.uuid4().hex[:8]}"
    first = Credentials(
        username=user, password=SecretStr(FAKE_PASSWORD), cid="8", sec=SecretStr(FAKE_SEC)
    )
    store.set("DEMO", first)
    assert store.get("DEMO", user) == first
    assert store.get("LIVE", user) is None  # one entry per environment
    replaced = first.model_copy(update={"password": SecretStr(FAKE_PASSWORD + "-new")})
    store.set("DEMO", replaced)
    assert store.get("DEMO", user).password.get_secret_value() == FAKE_PASSWORD + "-new"
    store.delete("DEMO", user)
    assert store.get("DEMO", user) is None
    store.delete("DEMO", user)  # deleting what is gone is not an error


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_without_a_keyring_the_store_explains_how_to_fix_it(no_keyring, tmp_path):
    store = KeyringStore()
    credentials = Credentials(username="fake-user", password=SecretStr(FAKE_PASSWORD))
    for action in (
        lambda: store.get("DEMO", "fake-user"),
        lambda: store.set("DEMO", credentials),
        lambda: store.delete("DEMO", "fake-user"),
    ):
        with pytest.raises(KeyringUnavailable, match="No secure keyring is available") as info:
            action()
        assert "gnome-keyring" in str(info.value) and "TICKET_USERNAME" in str(info.value)
    written = [p for p in tmp_path.parent.rglob("*") if p.is_file()]
    assert not any(FAKE_PASSWORD in p.read_text(errors="ignore") for p in written)
