"""An order call the simulator refuses leaves nothing behind that its clOrdId could find: no
command, no order, no order version. Over real HTTP, read back through the client."""

import json

import pytest

from ticket.broker.orders import find_by_cl_ord_id
from ticket.domain.orders import FailureReason
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME

CL_ORD_ID = "refused-1"


def oso_body(sim, **change):
    body = {
        "accountSpec": SIM_ACCOUNT_NAME,
        "accountId": SIM_ACCOUNT_ID,
        "clOrdId": CL_ORD_ID,
        "action": "Buy",
        "symbol": sim.front("ES"),
        "orderQty": 1,
        "orderType": "Limit",
        "price": 5990.0,
        "isAutomated": False,
        "bracket1": {
            "clOrdId": f"{CL_ORD_ID}.1",
            "action": "Sell",
            "orderType": "Stop",
            "stopPrice": 5988.0,
        },
        "bracket2": {
            "clOrdId": f"{CL_ORD_ID}.2",
            "action": "Sell",
            "orderType": "Limit",
            "price": 5994.0,
        },
    }
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def leg(sim, n, **change):
    return oso_body(sim)[f"bracket{n}"] | change


def snapshot(client):
    return (
        sorted(c.id for c in client.commands()),
        sorted(o.id for o in client.orders()),
        sorted(v.id for v in client.all_order_versions()),
    )


def refused(client, path, body):
    reply = client.send_order(path, body)
    assert reply.status == 200
    return json.loads(reply.body)


@pytest.fixture
def placed_first(sim, client):
    """One accepted bracket, so the lists read back below are not empty by accident."""
    sim.set_price(sim.front("ES"), "6000.00")
    answer = json.loads(
        client.send_order("/order/placeOSO", oso_body(sim, clOrdId="accepted")).body
    )
    assert "orderId" in answer
    return snapshot(client)


OSO_REFUSALS = [
    ({"price": 5990.1}, "InvalidPrice"),  # the entry is off the tick grid
    ({"bracket2": {"action": "Sell", "orderType": "Limit", "price": 5994.1}}, "InvalidPrice"),
    ({"bracket2": {"action": "Sell", "orderType": "QTS"}}, "Unsupported"),
    ({"bracket2": {"action": "Sell", "orderType": "Bracket"}}, "UnknownReason"),
    ({"symbol": "XXZ9"}, "InvalidContract"),
    ({"accountId": 5}, "UnknownReason"),
    ({"accountSpec": "DEMO1"}, "UnknownReason"),
    ({"orderQty": 0}, "UnknownReason"),
    ({"bracket1": None}, "UnknownReason"),
]


@pytest.mark.parametrize(("change", "reason"), OSO_REFUSALS)
def test_a_refused_oso_leaves_nothing_findable(sim, client, placed_first, change, reason):
    answer = refused(client, "/order/placeOSO", oso_body(sim, **change))
    assert answer["failureReason"] == reason and "orderId" not in answer
    assert snapshot(client) == placed_first
    assert find_by_cl_ord_id(client, CL_ORD_ID) is None


def test_a_refused_trailing_leg_leaves_nothing_findable(sim, client, placed_first):
    wrong_side = leg(sim, 1, orderType="TrailingStop", pegDifference=2.0)  # above the market
    answer = refused(client, "/order/placeOSO", oso_body(sim, bracket1=wrong_side))
    assert answer["failureReason"] == "InvalidPrice"
    assert snapshot(client) == placed_first


def test_a_switched_rejection_leaves_nothing_findable(sim, client, placed_first):
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, "Position limit")
    answer = refused(client, "/order/placeOSO", oso_body(sim))
    assert answer == {"failureReason": "MaxPosLimitReached", "failureText": "Position limit"}
    assert snapshot(client) == placed_first
    assert find_by_cl_ord_id(client, CL_ORD_ID) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"price": 5990.1}, "InvalidPrice"),
        ({"orderType": "Stop", "price": None}, "InvalidPrice"),  # a Stop needs its stopPrice
        ({"symbol": "XXZ9"}, "InvalidContract"),
        ({"accountId": 5}, "UnknownReason"),
    ],
)
def test_a_refused_single_order_leaves_nothing_findable(sim, client, placed_first, change, reason):
    body = oso_body(sim, bracket1=None, bracket2=None, **change)
    answer = refused(client, "/order/placeorder", body)
    assert answer["failureReason"] == reason
    assert snapshot(client) == placed_first
    assert find_by_cl_ord_id(client, CL_ORD_ID) is None


def test_the_same_request_once_corrected_is_found_by_its_clordid(sim, client, placed_first):
    refused(client, "/order/placeOSO", oso_body(sim, price=5990.1))
    answer = json.loads(client.send_order("/order/placeOSO", oso_body(sim)).body)
    found = find_by_cl_ord_id(client, CL_ORD_ID)
    assert found is not None
    assert (found.order_id, found.oso1_id, found.oso2_id) == (
        answer["orderId"],
        answer["oso1Id"],
        answer["oso2Id"],
    )
