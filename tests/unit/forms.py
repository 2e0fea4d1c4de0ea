"""Small builders for ticket forms, so each test states only what it is about."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType
from ticket.domain.rules import FatFingerLimits
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
LOOSE = FatFingerLimits(max_contracts=1000, max_risk=Decimal(10**9), max_ticks_from_last=10**6)


def form(
    root: str = "ES",
    symbol: str | None = None,
    action: Action = Action.BUY,
    qty: int = 1,
    order_type: OrderType = OrderType.LIMIT,
    price: str | None = "5000.25",
    stop_price: str | None = None,
    stop: tuple[str, DistanceUnit] | None = ("8", DistanceUnit.TICKS),
    target: tuple[str, DistanceUnit] | None = ("16", DistanceUnit.TICKS),
    stop_type: OrderType = OrderType.STOP,
    target_type: OrderType = OrderType.LIMIT,
    **extra: object,
) -> TicketForm:
    def leg(spec: tuple[str, DistanceUnit] | None, kind: OrderType) -> BracketSpec:
        if spec is None:
            return BracketSpec(enabled=False, order_type=kind)
        return BracketSpec(order_type=kind, distance=Decimal(spec[0]), unit=spec[1])

    return TicketForm(
        instrument=BUILT_IN[root],
        symbol=symbol or f"{root}Z6",
        entry=EntrySpec(
            action=action,
            qty=qty,
            order_type=order_type,
            price=Decimal(price) if price is not None else None,
            stop_price=Decimal(stop_price) if stop_price is not None else None,
            **{k: v for k, v in extra.items() if k in EntrySpec.model_fields},
        ),
        stop_loss=leg(stop, stop_type),
        take_profit=leg(target, target_type),
        **{k: v for k, v in extra.items() if k in TicketForm.model_fields},
    )
