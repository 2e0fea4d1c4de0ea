"""The simulator's REST routes: each takes the query and the JSON body and returns
(HTTP status, answer), with Tradovate's paths, shapes and business rejections."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ticket.sim import bodies
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME, SIM_USER_ID, SIM_USERNAME
from ticket.sim.entities import ACCOUNT
from ticket.sim.exchange import Refused

if TYPE_CHECKING:
    from ticket.sim.server import Simulator

Reply = tuple[int, Any]
Route = Callable[[dict[str, str], Any], Reply]


def malformed(text: str) -> Reply:
    return 400, {"errorText": text}


def number(q: dict[str, str], key: str) -> int | None:
    """The query parameter `key` as a whole number, None when it is missing or no number."""
    try:
        return int(q.get(key, ""))
    except ValueError:
        return None


def route_table(sim: Simulator) -> dict[str, Route]:
    """Tradovate's paths (lower-cased, without /v1/) and what the simulator answers."""
    ex = sim.exchange
    cat = sim.catalog

    def locked(fn: Callable[[], Any]) -> Reply:
        with ex.lock:
            return 200, fn()

    def item(table: dict[int, Any], q: dict[str, str], wire: Callable[[Any], Any]) -> Reply:
        key = number(q, "id")
        if key is None:
            return malformed("id must be a number")
        found = table.get(key)
        return (200, wire(found)) if found is not None else (404, "Not found")

    def locked_item(table: dict[int, Any], q: dict[str, str], wire: Callable[[Any], Any]) -> Reply:
        with ex.lock:
            return item(table, q, wire)

    def deps(fn: Callable[[int], Any]) -> Route:
        """`<entity>/deps?masterid=`: the entities that belong to one master."""

        def call(q: dict[str, str], body: Any) -> Reply:
            master = number(q, "masterid")
            if master is None:
                return malformed("masterid must be a number")
            return locked(lambda: fn(master))

        return call

    def order_call(fn: Callable[[Any], Any], shape: type[BaseModel]) -> Route:
        def call(q: dict[str, str], body: Any) -> Reply:
            try:
                bodies.check(shape, body)
            except bodies.Malformed as exc:
                return malformed(str(exc))
            try:
                return 200, fn(body)
            except Refused as refused:
                return 200, {"failureReason": refused.reason.value, "failureText": refused.text}

        return call

    account = ACCOUNT
    ledger = ex.ledger

    def cash(q: dict[str, str], body: Any) -> Reply:
        try:
            bodies.check(bodies.CashBalanceSnapshot, body)
        except bodies.Malformed as exc:
            return malformed(str(exc))
        if body.get("accountId") != SIM_ACCOUNT_ID:
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
        limit = number(q, "l") if "l" in q else 10
        if limit is None:
            return malformed("l must be a number")
        return 200, [c.to_wire() for c in cat.suggest(q.get("t", ""), limit)]

    def contract_items(q: dict[str, str], body: Any) -> Reply:
        ids = [number({"id": part}, "id") for part in q.get("ids", "").split(",")]
        if any(i is None for i in ids):
            return malformed("ids must be numbers separated by commas")
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
        "order/placeoso": order_call(ex.place_oso, bodies.PlaceOSO),
        "order/placeorder": order_call(ex.place_order, bodies.PlaceOrder),
        "order/placeoco": order_call(ex.place_oco, bodies.PlaceOCO),
        "order/cancelorder": order_call(ex.cancel, bodies.CancelOrder),
        "order/modifyorder": order_call(ex.modify, bodies.ModifyOrder),
        "order/liquidateposition": order_call(ex.liquidate, bodies.LiquidatePosition),
        "order/list": lambda q, b: locked(lambda: [o.to_wire() for o in ex.orders.values()]),
        "order/item": lambda q, b: locked_item(ex.orders, q, lambda o: o.to_wire()),
        "order/deps": deps(
            lambda m: [o.to_wire() for o in ex.orders.values() if o.account_id == m]
        ),
        "orderversion/list": lambda q, b: locked(
            lambda: [o.version_wire() for o in ex.orders.values()]
        ),
        "orderversion/deps": deps(
            lambda m: [o.version_wire()] if (o := ex.orders.get(m)) is not None else []
        ),
        "command/list": lambda q, b: locked(lambda: list(ledger.commands)),
        "command/deps": deps(lambda m: list(ledger.commands_by_order.get(m, ()))),
        "commandreport/list": lambda q, b: locked(lambda: list(ledger.command_reports)),
        "commandreport/deps": deps(lambda m: list(ledger.command_reports_by_command.get(m, ()))),
        "executionreport/list": lambda q, b: locked(lambda: list(ledger.execution_reports)),
        # the master of an execution report is its command (tradovate-api.md 5.3)
        "executionreport/deps": deps(
            lambda m: list(ledger.execution_reports_by_command.get(m, ()))
        ),
        "cashbalance/list": lambda q, b: locked(lambda: [ex.cash_balance()]),
        "cashbalance/deps": deps(lambda m: [ex.cash_balance()] if m == SIM_ACCOUNT_ID else []),
        "position/list": lambda q, b: locked(lambda: [p.to_wire() for p in ex.positions.values()]),
        "position/deps": deps(
            lambda m: [p.to_wire() for p in ex.positions.values() if p.account_id == m]
        ),
        "fill/list": lambda q, b: locked(lambda: list(ledger.fills)),
        "fill/deps": deps(lambda m: list(ledger.fills_by_order.get(m, ()))),
    }
