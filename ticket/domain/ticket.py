"""The trader's ticket as typed: an entry, a stop-loss and a take-profit, in the trader's units.

These models accept anything a form can hold (quantity 0, a stop on the wrong side): saying what
is wrong with it is the job of `rules`, which points at the field concerned.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, TimeInForce


class DistanceUnit(StrEnum):
    TICKS = "ticks"
    PRICE = "price"  # an absolute price
    MONEY = "money"  # currency per contract
    R = "R"  # a multiple of the stop distance (take-profit only)


STOP_LOSS_TYPES = (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP)
TAKE_PROFIT_TYPES = (OrderType.LIMIT, OrderType.MIT)
ENTRY_TYPES = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP,
    OrderType.STOP_LIMIT,
    OrderType.MIT,
    OrderType.TRAILING_STOP,
    OrderType.TRAILING_STOP_LIMIT,
)


class TicketField(StrEnum):
    """Names of the ticket's fields, shared by rules, the view-model and the CLI."""

    SYMBOL = "symbol"
    ACCOUNT = "account"
    QTY = "entry.qty"
    ORDER_TYPE = "entry.order_type"
    PRICE = "entry.price"
    STOP_PRICE = "entry.stop_price"
    TIME_IN_FORCE = "entry.time_in_force"
    EXPIRE_TIME = "entry.expire_time"
    TEXT = "entry.text"
    REFERENCE_PRICE = "reference_price"
    BRACKETS = "brackets"
    STOP_LOSS = "stop_loss.distance"
    STOP_LOSS_TYPE = "stop_loss.order_type"
    STOP_LOSS_TIF = "stop_loss.time_in_force"
    STOP_LOSS_LIMIT = "stop_loss.limit_offset_ticks"
    TAKE_PROFIT = "take_profit.distance"
    TAKE_PROFIT_TYPE = "take_profit.order_type"
    TAKE_PROFIT_TIF = "take_profit.time_in_force"
    COMMISSION = "commission"


class Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class EntrySpec(Frozen):
    action: Action = Action.BUY
    qty: int = 1
    order_type: OrderType = OrderType.LIMIT
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    expire_time: datetime | None = None
    text: str | None = None


class BracketSpec(Frozen):
    """One exit leg as the trader typed it. `distance` is read in `unit`."""

    enabled: bool = True
    order_type: OrderType
    unit: DistanceUnit = DistanceUnit.TICKS
    distance: Decimal | None = None
    limit_offset_ticks: int = 0  # StopLimit leg: the limit sits this many ticks past the stop
    # GTC by default: a leg must not expire while the position it protects is still open.
    time_in_force: TimeInForce = TimeInForce.GTC


class TicketForm(Frozen):
    """Everything needed to judge and build one bracket order."""

    instrument: Instrument
    symbol: str
    entry: EntrySpec = EntrySpec()
    stop_loss: BracketSpec = BracketSpec(order_type=OrderType.STOP)
    take_profit: BracketSpec = BracketSpec(order_type=OrderType.LIMIT)
    reference_price: Decimal | None = None  # where a Market entry is expected to fill
    reference_typed: bool = False  # typed by the trader, not taken from a live quote
    needs_last_price: bool = False  # no quote in view (the command line): check every entry
    last_price: Decimal | None = None  # last known market price, for the distance check
    commission_per_contract: Decimal = Decimal(0)  # round turn
    overrides: frozenset[str] = frozenset()  # fat-finger limits the trader chose to pass
