"""The placeOSO body sends exactly the fields the order type uses, whatever else the form holds."""

import os
import time
from datetime import timedelta
from decimal import Decimal as D

import pytest

from ticket.domain.build import AccountRef, TicketInvalid, build_place_oso
from ticket.domain.orders import Action, OrderType, RestrainedOrderVersion, TimeInForce

from .forms import LOOSE, NOW, form

SIM1 = AccountRef(id=1, name="SIM1")


def wire(f, is_automated=False):
    return build_place_oso(
        f, SIM1, limits=LOOSE, now=NOW, cl_ord_id="c-1", is_automated=is_automated
    ).to_wire()


def test_a_stop_entry_sends_its_stop_price_and_not_a_stray_limit_price():
    body = wire(form(order_type=OrderType.STOP, price="4000.00", stop_price="5000.25"))
    assert body["stopPrice"] == 5000.25 and "price" not in body


def test_a_limit_entry_does_not_send_a_stray_stop_price():
    body = wire(form(price="5000.25", stop_price="4000.00"))
    assert body["price"] == 5000.25 and "stopPrice" not in body


def test_a_market_entry_does_not_send_a_stray_price():
    body = wire(form(order_type=OrderType.MARKET, price="5000.25", reference_price=D("5000.00")))
    assert "price" not in body and "stopPrice" not in body


@pytest.mark.parametrize(
    ("action", "stop_price", "peg"), [(Action.BUY, "5002.00", 2.0), (Action.SELL, "4998.00", -2.0)]
)
def test_a_trailing_entry_pegs_its_stop_at_its_distance_from_the_market(action, stop_price, peg):
    f = form(
        action=action,
        order_type=OrderType.TRAILING_STOP,
        price=None,
        stop_price=stop_price,
        reference_price=D("5000.00"),
    )
    body = wire(f)
    assert (body["stopPrice"], body["pegDifference"]) == (float(stop_price), peg)


def test_a_short_entrys_trailing_stop_trails_above_the_market():
    body = wire(form(action=Action.SELL, stop_type=OrderType.TRAILING_STOP))
    assert body["bracket1"]["action"] == "Buy"
    assert body["bracket1"]["pegDifference"] == 2.0  # 8 ticks of 0.25


def test_order_text_is_sent_and_an_empty_text_is_left_out():
    assert wire(form(text="breakout"))["text"] == "breakout"
    assert "text" not in wire(form(text=""))


def test_is_automated_is_sent_as_given():
    assert wire(form(), is_automated=True)["isAutomated"] is True
    assert wire(form(), is_automated=False)["isAutomated"] is False


def test_an_expiry_is_sent_only_for_good_till_date():
    later = NOW + timedelta(hours=2)
    assert "expireTime" not in wire(form(time_in_force=TimeInForce.DAY, expire_time=later))
    assert "expireTime" in wire(form(time_in_force=TimeInForce.GTD, expire_time=later))


@pytest.fixture
def chicago_clock():
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "CST+6"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_expiry_goes_out_in_utc_whatever_the_traders_time_zone(chicago_clock):
    f = form(time_in_force=TimeInForce.GTD, expire_time=NOW + timedelta(hours=2))
    assert wire(f)["expireTime"] == "2026-11-25T17:00:00.000Z"


def test_a_price_that_is_not_exact_as_a_json_number_is_refused_with_its_value():
    leg = RestrainedOrderVersion(
        action=Action.SELL, order_type=OrderType.LIMIT, price=D("0.12345678901234567891")
    )
    with pytest.raises(ValueError, match=r"0\.12345678901234567891 cannot be sent exactly"):
        leg.to_wire()


def test_an_invalid_ticket_names_each_error_with_its_field():
    with pytest.raises(TicketInvalid) as info:
        wire(form(qty=0, price=None))
    assert str(info.value) == (
        "entry.qty: Quantity must be at least 1 contract.; entry.price: Enter the limit price."
    )
    assert [p.field for p in info.value.problems] == ["entry.qty", "entry.price"]
