"""The one way an order is changed: `/order/modifyorder`, and knowing whether the change took.

`Modifier.modify` builds the body from the order's live version (its orderId, orderQty and
orderType, with the new price, stopPrice or quantity), sends it once, and judges the answer by
the one outcome rule (`ticket.broker.outcome`). A modify answers with a commandId only, which is
"no guarantee" (tradovate-api.md 4.2): the change counts as confirmed once the order's next
version shows it, read from the account replica when one is given (`ReplicaWatch`), else from a
few bounded reads of `orderVersion/deps`; when none shows within `confirm_seconds` it is
reported unconfirmed. An answer that was lost is followed the same way. One change per order is
on its way at a time; nothing is ever resent on its own.

Blocking: call it from a worker thread, never the GUI thread. Any number of threads may share one
`Modifier`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors
from ticket.broker.client import TradovateClient
from ticket.broker.models import ModifyOrderRequest
from ticket.broker.outcome import Status, Verdict, judge
from ticket.broker.replica import AccountReplica, Change
from ticket.domain.orders import FailureReason, OrderType, OrdStatus, TimeInForce

log = logging.getLogger(__name__)
T = TypeVar("T")
MODIFY_PATH = "/order/modifyorder"
CONFIRM_SECONDS = 3.0
# Reads of orderVersion/deps while no replica is at hand: few, and spread over the wait.
POLL_DELAYS = (0.05, 0.15, 0.3, 0.5, 0.75, 1.0)


class ModifyStatus(StrEnum):
    CONFIRMED = "confirmed"  # the order's live version shows the change
    UNCONFIRMED = "unconfirmed"  # accepted (a commandId), but no version showed it in time
    REJECTED = "rejected"  # Tradovate's failureReason: nothing changed
    PENALISED = "penalised"  # a p-ticket: nothing changed, wait
    NOT_SENT = "not_sent"  # proof that nothing was acted on
    UNKNOWN = "unknown"  # the answer was lost and no version showed the change
    BUSY = "busy"  # a change of this order is still on its way: this one was not sent


class LiveOrder(BaseModel):
    """An order's live version, as far as a modify needs it."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    order_id: int
    qty: int
    order_type: OrderType
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    status: OrdStatus | None = None
    version_id: int | None = None


class ModifyOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    status: ModifyStatus
    order_id: int
    message: str
    command_id: int | None = None
    failure_reason: FailureReason | None = None
    failure_text: str | None = None
    penalty_seconds: float | None = None
    latency_ms: float | None = None  # call to answer
    confirm_ms: float | None = None  # call to the version that showed the change
    live: LiveOrder | None = None  # the order as last seen


@dataclass(frozen=True)
class Posted:
    """A change sent and answered with a commandId (or whose answer was lost): its outcome
    waits for the order's next version (`Modifier.settle`)."""

    request: ModifyOrderRequest
    before: LiveOrder
    verdict: Verdict
    started: float  # perf_counter when it was sent
    latency: float  # ms, call to answer


def busy_outcome(order_id: int) -> ModifyOutcome:
    return ModifyOutcome(
        status=ModifyStatus.BUSY,
        order_id=order_id,
        message=f"A change of order {order_id} is still on its way: wait for its "
        "outcome before changing it again.",
    )


def build_modify(
    live: LiveOrder,
    *,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    qty: int | None = None,
    automated: bool = False,
) -> ModifyOrderRequest:
    """The modify body: the live version's type and size, what changes in place of it.

    `automated` is false when a person asked for the change, true for the auto stop."""
    kind = live.order_type
    new_price = price if price is not None else live.price
    new_stop = stop_price if stop_price is not None else live.stop_price
    if price is not None and not kind.needs_price:
        raise ValueError(f"A {kind.value} order has no limit price to move; give a stop price.")
    if stop_price is not None and not kind.needs_stop_price:
        raise ValueError(f"A {kind.value} order has no stop price to move; give a price.")
    return ModifyOrderRequest(
        order_id=live.order_id,
        order_qty=qty if qty is not None else live.qty,
        order_type=kind,
        price=new_price if kind.needs_price else None,
        stop_price=new_stop if kind.needs_stop_price else None,
        # timeInForce is left out: the replica's view does not carry it, and the body must be
        # the same whichever source the live version came from
        is_automated=automated,
    )


