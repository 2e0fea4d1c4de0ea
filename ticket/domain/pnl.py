"""What an open position is worth now: in ticks, money and R.

A position is valued at the price it could be closed at: a long at the bid, a short at the ask
(the last trade when that side is empty). R is measured against the stop distance the trade was
planned with, so "+1.5 R" means one and a half times what the trader set out to risk.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action


class Quote(BaseModel):
    """The prices the manage rules read: bid, ask and last, any of them missing."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None


class Position(BaseModel):
    """A net position in one contract: signed size (long > 0) and average entry price."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    net: int
    avg_price: Decimal

    @property
    def side(self) -> Action:
        return Action.BUY if self.net > 0 else Action.SELL

    @property
    def closing(self) -> Action:
        """The action of the orders that close it (its stop and target)."""
        return self.side.opposite

    @property
    def sign(self) -> int:
        return 1 if self.net > 0 else -1


class OpenPnl(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    mark: Decimal  # the price the position is valued at
    ticks: Decimal  # per contract, positive in profit
    money: Decimal  # the whole position
    r: Decimal | None  # None without a planned stop distance


def mark_price(position: Position, quote: Quote) -> Decimal | None:
    """The price a close would trade at now: the bid for a long, the ask for a short."""
    near = quote.bid if position.net > 0 else quote.ask
    return near if near is not None else quote.last


def open_pnl(
    position: Position,
    quote: Quote,
    instrument: Instrument,
    planned_stop_ticks: Decimal | None = None,
) -> OpenPnl | None:
    """The open P&L, or None when flat or when no price is known."""
    if position.net == 0:
        return None
    mark = mark_price(position, quote)
    if mark is None:
        return None
    ticks = (mark - position.avg_price) / instrument.tick_size * position.sign
    money = instrument.ticks_to_money(ticks, abs(position.net))
    r = None
    if planned_stop_ticks is not None and planned_stop_ticks > 0:
        r = ticks / planned_stop_ticks
    return OpenPnl(mark=mark, ticks=ticks, money=money, r=r)


def risk_to_stop(position: Position, stop: Decimal, instrument: Instrument) -> Decimal:
    """Money lost if the stop fills at its price (negative when the stop locks in a profit)."""
    ticks = (position.avg_price - stop) / instrument.tick_size * position.sign
    return instrument.ticks_to_money(ticks, abs(position.net))
