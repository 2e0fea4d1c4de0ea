"""Turn a ticket's exits, typed in ticks, price, money or R, into absolute prices on the grid,
and write an exit in another unit without moving it."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType
from ticket.domain.prices import MAX_DECIMALS
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm


class BracketError(ValueError):
    """An exit that cannot be placed as typed; the message is for the trader."""


class Leg(StrEnum):
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"


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


def convert_exit(
    form: TicketForm,
    entry: Decimal | None,
    leg: Leg,
    unit: DistanceUnit,
    value: Decimal | None,
    to: DistanceUnit,
) -> str:
    """`value`, the distance of `leg` in `unit`, written in `to` so the exit stays where it was.

    The exit is read in whole ticks from the entry as `resolve_stop` and `resolve_target` read it
    (money and R round towards the entry, never riskier), then written exactly: ticks as a whole
    number, money per contract to the cent or finer (one ZN tick is 15.625), a price in the
    product's notation, R with the fewest decimals that give back the same tick. What cannot be
    carried over is cleared (""), never reinterpreted: without an entry a price is no distance
    and 8 ticks no price, without a stop in ticks R has no size, and a value that does not make
    an exit stays nowhere. An exit on the wrong side of the entry stays there: it becomes a
    negative distance, which the rules then refuse.
    """
    ticks = _leg_ticks(form, entry, leg, unit, value)
    if ticks is None:
        return ""
    instrument = form.instrument
    if to is DistanceUnit.TICKS:
        return _plain(ticks)
    if to is DistanceUnit.MONEY:
        money = instrument.ticks_to_money(ticks)
        cents = money.quantize(Decimal("0.01"))
        return f"{cents:f}" if cents == money else _plain(money)
    if to is DistanceUnit.PRICE:
        if entry is None:
            return ""
        signed = -ticks if leg is Leg.STOP_LOSS else ticks
        return instrument.format_price(_price_at(instrument, entry, signed, form.entry.action))
    stop = _stop_ticks(form, entry)
    if leg is Leg.STOP_LOSS or stop is None:
        return ""
    return _plain(_r_multiple(ticks, stop))


def _leg_ticks(
    form: TicketForm, entry: Decimal | None, leg: Leg, unit: DistanceUnit, value: Decimal | None
) -> Decimal | None:
    """The exit's distance in ticks from the entry, positive on its own side (the loss for a
    stop, the gain for a target); None when it cannot be known."""
    if value is None:
        return None
    current = form.stop_loss if leg is Leg.STOP_LOSS else form.take_profit
    spec = current.model_copy(update={"unit": unit, "distance": value})
    label = "stop-loss" if leg is Leg.STOP_LOSS else "take-profit"
    try:
        if unit is DistanceUnit.PRICE:
            if entry is None:
                return None
            price = _absolute(form.instrument, spec, label)
            ticks = _signed_ticks(form.instrument, entry, price, form.entry.action)
            return -ticks if leg is Leg.STOP_LOSS else ticks
        if unit is DistanceUnit.R:
            stop = _stop_ticks(form, entry)
            if leg is Leg.STOP_LOSS or stop is None or value <= 0:
                return None
            ticks = _whole_ticks(value * stop)
            return ticks if ticks >= 1 else None
        return _positive_ticks(form.instrument, spec, label)
    except BracketError:
        return None


def _stop_ticks(form: TicketForm, entry: Decimal | None) -> Decimal | None:
    """The stop's distance that R is measured in, if the stop is on and on the losing side."""
    stop = form.stop_loss
    if not stop.enabled or stop.unit is DistanceUnit.R:
        return None
    ticks = _leg_ticks(form, entry, Leg.STOP_LOSS, stop.unit, stop.distance)
    return ticks if ticks is not None and ticks > 0 else None


def _r_multiple(ticks: Decimal, stop: Decimal) -> Decimal:
    """The R multiple with the fewest decimals that resolves to `ticks` again: rounded up, since
    `resolve_target` rounds the ticks of an R down."""
    exact = ticks / stop
    r = exact
    for places in range(MAX_DECIMALS + 1):
        r = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)
        if _whole_ticks(r * stop) == ticks:
            break
    return r


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
