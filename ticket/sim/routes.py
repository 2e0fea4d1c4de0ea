"""The simulator's REST routes: each takes the query and the JSON body and returns
(HTTP status, answer), with Tradovate's paths, shapes and business rejections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME, SIM_USER_ID, SIM_USERNAME
from ticket.sim.entities import iso
from ticket.sim.exchange import Refused

if TYPE_CHECKING:
    from ticket.sim.server import Simulator

Reply = tuple[int, Any]
Route = Callable[[dict[str, str], Any], Reply]


def route_table(sim: Simulator) -> dict[str, Route]:
    """Tradovate's paths (lower-cased, without /v1/) and what the simulator answers."""
    ex = sim.exchange
    cat = sim.catalog

    def locked(fn: Callable[[], Any]) -> Reply:
        with ex.lock:
            return 200, fn()

    def item(table: dict[int, Any], q: dict[str, str], wire: Callable[[Any], Any]) -> Reply:
        try:
            found = table.get(int(q.get("id", "")))
        except ValueError:
            return 400, "id must be a number"
        return (200, wire(found)) if found is not None else (404, "Not found")

    def locked_item(table: dict[int, Any], q: dict[str, str], wire: Callable[[Any], Any]) -> Reply:
        with ex.lock:
            return item(table, q, wire)

    def masterid(q: dict[str, str]) -> int:
        try:
            return int(q.get("masterid", ""))
        except ValueError:
            return -1

    def order_call(fn: Callable[[Any], Any]) -> Callable[[dict[str, str], Any], Reply]:
        def call(q: dict[str, str], body: Any) -> Reply:
            if not isinstance(body, dict):
                return 400, "JSON body required"
            try:
                return 200, fn(body)
            except Refused as refused:
                return 200, {"failureReason": refused.reason.value, "failureText": refused.text}

        return call

    account = {
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
        "timestamp": iso(datetime(2026, 1, 2, tzinfo=UTC)),
        "readonly": False,
    }

    def cash(q: dict[str, str], body: Any) -> Reply:
        if not isinstance(body, dict) or body.get("accountId") != SIM_ACCOUNT_ID:
            return 200, {"errorText": "Access is denied"}
        with ex.lock:
            open_pnl = ex.open_pnl()
            return 200, {
                "totalCashValue": float(ex.cash),
                "netLiq": float(ex.cash + open_pnl),
                "openPnL": float(open_pnl),
                "realizedPnL": float(ex.cash - 50000),
                "totalPnL": float(ex.cash - 50000 + open_pnl),
                "initialMargin": 0.0,
                "maintenanceMargin": 0.0,
                "weekRealizedPnL": float(ex.cash - 50000),
            }

    def find_contract(q: dict[str, str], body: Any) -> Reply:
        found = cat.by_name.get(q.get("name", "").upper())
        return (200, found.to_wire()) if found else (404, "Not found")

    def suggest(q: dict[str, str], body: Any) -> Reply:
        try:
            limit = int(q.get("l", "10"))
        except ValueError:
            return 400, "l must be a number"
        return 200, [c.to_wire() for c in cat.suggest(q.get("t", ""), limit)]

    def contract_items(q: dict[str, str], body: Any) -> Reply:
        ids = [int(i) for i in q.get("ids", "").split(",") if i.strip().isdigit()]
        return 200, [cat.contracts[i].to_wire() for i in ids if i in cat.contracts]

    def find_product(q: dict[str, str], body: Any) -> Reply:
        found = cat.products_by_name.get(q.get("name", "").upper())
        return (200, found.to_wire()) if found else (404, "Not found")

    return {
        "auth/accesstokenrequest": lambda q, body: (200, sim.sign_in(body)),
        "auth/renewaccesstoken": lambda q, b: (200, sim.auth.renew()),
        "auth/me": lambda q, b: (
            200,
            {
                "userId": SIM_USER_ID,
                "name": SIM_USERNAME,
                "fullName": "Practice Trader",
                "emailVerified": True,
                "isTrial": False,
            },
        ),
        "account/list": lambda q, b: (200, [account]),
        "account/item": lambda q, b: item({SIM_ACCOUNT_ID: account}, q, lambda a: a),
        "account/find": lambda q, b: (
            (200, account) if q.get("name") == SIM_ACCOUNT_NAME else (404, "Not found")
        ),
        "cashbalance/getcashbalancesnapshot": cash,
        "contract/find": find_contract,
        "contract/item": lambda q, b: item(cat.contracts, q, lambda c: c.to_wire()),
        "contract/items": contract_items,
        "contract/suggest": suggest,
        "contractmaturity/item": lambda q, b: item(cat.by_maturity, q, lambda c: c.maturity_wire()),
        "product/find": find_product,
        "product/item": lambda q, b: item(cat.products, q, lambda p: p.to_wire()),
        "order/placeoso": order_call(ex.place_oso),
        "order/placeorder": order_call(ex.place_order),
        "order/cancelorder": order_call(ex.cancel),
        "order/modifyorder": order_call(ex.modify),
        "order/liquidateposition": order_call(ex.liquidate),
        "order/list": lambda q, b: locked(lambda: [o.to_wire() for o in ex.orders.values()]),
        "order/item": lambda q, b: locked_item(ex.orders, q, lambda o: o.to_wire()),
        "order/deps": lambda q, b: locked(
            lambda: [o.to_wire() for o in ex.orders.values() if o.account_id == masterid(q)]
        ),
        "orderversion/list": lambda q, b: locked(
            lambda: [o.version_wire() for o in ex.orders.values()]
        ),
        "orderversion/deps": lambda q, b: locked(
            lambda: [o.version_wire() for o in ex.orders.values() if o.id == masterid(q)]
        ),
        "command/list": lambda q, b: locked(lambda: list(ex.commands)),
        "command/deps": lambda q, b: locked(
            lambda: [c for c in ex.commands if c["orderId"] == masterid(q)]
        ),
        "position/list": lambda q, b: locked(lambda: [p.to_wire() for p in ex.positions.values()]),
        "position/deps": lambda q, b: locked(
            lambda: [p.to_wire() for p in ex.positions.values() if p.account_id == masterid(q)]
        ),
        "fill/list": lambda q, b: locked(lambda: list(ex.fills)),
        "fill/deps": lambda q, b: locked(
            lambda: [f for f in ex.fills if f["orderId"] == masterid(q)]
        ),
    }
