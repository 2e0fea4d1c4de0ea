"""Changing a working order from the window: the one `Modifier`, sent on the order runner and
confirmed on the GUI thread by the account replica.

The account replica belongs to the GUI thread (`AccountFeed`), so the worker only posts the
change (`Modifier.post`); the order's next version is then looked for here, in the replica as
each batch of events lands, until `confirm_seconds` have passed (`Modifier.settle`). A reply
with only a commandId is confirmed by that version, else reported unconfirmed; a lost answer
is unknown. Nothing is ever resent. One change per order is on its way at a time (the
Modifier's single flight, held until the outcome is known)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject, QTimer, Signal

from ticket.broker.client import TradovateClient
from ticket.broker.errors import describe_error
from ticket.broker.models import ModifyOrderRequest
from ticket.broker.modify import (
    CONFIRM_SECONDS,
    LiveOrder,
    Modifier,
    ModifyOutcome,
    ModifyStatus,
    Posted,
    build_modify,
    busy_outcome,
    live_from_replica,
    shows,
)
from ticket.broker.replica import Change
from ticket.domain.instruments import Instrument
from ticket.domain.orders import OrdStatus
from ticket.ui.session import SessionController

log = logging.getLogger(__name__)
Done = Callable[[ModifyOutcome], None]


class _Waiting:
    def __init__(
        self, modifier: Modifier, posted: Posted, timer: QTimer, then: Done | None
    ) -> None:
        self.modifier = modifier
        self.posted = posted
        self.timer = timer
        self.then = then


class OrderChanges(QObject):
    """Lives on the GUI thread. `outcome` carries every change's outcome, `busy` each order's
    single flight as it starts (True) and ends (False)."""

    outcome = Signal(object)  # ModifyOutcome
    busy = Signal(int, bool)  # order id, a change of it is on its way

    def __init__(
        self,
        session: SessionController,
        record: Callable[[str, dict[str, object]], None],
        parent: QObject | None = None,
        confirm_seconds: float = CONFIRM_SECONDS,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.record = record
        self.confirm_seconds = confirm_seconds
        self.instrument: Instrument | None = None  # for prices in words
        self._modifier: Modifier | None = None
        self._waiting: dict[int, _Waiting] = {}
        self._flying: set[int] = set()
        session.account_feed.changed.connect(self._on_change)

    def modifier(self) -> Modifier | None:
        """The one Modifier of the current connection."""
        connection = self.session.connection
        if connection is None:
            return None
        client: TradovateClient = connection.client
        if self._modifier is None or self._modifier.client is not client:
            self._modifier = Modifier(
                client, on_event=self.record, confirm_seconds=self.confirm_seconds
            )
        fmt = self.instrument.format_price if self.instrument is not None else str
        self._modifier.format_price = fmt
        return self._modifier

    def in_flight(self, order_id: int) -> bool:
        return order_id in self._flying

    @property
    def any_in_flight(self) -> bool:
        return bool(self._flying)

    def live(self, order_id: int) -> LiveOrder | None:
        replica = self.session.account_feed.replica
        return live_from_replica(replica, order_id) if replica is not None else None

    def change(
        self,
        order_id: int,
        *,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        qty: int | None = None,
        automated: bool = False,
        then: Done | None = None,
    ) -> ModifyOutcome | None:
        """Send one change of a working order. Returns the outcome at once when nothing was
        sent (busy, not found, not connected); None when it is on its way, its outcome to
        come by `outcome` (and `then`)."""
        modifier = self.modifier()
        live = self.live(order_id)
        if modifier is None or live is None:
            why = "not connected" if modifier is None else "the account stream does not hold it"
            return self._now(
                ModifyOutcome(
                    status=ModifyStatus.NOT_SENT,
                    order_id=order_id,
                    message=f"Order {order_id} was not changed: {why}.",
                ),
                then,
            )
        try:
            request = build_modify(
                live, price=price, stop_price=stop_price, qty=qty, automated=automated
            )
        except ValueError as exc:
            return self._now(
                ModifyOutcome(status=ModifyStatus.NOT_SENT, order_id=order_id, message=str(exc)),
                then,
            )
        if not modifier.claim(order_id):
            return self._now(busy_outcome(order_id), then)
        self._flying.add(order_id)
        self.busy.emit(order_id, True)
        if qty is None:
            then = self._keeping_size(then)
        self.session.orders.run(
            lambda: modifier.post(request, live),
            lambda result: self._posted(modifier, request, result, then),
            lambda exc: self._failed(modifier, request, live, exc, then),
        )
        return None

    def _keeping_size(self, then: Done | None) -> Done:
        """A change that asked for no new size carries the size the order had when it was
        sent (orderQty is required). Should the order's entry fill further meanwhile, the
        change lands with the smaller size and shrinks a leg below the filled entry it
        protects: the size is then put back to the entry's, as a change of its own."""

        def done(outcome: ModifyOutcome) -> None:
            if then is not None:
                then(outcome)
            if outcome.status in (ModifyStatus.CONFIRMED, ModifyStatus.UNCONFIRMED):
                self._restore_size(outcome.order_id)

        return done

    def _restore_size(self, order_id: int) -> None:
        replica = self.session.account_feed.replica
        view = replica.order(order_id) if replica is not None else None
        if replica is None or view is None or view.parent_id is None:
            return
        entry = replica.order(view.parent_id)
        if entry is None or view.status is not OrdStatus.WORKING or view.filled:
            return
        if entry.filled > view.qty:
            self.record("modify_size_restored", {"order_id": order_id, "qty": entry.filled})
            # made by the program, not asked by a person (tradovate-api.md 3)
            self.change(order_id, qty=entry.filled, automated=True)

    def _now(self, outcome: ModifyOutcome, then: Done | None) -> ModifyOutcome:
        self.outcome.emit(outcome)
        if then is not None:
            then(outcome)
        return outcome

    def _posted(
        self,
        modifier: Modifier,
        request: ModifyOrderRequest,
        result: Posted | ModifyOutcome,
        then: Done | None,
    ) -> None:
        if isinstance(result, ModifyOutcome):
            self._finish(modifier, result, then)
            return
        order_id = request.order_id
        seen = self.live(order_id)
        if self._settled(seen, request):
            self._finish(modifier, modifier.settle(result, seen), then)
            return
        timer = QTimer(self, singleShot=True, interval=int(self.confirm_seconds * 1000))
        timer.timeout.connect(lambda: self._give_up(order_id))
        self._waiting[order_id] = _Waiting(modifier, result, timer, then)
        timer.start()

    @staticmethod
    def _settled(seen: LiveOrder | None, request: ModifyOrderRequest) -> bool:
        if seen is None:
            return False
        return shows(seen, request) or (seen.status is not None and seen.status.is_final)

    def _on_change(self, change: Change) -> None:
        if not self._waiting:
            return
        for order_id in list(self._waiting):
            if change.reset or order_id in change.orders:
                waiting = self._waiting[order_id]
                seen = self.live(order_id)
                if self._settled(seen, waiting.posted.request):
                    del self._waiting[order_id]
                    waiting.timer.stop()
                    outcome = waiting.modifier.settle(waiting.posted, seen)
                    self._finish(waiting.modifier, outcome, waiting.then)

    def _give_up(self, order_id: int) -> None:
        waiting = self._waiting.pop(order_id, None)
        if waiting is not None:
            outcome = waiting.modifier.settle(waiting.posted, self.live(order_id))
            self._finish(waiting.modifier, outcome, waiting.then)

    def _failed(
        self,
        modifier: Modifier,
        request: ModifyOrderRequest,
        live: LiveOrder,
        exc: BaseException,
        then: Done | None,
    ) -> None:
        # post() reports every broker outcome itself: this happened after the body may have
        # left, so the change is unknown, never "failed"
        log.error("modify of %s ended in %r", request.order_id, exc)
        outcome = ModifyOutcome(
            status=ModifyStatus.UNKNOWN,
            order_id=request.order_id,
            message=f"{describe_error(exc)} The change may have been made: look at the order "
            "before changing it again.",
            live=live,
        )
        self._finish(modifier, outcome, then)

    def _finish(self, modifier: Modifier, outcome: ModifyOutcome, then: Done | None) -> None:
        modifier.release(outcome.order_id)
        self._flying.discard(outcome.order_id)
        self.busy.emit(outcome.order_id, False)
        self.outcome.emit(outcome)
        if then is not None:
            then(outcome)

    def close(self) -> None:
        """The window goes: what still waits for a version is left as it is."""
        for waiting in self._waiting.values():
            waiting.timer.stop()
        self._waiting.clear()
