"""Tradovate's entities as the ticket reads them, and the request bodies it sends.

Responses ignore fields they do not know (Tradovate adds fields over time). Numbers that are
prices arrive as JSON numbers and are read into `Decimal` through their text, so 5000.25 stays
5000.25.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

from ticket.domain.orders import (
    Action,
    FailureReason,
    OrderType,
    OrdStatus,
    TimeInForce,
    WireModel,
    WirePrice,
)


def _exact(value: object) -> object:
    return Decimal(repr(value)) if isinstance(value, float) else value


Price = Annotated[Decimal, BeforeValidator(_exact)]


class Entity(BaseModel):
    model_config = ConfigDict(
        defer_build=True,
        frozen=True,
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
    )


class AccessTokenRequest(WireModel):
    name: str
    password: str
    app_id: str
    app_version: str
    device_id: str
    cid: str
    sec: str


class AccessToken(Entity):
    """The auth answer. Tokens are secrets: `SecretStr`, never printed."""

    error_text: str | None = None
    access_token: SecretStr | None = None
    md_access_token: SecretStr | None = None
    expiration_time: datetime | None = None
    user_status: str | None = None
    user_id: int | None = None
    name: str | None = None
    has_live: bool | None = None


class Account(Entity):
    id: int
    name: str
    user_id: int | None = None
    account_type: str | None = None
    active: bool = True


class CashBalance(Entity):
    """The REST cash snapshot and the `cashBalance` entity of the user stream, in one lenient
    shape: each source fills the fields it has."""

    error_text: str | None = None
    total_cash_value: Price | None = None
    net_liq: Price | None = None
    open_pn_l: Price | None = Field(default=None, alias="openPnL")
    realized_pn_l: Price | None = Field(default=None, alias="realizedPnL")
    # the entity's own fields
    id: int | None = None
    account_id: int | None = None
    timestamp: datetime | None = None
    amount: Price | None = None
    week_realized_pn_l: Price | None = Field(default=None, alias="weekRealizedPnL")


class Contract(Entity):
    id: int
    name: str
    contract_maturity_id: int
    provider_tick_size: Price | None = None


class ContractMaturity(Entity):
    id: int
    product_id: int
    expiration_month: int
    expiration_date: datetime | None = None
    is_front: bool = False


class Product(Entity):
    id: int
    name: str
    description: str = ""
    value_per_point: Price = Field(gt=0)  # the spec's exclusiveMinimum: 0 is no product
    tick_size: Price = Field(gt=0)
    price_format_type: str = "Decimal"
    price_format: int = -2
    months: str | None = None
    currency_id: int | None = None


class Order(Entity):
    id: int
    account_id: int
    contract_id: int | None = None
    timestamp: datetime
    action: Action
    ord_status: OrdStatus
    parent_id: int | None = None
    oco_id: int | None = None
    linked_id: int | None = None


class OrderVersion(Entity):
    id: int
    order_id: int
    order_qty: int
    order_type: OrderType
    price: Price | None = None
    stop_price: Price | None = None
    peg_difference: Price | None = None
    time_in_force: TimeInForce | None = None


class Command(Entity):
    id: int
    order_id: int
    timestamp: datetime
    cl_ord_id: str | None = None
    command_type: str
    command_status: str
    is_automated: bool | None = None


class Position(Entity):
    id: int
    account_id: int
    contract_id: int
    net_pos: int
    net_price: Price | None = None
    bought: int = 0
    sold: int = 0
    timestamp: datetime | None = None


class Fill(Entity):
    id: int
    order_id: int
    contract_id: int
    timestamp: datetime
    action: Action
    qty: int
    price: Price
    active: bool = True


class ExecutionReport(Entity):
    """What the exchange did with an order (fills, cancels, rejects), as the stream sends it."""

    id: int
    order_id: int | None = None
    command_id: int | None = None
    account_id: int | None = None
    contract_id: int | None = None
    timestamp: datetime | None = None
    exec_type: str | None = None
    ord_status: str | None = None
    action: str | None = None
    cum_qty: int | None = None
    avg_px: Price | None = None
    last_qty: int | None = None
    last_px: Price | None = None
    reject_reason: str | None = None
    text: str | None = None


class CommandReport(Entity):
    """A command's progress and, when refused, why (`reject_reason`, the failureReason list)."""

    id: int
    command_id: int | None = None
    timestamp: datetime | None = None
    command_status: str | None = None
    reject_reason: str | None = None
    text: str | None = None
    ord_status: str | None = None


class OrderResult(Entity):
    """PlaceOrderResult and CommandResult: one shape for the single-order calls."""

    failure_reason: FailureReason | None = None
    failure_text: str | None = None
    order_id: int | None = None
    command_id: int | None = None
    oco_id: int | None = None


class CancelOrderRequest(WireModel):
    order_id: int = Field(gt=0)
    cl_ord_id: str | None = None
    is_automated: bool = False


class ModifyOrderRequest(WireModel):
    order_id: int = Field(gt=0)
    order_qty: int = Field(gt=0)
    order_type: OrderType
    price: WirePrice | None = None
    stop_price: WirePrice | None = None
    time_in_force: TimeInForce | None = None
    is_automated: bool = False


class LiquidatePositionRequest(WireModel):
    account_id: int = Field(gt=0)
    contract_id: int = Field(gt=0)
    admin: bool = False  # true only for Tradovate admins and B2B partners
