"""How the simulator reads Tradovate's order fields, written from the OpenAPI spec and the
OrderVersion doc page rather than taken from the client, so a client that reads them otherwise
is caught by the tests instead of agreeing with itself.

The enums' values are the spec's (shared with the client as plain vocabulary); which fields an
order type needs and how a trailing stop moves are decided here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ticket.domain.orders import Action, OrderType, OrdStatus

# `price` is the limit (or touch) price; `stopPrice` the trigger "for Stop, StopLimit,
# TrailingStop, TrailingStopLimit" (OrderVersion doc page).
NEEDS_PRICE = frozenset(
    {OrderType.LIMIT, OrderType.MIT, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_LIMIT}
)
NEEDS_STOP_PRICE = frozenset(
    {OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT}
)
TRAILING = frozenset({OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT})
FILLS_AT_THE_TOUCH = frozenset({OrderType.MARKET, OrderType.STOP, OrderType.TRAILING_STOP})

FINAL = frozenset(
    {
        OrdStatus.CANCELED,
        OrdStatus.COMPLETED,
        OrdStatus.EXPIRED,
        OrdStatus.FILLED,
        OrdStatus.REJECTED,
    }
)


def sign(action: Action) -> int:
    return 1 if action is Action.BUY else -1


def on_grid(price: Decimal, tick: Decimal) -> bool:
    try:
        return price.is_finite() and price % tick == 0
    except InvalidOperation:  # too many ticks to count: no price of this contract
        return False


# pegDifference is FIX tag 211 PegDifference (Tradovate's order fields carry FIX names: clOrdId,
# maxShow, pegDifference): a signed amount added to the market to give the trailing stop. So a
# Sell stop, below the market, trails with a negative difference; a Buy stop with a positive one.


def trailing_stop(touch: Decimal, peg: Decimal) -> Decimal:
    return touch + peg


def peg_from_stop(stop: Decimal, touch: Decimal) -> Decimal:
    return stop - touch


def peg_on_the_right_side(action: Action, peg: Decimal) -> bool:
    """A difference of the other sign puts the stop through the market, where it would trigger
    at once: the simulator refuses it rather than fill a stop the trader did not mean."""
    return peg < 0 if action is Action.SELL else peg > 0


def stop_through_the_market(action: Action, stop: Decimal, bid: Decimal, ask: Decimal) -> bool:
    """Whether a stop moved to `stop` would trigger at once: a Sell stop at or above the bid, a
    Buy stop at or below the ask. The simulator refuses such a modify with InvalidPrice, as an
    exchange refuses a stop on the wrong side of the market; Tradovate's exact answer is not
    documented, so this is the one place to change."""
    return stop >= bid if action is Action.SELL else stop <= ask
