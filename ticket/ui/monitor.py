"""Follows the account while the window is open: a snapshot every half second, off the GUI
thread, delivered as a signal; a failure to read it is a lost connection."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ticket.broker.errors import describe_error
from ticket.broker.monitor import fetch_snapshot
from ticket.domain.protection import Snapshot
from ticket.ui.session import SessionController

POLL_MS = 500


class OrderMonitor(QObject):
    snapshot = Signal(object)  # Snapshot
    lost = Signal(str)  # the connection failed, in words

    def __init__(self, session: SessionController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.account_id: int | None = None
        self._busy = False
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)

    def follow(self, account_id: int | None) -> None:
        self.account_id = account_id
        if account_id is None:
            self.timer.stop()
        else:
            self.timer.start()
            self.poll()

    def poll(self) -> None:
        connection, account_id = self.session.connection, self.account_id
        if self._busy or connection is None or account_id is None:
            return
        self._busy = True

        def done(snapshot: Snapshot) -> None:
            self._busy = False
            self.snapshot.emit(snapshot)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.lost.emit(describe_error(exc))

        self.session.tasks.run(lambda: fetch_snapshot(connection.client, account_id), done, failed)
