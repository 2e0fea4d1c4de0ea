"""Build real tickets against the simulator's contracts, for the API tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from ticket.broker.client import TradovateClient
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType, PlaceOsoRequest
from ticket.domain.rules import FatFingerLimits
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm
from ticket.sim.server import Simulator

LOOSE = FatFingerLimits(max_contracts=100, max_risk=Decimal(10**6), max_ticks_from_last=10**5)


def es_request(
    sim: Simulator,
    client: TradovateClient,
    *,
    action: Action = Action.BUY,
    qty: int = 2,
    order_type: OrderType = OrderType.LIMIT,
    price: str | None = "5990.00",
    stop_ticks: int | None = 8,
    target_ticks: int | None = 16,
) -> PlaceOsoRequest:
    account = client.accounts()[0]
    form = TicketForm(
        instrument=BUILT_IN["ES"],
        symbol=sim.front("ES"),
        entry=EntrySpec(
            action=action,
            qty=qty,
            order_type=order_type,
            price=Decimal(price) if price and order_type.needs_price else None,
            stop_price=Decimal(price) if price and order_type.needs_stop_price else None,
        ),
        stop_loss=BracketSpec(
            enabled=stop_ticks is not None,
            order_type=OrderType.STOP,
            distance=Decimal(stop_ticks or 1),
        ),
        take_profit=BracketSpec(
            enabled=target_ticks is not None,
            order_type=OrderType.LIMIT,
            unit=DistanceUnit.TICKS,
            distance=Decimal(target_ticks or 1),
        ),
        reference_price=Decimal("6000.00") if order_type is OrderType.MARKET else None,
    )
    return build_place_oso(
        form,
        AccountRef(id=account.id, name=account.name),
        limits=LOOSE,
        now=datetime.now(UTC),
        cl_ord_id=new_cl_ord_id(),
        is_automated=False,
    )


def statuses(client: TradovateClient) -> dict[int, str]:
    return {o.id: o.ord_status.value for o in client.orders()}


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Poll until `condition()` holds, as qtbot.waitUntil does; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.01)
