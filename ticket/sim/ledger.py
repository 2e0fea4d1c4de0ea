"""The exchange's records besides orders and positions (commands and their reports, execution
reports, fills) and the `props` events that tell the world about every change.

Every change the exchange makes goes through `emit`, in the order it happens; one public
operation (a placement, a cancel, a price move...) is one batch, handed to each listener when
the operation ends. Listeners run on the thread that made the change, under the exchange lock:
they must only copy or enqueue. The entities are the wire dicts of `<entityType>/item`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Literal

from ticket.sim.entities import SimOrder, iso, trade_date

Event = dict[str, object]
EventListener = Callable[[list[Event]], None]
EventType = Literal["Created", "Updated", "Deleted"]
Entity = dict[str, object]


class Ledger:
    """Owned by one `Exchange` and used under its lock only."""

    def __init__(self, clock: Callable[[], datetime], new_id: Callable[[], int]) -> None:
        self._clock = clock
        self._new_id = new_id
        self.commands: list[Entity] = []
        self.commands_by_order: dict[int, list[Entity]] = {}
        self.command_reports: list[Entity] = []
        self.command_reports_by_command: dict[int, list[Entity]] = {}
        self.execution_reports: list[Entity] = []
        self.execution_reports_by_command: dict[int, list[Entity]] = {}
        self.fills: list[Entity] = []
        self.fills_by_order: dict[int, list[Entity]] = {}
        self.listeners: list[EventListener] = []
        self.batches = 0  # batches handed to the listeners so far
        self._batch: list[Event] = []

    # -- events --

    def emit(self, entity_type: str, event_type: EventType, entity: Entity) -> None:
        # a copy: the stored record may change later, the event says what it was now
        self._batch.append(
            {"entityType": entity_type, "eventType": event_type, "entity": dict(entity)}
        )

    def flush(self) -> None:
        """Hand the operation's batch to the listeners (nothing if nothing changed)."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self.batches += 1
        for listener in self.listeners:
            listener(batch)

    # -- records --

    def command(
        self,
        order: SimOrder,
        kind: str,
        *,
        automated: bool,
        cl_ord_id: str | None = None,
        command_id: int | None = None,
        status: str = "RiskPassed",
        reject: str | None = None,
    ) -> int:
        """A New, Modify or Cancel command for `order` and its report; returns its id."""
        command_id = command_id or self._new_id()
        command: Entity = {
            "id": command_id,
            "orderId": order.id,
            "timestamp": iso(self._clock()),
            "commandType": kind,
            "commandStatus": status,
            "isAutomated": automated,
        }
        if cl_ord_id:
            command["clOrdId"] = cl_ord_id
        self.commands.append(command)
        self.commands_by_order.setdefault(order.id, []).append(command)
        self.emit("command", "Created", command)
        report: Entity = {
            "id": self._new_id(),
            "commandId": command_id,
            "timestamp": command["timestamp"],
            "commandStatus": status,
            "ordStatus": order.status.value,
        }
        if reject:
            report["rejectReason"] = reject
        self.command_reports.append(report)
        self.command_reports_by_command.setdefault(command_id, []).append(report)
        self.emit("commandReport", "Created", report)
        return command_id

    def execution(
        self,
        order: SimOrder,
        exec_type: str,
        command_id: int,
        *,
        last: tuple[int, Decimal] | None = None,
        reject: str | None = None,
        text: str | None = None,
    ) -> None:
        """An execution report of what just happened to `order`: New, Suspended, Trade (with
        `last` = (qty, price) of the fill), Replaced, Canceled or Rejected."""
        now = self._clock()
        report: Entity = {
            "id": self._new_id(),
            "commandId": command_id,
            "name": report_name(order),
            "accountId": order.account_id,
            "contractId": order.contract.id,
            "timestamp": iso(now),
            "tradeDate": trade_date(now),
            "orderId": order.id,
            "execType": exec_type,
            "ordStatus": order.status.value,
            "action": order.action.value,
            "cumQty": order.filled,
        }
        average = order.avg_px()
        if average is not None:
            report["avgPx"] = average
        if last is not None:
            report["lastQty"], report["lastPx"] = last[0], float(last[1])
        if reject:
            report["rejectReason"] = reject
        if text:
            report["text"] = text
        self.execution_reports.append(report)
        self.execution_reports_by_command.setdefault(command_id, []).append(report)
        self.emit("executionReport", "Created", report)

    def fill(self, order: SimOrder, qty: int, price: Decimal, now: datetime) -> None:
        fill: Entity = {
            "id": self._new_id(),
            "orderId": order.id,
            "contractId": order.contract.id,
            "timestamp": iso(now),
            "tradeDate": trade_date(now),
            "action": order.action.value,
            "qty": qty,
            "price": float(price),
            "active": True,
            "finallyPaired": 0,
        }
        self.fills.append(fill)
        self.fills_by_order.setdefault(order.id, []).append(fill)
        self.emit("fill", "Created", fill)


def report_name(order: SimOrder) -> str:
    """ExecutionReport.name is required by the spec, which does not say what it holds; the
    simulator sends the contract's name (one place to change if Tradovate's differs)."""
    return order.contract.name
