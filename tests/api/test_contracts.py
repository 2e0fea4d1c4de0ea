"""Contract resolution over real HTTP: the broker's Product wins over the built-in table; the
table is the fallback only when the product look-up fails, and the result says so; a product
neither side can describe fails with words a trader can act on."""

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from tests.conftest import ISSUED_SECRETS
from ticket.broker import errors
from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.contracts import resolve_contract
from ticket.domain.instruments import BUILT_IN
from ticket.services import SIM_CREDENTIALS
from ticket.sim.products import CME_PRODUCTS, PRODUCTS
from ticket.sim.server import Simulator


@contextmanager
def serving(products=CME_PRODUCTS):
    with Simulator(seed=3, products=products) as sim:
        http = make_http_client()
        client = TradovateClient(http, sim.base_url, device_id="test-device")
        client.sign_in(SIM_CREDENTIALS)
        try:
            yield sim, client
        finally:
            http.close()
            ISSUED_SECRETS.update(sim._tokens)


def resolve(client, symbol):
    return resolve_contract(client, symbol, datetime.now(UTC).date())


def with_product(name, **change):
    return tuple(replace(p, **change) if p.name == name else p for p in CME_PRODUCTS)


# A venue whose ES differs from the client's table in every figure that prices a trade.
ES_CHANGED = with_product("ES", tick_size=D("0.5"), value_per_point=D("20"), decimals=1)


def test_broker_product_wins_over_the_table():
    with serving(ES_CHANGED) as (sim, client):
        resolved = resolve(client, "ES")
    i = resolved.instrument
    assert resolved.contract.name == sim.front("ES")
    assert (resolved.from_broker, resolved.fallback_reason) == (True, None)
    assert (i.tick_size, i.value_per_point, i.tick_value) == (D("0.5"), D("20"), D("10"))
    assert (i.price_format.kind, i.price_format.places) == ("decimal", 1)
    assert (i.tick_size, i.value_per_point) != (
        BUILT_IN["ES"].tick_size,
        BUILT_IN["ES"].value_per_point,
    )


def test_a_product_the_table_does_not_know_resolves_from_the_broker(sim, client):
    resolved = resolve(client, "6A")
    assert "6A" not in BUILT_IN and resolved.from_broker
    assert resolved.contract.name == sim.front("6A")
    assert (resolved.instrument.tick_size, resolved.instrument.tick_value) == (D("0.00005"), D("5"))
    assert resolved.instrument.description == PRODUCTS["6A"].description


def _http_500(sim):
    sim.faults.fail_next("/product/item", status=500)


def _http_404(sim):
    sim.faults.fail_next("/product/item", status=404)


def _not_a_product(sim):
    sim.faults.answer_next("/product/item", {"id": 1, "name": "ES"})


def _not_json(sim):
    sim.faults.answer_next("/product/item", "<html>Bad gateway</html>")


def _zero_tick(sim):
    wire = sim.catalog.products_by_name["ES"].to_wire()
    sim.faults.answer_next("/product/item", wire | {"tickSize": 0})


def _maturity_lost(sim):
    sim.faults.fail_next("/contractmaturity/item", status=503)


LOOKUP_FAILURES = {
    "HTTP 500": (_http_500, "HTTP 500"),
    "HTTP 404": (_http_404, "HTTP 404"),
    "not a Product": (_not_a_product, "not a Product"),
    "not JSON": (_not_json, "not JSON"),
    "zero tick": (_zero_tick, "not a Product"),
    "maturity look-up": (_maturity_lost, "HTTP 503"),
}


@pytest.mark.parametrize("failure", LOOKUP_FAILURES)
def test_a_failed_product_look_up_falls_back_to_the_table_and_says_so(failure):
    fault, words = LOOKUP_FAILURES[failure]
    with serving(ES_CHANGED) as (sim, client):
        fault(sim)
        resolved = resolve(client, "ES")
        # the fault was used up by this look-up: the next one reads the broker's product again
        assert resolve(client, "ES").from_broker
    assert resolved.contract.name == sim.front("ES")
    assert resolved.instrument == BUILT_IN["ES"] and not resolved.from_broker
    assert resolved.fallback_reason is not None and words in resolved.fallback_reason


def test_a_product_neither_the_broker_nor_the_table_describes_fails_clearly(sim, client):
    sim.faults.fail_next("/product/item", status=500)
    symbol = sim.front("6A")
    with pytest.raises(errors.NotFound) as info:
        resolve(client, "6A")
    message = str(info.value)
    assert symbol in message and "HTTP 500" in message and "built-in table" in message


def test_a_fractional_product_quoted_in_other_fractions_is_shown_in_decimals():
    corn = with_product("ZC", price_format_type="Fractional", decimals=0)
    with serving(corn) as (_sim, client):
        resolved = resolve(client, "ZC")
    fmt = resolved.instrument.price_format
    assert resolved.from_broker and (fmt.kind, fmt.places) == ("decimal", 2)
    assert resolved.instrument.format_price(D("450.25")) == "450.25"
