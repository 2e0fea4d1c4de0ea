"""Read the account as one snapshot (orders with versions and fills, positions), and cancel a
bracket or flatten a contract the careful way: every decision from the server's state now."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors
from ticket.broker.client import TradovateClient, essential_action
from ticket.broker.models import (
    CancelOrderRequest,
    Fill,
    LiquidatePositionRequest,
    OrderVersion,
)
from ticket.broker.replica import order_view
from ticket.domain.orders import (
    Action,
    OrderType,
    OrdStatus,
    PlaceOcoRequest,
    PlaceOrderRequest,
    RestrainedOrderVersion,
    TimeInForce,
)
from ticket.domain.protection import OPEN, Snapshot, bracket_state


def fetch_snapshot(client: TradovateClient, account_id: int) -> Snapshot:
    orders = [o for o in client.orders() if o.account_id == account_id]
    versions: dict[int, OrderVersion] = {}
    for version in client.all_order_versions():
        current = versions.get(version.order_id)
        if current is None or version.id > current.id:  # the latest version is the live one
            versions[version.order_id] = version
    fills: dict[int, list[Fill]] = {}
    for fill in client.fills():
        fills.setdefault(fill.order_id, []).append(fill)
    views = {o.id: order_view(o, versions.get(o.id), fills.get(o.id, ())) for o in orders}
    held = [p for p in client.positions() if p.account_id == account_id]
    positions = {p.contract_id: p.net_pos for p in held}
    prices = {p.contract_id: p.net_price for p in held if p.net_price is not None}
    return Snapshot(orders=views, positions=positions, position_prices=prices)


R = TypeVar("R")


def poll_until(
    read: Callable[[], R],
    done: Callable[[R], bool],
    *,
    wait: float,
    poll: float,
    sleep: Callable[[float], None],
) -> R:
    """Read the server's state until `done` says so or `wait` seconds pass; the last reading."""
    deadline = time.monotonic() + wait
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        sleep(poll)


class FlattenReport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    cancelled: int
    filled_meanwhile: int  # orders that filled while we were cancelling them
    position_before_liquidation: int
    position_after: int
    message: str


