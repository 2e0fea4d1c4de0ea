"""What the trader or the safety logic asks of the server: protect, flatten, cancel a bracket,
cancel the exits of a position gone flat. Each runs on the session's one-at-a-time order
runner and decides from the server's state at that moment (bounded REST reads in
`ticket.broker.monitor`), never from what the window last showed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ticket.broker.errors import BrokerError, describe_error
from ticket.broker.models import CancelOrderRequest
from ticket.broker.monitor import (
    CancelReport,
    FlattenReport,
    ProtectReport,
    cancel_bracket,
    flatten,
)
from ticket.broker.monitor import protect as protect_position
from ticket.domain.orders import OrderType, PlaceOrderRequest, TimeInForce
from ticket.domain.protection import Exposure
from ticket.journal import Journal
from ticket.ui import theme
from ticket.ui.alarm import Tracked
from ticket.ui.session import SessionController
from ticket.ui.widgets import plain

Account = tuple[int, str]  # id and name of the account orders go to


class SafetyActions(QObject):
    """On the GUI thread; the work runs on the session's order runner."""

    message = Signal(str)  # an outcome of cancel/protect/flatten, as HTML
    finished = Signal(str, bool)  # the action ("protect", "flatten"...) ended; whether it worked
    protected = Signal(object)  # ProtectReport

    def __init__(
        self,
        session: SessionController,
        journal: Journal,
        account: Callable[[], Account | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.journal = journal
        self.account = account

    def protect(self, exposure: Exposure, tracked: Tracked, exits: set[int]) -> bool:
        """A stop for the uncovered quantity at the planned stop; False if nothing was sent."""
        account, connection = self.account(), self.session.connection
        if tracked.planned_stop is None or account is None or connection is None:
            return False
        request = PlaceOrderRequest(
            account_id=account[0],
            account_spec=account[1],
            action=exposure.closing_action,
            symbol=tracked.symbol,
            order_qty=exposure.uncovered,
            order_type=OrderType.STOP,
            stop_price=tracked.planned_stop,
            time_in_force=TimeInForce.GTC,
            is_automated=False,
        )
        self.journal.write(
            "protect",
            symbol=tracked.symbol,
            qty=exposure.uncovered,
            stop_price=tracked.planned_stop,
            action=exposure.closing_action,
        )

        def done(report: ProtectReport) -> None:
            self.journal.write(
                "protect placed",
                order_id=report.stop_id,
                oco_target_id=report.target_id,
                replaced_target_id=report.replaced_target_id,
            )
            self.protected.emit(report)
            self.message.emit(plain(report.message))
            self.finished.emit("protect", True)

        self.session.orders.run(
            lambda: protect_position(
                connection.client,
                request,
                account_id=account[0],
                contract_id=exposure.contract_id,
                exit_ids=exits,
            ),
            done,
            self._failed("protect"),
        )
        return True

    def flatten(self, contract_id: int) -> bool:
        account, connection = self.account(), self.session.connection
        if account is None or connection is None:
            return False
        self.journal.write("flatten", contract_id=contract_id)
        started = time.perf_counter()

        def done(report: FlattenReport) -> None:
            self.journal.write(
                "flatten done",
                contract_id=contract_id,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                **report.model_dump(),
            )
            self.message.emit(plain(report.message))
            self.finished.emit("flatten", True)

        self.session.orders.run(
            lambda: flatten(connection.client, account[0], contract_id),
            done,
            self._failed("flatten"),
        )
        return True

    def cancel(self, tracked: Tracked) -> None:
        """Cancel a bracket whose entry has not filled in full. What goes is decided on the
        worker from the server's state at that moment, never from the last state shown."""
        account, connection = self.account(), self.session.connection
        cl_ord_id = tracked.cl_ord_id
        if connection is None or account is None:
            self.message.emit("Not connected: nothing was cancelled. Try again once connected.")
            return
        self.journal.write("cancel", cl_ord_id=cl_ord_id, entry_id=tracked.entry_id)

        def done(report: CancelReport) -> None:
            self.journal.write(
                "cancel done",
                cl_ord_id=cl_ord_id,
                orders=list(report.cancelled),
                entry_filled=report.entry_filled,
            )
            self.message.emit(plain(report.message))
            self.finished.emit("cancel", True)

        self.session.orders.run(
            lambda: cancel_bracket(connection.client, account[0], tracked.entry_id),
            done,
            self._failed("cancel"),
        )

    def cancel_orphans(self, ids: list[int]) -> bool:
        """Cancel exits left working by a position gone flat, so none can open a new one."""
        connection = self.session.connection
        if connection is None:
            return False
        self.journal.write("orphan exits", orders=ids)

        def work() -> list[int]:
            for order_id in ids:
                with contextlib.suppress(BrokerError):  # already final: nothing to cancel
                    connection.client.cancel_order(CancelOrderRequest(order_id=order_id))
            return ids

        def done(cancelled: list[int]) -> None:
            self.journal.write("orphan exits cancelled", orders=cancelled)
            self.message.emit(
                f"The position is flat: cancelled its exit order(s) "
                f"{', '.join(map(str, cancelled))}, so they cannot open a new one."
            )
            self.finished.emit("orphans", True)

        self.session.orders.run(work, done, self._failed("cancel of the flat position's exits"))
        return True

    def _failed(self, action: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            text = describe_error(exc)
            self.journal.write(f"{action} failed", detail=text)
            self.message.emit(
                f"<span style='color:{theme.text.error}'>{action.title()} failed: "
                f"{plain(text)}</span>"
            )
            self.finished.emit(action, False)

        return failed
