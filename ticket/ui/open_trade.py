"""The watched contract's trade as the account replica holds it: the position, its working
exits grouped into parts (one stop and one target that cancel each other), and an entry still
waiting to fill. Pure reading: no Qt, no requests."""

from __future__ import annotations

from dataclasses import dataclass

from ticket.broker.replica import AccountReplica
from ticket.domain.orders import Action, OrdStatus
from ticket.domain.pnl import Position
from ticket.domain.protection import STOP_TYPES, OrderView


@dataclass(frozen=True)
class Part:
    """The exits of one bracket: a stop and a target that cancel each other (either may be
    missing). A scale-out holds one part per target."""

    stop: OrderView | None
    target: OrderView | None

    @property
    def own_target(self) -> bool:
        """Its target and stop close the same size: filling the target takes its stop away
        and leaves the other parts covering exactly what is left."""
        return (
            self.target is not None and self.stop is not None and self.target.qty == self.stop.qty
        )


@dataclass(frozen=True)
class OpenTrade:
    contract_id: int
    position: Position
    stops: tuple[OrderView, ...]  # working, closing, oldest first
    targets: tuple[OrderView, ...]
    parts: tuple[Part, ...]


def open_trade(replica: AccountReplica, contract_id: int) -> OpenTrade | None:
    held = replica.position(contract_id)
    net = replica.positions().get(contract_id, 0)
    if held is None or net == 0 or held.net_price is None:
        return None
    position = Position(net=net, avg_price=held.net_price)
    exits = [o for o in replica.working_orders(contract_id) if closes(replica, o, position)]
    stops = _covering_stops(exits, abs(net))
    targets = tuple(o for o in exits if o.order_type not in STOP_TYPES and o.price is not None)
    parts: dict[object, list[OrderView | None]] = {}
    for order in (*stops, *targets):
        key: object = order.parent_id if order.parent_id is not None else ("own", order.id)
        pair = parts.setdefault(key, [None, None])
        pair[0 if order.order_type in STOP_TYPES else 1] = order
    return OpenTrade(
        contract_id=contract_id,
        position=position,
        stops=stops,
        targets=targets,
        parts=tuple(Part(stop=s, target=t) for s, t in parts.values()),
    )


def is_entry(replica: AccountReplica, order: OrderView) -> bool:
    """An order that is itself the parent of an OSO opens (or reverses) a position with exits
    of its own: it is an entry, never the exit of the position held."""
    return bool(replica.legs_of(order.id))


def closes(replica: AccountReplica, order: OrderView, position: Position) -> bool:
    """One of the position's exits: working, on the closing side, not an entry with its own
    bracket. A leg of a bracket is its entry's exit whatever its size (the position may have
    been reduced by hand); an order of its own larger than the position opens the other way."""
    return (
        order.status is OrdStatus.WORKING
        and order.action is position.closing
        and not is_entry(replica, order)
        and (order.parent_id is not None or order.qty - order.filled <= abs(position.net))
    )


def _covering_stops(exits: list[OrderView], net: int) -> tuple[OrderView, ...]:
    """The stops of the position: the legs of its brackets, then stops of their own, oldest
    first, while they fit in what the legs leave uncovered (never more than it holds)."""
    stops = [o for o in exits if o.order_type in STOP_TYPES and o.stop_price is not None]
    found = [o for o in stops if o.parent_id is not None]
    left = net - sum(o.qty - o.filled for o in found)
    for order in (o for o in stops if o.parent_id is None):
        size = order.qty - order.filled
        if size <= left:
            found.append(order)
            left -= size
    return tuple(sorted(found, key=lambda o: o.id))


def waiting_entry(replica: AccountReplica, contract_id: int) -> OrderView | None:
    """The newest entry of the contract that has not begun to fill: an order of no parent,
    working, nothing filled, and not closing a position held."""
    net = replica.positions().get(contract_id, 0)
    for order in reversed(replica.working_orders(contract_id)):
        if order.parent_id is not None or order.status is not OrdStatus.WORKING:
            continue
        if order.filled or order.order_type is None:
            continue
        closing = Action.SELL if net > 0 else Action.BUY
        if net == 0 or order.action is not closing or is_entry(replica, order):
            return order
    return None
