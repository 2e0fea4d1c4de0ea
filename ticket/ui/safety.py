"""After the click: follow each bracket, raise the naked-position alarm, and cancel, protect or
flatten on request. Order mutations go through the session's one-at-a-time order runner."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

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
from ticket.broker.orders import FoundOrder, Outcome, Status, find_by_cl_ord_id
from ticket.domain.draft import Evaluation
from ticket.domain.exits import orphan_exits
from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, PlaceOrderRequest, PlaceOsoRequest, TimeInForce
from ticket.domain.protection import (
    BracketState,
    Exposure,
    Snapshot,
    bracket_states,
    exposures,
    slippage_ticks,
    slippage_words,
)
from ticket.journal import Journal
from ticket.ui import theme
from ticket.ui.monitor import OrderMonitor
from ticket.ui.widgets import plain

if TYPE_CHECKING:
    from ticket.ui.window import TicketWindow

ALARM_AFTER_POLLS = 2  # an uncovered position must be seen twice (legs activate a moment late)


@dataclass
class Tracked:
    cl_ord_id: str
    entry_id: int
    symbol: str
    contract_id: int
    action: Action
    instrument: Instrument
    planned_entry: Decimal | None
    planned_stop: Decimal | None
    market: bool


class AlarmBanner(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("alarm")
        self.setStyleSheet(
            f"QFrame#alarm {{ background: {theme.ALARM_FILL}; }}"
            "QFrame#alarm QLabel { color: white; font-weight: bold; }"
        )
        self.text = QLabel("")
        self.text.setAccessibleName("Alarm")
        self.text.setWordWrap(True)
        self.protect = QPushButton("Protect now")
        self.protect.setAccessibleName("Protect now")
        self.flatten = QPushButton("Flatten")
        self.flatten.setAccessibleName("Flatten position")
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.protect)
        layout.addWidget(self.flatten)
        self.setVisible(False)


class SafetyController(QObject):
    message = Signal(str)  # an outcome of cancel/protect/flatten, as HTML

    def __init__(self, window: TicketWindow, journal: Journal) -> None:
        super().__init__(window)
        self.window = window
        self.journal = journal
        self.session = window.session
        self.monitor = OrderMonitor(window.session, self)
        self.banner = AlarmBanner()
        self.tracked: dict[str, Tracked] = {}
        self.snapshot: Snapshot | None = None
        self.connection_ok = True
        self.exposure: Exposure | None = None
        self._seen_uncovered: dict[int, int] = {}
        self._shown: dict[str, BracketState] = {}
        self.protective_ids: set[int] = set()  # stops placed by Protect now
        self._cancelling: set[int] = set()  # orphan exits whose cancel was sent
        self.unknown_interval_ms = 2000
        self.unknown_tries = 15
        self.monitor.snapshot.connect(self._on_snapshot)
        self.monitor.lost.connect(self._on_lost)
        self.banner.protect.clicked.connect(self.protect)
        self.banner.flatten.clicked.connect(self.flatten_exposed)

    # -- following --

    def track(
        self,
        request: PlaceOsoRequest,
        outcome: Outcome,
        evaluation: Evaluation,
        contract_id: int,
    ) -> None:
        """Follow a placed bracket. The contract is the one the order was sent for, whatever
        the window shows now (the trader may have moved on while it was in flight)."""
        if outcome.status is not Status.PLACED or outcome.order_id is None:
            return
        form, assessment = evaluation.form, evaluation.assessment
        if form is None or assessment is None:
            return
        self.tracked[request.cl_ord_id or ""] = Tracked(
            cl_ord_id=request.cl_ord_id or "",
            entry_id=outcome.order_id,
            symbol=request.symbol,
            contract_id=contract_id,
            action=request.action,
            instrument=form.instrument,
            planned_entry=assessment.entry,
            planned_stop=assessment.stop.price if assessment.stop else None,
            market=request.order_type is OrderType.MARKET,
        )
        self.monitor.poll()

    def watch_unknown(
        self, request: PlaceOsoRequest, evaluation: Evaluation, contract_id: int
    ) -> None:
        """An outcome nobody could confirm: keep looking the clOrdId up for a while, on the
        server it was sent to, and say what was found. A look-up that failed proves nothing and
        is not counted as one that found nothing. Never resends."""
        cl_ord_id = request.cl_ord_id
        connection = self.session.connection
        if not cl_ord_id or connection is None:
            return
        server = connection.base_url
        checked = [0]
        tries = [0]

        def look() -> None:
            current = self.session.connection
            if current is None:  # reconnecting: a try that asked nobody, so proves nothing
                tries[0] += 1
                again()
                return
            if current.base_url != server:
                self.journal.write("reconciled", cl_ord_id=cl_ord_id, status="connection changed")
                self.window.set_row_status(
                    cl_ord_id, "unknown: the connection changed before it was found"
                )
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
            outcome = Outcome(
                status=Status.PLACED,
                cl_ord_id=cl_ord_id,
                reconciled=True,
                message="Found on the server after all: it was placed.",
                order_id=order.order_id,
                oso1_id=order.oso1_id,
                oso2_id=order.oso2_id,
            )
            self.journal.write(
                "reconciled", cl_ord_id=cl_ord_id, status="placed", order_id=order.order_id
            )
            self.window.set_row_status(cl_ord_id, "placed (found later)")
            self.message.emit(
                f"Order {order.order_id} ({plain(cl_ord_id)}) was found on "
                "the server after all: it was placed."
            )
            self.track(request, outcome, evaluation, contract_id)

        def again() -> None:
            if tries[0] >= self.unknown_tries:
                status = "not found" if checked[0] else "not checked"
                self.journal.write(
                    "reconciled", cl_ord_id=cl_ord_id, status=status, checks=checked[0]
                )
                self.window.set_row_status(
                    cl_ord_id,
                    f"unknown: not found after {checked[0]} more checks"
                    if checked[0]
                    else "unknown: the server could not be asked",
                )
                return
            QTimer.singleShot(self.unknown_interval_ms, self, look)  # dies with its window

        QTimer.singleShot(self.unknown_interval_ms, self, look)

    def _on_lost(self, message: str) -> None:
        if self.connection_ok:
            self.journal.write("connection lost", detail=message)
        self.connection_ok = False
        self.window.on_connection_health(False, message)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        if not self.connection_ok:
            self.journal.write("connection restored")
        self.connection_ok = True
        self.snapshot = snapshot
        self.window.on_connection_health(True, "")
        states = bracket_states(snapshot, (t.entry_id for t in self.tracked.values()))
        for tracked in self.tracked.values():
            state = states.get(tracked.entry_id)
            if state is None or self._shown.get(tracked.cl_ord_id) == state:
                continue  # unchanged since the last look: nothing to redraw
            self._shown[tracked.cl_ord_id] = state
            words = state.words(tracked.instrument.format_price)
            entry = state.entry
            if tracked.market and entry.avg_price is not None and tracked.planned_entry:
                ticks = slippage_ticks(
                    tracked.action,
                    tracked.planned_entry,
                    entry.avg_price,
                    tracked.instrument.tick_size,
                )
                money = tracked.instrument.ticks_to_money(ticks, entry.filled)
                words += f" · {slippage_words(ticks, money)}"
            self.window.set_row_status(tracked.cl_ord_id, words)
        self._check_exposure(snapshot)
        self._cancel_orphans(snapshot)

    def _exit_ids(self, snapshot: Snapshot) -> set[int]:
        """Every exit the ticket placed: the legs of its brackets and its protective stops."""
        entries = {t.entry_id for t in self.tracked.values()}
        legs = {o.id for o in snapshot.orders.values() if o.parent_id in entries}
        return legs | self.protective_ids

    def _cancel_orphans(self, snapshot: Snapshot) -> None:
        """A position the ticket followed went flat: its exits still working are cancelled at
        once, so none of them can open a position nobody asked for."""
        connection = self.session.connection
        orphans = [
            o
            for o in orphan_exits(snapshot, self._exit_ids(snapshot))
            if o.id not in self._cancelling
        ]
        if not orphans or connection is None:
            return
        ids = [o.id for o in orphans]
        self._cancelling.update(ids)
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
            self.monitor.poll()

        self.session.orders.run(work, done, self._failed("cancel of the flat position's exits"))

    def _check_exposure(self, snapshot: Snapshot) -> None:
        found = {e.contract_id: e for e in exposures(snapshot)}
        self._seen_uncovered = {c: self._seen_uncovered.get(c, 0) + 1 for c in found}
        alarming = [found[c] for c, n in self._seen_uncovered.items() if n >= ALARM_AFTER_POLLS]
        if not alarming:
            if self.exposure is not None:
                self.journal.write("alarm cleared", contract_id=self.exposure.contract_id)
            self.exposure = None
            self.banner.setVisible(False)
            return
        exposure = alarming[0]
        if self.exposure != exposure:
            self.journal.write(
                "alarm",
                contract_id=exposure.contract_id,
                net=exposure.net,
                covered=exposure.covered,
            )
        self.exposure = exposure
        tracked = self._tracked_for(exposure.contract_id)
        name = tracked.symbol if tracked else f"contract {exposure.contract_id}"
        side = "LONG" if exposure.net > 0 else "SHORT"
        self.banner.text.setText(
            f"UNPROTECTED POSITION: {side} {abs(exposure.net)} {plain(name)}, "
            f"{exposure.uncovered} not covered by a working stop."
        )
        can_protect = tracked is not None and tracked.planned_stop is not None
        self.banner.protect.setEnabled(can_protect)
        self.banner.protect.setToolTip(
            f"Place a stop for {exposure.uncovered} at "
            f"{tracked.instrument.format_price(tracked.planned_stop)}"
            if can_protect and tracked and tracked.planned_stop
            else "No planned stop is known for this contract: flatten instead"
        )
        self.banner.setVisible(True)

    def _tracked_for(self, contract_id: int) -> Tracked | None:
        found = [t for t in self.tracked.values() if t.contract_id == contract_id]
        return found[-1] if found else None

    # -- actions --

    def _account(self) -> tuple[int, str] | None:
        account = self.window.account
        return (account.id, account.name) if account else None

    def protect(self) -> None:
        exposure, account = self.exposure, self._account()
        tracked = self._tracked_for(exposure.contract_id) if exposure else None
        connection = self.session.connection
        if exposure is None or tracked is None or tracked.planned_stop is None or not account:
            return
        if connection is None:
            return
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
        self.banner.protect.setEnabled(False)
        snapshot = self.snapshot
        exits = self._exit_ids(snapshot) if snapshot is not None else set(self.protective_ids)

        def done(report: ProtectReport) -> None:
            self.protective_ids.update(i for i in (report.stop_id, report.target_id) if i)
            self.journal.write(
                "protect placed",
                order_id=report.stop_id,
                oco_target_id=report.target_id,
                replaced_target_id=report.replaced_target_id,
            )
            self.message.emit(plain(report.message))
            self._seen_uncovered.clear()
            self.monitor.poll()

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

    def flatten_exposed(self) -> None:
        if self.exposure is not None:
            self.flatten(self.exposure.contract_id)

    def flatten(self, contract_id: int) -> None:
        account, connection = self._account(), self.session.connection
        if account is None or connection is None:
            return
        self.journal.write("flatten", contract_id=contract_id)
        self.banner.flatten.setEnabled(False)
        started = time.perf_counter()

        def done(report: FlattenReport) -> None:
            self.banner.flatten.setEnabled(True)
            self.journal.write(
                "flatten done",
                contract_id=contract_id,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                **report.model_dump(),
            )
            self.message.emit(plain(report.message))
            self._seen_uncovered.clear()
            self.monitor.poll()

        self.session.orders.run(
            lambda: flatten(connection.client, account[0], contract_id),
            done,
            self._failed("flatten"),
        )

    def cancel(self, cl_ord_id: str) -> None:
        """Cancel a bracket whose entry has not filled in full. What goes is decided on the
        worker from the server's state at that moment, never from the last snapshot shown."""
        tracked, account = self.tracked.get(cl_ord_id), self._account()
        connection = self.session.connection
        if tracked is None:
            self.message.emit(
                "This window does not follow that order (its outcome is not known to be "
                "placed): cancel it in Tradovate, or wait until it is found."
            )
            return
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
            self.monitor.poll()

        self.session.orders.run(
            lambda: cancel_bracket(connection.client, account[0], tracked.entry_id),
            done,
            self._failed("cancel"),
        )

    def _failed(self, action: str):  # type: ignore[no-untyped-def]
        def failed(exc: BaseException) -> None:
            text = describe_error(exc)
            self.journal.write(f"{action} failed", detail=text)
            self.banner.flatten.setEnabled(True)
            self.message.emit(
                f"<span style='color:{theme.text.error}'>{action.title()} failed: "
                f"{plain(text)}</span>"
            )
            self.monitor.poll()

        return failed