def shows(live: LiveOrder | None, request: ModifyOrderRequest) -> bool:
    """Does this version carry what the request asked for?"""
    if live is None:
        return False
    return (
        live.qty == request.order_qty
        and (request.price is None or live.price == request.price)
        and (request.stop_price is None or live.stop_price == request.stop_price)
    )


class ReplicaWatch:
    """The account replica shared between the thread that applies the stream's events and the
    threads that wait for a change to show. Whoever owns the stream calls `replace` on each sync
    and `apply_all` with each batch; readers go through `read` and `wait`."""

    def __init__(self, replica: AccountReplica | None = None) -> None:
        self._replica = replica
        self._changed = threading.Condition()

    def replace(self, replica: AccountReplica) -> None:
        with self._changed:
            self._replica = replica
            self._changed.notify_all()

    def apply_all(self, events: Iterable[Mapping[str, Any]]) -> Change:
        with self._changed:
            if self._replica is None:
                return Change()
            change = self._replica.apply_all(events)
            self._changed.notify_all()
            return change

    def read(self, look: Callable[[AccountReplica], T]) -> T | None:
        with self._changed:
            return look(self._replica) if self._replica is not None else None

    def wait(self, look: Callable[[AccountReplica], T | None], timeout: float) -> T | None:
        """The first non-None answer of `look` within `timeout` seconds, else None."""
        with self._changed:
            found: list[T] = []

            def ready() -> bool:
                if self._replica is None:
                    return False
                answer = look(self._replica)
                if answer is None:
                    return False
                found.append(answer)
                return True

            self._changed.wait_for(ready, timeout)
            return found[0] if found else None


def live_from_replica(replica: AccountReplica, order_id: int) -> LiveOrder | None:
    view = replica.order(order_id)
    if view is None or view.order_type is None:
        return None
    return LiveOrder(
        order_id=view.id,
        qty=view.qty,
        order_type=view.order_type,
        price=view.price,
        stop_price=view.stop_price,
        status=view.status,
    )


