"""The session bar's part of the window: which environment and account an order would go to,
signing in, the connection's state and the cash balance."""

from __future__ import annotations

import time

from PySide6.QtCore import QSignalBlocker

from ticket.broker.models import Account, CashBalance
from ticket.credentials import Credentials, CredentialStore, KeyringUnavailable
from ticket.services import SIM_CREDENTIALS, Environment
from ticket.ui import theme
from ticket.ui.signin import SignInDialog
from ticket.ui.style import ENV_COLOURS, ENV_TITLES
from ticket.ui.widgets import plain
from ticket.ui.window_parts import WindowParts


class SessionBar(WindowParts):
    def start(self, url: str | None, credentials: Credentials | None = None) -> None:
        """Connect: None means the embedded simulator. Runs off the GUI thread."""
        if self.account is not None:
            self._switched_at = time.monotonic()
        self.session.follow_account(None)
        self.account = None
        self.contract = None
        self.account_box.clear()
        self.vm.set_contract("", None)
        self.session.connect_with_url(url, credentials or SIM_CREDENTIALS)

    def sign_in(self) -> None:
        store = self._store()
        dialog = SignInDialog(store, str(self.settings.value("signin/user", "")), self)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.result_request is None:
            return
        request = dialog.result_request
        self.settings.setValue("signin/user", request.credentials.username)
        if request.remember and store is not None:
            try:
                store.set(request.environment.value, request.credentials)
            except KeyringUnavailable as exc:
                self.outcome.setText(plain(str(exc)))
        self.start(request.url, request.credentials)

    def _store(self) -> CredentialStore | None:
        if self._store_factory is None:
            return None
        try:
            return self._store_factory()
        except KeyringUnavailable as exc:
            self.outcome.setText(plain(str(exc)))
            return None

    def _show_environment(self, environment: Environment | None) -> None:
        colour = ENV_COLOURS[environment] if environment else "#757575"
        title = ENV_TITLES[environment] if environment else "Not connected"
        self.banner.setText(title)
        self.banner.setStyleSheet(
            f"background:{colour}; color:white; font-weight:bold; font-size:14px; padding:6px;"
        )
        self.frame.setStyleSheet(f"QFrame#envFrame {{ border: 4px solid {colour}; }}")
        self._environment_shown = environment
        self._update_title()

    def _update_title(self) -> None:
        """Where an order would go, in the title bar: ticket — SIM · SIM1 · NQZ6."""
        environment = self._environment_shown
        parts = [environment.value if environment else "not connected"]
        if environment and self.account:
            parts.append(self.account.name)
        if environment and self.contract:
            parts.append(self.contract.contract.name)
        self.setWindowTitle("ticket — " + " · ".join(parts))

    def _on_connecting(self, text: str) -> None:
        self._show_environment(None)
        self.state.setText(text)
        self._update_place()

    def _on_connected(self, environment: Environment, accounts: list[Account]) -> None:
        self._show_environment(environment)
        self.journal.write(
            "connected", environment=environment.value, accounts=[a.name for a in accounts]
        )
        self._on_connected_state()
        with QSignalBlocker(self.account_box):
            self.account_box.clear()
            for account in accounts:
                self.account_box.addItem(account.name)
        self._on_account_changed(0 if accounts else -1)
        text = self.symbol.text().strip() or self._default_symbol
        self.symbol.setText(text)
        self.session.resolve(text)

    def _on_failed(self, message: str) -> None:
        self.state.setText("Error")
        self.outcome.setText(f"<span style='color:{theme.text.error}'>{plain(message)}</span>")
        self._update_place()  # an order in flight ends only with its own outcome

    def _on_account_changed(self, index: int) -> None:
        previous = self.account
        self.account = (
            self.session.accounts[index] if 0 <= index < len(self.session.accounts) else None
        )
        if previous is not None and previous != self.account:
            self._switched_at = time.monotonic()
        self._update_title()
        self.cash.setText("")  # until the account's stream has synced
        self.session.follow_account(self.account)
        self._update_place()

    def _on_balance(self, account: Account, cash: CashBalance) -> None:
        if account is self.account and cash.total_cash_value is not None:
            self.cash.setText(f"cash {cash.total_cash_value:,.2f}")
            self.plan.balance = cash.total_cash_value

    def _on_session_note(self, text: str) -> None:
        self.outcome.setText(f"<span style='color:{theme.text.warning}'>{plain(text)}</span>")
        self.journal.write("session note", detail=text)

    def _on_sign_in_wait(self, seconds: float) -> None:
        self.state.setText(
            f"Tradovate asks to wait before signing in: {seconds:.0f} s"
            if seconds > 0
            else "Signing in again…"
        )
        self.state.setStyleSheet(f"color: {theme.text.warning};")

    def _on_sign_in_stopped(self, text: str) -> None:
        self.state.setText("Sign-in stopped")
        self.state.setStyleSheet(f"color: {theme.text.error}; font-weight: bold;")
        self.outcome.setText(f"<span style='color:{theme.text.error}'>{plain(text)}</span>")
        self.journal.write("sign-in stopped", detail=text)

    def _on_connected_state(self) -> None:
        expires = self.session.token_expires
        until = f", token until {expires.astimezone():%H:%M}" if expires else ""
        if self.state.text() != f"Connected{until}":
            self.state.setText(f"Connected{until}")
            self.state.setStyleSheet("")
