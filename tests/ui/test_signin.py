"""Signing in through the dialog: credentials go to the store only when asked, never to a
file; a missing keyring is explained in the dialog."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLineEdit

from tests.conftest import FAKE_PASSWORD, FAKE_SEC, FAKE_USER
from ticket.credentials import KeyringUnavailable, MemoryStore
from ticket.services import Environment
from ticket.ui.signin import SignInDialog

from .conftest import connection_to, find


class LockedStore:
    """A credential store whose keyring is missing, as KeyringStore reports it."""

    def get(self, environment, username):
        raise KeyringUnavailable(
            "No secure keyring is available, so credentials cannot be remembered."
        )

    set = delete = get


def fill(qtbot, dialog, url):
    dialog.environment.setCurrentIndex(2)  # Custom URL
    qtbot.keyClicks(find(dialog, "API URL"), url)
    qtbot.keyClicks(find(dialog, "Username"), FAKE_USER)
    qtbot.keyClicks(find(dialog, "Password"), FAKE_PASSWORD)
    qtbot.keyClicks(find(dialog, "API cid"), "8")
    qtbot.keyClicks(find(dialog, "API secret"), FAKE_SEC)


def test_sign_in_with_remember_stores_only_in_the_store(qtbot, make_window, sim, tmp_path):
    window = make_window()
    window.session.opener = connection_to(sim, Environment.CUSTOM)
    store = MemoryStore()
    window._store_factory = lambda: store

    def answer():  # runs inside the dialog's own event loop
        qtbot.waitUntil(lambda: window.findChild(SignInDialog) is not None)
        dialog = window.findChild(SignInDialog)
        qtbot.waitUntil(dialog.isVisible)
        fill(qtbot, dialog, sim.base_url)
        assert find(dialog, "Password").echoMode() is QLineEdit.EchoMode.Password
        qtbot.mouseClick(find(dialog, "Remember in the system keyring"), Qt.MouseButton.LeftButton)
        qtbot.keyClick(find(dialog, "API secret"), Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(find(window, "Sign in"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.session.environment is Environment.CUSTOM and window.account is not None,
        timeout=10000,
    )
    saved = store.get("CUSTOM", FAKE_USER)
    assert saved.password.get_secret_value() == FAKE_PASSWORD and saved.cid == "8"
    assert "CUSTOM" in window.banner.text()
    body = sim.requests("auth/accesstokenrequest")[-1].body
    assert (body["name"], body["cid"], body["sec"]) == (FAKE_USER, "8", FAKE_SEC)
    window.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert FAKE_PASSWORD not in path.read_text(errors="ignore"), path


def test_a_missing_keyring_is_explained_in_the_dialog(qtbot):
    dialog = SignInDialog(LockedStore(), last_user=FAKE_USER)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._load_saved()
    assert "No secure keyring" in dialog.message.text()
    assert not find(dialog, "Remember in the system keyring").isEnabled()
