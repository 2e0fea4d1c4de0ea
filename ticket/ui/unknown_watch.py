"""An order whose outcome nobody could confirm is looked up by its clOrdId for a while, on the
server it was sent to, and what was found is said. Never resends."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ticket.broker.orders import FoundOrder, find_by_cl_ord_id
from ticket.journal import Journal
from ticket.ui.session import SessionController
from ticket.ui.widgets import plain


class UnknownWatch(QObject):
    """Lives on the GUI thread; the look-ups run on the session's task runner. `local` answers
    from what the window already knows (the account's stream) before asking the server."""

    found = Signal(str, object)  # clOrdId, FoundOrder
    message = Signal(str)  # what was found, as HTML

    def __init__(
        self,
        session: SessionController,
        journal: Journal,
        show_row: Callable[[str, str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.journal = journal
        self.show_row = show_row
        self.local: Callable[[str], FoundOrder | None] = lambda cl_ord_id: None
        self.interval_ms = 2000
        self.tries = 15

    def watch(self, cl_ord_id: str) -> None:
        """A look-up that failed proves nothing and is not counted as one that found nothing."""
        connection = self.session.connection
        if not cl_ord_id or connection is None:
            return
        server = connection.base_url
        checked = [0]
        tries = [0]

        def look() -> None:
            known = self.local(cl_ord_id)
            if known is not None:
                found(known)
                return
            current = self.session.connection
            if current is None:  # reconnecting: a try that asked nobody, so proves nothing
                tries[0] += 1
                again()
                return
            if current.base_url != server:
                self.journal.write("reconciled", cl_ord_id=cl_ord_id, status="connection changed")
                self.show_row(cl_ord_id, "unknown: the connection changed before it was found")
                return
            tries[0] += 1
            self.session.tasks.run(
                lambda: find_by_cl_ord_id(current.client, cl_ord_id), found, lambda exc: again()
            )

        def found(order: FoundOrder | None) -> None:
            checked[0] += 1
            if order is None:
                again()
                return
            self.journal.write(
                "reconciled", cl_ord_id=cl_ord_id, status="placed", order_id=order.order_id
            )
            self.show_row(cl_ord_id, "placed (found later)")
            self.message.emit(
                f"Order {order.order_id} ({plain(cl_ord_id)}) was found on "
                "the server after all: it was placed."
            )
            self.found.emit(cl_ord_id, order)

        def again() -> None:
            if tries[0] >= self.tries:
                status = "not found" if checked[0] else "not checked"
                self.journal.write(
                    "reconciled", cl_ord_id=cl_ord_id, status=status, checks=checked[0]
                )
                self.show_row(
                    cl_ord_id,
                    f"unknown: not found after {checked[0]} more checks"
                    if checked[0]
                    else "unknown: the server could not be asked",
                )
                return
            QTimer.singleShot(self.interval_ms, self, look)  # dies with its window

        QTimer.singleShot(self.interval_ms, self, look)
