"""After the click: follow each bracket, raise the naked-position alarm, and hand cancel, protect
and flatten to `SafetyActions`. The window is reached only through `SafetyLinks`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ticket.broker.monitor import ProtectReport
from ticket.broker.orders import FoundOrder, Outcome, Status
from ticket.domain.draft import Evaluation
from ticket.domain.exits import orphan_exits
from ticket.domain.orders import OrderType, PlaceOsoRequest
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
from ticket.ui.alarm import AlarmBanner, Tracked
from ticket.ui.monitor import OrderMonitor
from ticket.ui.safety_actions import SafetyActions
from ticket.ui.session import SessionController
from ticket.ui.unknown_watch import UnknownWatch
from ticket.ui.widgets import plain

ALARM_AFTER_POLLS = 2  # an uncovered position must be seen twice (legs activate a moment late)


@dataclass(frozen=True)
class SafetyLinks:
    """All the safety logic needs of the window."""

    account: Callable[[], tuple[int, str] | None]  # id and name of the account orders go to
    show_row: Callable[[str, str], None]  # a placed order's status in the table, by clOrdId
    on_health: Callable[[bool, str], None]  # whether the account can be followed, and why not


class SafetyController(QObject):
    """On the GUI thread. Owns the alarm banner, the brackets followed and the actions."""

    message = Signal(str)  # an outcome of cancel/protect/flatten, as HTML

    def __init__(
        self,
        session: SessionController,
        journal: Journal,
        links: SafetyLinks,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.session = session
        self.links = links
        self.monitor = OrderMonitor(session, self)
        self.banner = AlarmBanner()
        self.actions = SafetyActions(session, journal, links.account, self)
        self.unknowns = UnknownWatch(session, journal, links.show_row, self)
        self.tracked: dict[str, Tracked] = {}
        self.snapshot: Snapshot | None = None
        self.connection_ok = True
        self.exposure: Exposure | None = None
        self._seen_uncovered: dict[int, int] = {}
        self._shown: dict[str, BracketState] = {}
        self.protective_ids: set[int] = set()  # stops placed by Protect now
        self._cancelling: set[int] = set()  # orphan exits whose cancel was sent
        self._unknown: dict[str, tuple[PlaceOsoRequest, Evaluation, int]] = {}
        self.monitor.snapshot.connect(self._on_snapshot)
        self.monitor.lost.connect(self._on_lost)
        self.banner.protect.clicked.connect(self.protect)
        self.banner.flatten.clicked.connect(self.flatten_exposed)
        self.actions.message.connect(self.message)
        self.actions.protected.connect(self._on_protected)
        self.actions.finished.connect(self._on_action_finished)
        self.unknowns.message.connect(self.message)
        self.unknowns.found.connect(self._on_unknown_found)

    def follow(self, account_id: int | None) -> None:
        """Follow this account's orders and positions (None: none)."""
        self.monitor.follow(account_id)

    def refresh(self) -> None:
        self.monitor.poll()

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
        self.refresh()

    def watch_unknown(
        self, request: PlaceOsoRequest, evaluation: Evaluation, contract_id: int
    ) -> None:
        """An outcome nobody could confirm: look the clOrdId up for a while (never resends)."""
        if request.cl_ord_id:
            self._unknown[request.cl_ord_id] = (request, evaluation, contract_id)
            self.unknowns.watch(request.cl_ord_id)

    def _on_unknown_found(self, cl_ord_id: str, order: FoundOrder) -> None:
        request, evaluation, contract_id = self._unknown.pop(cl_ord_id)
        outcome = Outcome(
            status=Status.PLACED,
            cl_ord_id=cl_ord_id,
            reconciled=True,
            message="Found on the server after all: it was placed.",
            order_id=order.order_id,
            oso1_id=order.oso1_id,
            oso2_id=order.oso2_id,
        )
        self.track(request, outcome, evaluation, contract_id)

    def _on_lost(self, message: str) -> None:
        if self.connection_ok:
            self.journal.write("connection lost", detail=message)
        self.connection_ok = False
        self.links.on_health(False, message)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        if not self.connection_ok:
            self.journal.write("connection restored")
        self.connection_ok = True
        self.snapshot = snapshot
        self.links.on_health(True, "")
        states = bracket_states(snapshot, (t.entry_id for t in self.tracked.values()))
        for tracked in self.tracked.values():
            state = states.get(tracked.entry_id)
            if state is not None:
                self._show_state(tracked, state)
        self._check_exposure(snapshot)
        self._cancel_orphans(snapshot)

    def _show_state(self, tracked: Tracked, state: BracketState) -> None:
        if self._shown.get(tracked.cl_ord_id) == state:
            return  # unchanged since the last look: nothing to redraw
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
        self.links.show_row(tracked.cl_ord_id, words)

    def _exit_ids(self, snapshot: Snapshot) -> set[int]:
        """Every exit the ticket placed: the legs of its brackets and its protective stops."""
        entries = {t.entry_id for t in self.tracked.values()}
        legs = {o.id for o in snapshot.orders.values() if o.parent_id in entries}
        return legs | self.protective_ids

    def _cancel_orphans(self, snapshot: Snapshot) -> None:
        """A position the ticket followed went flat: its exits still working are cancelled at
        once, so none of them can open a position nobody asked for."""
        orphans = [
            o.id
            for o in orphan_exits(snapshot, self._exit_ids(snapshot))
            if o.id not in self._cancelling
        ]
        if orphans and self.actions.cancel_orphans(orphans):
            self._cancelling.update(orphans)

    def _check_exposure(self, snapshot: Snapshot) -> None:
        found = {e.contract_id: e for e in exposures(snapshot)}
        self._seen_uncovered = {c: self._seen_uncovered.get(c, 0) + 1 for c in found}
        alarming = [found[c] for c, n in self._seen_uncovered.items() if n >= ALARM_AFTER_POLLS]
        self._show_alarm(alarming[0] if alarming else None)

    def _show_alarm(self, exposure: Exposure | None) -> None:
        if exposure is None:
            if self.exposure is not None:
                self.journal.write("alarm cleared", contract_id=self.exposure.contract_id)
            self.exposure = None
            self.banner.setVisible(False)
            return
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

    def protect(self) -> None:
        exposure = self.exposure
        tracked = self._tracked_for(exposure.contract_id) if exposure else None
        if exposure is None or tracked is None:
            return
        snapshot = self.snapshot
        exits = self._exit_ids(snapshot) if snapshot is not None else set(self.protective_ids)
        if self.actions.protect(exposure, tracked, exits):
            self.banner.protect.setEnabled(False)

    def _on_protected(self, report: ProtectReport) -> None:
        self.protective_ids.update(i for i in (report.stop_id, report.target_id) if i)

    def flatten_exposed(self) -> None:
        if self.exposure is not None:
            self.flatten(self.exposure.contract_id)

    def flatten(self, contract_id: int) -> None:
        if self.actions.flatten(contract_id):
            self.banner.flatten.setEnabled(False)

    def cancel(self, cl_ord_id: str) -> None:
        tracked = self.tracked.get(cl_ord_id)
        if tracked is None:
            self.message.emit(
                "This window does not follow that order (its outcome is not known to be "
                "placed): cancel it in Tradovate, or wait until it is found."
            )
            return
        self.actions.cancel(tracked)

    def _on_action_finished(self, action: str, ok: bool) -> None:
        self.banner.flatten.setEnabled(True)
        if ok and action in ("protect", "flatten"):
            self._seen_uncovered.clear()  # the position changed: look at it afresh
        self.refresh()
