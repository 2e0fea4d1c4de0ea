"""The exchange's props events, in process: one batch per operation, holding only what the
operation touched, so an event costs the same on an empty book and on a full one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from ticket.sim.catalog import Catalog
from ticket.sim.constants import SIM_ACCOUNT_ID
from ticket.sim.exchange import Exchange, Refused
from ticket.sim.faults import Faults

ES, NQ = "ESZ6", "NQZ6"


@pytest.fixture
def ex():
    exchange = Exchange(Catalog(date(2026, 11, 25)), Faults(), seed=1)
    exchange.set_price(ES, D("6000"))
    exchange.set_price(NQ, D("21000"))
    return exchange


@pytest.fixture
def batches(ex):
    seen: list[list[dict]] = []

    def listen(batch):
        assert ex.lock._is_owned()  # listeners run under the lock, in the exchange's order
        seen.append(batch)

    ex.event_listeners.append(listen)
    return seen


def oso(symbol=ES, price=5990.0, stop=5980.0, target=6010.0, order_type="Limit") -> dict:
    body = {
        "accountId": SIM_ACCOUNT_ID,
        "action": "Buy",
        "symbol": symbol,
        "orderQty": 1,
        "orderType": order_type,
        "bracket1": {"action": "Sell", "orderType": "Stop", "stopPrice": stop},
        "bracket2": {"action": "Sell", "orderType": "Limit", "price": target},
    }
    if order_type == "Limit":
        body["price"] = price
    return body


def touched_orders(batch) -> set[int]:
    """The orders a batch speaks of, whatever the entity."""
    ids = set()
    for event in batch:
        entity = event["entity"]
        if event["entityType"] == "order":
            ids.add(entity["id"])
        elif "orderId" in entity:
            ids.add(entity["orderId"])
    return ids


def fill_book(ex, count: int) -> None:
    """`count` bracketed entries far below the market, on both contracts: none fills."""
    for n in range(count):
        symbol, price = (ES, 5000.0) if n % 2 else (NQ, 20000.0)
        ex.place_oso(oso(symbol, price, price - 10, price + 10))


def test_each_operation_is_one_batch_and_a_refused_one_none(ex, batches):
    placed = ex.place_oso(oso())
    assert len(batches) == 1
    assert touched_orders(batches[0]) == {placed["orderId"], placed["oso1Id"], placed["oso2Id"]}
    with pytest.raises(Refused):
        ex.place_oso(oso(price=5990.1))  # off the tick grid
    assert len(batches) == 1
    ex.cancel({"orderId": placed["orderId"]})
    assert len(batches) == 2


@pytest.mark.parametrize("book", [0, 300])
def test_a_cancel_speaks_only_of_the_order_and_its_legs_however_full_the_book(ex, batches, book):
    fill_book(ex, book)
    placed = ex.place_oso(oso())
    batches.clear()
    ex.cancel({"orderId": placed["orderId"]})
    [batch] = batches
    assert touched_orders(batch) == {placed["orderId"], placed["oso1Id"], placed["oso2Id"]}
    # command, commandReport, then order + executionReport for the entry and each leg
    assert len(batch) == 2 + 2 * 3


@pytest.mark.parametrize("book", [0, 300])
def test_a_price_move_speaks_only_of_the_orders_it_fills(ex, batches, book):
    fill_book(ex, book)
    placed = ex.place_oso(oso(price=5999.0, stop=5990.0, target=6010.0))
    batches.clear()
    ex.set_price(ES, D("5999"))  # the ask, one tick above, is not yet at 5999
    assert batches == []
    ex.set_price(ES, D("5998.75"))
    [batch] = batches
    assert touched_orders(batch) == {placed["orderId"], placed["oso1Id"], placed["oso2Id"]}
    types = [e["entityType"] for e in batch]
    assert types.count("fill") == 1 and types.count("position") == 1
    assert "cashBalance" not in types  # opening a position realises nothing


def test_the_cash_balance_follows_the_position_that_realised_it(ex, batches):
    ex.place_oso(oso(order_type="Market", stop=5990.0, target=6005.0))
    batches.clear()
    ex.set_price(ES, D("6005"))
    [batch] = batches
    types = [e["entityType"] for e in batch]
    assert types.index("fill") < types.index("position") < types.index("cashBalance")
    cash = batch[types.index("cashBalance")]["entity"]
    assert cash["realizedPnL"] == pytest.approx((6005 - 6000.25) * 50)
    assert cash["amount"] == pytest.approx(50000 + (6005 - 6000.25) * 50)
    assert ex.cash_balance() == cash


def test_a_rejected_leg_comes_as_a_rejected_command_and_execution(ex, batches):
    ex.faults.fail_leg_activation_next(leg=2)
    placed = ex.place_oso(oso(order_type="Market"))
    [batch] = batches
    leg = placed["oso2Id"]
    command = next(
        e["entity"]
        for e in batch
        if e["entityType"] == "command" and e["entity"]["orderId"] == leg
        if e["entity"]["commandStatus"] == "ExecutionRejected"
    )
    report = next(
        e["entity"]
        for e in batch
        if e["entityType"] == "executionReport" and e["entity"]["orderId"] == leg
        if e["entity"]["execType"] == "Rejected"
    )
    assert report["commandId"] == command["id"]
    assert report["rejectReason"] == "OtherExecutionRelated"
    assert ex.orders[leg].status.value == "Rejected"


def test_a_partial_fill_resizes_the_working_legs_with_a_new_version(ex, batches):
    ex.faults.partial_fill_next(1)
    body = oso(order_type="Market") | {"orderQty": 3}
    placed = ex.place_oso(body)
    [batch] = batches
    trade = next(e["entity"] for e in batch if e["entity"].get("execType") == "Trade")
    assert (trade["cumQty"], trade["lastQty"], trade["ordStatus"]) == (1, 1, "Working")
    versions = [
        e["entity"]
        for e in batch
        if e["entityType"] == "orderVersion" and e["entity"]["orderId"] == placed["oso1Id"]
    ]
    assert [v["orderQty"] for v in versions] == [3, 1]  # placed with the entry's, then resized


def test_a_stop_moved_through_the_market_is_refused_and_nothing_goes_out(ex, batches):
    placed = ex.place_oso(oso(order_type="Market", stop=5990.0, target=6010.0))
    stop = ex.orders[placed["oso1Id"]]
    batches.clear()
    for price in (6001.0, 6000.0):  # above the bid, and at it: either would trigger at once
        with pytest.raises(Refused) as refused:
            ex.modify({"orderId": stop.id, "orderQty": 1, "orderType": "Stop", "stopPrice": price})
        assert refused.value.reason.value == "InvalidPrice"
    assert (stop.stop_price, stop.status.value, batches) == (D("5990"), "Working", [])
    ex.modify({"orderId": stop.id, "orderQty": 1, "orderType": "Stop", "stopPrice": 5999.75})
    assert stop.stop_price == D("5999.75") and len(batches) == 1
