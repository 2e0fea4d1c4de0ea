"""The simulator's order states, fills, positions and cash, driven by setting prices."""

from datetime import date
from decimal import Decimal as D

import pytest

from ticket.domain.orders import OrdStatus
from ticket.sim.catalog import Catalog
from ticket.sim.constants import SIM_ACCOUNT_ID
from ticket.sim.exchange import Exchange, Refused
from ticket.sim.faults import Faults

ES = "ESZ6"
AROUND_6000 = (("Stop", None, 5995.0), ("Limit", 6010.0, None))


@pytest.fixture
def ex():
    return Exchange(Catalog(date(2026, 11, 25)), Faults(), seed=1)


def oso(
    ex,
    action="Buy",
    qty=1,
    order_type="Limit",
    price=5990.0,
    stop_price=None,
    legs=(("Stop", None, 5988.0), ("Limit", 5994.0, None)),
):
    exit_action = "Sell" if action == "Buy" else "Buy"
    body = {
        "accountId": SIM_ACCOUNT_ID,
        "action": action,
        "symbol": ES,
        "orderQty": qty,
        "orderType": order_type,
    }
    if price is not None:
        body["price"] = price
    if stop_price is not None:
        body["stopPrice"] = stop_price
    for n, (kind, leg_price, leg_stop) in enumerate(legs, start=1):
        leg = {"action": exit_action, "orderType": kind}
        if leg_price is not None:
            leg["price"] = leg_price
        if leg_stop is not None:
            leg["stopPrice"] = leg_stop
        body[f"bracket{n}"] = leg
    return ex.place_oso(body)


def status(ex, order_id):
    return ex.orders[order_id].status


def test_quote_is_bid_at_last_and_offer_one_tick_above(ex):
    ex.set_price(ES, D("6000.00"))
    assert ex.quote(ex.catalog.by_name[ES]) == (D("6000.00"), D("6000.25"), D("6000.00"))


def test_limit_entry_legs_are_suspended_until_the_offer_reaches_the_limit(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex)
    legs = (ids["oso1Id"], ids["oso2Id"])
    assert [status(ex, i) for i in (ids["orderId"], *legs)] == [
        OrdStatus.WORKING,
        OrdStatus.SUSPENDED,
        OrdStatus.SUSPENDED,
    ]
    ex.set_price(ES, D("5990.00"))  # offer 5990.25: not yet
    assert status(ex, ids["orderId"]) is OrdStatus.WORKING
    ex.set_price(ES, D("5989.75"))
    assert [status(ex, i) for i in (ids["orderId"], *legs)] == [
        OrdStatus.FILLED,
        OrdStatus.WORKING,
        OrdStatus.WORKING,
    ]


def test_stop_leg_fill_cancels_the_target_and_books_the_loss(ex):
    ex.set_price(ES, D("5989.75"))
    ids = oso(ex, qty=2)
    ex.set_price(ES, D("5988.00"))  # bid at the stop
    assert status(ex, ids["oso1Id"]) is OrdStatus.FILLED
    assert status(ex, ids["oso2Id"]) is OrdStatus.CANCELED
    assert ex.positions[ex.catalog.by_name[ES].id].net == 0
    # bought 2 at the offer 5990.00, sold 2 at 5988.00: 2 points x 2 x $50
    assert ex.cash == D(50000) - D(200)


def test_market_fills_at_the_touch(ex):
    ex.set_price(ES, D("6000.00"))
    buy = oso(ex, order_type="Market", price=None, legs=(("Stop", None, 5990.0),))
    sell = oso(ex, action="Sell", order_type="Market", price=None, legs=(("Stop", None, 6010.0),))
    fills = {f["orderId"]: f["price"] for f in ex.fills}
    assert fills[buy["orderId"]] == 6000.25 and fills[sell["orderId"]] == 6000.0


def test_buy_stop_entry_triggers_when_the_offer_reaches_it(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex, order_type="Stop", price=None, stop_price=6005.0, legs=(("Stop", None, 6003.0),))
    ex.set_price(ES, D("6004.50"))
    assert status(ex, ids["orderId"]) is OrdStatus.WORKING
    ex.set_price(ES, D("6004.75"))  # offer 6005.00
    assert status(ex, ids["orderId"]) is OrdStatus.FILLED


