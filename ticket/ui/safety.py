"""After the click: follow each bracket, raise the naked-position alarm, cancel the exits of a
position gone flat, and hand cancel, protect and flatten to `SafetyActions`.

Everything here follows the account by push: `AccountFeed.changed` says which orders, fills,
positions and contracts the events touched, and only those brackets and contracts are looked
at again, through the replica's indexes (never a scan of the whole account). The window is
reached only through `SafetyLinks`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ticket.broker.monitor import ProtectReport
from ticket.broker.orders import FoundOrder, Outcome, Status
from ticket.broker.replica import AccountReplica, Change
from ticket.domain.draft import Evaluation
from ticket.domain.exits import LIVE
from ticket.domain.orders import OrderType, PlaceOsoRequest
from ticket.domain.protection import (
    BracketState,
    OrderView,
    slippage_ticks,
    slippage_words,
)
from ticket.journal import Journal
from ticket.ui.account_feed import AccountFeed
from ticket.ui.alarm import AlarmWatch, Tracked
from ticket.ui.safety_actions import SafetyActions
from ticket.ui.session import SessionController
from ticket.ui.unknown_watch import UnknownWatch


@dataclass(frozen=True)
class SafetyLinks:
    """All the safety logic needs of the window."""

    account: Callable[[], tuple[int, str] | None]  # id and name of the account orders go to
    show_row: Callable[[str, str], None]  # a placed order's status in the table, by clOrdId


class SafetyController(QObject):
    """On the GUI thread. Owns the alarm banner, the brackets followed and the actions; reads
    the account from the session's `AccountFeed`."""

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
        self.feed: AccountFeed = session.account_feed
        self.alarm = AlarmWatch(journal, self._tracked_for, self)
        self.banner = self.alarm.banner
        self.actions = SafetyActions(session, journal, links.account, self)
        self.unknowns = UnknownWatch(session, journal, links.show_row, self)
        self.unknowns.local = self._find_locally
        self.tracked: dict[str, Tracked] = {}
        self._by_entry: dict[int, Tracked] = {}
        self._shown: dict[str, BracketState] = {}
        self.protective_ids: set[int] = set()  # stops placed by Protect now
        self._cancelling: set[int] = set()  # orphan exits whose cancel was sent
        self._unknown: dict[str, tuple[PlaceOsoRequest, Evaluation, int]] = {}
        self.feed.changed.connect(self._on_change)
        self.banner.protect.clicked.connect(self.protect)
        self.banner.flatten.clicked.connect(self.flatten_exposed)
        self.actions.message.connect(self.message)
        self.actions.protected.connect(self._on_protected)
        self.actions.finished.connect(self._on_action_finished)
        self.unknowns.message.connect(self.message)
        self.unknowns.found.connect(self._on_unknown_found)

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
        tracked = Tracked(
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
        self.tracked[tracked.cl_ord_id] = tracked
        self._by_entry[tracked.entry_id] = tracked
        replica = self.feed.replica
        if replica is not None:  # the stream may have told of it before the answer came
            self._follow(replica, [tracked], {contract_id})

    def watch_unknown(
        self, request: PlaceOsoRequest, evaluation: Evaluation, contract_id: int
    ) -> None:
        """An outcome nobody could confirm: look the clOrdId up for a while (never resends)."""
        if request.cl_ord_id:
            self._unknown[request.cl_ord_id] = (request, evaluation, contract_id)
            self.unknowns.watch(request.cl_ord_id)

    def _find_locally(self, cl_ord_id: str) -> FoundOrder | None:
        """The stream's replica knows every command's clOrdId: no request needed."""
        replica = self.feed.replica
        order_id = replica.find_by_cl_ord_id(cl_ord_id) if replica is not None else None
        if replica is None or order_id is None:
            return None
        state = replica.brackets(order_id)
        legs = [leg.id for leg in state.legs] if state is not None else []
        return FoundOrder(
            order_id=order_id,
            oso1_id=legs[0] if legs else None,
            oso2_id=legs[1] if len(legs) > 1 else None,
        )

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

    def _on_change(self, change: Change) -> None:
        replica = self.feed.replica
        if replica is None:  # no account followed (any more): nothing can be said of it
            self.alarm.clear()
            return
        if change.reset:  # a new sync: look at everything this window follows, once
            tracked: Iterable[Tracked] = list(self.tracked.values())
            contracts = set(replica.positions()) | self.alarm.contracts()
            contracts |= {t.contract_id for t in self.tracked.values()}
        else:
            tracked = self._tracked_touched(replica, change.orders)
            contracts = set(change.contracts | change.positions)
        self._follow(replica, tracked, contracts)

    def _tracked_touched(self, replica: AccountReplica, order_ids: Iterable[int]) -> list[Tracked]:
        """The brackets whose entry or leg is among these orders."""
        found: dict[str, Tracked] = {}
        for order_id in order_ids:
            tracked = self._by_entry.get(order_id)
            if tracked is None:
                view = replica.order(order_id)
                if view is not None and view.parent_id is not None:
                    tracked = self._by_entry.get(view.parent_id)
            if tracked is not None:
                found[tracked.cl_ord_id] = tracked
        return list(found.values())

    def _follow(
        self, replica: AccountReplica, tracked: Iterable[Tracked], contracts: set[int]
    ) -> None:
        for one in tracked:
            state = replica.brackets(one.entry_id)
            if state is not None:
                self._show_state(one, state)
        if contracts:
            self.alarm.update({c: replica.exposure(c) for c in contracts})
            self._cancel_orphans(replica, contracts)

    def _show_state(self, tracked: Tracked, state: BracketState) -> None:
        if self._shown.get(tracked.cl_ord_id) == state:
            return  # unchanged: nothing to redraw
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

    def _exits_on(self, replica: AccountReplica, contract_id: int) -> list[OrderView]:
        """The exits the ticket placed on one contract: the legs of its brackets and its
        protective stops (a walk over what this window placed, not over the account)."""
        views: list[OrderView] = []
        for tracked in self._by_entry.values():
            state = replica.brackets(tracked.entry_id)
            if tracked.contract_id == contract_id and state is not None:
                views.extend(state.legs)
        for order_id in self.protective_ids:
            view = replica.order(order_id)
            if view is not None and view.contract_id == contract_id:
                views.append(view)
        return views

    def _exit_ids(self, replica: AccountReplica) -> set[int]:
        ids = set(self.protective_ids)
        for entry_id in self._by_entry:
            state = replica.brackets(entry_id)
            if state is not None:
                ids.update(leg.id for leg in state.legs)
        return ids

    def _cancel_orphans(self, replica: AccountReplica, contracts: set[int]) -> None:
        """A position went flat: the ticket's exits still working on it are cancelled at once,
        so none of them can open a position nobody asked for. Suspended legs wait for an entry
        that has not filled: they open nothing and are left alone."""
        positions = replica.positions()
        orphans = sorted(
            view.id
            for contract_id in contracts
            if positions.get(contract_id, 0) == 0
            for view in self._exits_on(replica, contract_id)
            if view.status in LIVE and view.id not in self._cancelling
        )
        if orphans and self.actions.cancel_orphans(orphans):
            self._cancelling.update(orphans)

    def _tracked_for(self, contract_id: int) -> Tracked | None:
        found = [t for t in self.tracked.values() if t.contract_id == contract_id]
        return found[-1] if found else None

    # -- actions --

    def protect(self) -> None:
        exposure, replica = self.alarm.exposure, self.feed.replica
        tracked = self._tracked_for(exposure.contract_id) if exposure else None
        if exposure is None or tracked is None:
            return
        exits = self._exit_ids(replica) if replica is not None else set(self.protective_ids)
        if self.actions.protect(exposure, tracked, exits):
            self.banner.protect.setEnabled(False)

    def _on_protected(self, report: ProtectReport) -> None:
        self.protective_ids.update(i for i in (report.stop_id, report.target_id) if i)

    def flatten_exposed(self) -> None:
        if self.alarm.exposure is not None:
            self.flatten(self.alarm.exposure.contract_id)

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
            self.alarm.grace_again()  # the position changed: look at it afresh