class Modifier:
    """See the module docstring."""

    def __init__(
        self,
        client: TradovateClient,
        *,
        watch: ReplicaWatch | None = None,
        confirm_seconds: float = CONFIRM_SECONDS,
        poll_delays: tuple[float, ...] = POLL_DELAYS,
        on_event: Callable[[str, dict[str, object]], None] | None = None,
        format_price: Callable[[Decimal], str] = str,
    ) -> None:
        self.client = client
        self.format_price = format_price  # the contract's, for the words of an outcome
        self.watch = watch
        self.confirm_seconds = confirm_seconds
        self.poll_delays = poll_delays
        self.on_event = on_event  # ("modify" | "modify_outcome", fields): for the journal
        self._busy: set[int] = set()
        self._lock = threading.Lock()

    def in_flight(self, order_id: int) -> bool:
        with self._lock:
            return order_id in self._busy

    def live(self, order_id: int) -> LiveOrder:
        """The order's live version: from the replica when it holds the order, else by REST."""
        if self.watch is not None:
            found = self.watch.read(lambda r: live_from_replica(r, order_id))
            if found is not None:
                return found
        return self._live_by_rest(order_id)

    def _live_by_rest(self, order_id: int, status: OrdStatus | None = None) -> LiveOrder:
        """Two look-ups (the order, its versions); one when the status is given."""
        with self.client.essential():  # a change under way needs them even while refused
            if status is None:
                status = self.client.order(order_id).ord_status
            versions = self.client.order_versions(order_id)
        if not versions:
            raise errors.NotFound(404, f"Order {order_id} has no version to change.")
        latest = max(versions, key=lambda v: v.id)
        return LiveOrder(
            order_id=order_id,
            qty=latest.order_qty,
            order_type=latest.order_type,
            price=latest.price,
            stop_price=latest.stop_price,
            time_in_force=latest.time_in_force,
            status=status,
            version_id=latest.id,
        )

    def claim(self, order_id: int) -> bool:
        """Take the order's single flight; False when a change of it is already on its way.
        Whoever claims releases, once the change's outcome is known."""
        with self._lock:
            if order_id in self._busy:
                return False
            self._busy.add(order_id)
            return True

    def release(self, order_id: int) -> None:
        with self._lock:
            self._busy.discard(order_id)

    def modify(
        self,
        order_id: int,
        *,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        qty: int | None = None,
        automated: bool = False,
        live: LiveOrder | None = None,
    ) -> ModifyOutcome:
        """Change one working order (see the module docstring). `live` saves a read when the
        caller already holds the order's live version."""
        if not self.claim(order_id):
            return busy_outcome(order_id)
        try:
            live = live or self.live(order_id)
            request = build_modify(
                live, price=price, stop_price=stop_price, qty=qty, automated=automated
            )
            return self.send(request, live)
        finally:
            self.release(order_id)

    def send(self, request: ModifyOrderRequest, live: LiveOrder) -> ModifyOutcome:
        """Send a built body once and follow it; callers hold the order's single flight."""
        posted = self.post(request, live)
        if isinstance(posted, ModifyOutcome):
            return posted
        return self.settle(posted, self._confirm(request, live, posted.verdict.command_id))

    def post(self, request: ModifyOrderRequest, live: LiveOrder) -> Posted | ModifyOutcome:
        """Send a built body once. The outcome when the answer settles it (refused, penalised,
        not sent, or nothing to send); else what was posted, for `settle` once the caller has
        seen (or not) the order's next version. Callers hold the order's single flight."""
        order_id = request.order_id
        if live.status is not None and live.status.is_final:
            return ModifyOutcome(
                status=ModifyStatus.NOT_SENT,
                order_id=order_id,
                message=f"Order {order_id} is {live.status.value}: there is nothing to change.",
                live=live,
            )
        if shows(live, request):
            return ModifyOutcome(
                status=ModifyStatus.NOT_SENT,
                order_id=order_id,
                message=f"Order {order_id} is already there: nothing was sent.",
                live=live,
            )
        body = request.to_wire()
        self._tell("modify", {"order_id": order_id, "body": body})
        started = time.perf_counter()
        reply = self.client.send_order(MODIFY_PATH, body)
        latency = (time.perf_counter() - started) * 1000
        verdict = judge(reply, "commandId")
        posted = Posted(
            request=request, before=live, verdict=verdict, started=started, latency=latency
        )
        if verdict.status in (Status.PLACED, Status.UNKNOWN):
            return posted
        return self._told(self._refused(posted), latency)

    def settle(self, posted: Posted, seen: LiveOrder | None) -> ModifyOutcome:
        """The outcome of a change Tradovate took (or whose answer was lost), given the order
        as last seen: confirmed when that version shows the change."""
        return self._told(self._settled(posted, seen), posted.latency)

    def _told(self, outcome: ModifyOutcome, latency: float) -> ModifyOutcome:
        self._tell(
            "modify_outcome",
            {
                "order_id": outcome.order_id,
                "status": outcome.status.value,
                "command_id": outcome.command_id,
                "failure_reason": outcome.failure_reason,
                "failure_text": outcome.failure_text,
                "latency_ms": round(latency, 3),
                "message": outcome.message,
            },
        )
        return outcome

    def _refused(self, posted: Posted) -> ModifyOutcome:
        verdict, before = posted.verdict, posted.before
        common: dict[str, Any] = {
            "order_id": posted.request.order_id,
            "latency_ms": posted.latency,
            "live": before,
        }
        if verdict.status is Status.REJECTED:
            reason = verdict.failure_reason
            words = ": ".join(str(w) for w in (reason, verdict.failure_text) if w)
            return ModifyOutcome(
                status=ModifyStatus.REJECTED,
                message=f"Tradovate refused the change ({words or 'no reason given'}): "
                "the order stays as it was.",
                failure_reason=reason,
                failure_text=verdict.failure_text,
                **common,
            )
        if verdict.status is Status.PENALISED:
            return ModifyOutcome(
                status=ModifyStatus.PENALISED,
                message=f"Tradovate imposed a time penalty of {verdict.p_time:.0f} s: nothing "
                "changed. Change it again after that, if still wanted.",
                penalty_seconds=verdict.p_time,
                **common,
            )
        return ModifyOutcome(
            status=ModifyStatus.NOT_SENT, message=f"Not changed: {verdict.why}", **common
        )

    def _settled(self, posted: Posted, seen: LiveOrder | None) -> ModifyOutcome:
        request, before, verdict = posted.request, posted.before, posted.verdict
        order_id = request.order_id
        common: dict[str, Any] = {"order_id": order_id, "latency_ms": posted.latency}
        command_id = verdict.command_id
        confirm_ms = (time.perf_counter() - posted.started) * 1000
        if seen is not None and shows(seen, request):
            return ModifyOutcome(
                status=ModifyStatus.CONFIRMED,
                message=f"Order {order_id} changed: {describe(seen, self.format_price)}.",
                command_id=command_id,
                confirm_ms=confirm_ms,
                live=seen,
                **common,
            )
        if seen is not None and seen.status is not None and seen.status.is_final:
            why = f"order {order_id} was {seen.status.value} before the change showed"
        else:
            why = f"no new version of order {order_id} showed it within {self.confirm_seconds:g} s"
        if verdict.status is Status.PLACED:
            return ModifyOutcome(
                status=ModifyStatus.UNCONFIRMED,
                message=f"Tradovate took the change (command {command_id}), but {why}. Look at "
                "the order before changing it again.",
                command_id=command_id,
                live=seen or before,
                **common,
            )
        return ModifyOutcome(
            status=ModifyStatus.UNKNOWN,
            message=f"{verdict.why} The change may have been made: {why}. Look at the order "
            "before changing it again.",
            live=seen or before,
            **common,
        )

    def _confirm(
        self, request: ModifyOrderRequest, before: LiveOrder, command_id: int | None
    ) -> LiveOrder | None:
        """The version that shows the change, or the order as last seen when none did."""
        order_id = request.order_id
        if self.watch is not None and self.watch.read(lambda r: r.order(order_id)) is not None:

            def settled(replica: AccountReplica) -> LiveOrder | None:
                live = live_from_replica(replica, order_id)
                if live is None:
                    return None
                final = live.status is not None and live.status.is_final
                return live if shows(live, request) or final else None

            seen = self.watch.wait(settled, self.confirm_seconds)
            return seen or self.watch.read(lambda r: live_from_replica(r, order_id))
        return self._poll(request, before, command_id)

    def _poll(
        self, request: ModifyOrderRequest, before: LiveOrder, command_id: int | None
    ) -> LiveOrder | None:
        deadline = time.monotonic() + self.confirm_seconds
        last: LiveOrder | None = None
        delays = iter(self.poll_delays)
        while True:
            delay = next(delays, self.poll_delays[-1] if self.poll_delays else 0.5)
            left = deadline - time.monotonic()
            if left <= 0:
                return last
            time.sleep(min(delay, left))
            try:
                last = self._live_by_rest(request.order_id, before.status or OrdStatus.WORKING)
            except errors.BrokerError as exc:
                log.info("modify of %s: version read failed: %s", request.order_id, exc)
                continue
            newer = before.version_id is None or (last.version_id or 0) > before.version_id
            by_id = command_id is not None and last.version_id == command_id
            if (by_id or newer) and shows(last, request):
                return last

    def _tell(self, kind: str, fields: dict[str, object]) -> None:
        if self.on_event is not None:
            try:
                self.on_event(kind, fields)
            except Exception:  # a journal that fails must not lose the outcome
                log.exception("modify %s not recorded", kind)


def describe(live: LiveOrder, fmt: Callable[[Decimal], str] = str) -> str:
    parts = [f"{live.qty} {live.order_type.value}"]
    if live.price is not None:
        parts.append(f"price {fmt(live.price)}")
    if live.stop_price is not None:
        parts.append(f"stop {fmt(live.stop_price)}")
    return " ".join(parts)
