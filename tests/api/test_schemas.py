"""Everything on the wire checked against Tradovate's OpenAPI file: each request body the client
sent and each JSON answer the simulator gave, for every path the client uses."""

from datetime import UTC, datetime

import httpx
import pytest

from tests.schema import errors as schema_errors
from ticket.broker.client import TradovateClient
from ticket.broker.contracts import resolve_contract
from ticket.broker.models import (
    CancelOrderRequest,
    LiquidatePositionRequest,
    ModifyOrderRequest,
)
from ticket.broker.orders import submit_oso
from ticket.domain.orders import Action, FailureReason, OrderType, PlaceOrderRequest
from ticket.services import SIM_CREDENTIALS

from .helpers import es_request


def _operation(openapi, route):
    for path, item in openapi["paths"].items():
        if path.strip("/").lower() == route:
            return next(iter(item.values()))
    raise AssertionError(f"{route} is not a path of the spec")


def _schema_of(container):
    schema = container["content"]["application/json"]["schema"]
    return schema


def _check(openapi, schema, instance):
    wrapped = dict(schema, components=openapi["components"])
    import jsonschema

    validator = jsonschema.Draft4Validator(wrapped, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture
def recorded(sim):
    """A client whose every JSON answer is kept, driven through every endpoint it has."""
    answers = []

    def keep(response):
        response.read()
        if response.headers.get("content-type", "").startswith("application/json"):
            route = response.request.url.path[len("/v1/") :].lower()
            answers.append((route, response.json()))

    http = httpx.Client(event_hooks={"response": [keep]})
    client = TradovateClient(http, sim.base_url, device_id="d")
    client.sign_in(SIM_CREDENTIALS)
    client.renew()
    client.me()
    account = client.accounts()[0]
    client.cash_balance(account.id)
    resolved = resolve_contract(client, "ES", datetime.now(UTC).date())
    client.suggest_contracts("NQ", 5)
    client.find_product("NQ")
    placed = submit_oso(client, es_request(sim, client, price="5990.00"))
    market = submit_oso(
        client, es_request(sim, client, order_type=OrderType.MARKET, price=None, target_ticks=None)
    )
    client.modify_order(
        ModifyOrderRequest(
            order_id=placed.order_id, order_qty=1, order_type=OrderType.LIMIT, price=5991
        )
    )
    client.cancel_order(CancelOrderRequest(order_id=placed.order_id))
    client.place_order(
        PlaceOrderRequest(
            account_id=account.id,
            action=Action.BUY,
            symbol=resolved.contract.name,
            order_qty=1,
            order_type=OrderType.MARKET,
        )
    )
    client.orders()
    client.order(market.order_id)
    client.order_versions(market.order_id)
    client.commands()
    client.positions()
    client.fills()
    client.fills_of(market.order_id)
    client.liquidate_position(
        LiquidatePositionRequest(account_id=account.id, contract_id=resolved.contract.id)
    )
    yield answers
    http.close()


def test_every_request_body_the_client_sent_matches_the_spec(openapi, sim, recorded):
    bodies = [r for r in sim.requests() if r.body is not None]
    assert {r.path for r in bodies} >= {
        "auth/accesstokenrequest",
        "order/placeoso",
        "order/placeorder",
        "order/cancelorder",
        "order/modifyorder",
        "order/liquidateposition",
        "cashbalance/getcashbalancesnapshot",
    }
    for request in bodies:
        schema = _schema_of(_operation(openapi, request.path)["requestBody"])
        assert _check(openapi, schema, request.body) == [], request.path


def test_every_answer_of_the_simulator_matches_the_spec(openapi, recorded):
    routes = {route for route, _ in recorded}
    assert len(routes) >= 20, routes
    for route, answer in recorded:
        schema = _schema_of(_operation(openapi, route)["responses"]["200"])
        assert _check(openapi, schema, answer) == [], (route, answer)


def test_error_bodies_are_schema_valid_too(openapi, sim, client):
    sim.faults.reject_next(FailureReason.NO_QUOTE, text="no quote")
    request = es_request(sim, client)
    answer = client.http.post(
        f"{sim.base_url}/order/placeoso",
        json=request.to_wire(),
        headers={"Authorization": f"Bearer {client.session.token.get_secret_value()}"},
    )
    assert answer.json() == {"failureReason": "NoQuote", "failureText": "no quote"}
    assert schema_errors(openapi, "PlaceOsoResult", answer.json()) == []
