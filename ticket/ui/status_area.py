"""The account stream's state in plain view, and Tradovate refusing requests.

The short state sits in the session bar ("Account live", "Account reconnecting since 10:02:13");
while the stream is not live a warning strip says what cannot be trusted; while Tradovate
refuses requests (429/423) a red strip says so in words."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ticket.broker.userstream import StreamState
from ticket.ui import theme
from ticket.ui.widgets import plain

UNTRUSTED = "fills and the unprotected-position alarm cannot be trusted until it is back"


def since_words(since: datetime) -> str:
    return f"{since.astimezone():%H:%M:%S}"


def feed_words(state: StreamState, since: datetime, detail: str) -> tuple[str, str]:
    """The session bar's short text and the warning strip's text ("" when live)."""
    if state is StreamState.LIVE:
        return "Account live", ""
    if state in (StreamState.CONNECTING, StreamState.SYNCING):
        return "Account loading…", ""  # a moment at sign-in: no strip that comes and goes
    if state is StreamState.RECONNECTING:  # why is in the tooltip and the journal
        short = f"Account reconnecting since {since_words(since)}"
        return short, (
            f"The account stream is reconnecting since {since_words(since)}: {UNTRUSTED}. "
            "Place still works."
        )
    if detail and detail != "stopped":
        return "Account stream lost", f"The account stream is lost ({detail}): {UNTRUSTED}."
    return "", ""  # closed because nothing is followed: nothing to say


class StatusArea(QWidget):
    """Two strips under the environment banner; hidden while there is nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.feed_warning = QLabel("")
        self.feed_warning.setAccessibleName("Account stream warning")
        self.feed_warning.setWordWrap(True)
        self.refusal = QLabel("")
        self.refusal.setAccessibleName("Requests refused")
        self.refusal.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.refusal)
        layout.addWidget(self.feed_warning)
        self.restyle()
        self._update()

    def show_feed_warning(self, text: str, why: str = "") -> None:
        self.feed_warning.setText(plain(text))
        self.feed_warning.setToolTip(why)
        self._update()

    def show_refusal(self, text: str) -> None:
        self.refusal.setText(plain(text))
        self._update()

    def restyle(self) -> None:
        box = "border-radius: 4px; padding: 4px 6px; font-weight: bold;"
        self.feed_warning.setStyleSheet(
            f"color: {theme.text.warning}; border: 2px solid {theme.text.warning}; {box}"
        )
        self.refusal.setStyleSheet(
            f"color: {theme.text.error}; border: 2px solid {theme.text.error}; {box}"
        )

    def _update(self) -> None:
        self.feed_warning.setVisible(bool(self.feed_warning.text()))
        self.refusal.setVisible(bool(self.refusal.text()))
        self.setVisible(self.feed_warning.isVisibleTo(self) or self.refusal.isVisibleTo(self))


def wall_clock(monotonic_since: float, monotonic_now: float) -> datetime:
    """A monotonic instant as the local wall-clock time it was."""
    return datetime.now().astimezone() - timedelta(seconds=monotonic_now - monotonic_since)
