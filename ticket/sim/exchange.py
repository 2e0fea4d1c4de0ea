"""The simulator's market and order book: one account, prices moving in whole ticks, and orders
that follow Tradovate's states.

Entries work and fill when price allows; OSO legs are Suspended until their entry fills, then
work with the entry's filled quantity; one leg filling cancels the other. Fills move positions
and cash. All state sits behind one lock: the HTTP threads and the price thread share it.

The book is indexed by contract, so the work of a placement does not grow with the book: a
new order is checked against the quote on its own (orders already working were checked at
that quote before), and a price move checks the working orders of the contract that moved.

Every change goes out as a `props` event (`ledger.py`): each public operation runs inside
`_operation`, which hands its listeners one ordered batch when it ends. An event carries only
the entities the operation touched, so its cost does not grow with the book either.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ticket.domain.orders import Action, FailureReason, OrderType, OrdStatus
from ticket.sim.catalog import Catalog, SimContract
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME
from ticket.sim.conventions import (
    FILLS_AT_THE_TOUCH,
    FINAL,
    NEEDS_PRICE,
    NEEDS_STOP_PRICE,
    TRAILING,
    on_grid,
    peg_from_stop,
    peg_on_the_right_side,
    sign,
    stop_through_the_market,
    trailing_stop,
)
from ticket.sim.entities import SimOrder, SimPosition, cash_balance_wire
from ticket.sim.faults import Faults
from ticket.sim.ledger import Entity, EventListener, Ledger

SIM_STARTING_CASH = Decimal(50000)
MAX_ORDER_QTY = 10_000  # the practice account's per-order limit
MAX_PRICE = Decimal(10**9)  # no futures contract trades near a billion: a typo, not a price


def _cl_ord_id(body: dict[str, Any]) -> str | None:
    value = body.get("clOrdId")
    return value if isinstance(value, str) else None


class Refused(Exception):
    """An order call the exchange refuses: becomes {failureReason, failureText} with HTTP 200."""

    def __init__(self, reason: FailureReason, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


@dataclass(frozen=True)
class _Draft:
    """One order of a request, checked and not yet kept."""

    action: Action
    order_type: OrderType
    price: Decimal | None
    stop_price: Decimal | None
    peg: Decimal | None
    time_in_force: str | None
    text: str | None
    cl_ord_id: str | None


class Exchange:
    def __init__(
        self,
        catalog: Catalog,
        faults: Faults,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        seed: int | None = None,
    ) -> None:
        self.catalog = catalog
        self.faults = faults
        self.clock = clock
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._next_id = 8_000_000
        self.cash = SIM_STARTING_CASH
        self.realized = Decimal(0)  # today's realised P&L, in dollars
        self.cash_balance_id = self.new_id()
        self.cash_timestamp = clock()
        self.last: dict[int, Decimal] = {
            c.id: catalog.start_price(c) for c in catalog.contracts.values()
        }
        self.orders: dict[int, SimOrder] = {}
        self.ledger = Ledger(clock, self.new_id)
        # contract id -> its orders that may be Working; one that is no longer is dropped
        # when next met
        self._books: dict[int, dict[int, SimOrder]] = {}
        # contract id -> its orders not yet final: what a liquidation cancels
        self._live: dict[int, dict[int, SimOrder]] = {}
        self.positions: dict[int, SimPosition] = {}
        self.listeners: list[Callable[[SimContract], None]] = []  # price moves
        self._depth = 0  # operations under way on this thread (an RLock lets them nest)

    @property
    def event_listeners(self) -> list[EventListener]:
        """Called with each operation's batch of props events, under the lock: enqueue only."""
        return self.ledger.listeners

    @property
    def commands(self) -> list[Entity]:
        return self.ledger.commands

    @property
    def fills(self) -> list[Entity]:
        return self.ledger.fills

    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One public operation: under the lock, its changes leave as one batch at the end."""
        with self.lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.ledger.flush()

    def cash_balance(self) -> Entity:
        return cash_balance_wire(
            self.cash_balance_id, SIM_ACCOUNT_ID, self.cash, self.realized, self.cash_timestamp
        )

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- market --

    def quote(self, contract: SimContract) -> tuple[Decimal, Decimal, Decimal]:
        """(bid, ask, last): the bid is the last trade, the offer one tick above."""
        last = self.last[contract.id]
        return last, last + contract.instrument.tick_size, last

    def set_price(self, symbol: str, price: Decimal) -> None:
        with self._operation():
            contract = self.catalog.by_name[symbol]
            self.last[contract.id] = price
            self._moved(contract)

    def step(self, contracts: list[SimContract] | None = None) -> None:
        """One move of the price process: each contract goes up, down or stays, by one tick."""
        with self._operation():
            for contract in contracts or list(self.catalog.contracts.values()):
                move = self._rng.choice((-1, 0, 1))
                if move:
                    tick = contract.instrument.tick_size
                    self.last[contract.id] = max(tick, self.last[contract.id] + move * tick)
                    self._moved(contract)
                else:  # the book still trades and its sizes change: quotes keep coming
                    for listener in self.listeners:
                        listener(contract)

    def _moved(self, contract: SimContract) -> None:
        for order in self._books.get(contract.id, {}).values():
            order.held = False
        self._evaluate(contract)
        for listener in self.listeners:
            listener(contract)

    # -- placing --

    def account_for(self, body: dict[str, Any]) -> int:
        account_id, spec = body.get("accountId"), body.get("accountSpec")
        if account_id is None and spec is None:
            raise Refused(FailureReason.UNKNOWN_REASON, "Violation: accountId is required")
        if (account_id is not None and account_id != SIM_ACCOUNT_ID) or (
            spec is not None and spec != SIM_ACCOUNT_NAME
        ):
            raise Refused(FailureReason.UNKNOWN_REASON, "Access is denied")
        return SIM_ACCOUNT_ID

    def _contract(self, symbol: object) -> SimContract:
        contract = self.catalog.by_name.get(str(symbol))
        if contract is None:
            raise Refused(FailureReason.INVALID_CONTRACT, f"Unknown contract {symbol}")
        return contract

    @staticmethod
    def _number(body: dict[str, Any], key: str) -> Decimal | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refused(FailureReason.INVALID_PRICE, f"{key} must be a number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise Refused(FailureReason.INVALID_PRICE, f"{key} must be a number")
        if abs(number) > MAX_PRICE:
            raise Refused(FailureReason.INVALID_PRICE, f"{key} {value} is beyond any price")
        return number

    def _price(self, body: dict[str, Any], key: str, contract: SimContract) -> Decimal | None:
        price = self._number(body, key)
        if price is not None and (price <= 0 or not on_grid(price, contract.instrument.tick_size)):
            raise Refused(FailureReason.INVALID_PRICE, f"{key} {body[key]} is not a valid price")
        return price

    def _peg(self, body: dict[str, Any], action: Action, contract: SimContract) -> Decimal | None:
        peg = self._number(body, "pegDifference")
        if peg is None:
            return None
        if not on_grid(peg, contract.instrument.tick_size):
            raise Refused(FailureReason.INVALID_PRICE, f"pegDifference {peg} is not whole ticks")
        if not peg_on_the_right_side(action, peg):
            side = "below" if action is Action.SELL else "above"
            raise Refused(
                FailureReason.INVALID_PRICE,
                f"pegDifference {peg}: a {action.value} trailing stop trails {side} the market",
            )
        return peg

    def _draft(self, body: dict[str, Any], contract: SimContract) -> _Draft:
        """Everything about one order that can be refused, checked before anything is kept."""
        try:
            action = Action(body["action"])
            order_type = OrderType(body["orderType"])
        except (KeyError, ValueError):
            raise Refused(FailureReason.UNKNOWN_REASON, "Violation: action and orderType") from None
        price = self._price(body, "price", contract)
        stop = self._price(body, "stopPrice", contract)
        if order_type in NEEDS_PRICE and price is None:
            raise Refused(FailureReason.INVALID_PRICE, f"{order_type.value} needs price")
        if order_type in NEEDS_STOP_PRICE and stop is None:
            raise Refused(FailureReason.INVALID_PRICE, f"{order_type.value} needs stopPrice")
        if order_type is OrderType.QTS:
            raise Refused(FailureReason.UNSUPPORTED, "QTS orders are not simulated")
        return _Draft(
            action=action,
            order_type=order_type,
            price=price,
            stop_price=stop,
            peg=self._peg(body, action, contract) if order_type in TRAILING else None,
            time_in_force=body.get("timeInForce"),
            text=body.get("text"),
            cl_ord_id=_cl_ord_id(body),
        )

    def _open(
        self,
        draft: _Draft,
        contract: SimContract,
        account_id: int,
        qty: int,
        status: OrdStatus,
        parent_id: int | None = None,
        automated: bool = False,
    ) -> SimOrder:
        order = SimOrder(
            id=self.new_id(),
            account_id=account_id,
            contract=contract,
            action=draft.action,
            order_type=draft.order_type,
            qty=qty,
            price=draft.price,
            stop_price=draft.stop_price,
            peg=draft.peg,
            time_in_force=draft.time_in_force,
            text=draft.text,
            status=status,
            timestamp=self.clock(),
            version_id=0,
            cl_ord_id=draft.cl_ord_id,
            parent_id=parent_id,
            automated=automated,
        )
        # the New command's id, which is also the first version's; the command itself is
        # made when the order is registered, after the order exists for the listeners
        order.version_id = self.new_id()
        return order

    def _quantity(self, body: dict[str, Any]) -> int:
        qty = body.get("orderQty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise Refused(FailureReason.UNKNOWN_REASON, "Violation: orderQty must be above 0")
        if qty > MAX_ORDER_QTY:
            raise Refused(
                FailureReason.MAX_ORDER_QTY_LIMIT_REACHED,
                f"orderQty {qty} is above the limit of {MAX_ORDER_QTY:,} contracts per order",
            )
        return qty

    @staticmethod
    def _brackets(body: dict[str, Any]) -> list[dict[str, Any]]:
        first, second = body.get("bracket1"), body.get("bracket2")
        if not isinstance(first, dict):
            raise Refused(FailureReason.UNKNOWN_REASON, "Violation: bracket1 is required")
        if second is not None and not isinstance(second, dict):
            raise Refused(FailureReason.UNKNOWN_REASON, "Violation: bracket2 is not an order")
        return [first] if second is None else [first, second]

    # A refused request leaves nothing behind: no order, no command, no id is taken until every
    # part of it has passed, so nothing can be found by its clOrdId afterwards.

    def place_oso(self, body: dict[str, Any]) -> dict[str, object]:
        with self._operation():
            account_id = self.account_for(body)
            contract = self._contract(body.get("symbol"))
            qty = self._quantity(body)
            brackets = self._brackets(body)
            entry_draft = self._draft(body, contract)
            leg_drafts = [self._draft(leg, contract) for leg in brackets]
            automated = bool(body.get("isAutomated"))
            entry = self._open(
                entry_draft, contract, account_id, qty, OrdStatus.WORKING, automated=automated
            )
            legs = [
                self._open(
                    draft,
                    contract,
                    account_id,
                    qty,
                    OrdStatus.SUSPENDED,
                    parent_id=entry.id,
                    automated=automated,
                )
                for draft in leg_drafts
            ]
            if len(legs) == 2:
                legs[0].linked_id, legs[1].linked_id = legs[1].id, legs[0].id
            for order in (entry, *legs):
                self._register(order)
            entry.legs = [o.id for o in legs]
            self._evaluate(contract, [entry])
            result: dict[str, object] = {"orderId": entry.id, "oso1Id": legs[0].id}
            if len(legs) == 2:
                result["oso2Id"] = legs[1].id
            return result

    def _register(self, order: SimOrder) -> None:
        """Keep a new order: the order, its first version, its New command and its report."""
        if order.order_type in TRAILING and order.peg is None and order.stop_price is not None:
            bid, ask, _ = self.quote(order.contract)
            order.peg = peg_from_stop(order.stop_price, bid if order.action is Action.SELL else ask)
        self.orders[order.id] = order
        self._live.setdefault(order.contract.id, {})[order.id] = order
        self._track(order)
        ledger = self.ledger
        ledger.emit("order", "Created", order.to_wire())
        ledger.emit("orderVersion", "Created", order.version_wire())
        ledger.command(
            order,
            "New",
            automated=order.automated,
            cl_ord_id=order.cl_ord_id,
            command_id=order.version_id,
        )
        suspended = order.status is OrdStatus.SUSPENDED
        ledger.execution(order, "Suspended" if suspended else "New", order.version_id)

    def _set_status(
        self,
        order: SimOrder,
        status: OrdStatus,
        exec_type: str,
        command_id: int | None = None,
        reject: str | None = None,
    ) -> None:
        """Every change of an order's status passes here, and goes out as events."""
        order.status = status
        if status in FINAL:
            self._live.get(order.contract.id, {}).pop(order.id, None)
        self._track(order)
        self.ledger.emit("order", "Updated", order.to_wire())
        self.ledger.execution(order, exec_type, command_id or order.version_id, reject=reject)

    def _new_version(self, order: SimOrder, automated: bool, cl_ord_id: str | None) -> int:
        """A Modify: the command's id is the new version's."""
        order.version_id = self.ledger.command(
            order, "Modify", automated=automated, cl_ord_id=cl_ord_id
        )
        self.ledger.emit("orderVersion", "Created", order.version_wire())
        self.ledger.execution(order, "Replaced", order.version_id)
        return order.version_id

    def _track(self, order: SimOrder) -> None:
        if order.status is OrdStatus.WORKING:
            self._books.setdefault(order.contract.id, {})[order.id] = order

    def place_order(self, body: dict[str, Any]) -> dict[str, object]:
        with self._operation():
            account_id = self.account_for(body)
            contract = self._contract(body.get("symbol"))
            qty = self._quantity(body)
            draft = self._draft(body, contract)
            order = self._open(
                draft,
                contract,
                account_id,
                qty,
                OrdStatus.WORKING,
                automated=bool(body.get("isAutomated")),
            )
            self._register(order)
            self._evaluate(contract, [order])
            return {"orderId": order.id}

    def place_oco(self, body: dict[str, Any]) -> dict[str, object]:
        """Two working orders, one-cancels-other: `other` takes the order's quantity."""
        with self._operation():
            account_id = self.account_for(body)
            contract = self._contract(body.get("symbol"))
            qty = self._quantity(body)
            other_body = body.get("other")
            if not isinstance(other_body, dict):
                raise Refused(FailureReason.UNKNOWN_REASON, "other is required")
            drafts = [self._draft(body, contract), self._draft(other_body, contract)]
            automated = bool(body.get("isAutomated"))
            first, second = (
                self._open(d, contract, account_id, qty, OrdStatus.WORKING, automated=automated)
                for d in drafts
            )
            first.linked_id, second.linked_id = second.id, first.id
            for order in (first, second):
                self._register(order)
            self._evaluate(contract, [first, second])
            return {"orderId": first.id, "ocoId": second.id}

    def _working(self, order_id: object) -> SimOrder:
        order = self.orders.get(order_id) if isinstance(order_id, int) else None
        if order is None or order.account_id != SIM_ACCOUNT_ID:
            raise Refused(FailureReason.UNKNOWN_REASON, "Access is denied")
        if order.status in FINAL:
            raise Refused(FailureReason.TOO_LATE, f"Order is already {order.status.value}")
        return order

    def cancel(self, body: dict[str, Any]) -> dict[str, object]:
        with self._operation():
            order = self._working(body.get("orderId"))
            command_id = self.ledger.command(
                order,
                "Cancel",
                automated=bool(body.get("isAutomated")),
                cl_ord_id=_cl_ord_id(body),
            )
            self._set_status(order, OrdStatus.CANCELED, "Canceled", command_id)
            if not order.parent_id and order.filled == 0:
                for leg_id in order.legs:  # an entry that never filled takes its legs with it
                    leg = self.orders[leg_id]
                    if leg.status not in FINAL:
                        self._set_status(leg, OrdStatus.CANCELED, "Canceled")
            return {"commandId": command_id}

    def modify(self, body: dict[str, Any]) -> dict[str, object]:
        with self._operation():
            order = self._working(body.get("orderId"))
            qty = self._quantity(body)
            price = self._price(body, "price", order.contract)
            stop = self._price(body, "stopPrice", order.contract)
            if stop is not None and order.order_type in NEEDS_STOP_PRICE and not order.triggered:
                bid, ask, _ = self.quote(order.contract)
                if stop_through_the_market(order.action, stop, bid, ask):
                    side = "below the bid" if order.action is Action.SELL else "above the ask"
                    raise Refused(
                        FailureReason.INVALID_PRICE,
                        f"stopPrice {body['stopPrice']}: a {order.action.value} stop must be "
                        f"{side} ({bid if order.action is Action.SELL else ask})",
                    )
            order.qty = qty
            order.price = price or order.price
            order.stop_price = stop or order.stop_price
            command_id = self._new_version(
                order,
                bool(body.get("isAutomated")),
                _cl_ord_id(body),
            )
            self._evaluate(order.contract, [order])
            return {"commandId": command_id}

    def liquidate(self, body: dict[str, Any]) -> dict[str, object]:
        with self._operation():
            if body.get("accountId") != SIM_ACCOUNT_ID:
                raise Refused(FailureReason.UNKNOWN_REASON, "Access is denied")
            contract_id = body.get("contractId")
            contract = (
                self.catalog.contracts.get(contract_id) if isinstance(contract_id, int) else None
            )
            if contract is None:
                raise Refused(FailureReason.INVALID_CONTRACT, "Unknown contract")
            for order in list(self._live.get(contract.id, {}).values()):
                self._set_status(order, OrdStatus.CANCELED, "Canceled")
            position = self.positions.get(contract.id)
            if position is None or position.net == 0:
                return {}
            action = Action.SELL if position.net > 0 else Action.BUY
            order = self._open(
                self._draft({"action": action.value, "orderType": "Market"}, contract),
                contract,
                SIM_ACCOUNT_ID,
                abs(position.net),
                OrdStatus.WORKING,
            )
            self._register(order)
            self._evaluate(contract, [order])
            return {"orderId": order.id}

    # -- matching --

    def _fill_price(self, order: SimOrder) -> Decimal | None:
        bid, ask, _ = self.quote(order.contract)
        buy = order.action is Action.BUY
        touch = ask if buy else bid
        kind = order.order_type
        if kind in TRAILING and order.peg is not None and order.stop_price is not None:
            trail = trailing_stop(touch, order.peg)
            moved = min(order.stop_price, trail) if buy else max(order.stop_price, trail)
            if moved != order.stop_price:
                order.stop_price = moved
                self.ledger.emit("orderVersion", "Updated", order.version_wire())
        if kind in NEEDS_STOP_PRICE and not order.triggered:
            assert order.stop_price is not None
            if (buy and ask >= order.stop_price) or (not buy and bid <= order.stop_price):
                order.triggered = True
            else:
                return None
        if kind in FILLS_AT_THE_TOUCH:
            return touch
        assert order.price is not None
        if (buy and ask <= order.price) or (not buy and bid >= order.price):
            return touch
        return None

    def _evaluate(self, contract: SimContract, orders: list[SimOrder] | None = None) -> None:
        """Fill what the quote allows among `orders` (all the contract's working orders after
        a move), oldest first, then among the legs those fills set working, and so on."""
        book = self._books.get(contract.id, {})
        pending = list(book.values()) if orders is None else orders
        for _ in range(10):
            filled = []
            for order in sorted(pending, key=lambda o: o.id):
                if order.status is not OrdStatus.WORKING:
                    book.pop(order.id, None)  # filled or cancelled, perhaps earlier in this pass
                    continue
                if order.held:
                    continue
                price = self._fill_price(order)
                if price is not None:
                    self._fill(order, price)
                    filled.append(order)
            if not filled:
                return
            pending = [self.orders[i] for order in filled for i in order.legs]

    def _fill(self, order: SimOrder, price: Decimal) -> None:
        qty = order.qty - order.filled
        if not order.parent_id and order.legs:
            partial = self.faults.take("partial", "")
            if partial and int(partial["qty"]) < qty:  # type: ignore[call-overload]
                qty = int(partial["qty"])  # type: ignore[call-overload]
                order.held = True
        order.filled += qty
        order.fill_value += price * qty
        status = OrdStatus.FILLED if order.filled >= order.qty else OrdStatus.WORKING
        now = self.clock()
        if status is not order.status:
            order.status = status
            if status in FINAL:
                self._live.get(order.contract.id, {}).pop(order.id, None)
            self.ledger.emit("order", "Updated", order.to_wire())
        self.ledger.execution(order, "Trade", order.version_id, last=(qty, price))
        self.ledger.fill(order, qty, price, now)
        self._book(order, qty, price, now)
        if order.legs:
            self._activate_legs(order)
        if order.linked_id and order.status is OrdStatus.FILLED:
            other = self.orders[order.linked_id]
            if other.status not in FINAL:
                self._set_status(other, OrdStatus.CANCELED, "Canceled")

    def _activate_legs(self, entry: SimOrder) -> None:
        fault = (
            self.faults.take("leg", "")
            if any(self.orders[i].status is OrdStatus.SUSPENDED for i in entry.legs)
            else None
        )
        for index, leg_id in enumerate(entry.legs, start=1):
            leg = self.orders[leg_id]
            if leg.status is OrdStatus.SUSPENDED:
                if fault and fault["leg"] == index:
                    reason = str(fault["reason"])
                    leg.status = OrdStatus.REJECTED
                    command_id = self.ledger.command(
                        leg, "New", automated=False, status="ExecutionRejected", reject=reason
                    )
                    self._set_status(leg, OrdStatus.REJECTED, "Rejected", command_id, reason)
                    continue
                self._set_status(leg, OrdStatus.WORKING, "New")
            if leg.status is OrdStatus.WORKING and leg.qty != entry.filled:
                leg.qty = entry.filled
                self._new_version(leg, False, None)

    def _book(self, order: SimOrder, qty: int, price: Decimal, now: datetime) -> None:
        contract = order.contract
        position = self.positions.get(contract.id)
        existed = position is not None
        if position is None:
            position = SimPosition(id=self.new_id(), account_id=order.account_id, contract=contract)
            self.positions[contract.id] = position
        signed = qty * sign(order.action)
        if order.action is Action.BUY:
            position.bought += qty
            position.bought_value += price * qty
        else:
            position.sold += qty
            position.sold_value += price * qty
        net = position.net
        if net == 0 or (net > 0) == (signed > 0):
            total = abs(net) + qty
            position.net_price = (
                (position.net_price or Decimal(0)) * abs(net) + price * qty
            ) / total
        else:
            closing = min(qty, abs(net))
            assert position.net_price is not None
            pnl = (price - position.net_price) * closing * (1 if net > 0 else -1)
            realized = pnl * contract.instrument.value_per_point
            self.cash += realized
            self.realized += realized
            if qty > abs(net):
                position.net_price = price
            elif qty == abs(net):
                position.net_price = None
        position.net = net + signed
        position.timestamp = now
        self.ledger.emit("position", "Updated" if existed else "Created", position.to_wire())
        if net != 0 and (net > 0) != (signed > 0):  # it closed some: P&L realised
            self.cash_timestamp = now
            self.ledger.emit("cashBalance", "Updated", self.cash_balance())

    # -- reading --

    def open_pnl(self) -> Decimal:
        total = Decimal(0)
        for position in self.positions.values():
            if position.net and position.net_price is not None:
                last = self.last[position.contract.id]
                total += (
                    (last - position.net_price)
                    * position.net
                    * position.contract.instrument.value_per_point
                )
        return total