def test_stop_limit_waits_for_its_limit_after_triggering(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(
        ex, order_type="StopLimit", price=6005.0, stop_price=6004.0, legs=(("Stop", None, 6000.0),)
    )
    ex.set_price(ES, D("6010.00"))  # triggered, but the offer is above the limit
    assert status(ex, ids["orderId"]) is OrdStatus.WORKING
    ex.set_price(ES, D("6004.50"))
    assert status(ex, ids["orderId"]) is OrdStatus.FILLED


def test_sell_mit_fills_when_the_bid_reaches_it(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex, action="Sell", order_type="MIT", price=6003.0, legs=(("Stop", None, 6008.0),))
    ex.set_price(ES, D("6002.75"))
    assert status(ex, ids["orderId"]) is OrdStatus.WORKING
    ex.set_price(ES, D("6003.00"))
    assert status(ex, ids["orderId"]) is OrdStatus.FILLED


def test_trailing_stop_leg_follows_the_market_up_and_fills_on_the_way_down(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex, order_type="Market", price=None, legs=(("TrailingStop", None, 5998.0),))
    leg = ex.orders[ids["oso1Id"]]
    assert leg.peg == D("-2.00")
    ex.set_price(ES, D("6005.00"))
    assert leg.stop_price == D("6003.00")
    ex.set_price(ES, D("6004.00"))
    assert leg.stop_price == D("6003.00") and leg.status is OrdStatus.WORKING
    ex.set_price(ES, D("6003.00"))
    assert leg.status is OrdStatus.FILLED


def test_partial_fill_sizes_the_legs_and_the_rest_fills_on_the_next_move(ex):
    ex.faults.partial_fill_next(1)
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex, qty=3, order_type="Market", price=None, legs=AROUND_6000)
    entry = ex.orders[ids["orderId"]]
    assert (entry.filled, entry.status) == (1, OrdStatus.WORKING)
    assert [ex.orders[ids[k]].qty for k in ("oso1Id", "oso2Id")] == [1, 1]
    ex.set_price(ES, D("6000.25"))
    assert (entry.filled, entry.status) == (3, OrdStatus.FILLED)
    assert [ex.orders[ids[k]].qty for k in ("oso1Id", "oso2Id")] == [3, 3]


def test_liquidate_cancels_working_orders_and_flattens(ex):
    ex.set_price(ES, D("6000.00"))
    ids = oso(ex, qty=2, order_type="Market", price=None, legs=AROUND_6000)
    assert ex.positions[ex.catalog.by_name[ES].id].net == 2
    ex.liquidate({"accountId": SIM_ACCOUNT_ID, "contractId": ex.catalog.by_name[ES].id})
    assert status(ex, ids["oso1Id"]) is OrdStatus.CANCELED
    assert ex.positions[ex.catalog.by_name[ES].id].net == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symbol": "XXZ9"}, "InvalidContract"),
        ({"price": 5990.1}, "InvalidPrice"),
        ({"price": "5990"}, "InvalidPrice"),
        ({"orderQty": 0}, "UnknownReason"),
        ({"accountId": 5}, "UnknownReason"),
    ],
)
def test_bad_orders_are_refused_with_real_failure_reasons(ex, change, reason):
    body = {
        "accountId": SIM_ACCOUNT_ID,
        "action": "Buy",
        "symbol": ES,
        "orderQty": 1,
        "orderType": "Limit",
        "price": 5990.0,
        "bracket1": {"action": "Sell", "orderType": "Stop", "stopPrice": 5988.0},
    } | change
    with pytest.raises(Refused) as info:
        ex.place_oso(body)
    assert info.value.reason.value == reason
    assert ex.orders == {}


def test_price_process_moves_in_whole_ticks(ex):
    contract = ex.catalog.by_name["ZNH7"]
    start = ex.last[contract.id]
    for _ in range(200):
        ex.step([contract])
    moved = ex.last[contract.id] - start
    assert moved % contract.instrument.tick_size == 0
    assert abs(moved) <= 200 * contract.instrument.tick_size


def test_catalog_lists_front_months_for_the_day():
    catalog = Catalog(date(2026, 11, 25))
    fronts = {c.name for c in catalog.contracts.values() if c.is_front}
    assert {"ESZ6", "CLF7", "GCG7", "ZNH7", "6EZ6"} <= fronts
    assert "ESH7" in catalog.by_name and "ESM7" in catalog.by_name
