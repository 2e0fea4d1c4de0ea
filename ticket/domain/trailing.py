"""Auto break-even and the trailing stop, as a pure state machine driven by quotes.

Each quote goes in with the position, the stop working now and the time on the caller's clock;
out comes the stop to send, or none, and the state to keep. The stop only ever moves in the
trade's favour, stays at least a tick on the losing side of the market, and a given stop order
is moved at most once per `min_interval` seconds. While the account feed or the quotes are not
live nothing is computed: the state says why, and the stop held by the server stays where it is.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticket.domain.instruments import Instrument
from ticket.domain.pnl import Position, Quote, mark_price

MIN_INTERVAL = 1.0  # seconds between two modifies of one order


class AutoStopRule(BaseModel):
    """Break-even after `breakeven_after_ticks` in profit, at the entry plus
    `breakeven_offset_ticks`; a trail `trail_ticks` behind the market, moved in steps of
    `trail_step_ticks`. Either part may be off (None)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    breakeven_after_ticks: int | None = Field(default=None, gt=0)
    breakeven_offset_ticks: int = Field(default=0, ge=0)
    trail_ticks: int | None = Field(default=None, gt=0)
    trail_step_ticks: int = Field(default=1, gt=0)
    min_interval: float = Field(default=MIN_INTERVAL, gt=0)

    @property
    def active(self) -> bool:
        return self.breakeven_after_ticks is not None or self.trail_ticks is not None


class Why(StrEnum):
    BREAK_EVEN = "break-even"
    TRAIL = "trail"
    HOLD = "hold"  # nothing better than the stop working now
    WAIT = "wait"  # a better stop, but the last modify of this order was too recent
    PAUSED = "paused"  # the account feed or the quotes are not live
    FLAT = "flat"


class AutoStopState(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    last_sent_at: float | None = None
    breakeven_armed: bool = False  # the profit reached the trigger once: it stays armed


class AutoStopStep(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    state: AutoStopState
    new_stop: Decimal | None = None
    why: Why
    words: str = ""


def _better(candidate: Decimal, than: Decimal, long: bool) -> bool:
    return candidate > than if long else candidate < than


def _trail(rule: AutoStopRule, mark: Decimal, stop: Decimal, long: bool, tick: Decimal) -> Decimal:
    assert rule.trail_ticks is not None
    sign = 1 if long else -1
    wanted = mark - sign * rule.trail_ticks * tick
    step = rule.trail_step_ticks * tick
    steps = int((wanted - stop) * sign // step)
    return stop + sign * steps * step if steps > 0 else stop


def auto_stop_step(
    rule: AutoStopRule,
    state: AutoStopState,
    *,
    position: Position,
    stop: Decimal,
    quote: Quote,
    instrument: Instrument,
    now: float,
    live: bool,
) -> AutoStopStep:
    """One quote through the machine (see the module docstring)."""
    if position.net == 0:
        return AutoStopStep(state=state, why=Why.FLAT, words="Flat: nothing to adjust.")
    fmt = instrument.format_price
    mark = mark_price(position, quote) if live else None
    if mark is None:
        return AutoStopStep(
            state=state,
            why=Why.PAUSED,
            words="Auto stop paused: the account feed or the quotes are not live. The stop "
            f"stays at {fmt(stop)} on the server.",
        )
    tick, long = instrument.tick_size, position.net > 0
    sign = 1 if long else -1
    profit_ticks = (mark - position.avg_price) * sign / tick
    trigger = rule.breakeven_after_ticks
    armed = state.breakeven_armed or (trigger is not None and profit_ticks >= trigger)
    state = state.model_copy(update={"breakeven_armed": armed})
    best, why = stop, Why.HOLD
    if armed:
        offset = rule.breakeven_offset_ticks * tick
        even = position.avg_price + sign * offset
        if _better(even, best, long):
            best, why = even, Why.BREAK_EVEN
    if rule.trail_ticks is not None:
        trailed = _trail(rule, mark, stop, long, tick)
        if _better(trailed, best, long):
            best, why = trailed, Why.TRAIL
    best = _on_grid(best, tick, long)
    limit = mark - sign * tick  # a stop at or through the market would fill at once
    best = min(best, limit) if long else max(best, limit)
    if not _better(best, stop, long):
        return AutoStopStep(state=state, why=Why.HOLD)
    if state.last_sent_at is not None and now - state.last_sent_at < rule.min_interval:
        return AutoStopStep(state=state, why=Why.WAIT)
    return AutoStopStep(
        state=state.model_copy(update={"last_sent_at": now}),
        new_stop=best,
        why=why,
        words=f"Auto stop ({why.value}): {fmt(stop)} to {fmt(best)}.",
    )


def _on_grid(price: Decimal, tick: Decimal, long: bool) -> Decimal:
    """Off-grid prices (an average entry) go to the tick that protects the trade more."""
    steps = price / tick
    whole = steps.to_integral_value(rounding="ROUND_CEILING" if long else "ROUND_FLOOR")
    if whole == steps:
        return price
    return whole * tick
