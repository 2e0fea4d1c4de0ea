"""The simulator's orders and positions, and how they look on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.sim.catalog import SimContract
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME, SIM_USER_ID, SIM_USERNAME

# The practice account and its user, as `account/item` and the sync answer them.
ACCOUNT: dict[str, object] = {
    "id": SIM_ACCOUNT_ID,
    "name": SIM_ACCOUNT_NAME,
    "userId": SIM_USER_ID,
    "accountType": "Customer",
    "active": True,
    "clearingHouseId": 1,
    "riskCategoryId": 1,
    "autoLiqProfileId": 1,
    "marginAccountType": "Speculator",
    "legalStatus": "Individual",
    "timestamp": "2026-01-02T00:00:00.000Z",
    "readonly": False,
}
USER: dict[str, object] = {
    "id": SIM_USER_ID,
    "name": SIM_USERNAME,
    "timestamp": "2026-01-02T00:00:00.000Z",
    "email": "practice@example.com",
    "status": "Active",
    "professional": False,
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trade_date(moment: datetime) -> dict[str, int]:
    return {"year": moment.year, "month": moment.month, "day": moment.day}


@dataclass
class SimOrder:
    id: int
    account_id: int
    contract: SimContract
    action: Action
    order_type: OrderType
    qty: int
    price: Decimal | None
    stop_price: Decimal | None
    peg: Decimal | None
    time_in_force: str | None
    text: str | None
    status: OrdStatus
    timestamp: datetime
    version_id: int
    cl_ord_id: str | None = None
    parent_id: int | None = None
    linked_id: int | None = None
    legs: list[int] = field(default_factory=list)
    filled: int = 0
    fill_value: Decimal = Decimal(0)
    triggered: bool = False
    held: bool = False  # a partial fill waits for the next price move
    automated: bool = False

    def to_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {
            "id": self.id,
            "accountId": self.account_id,
            "contractId": self.contract.id,
            "timestamp": iso(self.timestamp),
            "action": self.action.value,
            "ordStatus": self.status.value,
            "admin": False,
        }
        if self.parent_id:
            wire["parentId"] = self.parent_id
        if self.linked_id:
            wire["linkedId"] = self.linked_id
        return wire

    def avg_px(self) -> float | None:
        return float(self.fill_value / self.filled) if self.filled else None

    def version_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {
            "id": self.version_id,
            "orderId": self.id,
            "orderQty": self.qty,
            "orderType": self.order_type.value,
            "price": _num(self.price),
            "stopPrice": _num(self.stop_price),
            "pegDifference": _num(self.peg),
            "timeInForce": self.time_in_force,
            "text": self.text,
        }
        return {k: v for k, v in wire.items() if v is not None}


@dataclass
class SimPosition:
    id: int
    account_id: int
    contract: SimContract
    net: int = 0
    net_price: Decimal | None = None
    bought: int = 0
    bought_value: Decimal = Decimal(0)
    sold: int = 0
    sold_value: Decimal = Decimal(0)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {
            "id": self.id,
            "accountId": self.account_id,
            "contractId": self.contract.id,
            "timestamp": iso(self.timestamp),
            "tradeDate": trade_date(self.timestamp),
            "netPos": self.net,
            "bought": self.bought,
            "boughtValue": float(self.bought_value),
            "sold": self.sold,
            "soldValue": float(self.sold_value),
            "prevPos": 0,
        }
        if self.net_price is not None:
            wire["netPrice"] = float(self.net_price)
        return wire


def cash_balance_wire(
    balance_id: int, account_id: int, amount: Decimal, realized: Decimal, moment: datetime
) -> dict[str, object]:
    """Tradovate's CashBalance: the account's cash and the P&L realised today and this week.

    The simulator's account lives one trading day, so the week's P&L is the day's; its only
    currency is the US dollar, currency id 1."""
    return {
        "id": balance_id,
        "accountId": account_id,
        "timestamp": iso(moment),
        "tradeDate": trade_date(moment),
        "currencyId": 1,
        "amount": float(amount),
        "realizedPnL": float(realized),
        "weekRealizedPnL": float(realized),
    }
