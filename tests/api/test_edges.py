"""Edge cases a simulator does not produce on its own, on a small fake Tradovate: the look-up
by clOrdId when the server keeps no leg ids, a command with no order behind it, and flatten
when a cancel is never confirmed or the position will not close."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ticket.broker import errors
from ticket.broker.client import TradovateClient
from ticket.broker.monitor import cancel_bracket, flatten, protect
from ticket.broker.orders import find_by_cl_ord_id
from ticket.domain.orders import Action, OrderType, PlaceOrderRequest
from ticket.services import SIM_CREDENTIALS

NOW = "2026-11-25T15:00:00Z"


class FakeTradovate:
    """Answers the few routes these tests need from plain dicts the test edits."""

    def __init__(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.versions: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.positions: list[dict[str, Any]] = []
        self.cancels: list[int] = []
        self.liquidations = 0
        self.honour_cancels = True
        self.placed: list[tuple[str, Any]] = []

    def order(self, order_id, status="Working", parent=None, kind="Limit", action="Buy", qty=1):
        self.orders[order_id] = {
            "id": order_id,
            "accountId": 1,
            "contractId": 9,
            "timestamp": NOW,
            "action": action,
            "ordStatus": status,
            "parentId": parent,
        }
        self.versions[order_id] = {
            "id": order_id * 10,
            "orderId": order_id,
            "orderQty": qty,
            "orderType": kind,
            "price": 100.0,
        }

    def command(self, order_id, cl_ord_id=None):
        self.commands.append(
            {
                "id": 500 + len(self.commands),
                "orderId": order_id,
                "timestamp": NOW,
                "clOrdId": cl_ord_id,
                "commandType": "New",
                "commandStatus": "RiskPassed",
            }
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = request.url.path.removeprefix("/v1/").lower()
        body = json.loads(request.content) if request.content else None
        answer: Any
        if route == "auth/accesstokenrequest":
            answer = {"accessToken": "fake-token-x", "expirationTime": "2099-01-01T00:00:00Z"}
        elif route == "order/list":
            answer = list(self.orders.values())
        elif route == "order/item":
            found = self.orders.get(int(request.url.params["id"]))
            if found is None:
                return httpx.Response(404, text="Not found")
            answer = found
        elif route == "orderversion/list":
            answer = list(self.versions.values())
        elif route == "command/list":
            answer = self.commands
        elif route in ("fill/list",):
            answer = []
        elif route == "position/list":
            answer = self.positions
        elif route == "order/cancelorder":
            self.cancels.append(body["orderId"])
            if self.honour_cancels:
                self.orders[body["orderId"]]["ordStatus"] = "Canceled"
            answer = {"commandId": 900 + len(self.cancels)}
        elif route == "order/placeorder":
            self.placed.append(("order", body))
            answer = {"orderId": 700}
        elif route == "order/placeoco":
            self.placed.append(("oco", body))
            answer = {"orderId": 701, "ocoId": 702}
        elif route == "order/liquidateposition":
            self.liquidations += 1
            answer = {"orderId": 777}
        else:
            return httpx.Response(404, text=f"no route {route}")
        return httpx.Response(200, json=answer)


@pytest.fixture
def fake():
    return FakeTradovate()


@pytest.fixture
def client(fake):
    http = httpx.Client(transport=httpx.MockTransport(fake))
    tradovate = TradovateClient(http, "https://fake.invalid/v1", device_id="d")
    tradovate.sign_in(SIM_CREDENTIALS)
    return tradovate


def test_legs_without_their_own_client_ids_are_found_as_the_entrys_children(fake, client):
    fake.order(10)
    fake.order(12, status="Suspended", parent=10, kind="Limit", action="Sell")
    fake.order(11, status="Suspended", parent=10, kind="Stop", action="Sell")
    fake.order(13)  # another order, not a child
    fake.command(10, "tkt-1")
    fake.command(11)
    fake.command(12)
    found = find_by_cl_ord_id(client, "tkt-1")
    assert found is not None
    assert (found.order_id, found.oso1_id, found.oso2_id) == (10, 11, 12)


def test_legs_with_their_client_ids_are_found_by_them(fake, client):
    fake.order(10)
    fake.order(11, parent=10)
    fake.order(12, parent=10)
    fake.command(10, "tkt-1")
    fake.command(12, "tkt-1.1")  # the server made bracket1 second
    fake.command(11, "tkt-1.2")
    found = find_by_cl_ord_id(client, "tkt-1")
    assert found is not None and (found.oso1_id, found.oso2_id) == (12, 11)


def test_a_command_with_no_order_behind_it_is_not_an_order(fake, client):
    fake.command(10, "tkt-1")  # a refused request may leave its command
    assert find_by_cl_ord_id(client, "tkt-1") is None


def test_flatten_does_not_liquidate_while_a_cancel_is_unconfirmed(fake, client):
    fake.order(11, kind="Stop", action="Sell")
    fake.positions.append({"id": 1, "accountId": 1, "contractId": 9, "netPos": 1})
    fake.honour_cancels = False
    with pytest.raises(errors.OutcomeUnknown, match="not liquidated"):
        flatten(client, 1, 9, wait=0.2, poll=0.01)
    assert fake.cancels == [11] and fake.liquidations == 0


def test_flatten_says_so_when_the_position_stays_open(fake, client):
    fake.positions.append({"id": 1, "accountId": 1, "contractId": 9, "netPos": 2})
    report = flatten(client, 1, 9, wait=0.2, poll=0.01)
    assert fake.liquidations == 1
    assert report.position_after == 2 and "position still 2: check it now" in report.message


def test_cancel_leaves_the_legs_alone_while_the_entry_cancel_is_unconfirmed(fake, client):
    fake.order(10)
    fake.order(11, status="Suspended", parent=10, kind="Stop", action="Sell")
    fake.honour_cancels = False
    with pytest.raises(errors.OutcomeUnknown, match="stop and target were left alone"):
        cancel_bracket(client, 1, 10, wait=0.2, poll=0.01)
    assert fake.cancels == [10]


def test_cancel_takes_the_legs_once_the_entry_is_cancelled_with_nothing_filled(fake, client):
    fake.order(10)
    fake.order(11, status="Suspended", parent=10, kind="Stop", action="Sell")
    fake.order(12, status="Suspended", parent=10, kind="Limit", action="Sell")
    report = cancel_bracket(client, 1, 10, wait=0.2, poll=0.01)
    assert fake.cancels == [10, 11, 12] and report.cancelled == (10, 11, 12)


def stop_for(qty):
    return PlaceOrderRequest(
        account_id=1,
        action=Action.SELL,
        symbol="ESZ6",
        order_qty=qty,
        order_type=OrderType.STOP,
        stop_price=Decimal("98"),
    )


def test_protect_pairs_the_stop_with_the_surviving_target_as_one_oco(fake, client):
    fake.order(12, parent=10, kind="Limit", action="Sell", qty=1)
    fake.positions.append({"id": 1, "accountId": 1, "contractId": 9, "netPos": 1})
    report = protect(client, stop_for(1), account_id=1, contract_id=9, exit_ids={12})
    assert fake.cancels == [12] and [kind for kind, _ in fake.placed] == ["oco"]
    body = fake.placed[0][1]
    assert body["orderType"] == "Stop" and body["other"]["orderType"] == "Limit"
    assert body["other"]["price"] == 100.0 and body["other"]["action"] == "Sell"
    assert (report.stop_id, report.target_id, report.replaced_target_id) == (701, 702, 12)


def test_protect_places_nothing_while_the_target_cancel_is_unconfirmed(fake, client):
    fake.order(12, parent=10, kind="Limit", action="Sell", qty=1)
    fake.positions.append({"id": 1, "accountId": 1, "contractId": 9, "netPos": 1})
    fake.honour_cancels = False
    with pytest.raises(errors.OutcomeUnknown, match="no stop was placed"):
        protect(
            client, stop_for(1), account_id=1, contract_id=9, exit_ids={12}, wait=0.2, poll=0.01
        )
    assert fake.placed == []


def test_protect_places_the_stop_alone_when_no_target_matches_it(fake, client):
    fake.order(12, parent=10, kind="Limit", action="Sell", qty=2)  # covers more than the stop
    fake.order(13, kind="Limit", action="Sell", qty=1)  # the trader's own, not the ticket's
    fake.positions.append({"id": 1, "accountId": 1, "contractId": 9, "netPos": 2})
    report = protect(client, stop_for(1), account_id=1, contract_id=9, exit_ids={12})
    assert [kind for kind, _ in fake.placed] == ["order"] and fake.cancels == []
    assert (report.stop_id, report.target_id) == (700, None)
