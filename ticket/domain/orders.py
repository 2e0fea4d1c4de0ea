"""The Tradovate order vocabulary and the placeOSO wire models.

Wire models mirror the `PlaceOSO`, `RestrainedOrderVersion` and `PlaceOsoResult` schemas of the
Tradovate OpenAPI file: camelCase on the wire, fields we do not set are left out, prices are JSON
numbers equal to the snapped tick price.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


class Action(StrEnum):
    BUY = "Buy"
    SELL = "Sell"

    @property
    def opposite(self) -> Action:
        return Action.SELL if self is Action.BUY else Action.BUY

    @property
    def sign(self) -> int:
        """+1 for a buy (profits when price rises), -1 for a sell."""
        return 1 if self is Action.BUY else -1


class OrderType(StrEnum):
    LIMIT = "Limit"
    MIT = "MIT"
    MARKET = "Market"
    QTS = "QTS"
    STOP = "Stop"
    STOP_LIMIT = "StopLimit"
    TRAILING_STOP = "TrailingStop"
    TRAILING_STOP_LIMIT = "TrailingStopLimit"

    @property
    def needs_price(self) -> bool:
        return self in (
            OrderType.LIMIT,
            OrderType.MIT,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP_LIMIT,
        )

    @property
    def needs_stop_price(self) -> bool:
        return self in (
            OrderType.STOP,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP,
            OrderType.TRAILING_STOP_LIMIT,
        )

    @property
    def is_trailing(self) -> bool:
        return self in (OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT)


class TimeInForce(StrEnum):
    DAY = "Day"
    FOK = "FOK"
    GTC = "GTC"
    GTD = "GTD"
    IOC = "IOC"


class OrdStatus(StrEnum):
    CANCELED = "Canceled"
    COMPLETED = "Completed"
    EXPIRED = "Expired"
    FILLED = "Filled"
    PENDING_CANCEL = "PendingCancel"
    PENDING_NEW = "PendingNew"
    PENDING_REPLACE = "PendingReplace"
    REJECTED = "Rejected"
    SUSPENDED = "Suspended"
    UNKNOWN = "Unknown"
    WORKING = "Working"

    @property
    def is_final(self) -> bool:
        return self in (
            OrdStatus.CANCELED,
            OrdStatus.COMPLETED,
            OrdStatus.EXPIRED,
            OrdStatus.FILLED,
            OrdStatus.REJECTED,
        )


class FailureReason(StrEnum):
    ACCOUNT_CLOSED = "AccountClosed"
    ADVANCED_TRAILING_STOP_UNSUPPORTED = "AdvancedTrailingStopUnsupported"
    ANOTHER_COMMAND_PENDING = "AnotherCommandPending"
    BACK_MONTH_PROHIBITED = "BackMonthProhibited"
    EXECUTION_PROVIDER_NOT_CONFIGURED = "ExecutionProviderNotConfigured"
    EXECUTION_PROVIDER_UNAVAILABLE = "ExecutionProviderUnavailable"
    INVALID_CONTRACT = "InvalidContract"
    INVALID_PRICE = "InvalidPrice"
    LIQUIDATION_ONLY = "LiquidationOnly"
    LIQUIDATION_ONLY_BEFORE_EXPIRATION = "LiquidationOnlyBeforeExpiration"
    MAX_ORDER_QTY_IS_NOT_SPECIFIED = "MaxOrderQtyIsNotSpecified"
    MAX_ORDER_QTY_LIMIT_REACHED = "MaxOrderQtyLimitReached"
    MAX_POS_LIMIT_MISCONFIGURED = "MaxPosLimitMisconfigured"
    MAX_POS_LIMIT_REACHED = "MaxPosLimitReached"
    MAX_TOTAL_POS_LIMIT_REACHED = "MaxTotalPosLimitReached"
    MULTIPLE_ACCOUNT_PLAN_REQUIRED = "MultipleAccountPlanRequired"
    NO_QUOTE = "NoQuote"
    NOT_ENOUGH_LIQUIDITY = "NotEnoughLiquidity"
    OTHER_EXECUTION_RELATED = "OtherExecutionRelated"
    PARENT_REJECTED = "ParentRejected"
    RISK_CHECK_TIMEOUT = "RiskCheckTimeout"
    SESSION_CLOSED = "SessionClosed"
    SUCCESS = "Success"
    TOO_LATE = "TooLate"
    TRADING_LOCKED = "TradingLocked"
    TRAILING_STOP_NON_ORDER_QTY_MODIFY = "TrailingStopNonOrderQtyModify"
    UNAUTHORIZED = "Unauthorized"
    UNKNOWN_REASON = "UnknownReason"
    UNSUPPORTED = "Unsupported"


def _wire_number(value: Decimal) -> float | int:
    # A float's repr is the shortest text that reads back to it, so a tick price with fewer than
    # 16 significant digits goes out as exactly its decimal text (4150.25, never 4150.2500000001).
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} cannot be sent exactly as a JSON number")
    return as_float


def _wire_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


WirePrice = Annotated[Decimal, PlainSerializer(_wire_number, when_used="json")]
WireTime = Annotated[datetime, PlainSerializer(_wire_time, when_used="json")]
Text64 = Annotated[str, Field(max_length=64)]


class WireModel(BaseModel):
    """A request body we build: frozen, strict about its own fields, camelCase on the wire."""

    model_config = ConfigDict(
        defer_build=True,
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
    )

    def to_wire(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RestrainedOrderVersion(WireModel):
    """One bracket leg. It has no quantity: Tradovate sizes it from the entry."""

    action: Action
    cl_ord_id: Text64 | None = None
    order_type: OrderType
    price: WirePrice | None = None
    stop_price: WirePrice | None = None
    max_show: int | None = Field(default=None, gt=0)
    peg_difference: WirePrice | None = None
    time_in_force: TimeInForce | None = None
    expire_time: WireTime | None = None
    text: Text64 | None = None


class PlaceOrderRequest(WireModel):
    """The body of `POST /order/placeorder`: one order (used for a protective stop)."""

    account_spec: Text64 | None = None
    account_id: int | None = Field(default=None, gt=0)
    cl_ord_id: Text64 | None = None
    action: Action
    symbol: Text64
    order_qty: int = Field(gt=0)
    order_type: OrderType
    price: WirePrice | None = None
    stop_price: WirePrice | None = None
    max_show: int | None = Field(default=None, gt=0)
    peg_difference: WirePrice | None = None
    time_in_force: TimeInForce | None = None
    expire_time: WireTime | None = None
    text: Text64 | None = None
    activation_time: WireTime | None = None
    custom_tag50: Text64 | None = None
    is_automated: bool = False


class PlaceOcoRequest(PlaceOrderRequest):
    """The body of `POST /order/placeOCO`: two orders, one cancelling the other when it fills;
    `other` takes this order's quantity."""

    other: RestrainedOrderVersion


class PlaceOsoRequest(PlaceOrderRequest):
    """The body of `POST /order/placeOSO`: an entry and one or two server-held bracket legs."""

    bracket1: RestrainedOrderVersion
    bracket2: RestrainedOrderVersion | None = None


class PlaceOsoResult(BaseModel):
    """The answer to placeOSO. Tradovate adds fields over time, so unknown ones are ignored."""

    model_config = ConfigDict(
        defer_build=True,
        frozen=True,
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
    )

    failure_reason: FailureReason | None = None
    failure_text: str | None = None
    order_id: int | None = None
    oso1_id: int | None = None
    oso2_id: int | None = None

    @property
    def succeeded(self) -> bool:
        """Success needs an order id and no failure: the fail-safe reading of an unsure API."""
        return (
            self.order_id is not None
            and self.failure_reason in (None, FailureReason.SUCCESS)
            and not self.failure_text
        )
