"""Turn a ticket's exits, typed in ticks, price, money or R, into absolute prices on the grid."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm


class BracketError(ValueError):
    """An exit that cannot be placed as typed; the message is for the trader."""


class ResolvedExit(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    price: Decimal  # the stop trigger, or the take-profit limit
    ticks: Decimal  # signed distance from the entry in ticks, positive on the winning side


def entry_reference(entry: EntrySpec, reference_price: Decimal | None) -> Decimal | None:
    """The price the position is expected to open at, which brackets are measured from.

    Stop-limit entries use the limit: the worst price they can fill at.
    """
    match entry.order_type:
        case OrderType.LIMIT | OrderType.MIT | OrderType.STOP_LIMIT | OrderType.TRAILING_STOP_LIMIT:
            return entry.price
        case OrderType.STOP | OrderType.TRAILING_STOP:
            return entry.stop_price
        case OrderType.MARKET:
            return reference_price
        case _:
            return None


def _whole_ticks(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_FLOOR)


def _signed_ticks(
    instrument: Instrument, entry: Decimal, price: Decimal, action: Action
) -> Decimal:
    return (price - entry) / instrument.tick_size * action.sign


def _price_at(instrument: Instrument, entry: Decimal, ticks: Decimal, action: Action) -> Decimal:
    return entry + ticks * instrument.tick_size * action.sign


def _positive_ticks(instrument: Instrument, spec: BracketSpec, label: str) -> Decimal:
    """A distance in ticks or money as a whole number of ticks, rounded towards the entry."""
    distance = spec.distance
    if distance is None:
        raise BracketError(f"Enter the {label} distance.")
    if distance <= 0:
        raise BracketError(f"The {label} distance must be more than zero.")
    if spec.unit is DistanceUnit.TICKS:
        if distance != distance.to_integral_value():
            raise BracketError(f"The {label} distance must be a whole number of ticks.")
        return distance
    ticks = _whole_ticks(distance / instrument.tick_value)
    if ticks < 1:
        raise BracketError(
            f"{distance} per contract is less than one {instrument.root} tick "
            f"({instrument.tick_value})."
        )
    return ticks


def resolve_stop(form: TicketForm, entry: Decimal) -> ResolvedExit:
    spec, instrument, action = form.stop_loss, form.instrument, form.entry.action
    if spec.unit is DistanceUnit.R:
        raise BracketError("A stop-loss cannot be given in R: R is measured from the stop.")
    if spec.unit is DistanceUnit.PRICE:
        price = _absolute(instrument, spec, "stop-loss")
        return ResolvedExit(price=price, ticks=_signed_ticks(instrument, entry, price, action))
    ticks = _positive_ticks(instrument, spec, "stop-loss")
    return ResolvedExit(price=_price_at(instrument, entry, -ticks, action), ticks=-ticks)


def resolve_target(form: TicketForm, entry: Decimal, stop: ResolvedExit | None) -> ResolvedExit:
    spec, instrument, action = form.take_profit, form.instrument, form.entry.action
    if spec.unit is DistanceUnit.PRICE:
        price = _absolute(instrument, spec, "take-profit")
        return ResolvedExit(price=price, ticks=_signed_ticks(instrument, entry, price, action))
    if spec.unit is DistanceUnit.R:
        if stop is None or stop.ticks >= 0:
            raise BracketError("A take-profit in R needs a valid stop-loss to measure R from.")
        if spec.distance is None or spec.distance <= 0:
            raise BracketError("The take-profit R multiple must be more than zero.")
        ticks = _whole_ticks(spec.distance * -stop.ticks)
        if ticks < 1:
            raise BracketError("That R multiple is less than one tick from the entry.")
    else:
        ticks = _positive_ticks(instrument, spec, "take-profit")
    return ResolvedExit(price=_price_at(instrument, entry, ticks, action), ticks=ticks)


def _absolute(instrument: Instrument, spec: BracketSpec, label: str) -> Decimal:
    if spec.distance is None:
        raise BracketError(f"Enter the {label} price.")
    try:
        instrument.require_on_grid(spec.distance)
    except ValueError as exc:
        raise BracketError(str(exc)) from None
    return spec.distance


def stop_limit_price(form: TicketForm, stop_price: Decimal) -> Decimal:
    """The limit of a StopLimit stop-loss: `limit_offset_ticks` further on the losing side."""
    ticks = Decimal(form.stop_loss.limit_offset_ticks)
    return _price_at(form.instrument, stop_price, -ticks, form.entry.action)


def trailing_peg_difference(leg_action: Action, distance: Decimal) -> Decimal:
    """pegDifference for a trailing stop `distance` points away from the market.

    The sign convention is not documented by Tradovate; this is the one place that decides it:
    a sell stop trails below the market (negative), a buy stop above it (positive).
    """
    return -distance if leg_action is Action.SELL else distance
