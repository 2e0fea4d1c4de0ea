"""The client against the simulator over real HTTP on 127.0.0.1: every endpoint."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

from ticket.broker import errors
from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.contracts import resolve_contract
from ticket.broker.models import (
    CancelOrderRequest,
    LiquidatePositionRequest,
    ModifyOrderRequest,
)
from ticket.broker.orders import Status, submit_oso
from ticket.credentials import Credentials
from ticket.domain.orders import Action, OrderType, PlaceOrderRequest

from .helpers import es_request, statuses


def test_sign_in_gives_a_secret_token_and_its_expiry(sim, client):
    session = client.session
    assert session.user_id == 5001 and session.name == "sim"
    assert "**" in repr(session.token) and session.token.get_secret_value() not in repr(session)
    assert session.expires_at > datetime.now(UTC) + timedelta(minutes=80)
    body = sim.requests("auth/accesstokenrequest")[0].body
    assert body["deviceId"] == "test-device" and body["appId"] == "ticket"
    assert set(body) == {"name", "password", "appId", "appVersion", "deviceId", "cid", "sec"}


def test_wrong_password_is_auth_failed_with_the_servers_text(sim):
    client = TradovateClient(make_http_client(), sim.base_url, device_id="d")
    with pytest.raises(errors.AuthFailed, match="Incorrect username or password"):
        client.sign_in(Credentials(username="sim", password=SecretStr("wrong")))


def test_renew_replaces_the_token_without_a_new_sign_in(sim, client):
    before = client.session.token.get_secret_value()
    client.renew()
    assert client.session.token.get_secret_value() != before
    assert len(sim.requests("auth/accesstokenrequest")) == 1
    assert client.me()["userId"] == 5001


def test_token_is_renewed_ahead_of_its_expiry(sim):
    later = datetime.now(UTC) + timedelta(minutes=80)  # 10 minutes before a 90-minute expiry
    moment = [datetime.now(UTC)]
    client = TradovateClient(
        make_http_client(), sim.base_url, device_id="d", clock=lambda: moment[0]
    )
    client.sign_in(Credentials(username="sim", password=SecretStr("sim")))
    client.accounts()
    assert sim.requests("auth/renewaccesstoken") == []
    moment[0] = later
    client.accounts()
    assert len(sim.requests("auth/renewaccesstoken")) == 1
    assert len(sim.requests("auth/accesstokenrequest")) == 1


def test_expired_token_mid_session_signs_in_again_for_queries(sim, client):
    sim.expire_tokens()
    assert client.accounts()[0].name == "SIM1"
    # renew was refused (its token had expired), so the client signed in once more
    assert len(sim.requests("auth/renewaccesstoken")) == 1
    assert len(sim.requests("auth/accesstokenrequest")) == 2


def test_accounts_and_cash(client):
    [account] = client.accounts()
    assert (account.name, account.active) == ("SIM1", True)
    cash = client.cash_balance(account.id)
    assert cash.total_cash_value == Decimal("50000.0")
    with pytest.raises(errors.Rejected, match="Access is denied"):
        client.cash_balance(1)


def test_contract_product_chain_gives_the_tick(sim, client):
    symbol = sim.front("ZN")
    contract = client.find_contract(symbol)
    maturity = client.contract_maturity(contract.contract_maturity_id)
    product = client.product(maturity.product_id)
    assert (product.name, product.tick_size, product.value_per_point) == (
        "ZN",
        Decimal("0.015625"),
        Decimal("1000.0"),
    )
    assert client.find_product("ZN").id == product.id
    assert client.contract(contract.id).name == symbol
    resolved = resolve_contract(client, "zn", datetime.now(UTC).date())
    assert resolved.contract.name == symbol and resolved.from_broker
    assert resolved.instrument.format_price(Decimal("110.515625")) == "110'16.5"
    assert resolved.instrument.tick_value == Decimal("15.625")


def test_unknown_contract_is_not_found(client):
    with pytest.raises(errors.NotFound):
        client.find_contract("XXZ9")
    with pytest.raises(errors.NotFound):
        resolve_contract(client, "XX", datetime.now(UTC).date())


def test_suggest_lists_contracts_nearest_first(sim, client):
    names = [c.name for c in client.suggest_contracts("ES", 3)]
    assert names[0] == sim.front("ES") and len(names) == 3
    assert all(n.startswith("ES") for n in names)


def test_place_oso_then_follow_entry_and_legs_to_the_fill(sim, client):
    request = es_request(sim, client, price="5990.00")
    outcome = submit_oso(client, request)
    assert outcome.status is Status.PLACED and not outcome.reconciled
    ids = (outcome.order_id, outcome.oso1_id, outcome.oso2_id)
    assert statuses(client) == dict(zip(ids, ["Working", "Suspended", "Suspended"], strict=True))
    [version] = client.order_versions(outcome.order_id)
    assert (version.order_qty, version.price) == (2, Decimal("5990.0"))
    sim.set_price(sim.front("ES"), "5989.75")  # the offer reaches 5990.00
    assert statuses(client) == dict(zip(ids, ["Filled", "Working", "Working"], strict=True))
    [position] = client.positions()
    assert (position.net_pos, position.net_price) == (2, Decimal("5990.0"))
    assert [f.qty for f in client.fills_of(outcome.order_id)] == [2]
    sim.set_price(sim.front("ES"), "5994.00")  # the take-profit fills, the stop is cancelled
    assert statuses(client) == dict(zip(ids, ["Filled", "Canceled", "Filled"], strict=True))
    assert client.positions()[0].net_pos == 0
    assert client.cash_balance(client.accounts()[0].id).total_cash_value == Decimal("50400.0")
    new_commands = [c for c in client.commands() if c.command_type == "New"]
    assert {c.cl_ord_id for c in new_commands} >= {request.cl_ord_id}


def test_cancel_modify_place_and_liquidate(sim, client):
    outcome = submit_oso(client, es_request(sim, client, price="5980.00"))
    client.modify_order(
        ModifyOrderRequest(
            order_id=outcome.order_id,
            order_qty=3,
            order_type=OrderType.LIMIT,
            price=Decimal("5981.00"),
        )
    )
    assert client.order_versions(outcome.order_id)[0].order_qty == 3
    client.cancel_order(CancelOrderRequest(order_id=outcome.order_id))
    assert set(statuses(client).values()) == {"Canceled"}  # the legs went with the entry
    with pytest.raises(errors.Rejected, match="already Canceled"):
        client.cancel_order(CancelOrderRequest(order_id=outcome.order_id))
    account = client.accounts()[0]
    market = client.place_order(
        PlaceOrderRequest(
            account_id=account.id,
            account_spec=account.name,
            action=Action.SELL,
            symbol=sim.front("ES"),
            order_qty=1,
            order_type=OrderType.MARKET,
        )
    )
    assert statuses(client)[market.order_id] == "Filled"
    position = client.positions()[0]
    assert position.net_pos == -1
    client.liquidate_position(
        LiquidatePositionRequest(account_id=account.id, contract_id=position.contract_id)
    )
    assert client.positions()[0].net_pos == 0


def test_a_request_to_a_closed_port_is_not_sent(sim):
    client = TradovateClient(make_http_client(), "http://127.0.0.1:9/v1", device_id="d")
    with pytest.raises(errors.NotSent, match="nothing was sent"):
        client.sign_in(Credentials(username="sim", password=SecretStr("sim")))


def test_certificates_are_checked_for_https_and_not_loaded_for_plain_http():
    """Tradovate is reached over TLS with its certificate checked; the practice simulator on
    127.0.0.1 speaks plain HTTP, where loading the trusted certificates would only cost
    start-up."""
    import ssl

    def context(client):
        return client._transport._pool._ssl_context

    for checked in (make_http_client(), make_http_client(base_url="https://demo.example/v1")):
        assert context(checked).verify_mode == ssl.CERT_REQUIRED
        assert context(checked).check_hostname
        assert context(checked).cert_store_stats()["x509_ca"] > 0
    plain = context(make_http_client(base_url="http://127.0.0.1:9/v1"))
    assert plain.verify_mode == ssl.CERT_NONE
    assert plain.cert_store_stats()["x509_ca"] == 0
