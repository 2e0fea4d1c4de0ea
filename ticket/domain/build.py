"""From a ticket that passed the rules to the exact placeOSO body."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ticket.domain.brackets import ResolvedExit, stop_limit_price, trailing_peg_difference
from ticket.domain.orders import Action, OrderType, PlaceOsoRequest, RestrainedOrderVersion
from ticket.domain.rules import Assessment, FatFingerLimits, Problem, assess
from ticket.domain.ticket import TicketForm


class AccountRef(BaseModel):
    """The two ways Tradovate names an account in an order: `accountId` and `accountSpec`."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    id: int = Field(gt=0)
    name: str


class TicketInvalid(ValueError):
    """The ticket has errors; nothing may be sent."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def new_cl_ord_id() -> str:
    """A fresh client order id, the key that finds an order whose outcome is unknown."""
    return f"tkt-{uuid.uuid4().hex}"


def _stop_leg(form: TicketForm, stop: ResolvedExit, action: Action) -> RestrainedOrderVersion:
    spec = form.stop_loss
    price = None
    peg = None
    if spec.order_type is OrderType.STOP_LIMIT:
        price = stop_limit_price(form, stop.price)
    if spec.order_type is OrderType.TRAILING_STOP:
        peg = trailing_peg_difference(action, form.instrument.ticks_to_points(abs(stop.ticks)))
    return RestrainedOrderVersion(
        action=action,
        order_type=spec.order_type,
        stop_price=stop.price,
        price=price,
        peg_difference=peg,
        time_in_force=spec.time_in_force,
    )


def _target_leg(form: TicketForm, target: ResolvedExit, action: Action) -> RestrainedOrderVersion:
    return RestrainedOrderVersion(
        action=action,
        order_type=form.take_profit.order_type,
        price=target.price,
        time_in_force=form.take_profit.time_in_force,
    )


def _entry_peg(form: TicketForm) -> Decimal | None:
    entry = form.entry
    if not entry.order_type.is_trailing or entry.stop_price is None:
        return None
    assert form.reference_price is not None  # the rules require it for trailing entries
    return entry.stop_price - form.reference_price


def build_place_oso(
    form: TicketForm,
    account: AccountRef,
    *,
    limits: FatFingerLimits,
    now: datetime,
    cl_ord_id: str,
    is_automated: bool,
    assessment: Assessment | None = None,
) -> PlaceOsoRequest:
    """The placeOSO body for `form`. The stop-loss goes in bracket1, the take-profit in bracket2
    (bracket1 is the one Tradovate requires); both set, they are one-cancels-other."""
    checked = assessment or assess(form, limits, now)
    if checked.errors:
        raise TicketInvalid(checked.errors)
    entry = form.entry
    exit_action = entry.action.opposite
    legs = []
    if checked.stop is not None:
        legs.append(_stop_leg(form, checked.stop, exit_action))
    if checked.target is not None:
        legs.append(_target_leg(form, checked.target, exit_action))
    if not legs:  # the rules never let this through; refuse rather than send a naked entry
        raise TicketInvalid(checked.problems)
    return PlaceOsoRequest(
        account_spec=account.name,
        account_id=account.id,
        cl_ord_id=cl_ord_id,
        action=entry.action,
        symbol=form.symbol,
        order_qty=entry.qty,
        order_type=entry.order_type,
        price=entry.price if entry.order_type.needs_price else None,
        stop_price=entry.stop_price if entry.order_type.needs_stop_price else None,
        peg_difference=_entry_peg(form),
        time_in_force=entry.time_in_force,
        expire_time=entry.expire_time if entry.time_in_force == "GTD" else None,
        text=entry.text or None,
        is_automated=is_automated,
        bracket1=legs[0],
        bracket2=legs[1] if len(legs) > 1 else None,
    )