@essential_action
def flatten(
    client: TradovateClient,
    account_id: int,
    contract_id: int,
    *,
    wait: float = 3.0,
    poll: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> FlattenReport:
    """Cancel the contract's working orders, wait (bounded) until the server confirms them
    final, then liquidate what position is left. A fill that lands in between is reported."""
    snapshot = fetch_snapshot(client, account_id)
    working = [
        o
        for o in snapshot.orders.values()
        if o.contract_id == contract_id and (o.status in OPEN or o.status is OrdStatus.SUSPENDED)
    ]
    for order in working:
        with contextlib.suppress(errors.Rejected):  # already final: the wait below tells how
            client.cancel_order(CancelOrderRequest(order_id=order.id))
    snapshot = poll_until(
        lambda: fetch_snapshot(client, account_id),
        lambda s: all(s.orders[o.id].status.is_final for o in working),
        wait=wait,
        poll=poll,
        sleep=sleep,
    )
    still = [o for o in working if not snapshot.orders[o.id].status.is_final]
    if still:
        raise errors.OutcomeUnknown(
            f"{len(still)} order(s) did not confirm their cancel within {wait:.0f} s; the "
            "position was not liquidated. Check the orders, then flatten again."
        )
    filled = sum(1 for o in working if snapshot.orders[o.id].status is OrdStatus.FILLED)
    net = snapshot.positions.get(contract_id, 0)
    if net:
        client.liquidate_position(
            LiquidatePositionRequest(account_id=account_id, contract_id=contract_id)
        )
    after = net and poll_until(
        lambda: fetch_snapshot(client, account_id).positions.get(contract_id, 0),
        lambda position: position == 0,
        wait=wait,
        poll=poll,
        sleep=sleep,
    )
    message = f"Cancelled {len(working) - filled} order(s)"
    if filled:
        message += f"; {filled} filled while cancelling, leaving a position of {net}"
    message += "; flat." if after == 0 else f"; position still {after}: check it now."
    return FlattenReport(
        cancelled=len(working) - filled,
        filled_meanwhile=filled,
        position_before_liquidation=net,
        position_after=after,
        message=message,
    )


class CancelReport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    cancelled: tuple[int, ...]
    entry_filled: int  # what the entry had filled when the server confirmed it final
    message: str


@essential_action
def cancel_bracket(
    client: TradovateClient,
    account_id: int,
    entry_id: int,
    *,
    wait: float = 3.0,
    poll: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> CancelReport:
    """Cancel an entry that has not filled in full. The entry goes first; its stop and target go
    only once the server confirms the entry final with nothing filled. An entry that filled in
    part meanwhile keeps its exits (sized to the fill), whatever the window last saw."""
    state = bracket_state(fetch_snapshot(client, account_id), entry_id)
    if state is None:
        raise errors.NotFound(404, f"Order {entry_id} is not on the server.")
    if state.entry.status.is_final:
        return CancelReport(
            cancelled=(),
            entry_filled=state.entry.filled,
            message=f"The entry is already {state.entry.status.value.lower()}: nothing to "
            "cancel. Use Flatten to close a position.",
        )
    with contextlib.suppress(errors.Rejected):  # filled meanwhile: the state below tells
        client.cancel_order(CancelOrderRequest(order_id=entry_id))
    state = poll_until(
        lambda: bracket_state(fetch_snapshot(client, account_id), entry_id),
        lambda s: s is None or s.entry.status.is_final,
        wait=wait,
        poll=poll,
        sleep=sleep,
    )
    if state is None or not state.entry.status.is_final:
        raise errors.OutcomeUnknown(
            f"The server has not confirmed the cancel of order {entry_id} within {wait:.0f} s; "
            "its stop and target were left alone. Check the order."
        )
    entry = state.entry
    if entry.status is not OrdStatus.CANCELED and entry.filled == 0:
        return CancelReport(
            cancelled=(),
            entry_filled=0,
            message=f"The entry ended {entry.status.value.lower()} before the cancel.",
        )
    if entry.filled:
        what = "filled" if entry.status is OrdStatus.FILLED else "cancelled after filling"
        return CancelReport(
            cancelled=(entry_id,) if entry.status is OrdStatus.CANCELED else (),
            entry_filled=entry.filled,
            message=f"The entry was {what} {entry.filled}: its exits stay, sized to what filled.",
        )
    legs = tuple(leg.id for leg in state.legs if not leg.status.is_final)
    for leg_id in legs:
        with contextlib.suppress(errors.Rejected):
            client.cancel_order(CancelOrderRequest(order_id=leg_id))
    return CancelReport(
        cancelled=(entry_id, *legs),
        entry_filled=0,
        message=f"Cancelled order(s) {', '.join(map(str, (entry_id, *legs)))}.",
    )


class ProtectReport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    stop_id: int | None
    target_id: int | None  # the new target, one-cancels-other with the stop
    replaced_target_id: int | None
    message: str


@essential_action
def protect(
    client: TradovateClient,
    stop: PlaceOrderRequest,
    *,
    account_id: int,
    contract_id: int,
    exit_ids: set[int],
    wait: float = 3.0,
    poll: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> ProtectReport:
    """Place a protective stop that can never outlive the position. When one of the ticket's
    targets still works for the same quantity, the stop and that target become one OCO pair (the
    target is cancelled first, then both are placed together), so whichever fills cancels the
    other on the server. Otherwise the stop goes alone."""
    snapshot = fetch_snapshot(client, account_id)
    net = snapshot.positions.get(contract_id, 0)
    if net == 0:
        return ProtectReport(
            stop_id=None,
            target_id=None,
            replaced_target_id=None,
            message="Flat: nothing to protect.",
        )
    closing = Action.SELL if net > 0 else Action.BUY
    targets = [
        o
        for o in snapshot.orders.values()
        if o.id in exit_ids
        and o.contract_id == contract_id
        and o.status in OPEN
        and o.action is closing
        and o.order_type in (OrderType.LIMIT, OrderType.MIT)
    ]
    target = targets[0] if len(targets) == 1 else None
    if target is None or target.qty - target.filled != stop.order_qty or target.price is None:
        placed = client.place_order(stop)
        return ProtectReport(
            stop_id=placed.order_id,
            target_id=None,
            replaced_target_id=None,
            message=f"Protective stop placed: order {placed.order_id}.",
        )
    with contextlib.suppress(errors.Rejected):  # filled meanwhile: the state below tells
        client.cancel_order(CancelOrderRequest(order_id=target.id))
    now = poll_until(
        lambda: fetch_snapshot(client, account_id).orders.get(target.id),
        lambda o: o is None or o.status.is_final,
        wait=wait,
        poll=poll,
        sleep=sleep,
    )
    if now is None or now.status is not OrdStatus.CANCELED:
        raise errors.OutcomeUnknown(
            f"The target {target.id} did not confirm its cancel (it is "
            f"{now.status.value.lower() if now else 'gone'}): no stop was placed. Check the "
            "position, then protect or flatten it."
        )
    pair = PlaceOcoRequest(
        **stop.model_dump(exclude_none=True),
        other=RestrainedOrderVersion(
            action=closing,
            order_type=target.order_type or OrderType.LIMIT,
            price=target.price,
            time_in_force=TimeInForce.GTC,
        ),
    )
    placed = client.place_oco(pair)
    return ProtectReport(
        stop_id=placed.order_id,
        target_id=placed.oco_id,
        replaced_target_id=target.id,
        message=f"Protective stop placed: order {placed.order_id}, one-cancels-other with target "
        f"{placed.oco_id} at the old target's price (it replaces order {target.id}).",
    )
