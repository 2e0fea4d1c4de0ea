"""Is every open position covered by a working stop? And what became of each bracket?

Pure functions over a snapshot of the account (orders with their current version, fills,
positions), so the alarm rule is tested without a server or a window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.orders import Action, OrderType, OrdStatus

STOP_TYPES = (
    OrderType.STOP,
    OrderType.STOP_LIMIT,
    OrderType.TRAILING_STOP,
    OrderType.TRAILING_STOP_LIMIT,
)
OPEN = (OrdStatus.WORKING, OrdStatus.PENDING_NEW, OrdStatus.PENDING_REPLACE)


class OrderView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    id: int
    contract_id: int
    action: Action
    status: OrdStatus
    order_type: OrderType | None
    qty: int
    stop_price: Decimal | None = None
    price: Decimal | None = None
    parent_id: int | None = None
    filled: int = 0
    avg_price: Decimal | None = None


class Snapshot(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    orders: dict[int, OrderView]
    positions: dict[int, int]  # contract id -> net position
    position_prices: dict[int, Decimal] = {}


class Exposure(BaseModel):
    """A contract whose position is not fully covered by working stops."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    contract_id: int
    net: int
    covered: int

    @property
    def uncovered(self) -> int:
        return abs(self.net) - self.covered

    @property
    def closing_action(self) -> Action:
        return Action.SELL if self.net > 0 else Action.BUY


def stop_cover(snapshot: Snapshot, contract_id: int, net: int) -> int:
    """Contracts covered by working stop orders on the closing side of `net`."""
    closing = Action.SELL if net > 0 else Action.BUY
    return sum(
        o.qty - o.filled
        for o in snapshot.orders.values()
        if o.contract_id == contract_id
        and o.status in OPEN
        and o.action is closing
        and o.order_type in STOP_TYPES
    )


def exposures(snapshot: Snapshot) -> list[Exposure]:
    """Every contract with a position that working stops do not cover in full."""
    found = []
    for contract_id, net in snapshot.positions.items():
        if net == 0:
            continue
        covered = stop_cover(snapshot, contract_id, net)
        if covered < abs(net):
            found.append(Exposure(contract_id=contract_id, net=net, covered=covered))
    return found


class BracketState(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    entry: OrderView
    legs: tuple[OrderView, ...]

    def words(self, fmt: Callable[[Decimal], str] = str) -> str:
        entry = self.entry
        text = f"entry {entry.status.value.lower()}"
        if entry.filled:
            text += f" {entry.filled}"
            if entry.avg_price is not None:
                text += f" @ {fmt(entry.avg_price)}"
        for leg in self.legs:
            kind = "stop" if leg.order_type in STOP_TYPES else "target"
            text += f" · {kind} {leg.status.value.lower()}"
            if leg.status is OrdStatus.WORKING and leg.qty != entry.qty:
                text += f" ({leg.qty})"
        return text


def bracket_states(snapshot: Snapshot, entry_ids: Iterable[int]) -> dict[int, BracketState]:
    """The state of many brackets in one pass over the orders (the window follows them all)."""
    wanted = set(entry_ids)
    legs: dict[int, list[OrderView]] = {i: [] for i in wanted}
    for order in snapshot.orders.values():
        if order.parent_id in wanted:
            legs[order.parent_id].append(order)
    return {
        i: BracketState(entry=snapshot.orders[i], legs=tuple(sorted(legs[i], key=lambda o: o.id)))
        for i in wanted
        if i in snapshot.orders
    }


def bracket_state(snapshot: Snapshot, entry_id: int) -> BracketState | None:
    entry = snapshot.orders.get(entry_id)
    if entry is None:
        return None
    legs = tuple(
        sorted((o for o in snapshot.orders.values() if o.parent_id == entry_id), key=lambda o: o.id)
    )
    return BracketState(entry=entry, legs=legs)


def slippage_ticks(action: Action, planned: Decimal, filled: Decimal, tick: Decimal) -> Decimal:
    """Ticks the fill was worse (positive) or better (negative) than planned."""
    return (filled - planned) / tick * action.sign


def slippage_words(ticks: Decimal, money: Decimal) -> str:
    """'1 tick worse, -5.00', '2 ticks better, +10.00' or 'no slippage'.

    `ticks` and `money` are counted as `slippage_ticks` counts them, positive when worse; the
    money is written as it changes the trader's result, so a worse fill reads negative.
    """
    shown = abs(ticks).quantize(Decimal("0.01"))
    if shown == 0:
        return "no slippage"
    count = f"{shown.normalize():f}"
    noun = "tick" if shown == 1 else "ticks"
    word = "worse" if ticks > 0 else "better"
    return f"{count} {noun} {word}, {-money:+,.2f}"
