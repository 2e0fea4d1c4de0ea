"""A gateway that lies after the simulator recorded the order: the ticket reports what the server
holds, never "rejected" or "not placed" for an order that exists."""

import pytest

from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.orders import Status, find_by_cl_ord_id, submit_oso
from ticket.services import SIM_CREDENTIALS

from .gateway import Gateway, Lie
from .helpers import es_request

PLACE = "order/placeoso"
QUICK = (0.0, 0.05)


@pytest.fixture
def gateway(sim):
    with Gateway(sim.base_url) as gw:
        yield gw


@pytest.fixture
def via_gateway(gateway):
    http = make_http_client()
    client = TradovateClient(http, gateway.base_url, device_id="gateway-test")
    client.sign_in(SIM_CREDENTIALS)
    yield client
    http.close()


def held(sim):
    with sim.exchange.lock:
        return {o.cl_ord_id: o.id for o in sim.exchange.orders.values() if o.parent_id is None}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, b"<html><body>502 Bad Gateway</body></html>"),
        (504, b"<html><body>504 Gateway Time-out</body></html>"),
        (500, b""),
        (200, b"<html>Service temporarily unavailable</html>"),
        (200, b""),
        (200, b"[]"),
        (200, b"{}"),
        (200, b'{"orderId": "abc"}'),
        (200, b'{"orderId": 1, "failureReason": "NoQuote"}'),
    ],
    ids=[
        "502",
        "504",
        "500",
        "200 html",
        "200 empty",
        "200 list",
        "200 {}",
        "200 bad id",
        "200 both",
    ],
)
def test_a_recorded_order_answered_badly_is_found_and_reported_placed(
    sim, gateway, via_gateway, status, body
):
    gateway.lies[PLACE] = Lie(status=status, body=body)
    request = es_request(sim, via_gateway)
    outcome = submit_oso(via_gateway, request, reconcile_delays=QUICK)
    orders = held(sim)
    assert outcome.status is Status.PLACED and outcome.reconciled, outcome
    assert orders == {request.cl_ord_id: outcome.order_id}
    assert outcome.oso1_id is not None and outcome.oso2_id is not None


def test_a_504_while_the_server_still_works_stays_unknown_and_the_order_lands(
    sim, gateway, via_gateway
):
    gateway.lies[PLACE] = Lie(status=504, body=b"Gateway Time-out", forward_after=0.5)
    request = es_request(sim, via_gateway)
    outcome = submit_oso(via_gateway, request, reconcile_delays=QUICK)
    assert outcome.status is Status.UNKNOWN
    assert "not placed" not in outcome.message.lower()
    assert "Check your orders" in outcome.message
    assert gateway.late.wait(10)
    found = find_by_cl_ord_id(via_gateway, request.cl_ord_id)
    assert found is not None and held(sim) == {request.cl_ord_id: found.order_id}


def test_a_gateway_error_with_nothing_recorded_is_unknown_not_not_placed(sim, gateway, via_gateway):
    gateway.lies[PLACE] = Lie(status=502, body=b"Bad Gateway", forward=False)
    outcome = submit_oso(via_gateway, es_request(sim, via_gateway), reconcile_delays=QUICK)
    assert outcome.status is Status.UNKNOWN and outcome.reconciled
    assert held(sim) == {}


def test_a_gateway_4xx_is_not_placed(sim, gateway, via_gateway):
    gateway.lies[PLACE] = Lie(status=429, body=b"", forward=False)
    outcome = submit_oso(via_gateway, es_request(sim, via_gateway), reconcile_delays=QUICK)
    assert outcome.status is Status.NOT_PLACED and "429" in outcome.message
    assert held(sim) == {}
