"""The rules for moving the exits of an open trade, and the prices the moves go to.

A move is judged before anything is sent: a stop stays on the losing side of the market (a long's
stop below the bid, a short's above the ask), or it would fill at once; a target stays on the
winning side (a long's above the bid, a short's below the ask); both on the tick grid. Moving a
stop further from the market is allowed but flagged, with the risk it then carries, so the
caller asks once. Each problem names the field it belongs to, for the control that shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action
from ticket.domain.pnl import Position, Quote, risk_to_stop
from ticket.domain.prices import Rounding, is_on_grid, snap
from ticket.domain.rules import FatFingerLimits


class ExitKind(StrEnum):
    STOP = "stop"
    TARGET = "target"


class MoveField(StrEnum):
    """The control a problem belongs to."""

    STOP_PRICE = "stop_price"
    TARGET_PRICE = "target_price"
    ENTRY_PRICE = "entry_price"
    QTY = "qty"


FIELD_OF = {ExitKind.STOP: MoveField.STOP_PRICE, ExitKind.TARGET: MoveField.TARGET_PRICE}


class MoveProblem(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    field: MoveField
    message: str


class ExitMove(BaseModel):
    """One working exit to go from `current` to `new`; `closing` is the exit order's own
    action (Sell for a long's stop and target)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    kind: ExitKind
    closing: Action
    current: Decimal
    new: Decimal


class MoveCheck(BaseModel):
    """The verdict on a move: refused when `problems` is not empty; `widens` when a stop goes
    further from the market, with the position's risk at the old and the new stop."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    problems: tuple[MoveProblem, ...] = ()
    widens: bool = False
    risk_before: Decimal | None = None
    risk_after: Decimal | None = None

    @property
    def allowed(self) -> bool:
        return not self.problems

    def question(self, fmt: Callable[[Decimal], str], currency: str = "USD") -> str | None:
        """The one question a widening stop asks, or None when the move needs no question."""
        if not self.widens or self.problems:
            return None
        if self.risk_after is None or self.risk_before is None:
            return "This moves the stop further away, adding risk. Move it?"
        return (
            f"This moves the stop further away: the risk becomes {self.risk_after:,.2f} "
            f"{currency} (it was {self.risk_before:,.2f}). Move it?"
        )


def _side_words(closing: Action) -> str:
    return "long" if closing is Action.SELL else "short"


def grid_problem(field: MoveField, price: Decimal, instrument: Instrument) -> MoveProblem | None:
    if price <= 0:
        return MoveProblem(field=field, message="A price must be above zero.")
    if not is_on_grid(price, instrument.tick_size):
        error = instrument.price_format.off_grid(price, instrument.tick_size, instrument.root)
        return MoveProblem(field=field, message=str(error))
    return None


def market_side_problem(
    kind: ExitKind, closing: Action, price: Decimal, quote: Quote, instrument: Instrument
) -> MoveProblem | None:
    """Is `price` on the right side of the market for this exit? A long's exits sell, so they
    are judged against the bid; a short's buy, against the ask."""
    field = FIELD_OF[kind]
    selling = closing is Action.SELL
    touch = quote.bid if selling else quote.ask
    touch_name = "bid" if selling else "ask"
    if touch is None:
        touch, touch_name = quote.last, "last price"
    if touch is None:
        return MoveProblem(
            field=field, message=f"No live price: the {kind.value} cannot be checked against it."
        )
    fmt, side = instrument.format_price, _side_words(closing)
    if kind is ExitKind.STOP:
        wrong = price >= touch if selling else price <= touch
        where = "below" if selling else "above"
        what = "it would fill at once"
    else:
        wrong = price <= touch if selling else price >= touch
        where = "above" if selling else "below"
        what = "it would fill at once at a worse price than asked"
    if not wrong:
        return None
    return MoveProblem(
        field=field,
        message=f"A {side}'s {kind.value} must be {where} the {touch_name} {fmt(touch)}: "
        f"at {fmt(price)} {what}.",
    )


def widens(move: ExitMove) -> bool:
    """A stop moved further from the market (and from the trade's profit)."""
    if move.kind is not ExitKind.STOP:
        return False
    return move.new < move.current if move.closing is Action.SELL else move.new > move.current


def check_exit_move(
    move: ExitMove,
    quote: Quote,
    instrument: Instrument,
    position: Position | None = None,
) -> MoveCheck:
    """Judge moving a working stop or target; see the module docstring for the rules."""
    field = FIELD_OF[move.kind]
    problem = grid_problem(field, move.new, instrument) or market_side_problem(
        move.kind, move.closing, move.new, quote, instrument
    )
    before = after = None
    if position is not None and position.net != 0 and move.kind is ExitKind.STOP:
        before = risk_to_stop(position, move.current, instrument)
        after = risk_to_stop(position, move.new, instrument)
    return MoveCheck(
        problems=(problem,) if problem else (),
        widens=widens(move),
        risk_before=before,
        risk_after=after,
    )


def check_entry_change(
    new_price: Decimal | None, qty: int, instrument: Instrument, field: MoveField
) -> tuple[MoveProblem, ...]:
    """A working entry's new price (the price or the trigger, named by `field`) and size."""
    found = []
    if new_price is not None:
        problem = grid_problem(field, new_price, instrument)
        if problem:
            found.append(problem)
    if qty < 1:
        found.append(MoveProblem(field=MoveField.QTY, message="At least one contract."))
    return tuple(found)


def check_entry_limits(
    side: Action,
    price: Decimal,
    qty: int,
    stop: Decimal | None,
    last: Decimal | None,
    limits: FatFingerLimits,
    instrument: Instrument,
    field: MoveField,
) -> tuple[MoveProblem, ...]:
    """A waiting entry's new price and size against the fat-finger limits of a new ticket:
    max contracts, max ticks from the last price, and max risk with its stop where it is.
    Changing a working order has no override: past a limit it is refused."""
    found = []
    fmt = instrument.format_price
    if qty > limits.max_contracts:
        found.append(
            MoveProblem(
                field=MoveField.QTY,
                message=f"{qty} contracts is above your limit of {limits.max_contracts}.",
            )
        )
    if last is None:
        found.append(
            MoveProblem(field=field, message=f"No last price to check the entry {fmt(price)}.")
        )
    else:
        away = abs(price - last) / instrument.tick_size
        if away > limits.max_ticks_from_last:
            found.append(
                MoveProblem(
                    field=field,
                    message=f"The entry {fmt(price)} is {away:.0f} ticks from the last price "
                    f"{fmt(last)} (limit {limits.max_ticks_from_last}).",
                )
            )
    risk = entry_risk(side, price, stop, instrument)
    if stop is not None and risk is not None and risk * qty > limits.max_risk:
        found.append(
            MoveProblem(
                field=field,
                message=f"This trade would risk {risk * qty:,.2f} with the stop at "
                f"{fmt(stop)}, above your limit of {limits.max_risk:,.2f}.",
            )
        )
    return tuple(found)


def entry_risk(
    side: Action, price: Decimal, stop: Decimal | None, instrument: Instrument
) -> Decimal | None:
    """Money lost per contract if an entry at `price` fills and its stop then fills."""
    if stop is None:
        return None
    ticks = (price - stop) / instrument.tick_size * side.sign
    return instrument.ticks_to_money(ticks)


def stops_risk(
    position: Position, stops: Sequence[tuple[int, Decimal]], instrument: Instrument
) -> Decimal:
    """Money lost if every stop fills at its price: each stop (its size, its price) closes
    its own contracts of the position."""
    return sum(
        (
            risk_to_stop(
                Position(net=position.sign * size, avg_price=position.avg_price), price, instrument
            )
            for size, price in stops
        ),
        Decimal(0),
    )


def nudge(price: Decimal, ticks: int, instrument: Instrument) -> Decimal:
    """`price` moved by whole ticks (up when positive), from its grid price."""
    return snap(price, instrument.tick_size) + ticks * instrument.tick_size


def break_even_price(position: Position, offset_ticks: int, instrument: Instrument) -> Decimal:
    """The average entry plus `offset_ticks` in the trade's favour, on the grid, rounded in the
    trade's favour (an average of several fills may fall between ticks)."""
    tick = instrument.tick_size
    if position.net > 0:
        return snap(position.avg_price + offset_ticks * tick, tick, Rounding.UP)
    return snap(position.avg_price - offset_ticks * tick, tick, Rounding.DOWN)


def reanchor(
    side: Action,
    fill_price: Decimal,
    stop_ticks: Decimal | None,
    target_ticks: Decimal | None,
    instrument: Instrument,
) -> tuple[Decimal | None, Decimal | None]:
    """A filled entry's stop and target at the planned distances from the fill price (for a
    market entry that slipped): (stop, target), None where no distance was planned."""
    tick, sign = instrument.tick_size, side.sign
    base = snap(fill_price, tick)
    stop = base - sign * stop_ticks * tick if stop_ticks is not None else None
    target = base + sign * target_ticks * tick if target_ticks is not None else None
    return stop, target
