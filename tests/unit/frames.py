"""User-stream entities and frames as Tradovate writes them (field names, extra fields, nulls),
for the replica, user-stream and benchmark tests."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = 701
OTHER_ACCOUNT = 702
USER = 9001
ES = 3101
NQ = 3102
STAMP = "2026-12-05T08:00:00.000Z"
TRADE_DATE = {"year": 2026, "month": 12, "day": 5}


def order(
    id: int,
    *,
    status: str = "Working",
    action: str = "Buy",
    contract: int = ES,
    parent: int | None = None,
    account: int = ACCOUNT,
) -> dict[str, Any]:
    return {
        "id": id,
        "accountId": account,
        "contractId": contract,
        "spreadDefinitionId": None,
        "timestamp": STAMP,
        "action": action,
        "ordStatus": status,
        "executionProviderId": 1,
        "ocoId": None,
        "parentId": parent,
        "linkedId": None,
        "admin": False,
        "archived": False,
        "external": False,
    }


def version(
    id: int,
    order_id: int,
    *,
    qty: int = 2,
    type: str = "Limit",
    price: float | None = 5990.25,
    stop: float | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": id,
        "orderId": order_id,
        "orderQty": qty,
        "orderType": type,
        "timeInForce": "Day",
        "maxShow": 0,
        "external": False,
        "text": "",
    }
    if price is not None:
        item["price"] = price
    if stop is not None:
        item["stopPrice"] = stop
    return item


def command(id: int, order_id: int, cl_ord_id: str | None = None) -> dict[str, Any]:
    return {
        "id": id,
        "orderId": order_id,
        "timestamp": STAMP,
        "clOrdId": cl_ord_id,
        "commandType": "New",
        "commandStatus": "RiskPassed",
        "senderId": USER,
        "userSessionId": 55,
        "isAutomated": False,
    }


def fill(
    id: int,
    order_id: int,
    *,
    qty: int = 1,
    price: float = 5990.25,
    action: str = "Buy",
    contract: int = ES,
    active: bool = True,
) -> dict[str, Any]:
    return {
        "id": id,
        "orderId": order_id,
        "contractId": contract,
        "timestamp": STAMP,
        "tradeDate": TRADE_DATE,
        "action": action,
        "qty": qty,
        "price": price,
        "active": active,
        "finallyPaired": 0,
    }


def position(
    id: int,
    net: int,
    *,
    contract: int = ES,
    price: float | None = 5990.25,
    account: int = ACCOUNT,
    stamp: str = STAMP,
) -> dict[str, Any]:
    return {
        "id": id,
        "accountId": account,
        "contractId": contract,
        "timestamp": stamp,
        "tradeDate": TRADE_DATE,
        "netPos": net,
        "netPrice": price,
        "bought": max(net, 0),
        "boughtValue": 0,
        "sold": max(-net, 0),
        "soldValue": 0,
        "prevPos": 0,
    }


def cash(id: int, amount: float = 50000.0, *, account: int = ACCOUNT) -> dict[str, Any]:
    return {
        "id": id,
        "accountId": account,
        "timestamp": STAMP,
        "tradeDate": TRADE_DATE,
        "currencyId": 1,
        "amount": amount,
        "realizedPnL": 0.0,
        "weekRealizedPnL": 125.5,
        "archived": False,
    }


def props(entity_type: str, entity: dict[str, Any], event: str = "Created") -> dict[str, Any]:
    return {"entityType": entity_type, "eventType": event, "entity": entity}


def frame(*messages: dict[str, Any]) -> str:
    return "a" + json.dumps(list(messages))


def event(payload: dict[str, Any]) -> dict[str, Any]:
    return {"e": "props", "d": payload}


def bracket(entry: int, *, cl_ord_id: str = "ord-1", filled: bool = False) -> dict[str, list]:
    """A sync reply's lists for one Buy 2 ES bracket: entry `entry`, stop `entry+1`, target
    `entry+2`; versions and commands share ids, as Tradovate's do."""
    stop, target = entry + 1, entry + 2
    status = "Filled" if filled else "Working"
    legs = "Working" if filled else "Suspended"
    return {
        "orders": [
            order(entry, status=status),
            order(stop, status=legs, action="Sell", parent=entry),
            order(target, status=legs, action="Sell", parent=entry),
        ],
        "orderVersions": [
            version(entry * 10, entry, price=5990.25),
            version(stop * 10, stop, type="Stop", price=None, stop=5988.25),
            version(target * 10, target, price=5994.25),
        ],
        "commands": [
            command(entry * 10, entry, cl_ord_id),
            command(stop * 10, stop),
            command(target * 10, target),
        ],
        "fills": [fill(entry * 100, entry, qty=2)] if filled else [],
    }


def sync_reply(*parts: dict[str, list], **extra: list) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "users": [{"id": USER, "name": "fake-user"}],
        "accounts": [{"id": ACCOUNT, "name": "SIMFAKE1", "userId": USER}],
        "orders": [],
        "orderVersions": [],
        "commands": [],
        "commandReports": [],
        "executionReports": [],
        "fills": [],
        "positions": [],
        "cashBalances": [cash(1)],
        "contracts": [],
    }
    for part in parts:
        for key, items in part.items():
            reply[key] = reply[key] + items
    for key, items in extra.items():
        reply[key] = reply[key] + items
    return reply
