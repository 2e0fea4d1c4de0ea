"""The placeOSO body: exact JSON, and valid against Tradovate's own PlaceOSO schema."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.schema import errors
from ticket.domain.build import AccountRef, TicketInvalid, build_place_oso, new_cl_ord_id
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import (
    Action,
    FailureReason,
    OrderType,
    PlaceOsoResult,
    TimeInForce,
)
from ticket.domain.rules import assess
from ticket.domain.ticket import DistanceUnit as U

from .forms import LOOSE, NOW, form

SIM1 = AccountRef(id=1, name="SIM1")


def build(f, **kw):
    return build_place_oso(
        f, SIM1, limits=LOOSE, now=NOW, cl_ord_id="c-1", is_automated=kw.pop("is_automated", False)
    )


def test_exact_body_for_a_buy_limit_with_both_exits():
    body = json.dumps(build(form("ES", qty=2, target=("2", U.R))).to_wire())
    assert json.loads(body) == {
        "accountSpec": "SIM1",
        "accountId": 1,
        "clOrdId": "c-1",
        "action": "Buy",
        "symbol": "ESZ6",
        "orderQty": 2,
        "orderType": "Limit",
        "price": 5000.25,
        "timeInForce": "Day",
        "isAutomated": False,
        "bracket1": {
            "action": "Sell",
            "orderType": "Stop",
            "stopPrice": 4998.25,
            "timeInForce": "GTC",
        },
        "bracket2": {
            "action": "Sell",
            "orderType": "Limit",
            "price": 5004.25,
            "timeInForce": "GTC",
        },
    }
    assert '"price": 5000.25' in body  # a JSON number, not a string


def test_market_entry_with_one_exit_sends_no_price_and_no_bracket2():
    f = form(
        "MES",
        action=Action.SELL,
        order_type=OrderType.MARKET,
        price=None,
        reference_price=D("5000.00"),
        target=None,
    )
    wire = build(f).to_wire()
    assert "price" not in wire and "bracket2" not in wire
    assert wire["bracket1"] == {
        "action": "Buy",
        "orderType": "Stop",
        "stopPrice": 5002.0,
        "timeInForce": "GTC",
    }


def test_target_only_goes_in_bracket1():
    wire = build(form(stop=None)).to_wire()
    assert wire["bracket1"]["orderType"] == "Limit" and "bracket2" not in wire


def test_stop_limit_and_trailing_exit_legs():
    sl = build(
        form(stop_type=OrderType.STOP_LIMIT).model_copy(
            update={
                "stop_loss": form().stop_loss.model_copy(
                    update={"order_type": OrderType.STOP_LIMIT, "limit_offset_ticks": 4}
                )
            }
        )
    ).to_wire()
    assert sl["bracket1"]["stopPrice"] == 4998.25 and sl["bracket1"]["price"] == 4997.25
    trail = build(form(stop_type=OrderType.TRAILING_STOP)).to_wire()
    assert trail["bracket1"]["pegDifference"] == -2.0


def test_gtd_sends_expire_time_in_utc():
    f = form(time_in_force=TimeInForce.GTD, expire_time=NOW + timedelta(hours=2))
    assert build(f).to_wire()["expireTime"] == "2026-11-25T17:00:00.000Z"


def test_an_invalid_ticket_builds_nothing():
    with pytest.raises(TicketInvalid) as info:
        build(form(qty=0))
    assert info.value.problems[0].field == "entry.qty"


def test_fresh_client_order_ids_are_unique_and_fit_the_field():
    ids = {new_cl_ord_id() for _ in range(1000)}
    assert len(ids) == 1000 and max(map(len, ids)) <= 64


def test_treasury_prices_go_out_as_exact_binary_fractions():
    wire = build(form("ZN", price="110.515625", target=("1", U.R))).to_wire()
    assert json.dumps(wire["price"]) == "110.515625"
    assert json.dumps(wire["bracket1"]["stopPrice"]) == "110.390625"


def test_result_success_needs_an_order_id_and_no_failure():
    assert PlaceOsoResult.model_validate({"orderId": 7, "oso1Id": 8}).succeeded
    assert PlaceOsoResult.model_validate({"orderId": 7, "failureReason": "Success"}).succeeded
    assert not PlaceOsoResult.model_validate({}).succeeded
    bad = PlaceOsoResult.model_validate(
        {"failureReason": "UnknownReason", "failureText": "Access is denied", "extra": 1}
    )
    assert not bad.succeeded and bad.failure_reason is FailureReason.UNKNOWN_REASON


def test_the_29_failure_reasons_match_the_spec(openapi):
    spec = openapi["components"]["schemas"]["PlaceOsoResult"]["properties"]["failureReason"]
    assert (
        sorted(r.value for r in FailureReason) == sorted(spec["enum"]) and len(spec["enum"]) == 29
    )


def test_enums_match_the_spec(openapi):
    props = openapi["components"]["schemas"]["PlaceOSO"]["properties"]
    assert sorted(t.value for t in OrderType) == sorted(props["orderType"]["enum"])
    assert sorted(t.value for t in TimeInForce) == sorted(props["timeInForce"]["enum"])
    assert sorted(a.value for a in Action) == sorted(props["action"]["enum"])


roots = st.sampled_from(sorted(BUILT_IN))
units = st.sampled_from([U.TICKS, U.MONEY])


@st.composite
def tickets(draw):
    root = draw(roots)
    instrument = BUILT_IN[root]
    action = draw(st.sampled_from(list(Action)))
    order_type = draw(
        st.sampled_from(
            [OrderType.LIMIT, OrderType.STOP, OrderType.MARKET, OrderType.STOP_LIMIT, OrderType.MIT]
        )
    )
    steps = draw(st.integers(min_value=2000, max_value=400000))
    price = instrument.tick_size * steps
    stop_unit = draw(units)
    stop_amount = draw(st.integers(min_value=1, max_value=500))
    target_unit = draw(st.sampled_from([U.TICKS, U.MONEY, U.R]))
    target_amount = draw(st.integers(min_value=1, max_value=500))

    def money(n):
        cents = draw(st.integers(0, 99))
        return instrument.tick_value * n + cents * instrument.tick_value / 100

    stop_distance = D(stop_amount) if stop_unit is U.TICKS else money(stop_amount)
    target_distance = (
        D(target_amount)
        if target_unit is U.TICKS
        else money(target_amount)
        if target_unit is U.MONEY
        else D(draw(st.integers(1, 8))) / 2
    )
    return form(
        root,
        action=action,
        qty=draw(st.integers(1, 50)),
        order_type=order_type,
        price=str(price) if order_type.needs_price else None,
        stop_price=str(price) if order_type.needs_stop_price else None,
        reference_price=price if order_type is OrderType.MARKET else None,
        stop=(str(stop_distance), stop_unit) if draw(st.booleans()) else None,
        target=(str(target_distance), target_unit),
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tickets())
def test_every_ticket_that_passes_the_rules_builds_a_schema_valid_body(openapi, f):
    a = assess(f, LOOSE, NOW)
    assume(a.can_place)
    wire = json.loads(json.dumps(build(f).to_wire()))
    assert errors(openapi, "PlaceOSO", wire) == []


@settings(max_examples=300)
@given(tickets())
def test_a_passing_stop_is_always_on_the_losing_side_and_risk_within_what_was_asked(f):
    a = assess(f, LOOSE, NOW)
    assume(a.can_place and a.stop is not None)
    sign = f.entry.action.sign
    assert (a.stop.price - a.entry) * sign <= -f.instrument.tick_size
    if f.stop_loss.unit is U.MONEY:
        assert a.plan.risk.per_contract <= f.stop_loss.distance
    assert (a.target.price - a.entry) * sign >= f.instrument.tick_size
    wire = build(f).to_wire()
    assert D(repr(wire["bracket1"]["stopPrice"])) == a.stop.price
