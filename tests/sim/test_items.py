"""`<entity>/item` answers the entity, HTTP 404 for an id that does not exist (Tradovate's "the
item does not exist"), and HTTP 400 for an id that is no number."""

import json

import pytest

from tests.api.helpers import es_request
from ticket.broker import errors
from ticket.sim.constants import SIM_ACCOUNT_ID

UNKNOWN_ID = 987_654_321


def get(sim, client, route, **params):
    token = client.session.token.get_secret_value()
    return client.http.get(
        f"{sim.base_url}/{route}", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def item_routes(sim):
    return sorted(route for route in sim.routes if route.endswith("/item"))


def test_every_item_route_answers_404_for_an_unknown_id(sim, client):
    routes = item_routes(sim)
    assert {"order/item", "contract/item", "product/item", "account/item"} <= set(routes)
    statuses = {route: get(sim, client, route, id=UNKNOWN_ID).status_code for route in routes}
    assert statuses == dict.fromkeys(routes, 404)


def test_every_item_route_answers_400_for_an_id_that_is_no_number(sim, client):
    routes = item_routes(sim)
    statuses = {route: get(sim, client, route, id="ES").status_code for route in routes}
    assert statuses == dict.fromkeys(routes, 400)


def known_ids(sim, client):
    placed = client.send_order("/order/placeOSO", es_request(sim, client).to_wire())
    contract = sim.catalog.front("ES")
    return {
        "account/item": SIM_ACCOUNT_ID,
        "contract/item": contract.id,
        "contractmaturity/item": contract.maturity_id,
        "product/item": contract.product.id,
        "order/item": json.loads(placed.body)["orderId"],
    }


def test_every_item_route_answers_the_entity_for_a_known_id(sim, client):
    ids = known_ids(sim, client)
    assert set(ids) == set(item_routes(sim))
    answers = {route: get(sim, client, route, id=value) for route, value in ids.items()}
    assert {route: (r.status_code, r.json()["id"]) for route, r in answers.items()} == {
        route: (200, value) for route, value in ids.items()
    }


def test_the_client_reads_an_unknown_order_as_not_found(client):
    with pytest.raises(errors.NotFound):
        client.order(UNKNOWN_ID)
