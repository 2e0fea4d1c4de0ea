"""Sign in to DEMO, LIVE or a custom Tradovate-compatible URL.

Secrets go only to the OS keyring, and only when the trader ticks "remember". A missing or
locked keyring is explained in the dialog; nothing is ever written to a file instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ticket.credentials import Credentials, CredentialStore, KeyringUnavailable
from ticket.services import DEMO_URL, LIVE_URL, Environment, environment_of
from ticket.ui import theme

CHOICES = (("DEMO", DEMO_URL), ("LIVE", LIVE_URL), ("Custom URL", ""))


@dataclass(frozen=True)
class SignInRequest:
    url: str
    environment: Environment
    credentials: Credentials
    remember: bool


class SignInDialog(QDialog):
    def __init__(
        self, store: CredentialStore | None, last_user: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Tradovate")
        self.store = store
        self.result_request: SignInRequest | None = None
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment")
        self.environment.addItems([name for name, _ in CHOICES])
        self.url = QLineEdit()
        self.url.setAccessibleName("API URL")
        self.url.setPlaceholderText("https://…/v1")
        self.username = QLineEdit(last_user)
        self.username.setAccessibleName("Username")
        self.password = self._secret("Password")
        self.cid = QLineEdit()
        self.cid.setAccessibleName("API cid")
        self.sec = self._secret("API secret")
        self.remember = QCheckBox("Remember in the system keyring")
        self.remember.setAccessibleName("Remember in the system keyring")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color:{theme.text.warning};")

        form = QFormLayout()
        form.addRow("Environment", self.environment)
        form.addRow("API URL", self.url)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        form.addRow("API cid", self.cid)
        form.addRow("API secret", self.sec)
        form.addRow("", self.remember)
        self._form = form
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.environment.currentIndexChanged.connect(self._on_environment_changed)
        self.username.editingFinished.connect(self._load_saved)
        self._on_environment_changed(0)

    @staticmethod
    def _secret(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        return edit

    def _chosen_url(self) -> str:
        _, url = CHOICES[self.environment.currentIndex()]
        return url or self.url.text().strip()

    def _on_environment_changed(self, index: int) -> None:
        self._form.setRowVisible(self.url, not CHOICES[index][1])
        self._load_saved()

    def _load_saved(self) -> None:
        user = self.username.text().strip()
        if not user or self.store is None:
            return
        environment = environment_of(self._chosen_url())
        try:
            saved = self.store.get(environment.value, user)
        except KeyringUnavailable as exc:
            self.message.setText(str(exc))
            self.remember.setEnabled(False)
            return
        if saved is not None:
            self.password.setText(saved.password.get_secret_value())
            self.cid.setText(saved.cid)
            self.sec.setText(saved.sec.get_secret_value())
            self.remember.setChecked(True)

    def _on_accept(self) -> None:
        url = self._chosen_url()
        if not url.startswith(("http://", "https://")):
            self.message.setText("Enter the API URL, starting with https://")
            return
        if not self.username.text().strip() or not self.password.text():
            self.message.setText("Enter the username and password.")
            return
        credentials = Credentials(
            username=self.username.text().strip(),
            password=SecretStr(self.password.text()),
            cid=self.cid.text().strip(),
            sec=SecretStr(self.sec.text()),
        )
        self.result_request = SignInRequest(
            url=url,
            environment=environment_of(url),
            credentials=credentials,
            remember=self.remember.isChecked(),
        )
        self.accept()
