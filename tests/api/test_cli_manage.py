"""ticket position, modify and breakeven against the simulator: a trade entered, its stop moved
to break-even, its target moved in and filled, with P&L and cash read at each step; and every
refusal the rules make before anything is sent."""

import json
from decimal import Decimal
from decimal import Decimal as D

import pytest

from ticket.domain.orders import OrderType
from ticket.journal import Journal

MODIFY = "order/modifyorder"


@pytest.fixture
def ticket(cli):
    return cli


def enter_long(sim, ticket, qty="2", price="6000.25"):
    """A long filled at once at 6000.25 (the ask): stop 8 ticks under, target 16 over."""
    sim.set_price(sim.front("ES"), "6000.00")
    code, out, err = ticket(
        "place",
        "--symbol",
        "ES",
        "--side",
        "buy",
        "--qty",
        qty,
        "--price",
        price,
        "--stop-ticks",
        "8",
        "--target-ticks",
        "16",
        "--yes",
        "--json",
    )
    assert code == 0, err
    placed = json.loads(out)
    legs = [sim.exchange.orders[placed[k]] for k in ("oso1Id", "oso2Id")]
    (stop,) = [leg.id for leg in legs if leg.order_type is OrderType.STOP]
    (target,) = [leg.id for leg in legs if leg.order_type is OrderType.LIMIT]
    return placed["orderId"], stop, target


def sent(sim):
    return [r.body for r in sim.requests(MODIFY)]


def stop_price(sim, order_id):
    return sim.exchange.orders[order_id].stop_price


def test_a_flat_account_shows_its_cash_and_no_position(sim, ticket):
    code, out, _ = ticket("position")
    assert code == 0
    assert out.splitlines() == ["SIM1  cash 50,000.00  realised today +0.00", "No open position."]
    code, out, _ = ticket("position", "--json")
    data = json.loads(out)
    assert data["positions"] == [] and data["cash"] == "50000.0"


def test_the_position_shows_open_pnl_in_ticks_money_and_r_with_its_exits(sim, ticket):
    _, stop, target = enter_long(sim, ticket)
    sim.set_price(sim.front("ES"), "6001.00")
    code, out, _ = ticket("position", "ES")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == (
        f"{sim.front('ES')}  long 2 @ 6000.25  marked 6001.00  open +3.0 ticks  +75.00 USD  +0.38 R"
    )
    assert lines[2] == f"   stop   {stop}  Stop 2 @ 5998.25"
    assert lines[3] == f"   target {target}  Limit 2 @ 6004.25"
    data = json.loads(ticket("position", "--json")[1])
    (row,) = data["positions"]
    assert (row["side"], row["qty"], row["avgPrice"]) == ("long", 2, "6000.25")
    assert [Decimal(row[k]) for k in ("openTicks", "openMoney", "openR")] == [3, 75, D("0.375")]
    assert row["plannedStopTicks"] == "8" and [s["orderId"] for s in row["stops"]] == [stop]


def test_breakeven_moves_the_stop_to_the_entry_plus_offset_and_is_journalled(sim, ticket):
    _, stop, _ = enter_long(sim, ticket)
    sim.set_price(sim.front("ES"), "6002.00")
    code, out, _ = ticket("breakeven", "ES", "--offset-ticks", "2", "--yes", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["breakEven"] == "6000.75"
    (change,) = result["changes"]
    assert change["status"] == "confirmed" and change["stopPrice"] == "6000.75"
    assert sent(sim) == [
        {
            "orderId": stop,
            "orderQty": 2,
            "orderType": "Stop",
            "stopPrice": 6000.75,
            "isAutomated": True,
        }
    ]
    kinds = [e["kind"] for e in Journal.default().read()]
    assert kinds[-2:] == ["modify", "modify_outcome"]
    # once there, asking again sends nothing
    code, out, _ = ticket("breakeven", "ES", "--offset-ticks", "2", "--yes")
    assert code == 0 and "already at or past break-even 6000.75" in out
    assert len(sent(sim)) == 1


def test_breakeven_asks_first_and_a_no_sends_nothing(sim, ticket):
    _, stop, _ = enter_long(sim, ticket)
    sim.set_price(sim.front("ES"), "6002.00")
    code, out, _ = ticket("breakeven", "ES", answer="n\n")
    assert code == 6 and "Not sent." in out
    assert f"Move stop {stop} from 5998.25 to 6000.25." in out
    assert sent(sim) == []
    code, out, _ = ticket("breakeven", "ES")
    assert code == 0 and out.strip().endswith("6000.25.") and stop_price(sim, stop) == 6000.25
    assert sent(sim)[0]["isAutomated"] is False


def test_breakeven_above_the_bid_is_refused_at_the_stop_field(sim, ticket):
    enter_long(sim, ticket)
    sim.set_price(sim.front("ES"), "6000.00")  # the bid is under the entry
    code, out, _ = ticket("breakeven", "ES", "--yes")
    assert code == 1
    assert "error: stop_price: A long's stop must be below the bid 6000.00" in out
    assert "Nothing was sent." in out and sent(sim) == []


def test_breakeven_without_a_position_is_not_found(sim, ticket):
    code, out, _ = ticket("breakeven", "ES", "--yes")
    assert code == 7 and "No open position in" in out


def test_moving_the_stop_further_away_asks_once_with_the_new_risk(sim, ticket):
    _, stop, _ = enter_long(sim, ticket)
    code, out, _ = ticket("modify", str(stop), "--stop-price", "5997.25", answer="n\n")
    assert code == 6 and sent(sim) == []
    assert f"Change order {stop}: Sell 2 Stop, 5998.25 to 5997.25." in out
    assert "the risk becomes 300.00 USD (it was 200.00)" in out
    code, out, _ = ticket("modify", str(stop), "--stop-price", "5997.25")
    assert code == 0 and f"CONFIRMED: Order {stop} changed: 2 Stop stop 5997.25." in out
    assert stop_price(sim, stop) == 5997.25


def test_a_stop_through_the_market_or_off_the_grid_is_refused_before_sending(sim, ticket):
    _, stop, target = enter_long(sim, ticket)
    code, out, _ = ticket("modify", str(stop), "--stop-price", "6000.00", "--yes")
    assert code == 1 and "A long's stop must be below the bid 6000.00" in out
    code, out, err = ticket("modify", str(stop), "--stop-price", "5999.10", "--yes")
    assert code == 1 and "5999.10" in out + err
    code, out, _ = ticket("modify", str(target), "--price", "5999.75", "--yes")
    assert code == 1 and "error: target_price: A long's target must be above the bid" in out
    code, _, err = ticket("modify", str(target), "--stop-price", "6003.00", "--yes")
    assert code == 1 and "give --price" in err
    assert sent(sim) == []


def test_the_target_moved_in_fills_and_the_profit_reaches_the_cash(sim, ticket):
    _, _, target = enter_long(sim, ticket)
    sim.set_price(sim.front("ES"), "6001.00")
    code, out, _ = ticket("modify", str(target), "--price", "6001.25", "--yes", "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "confirmed" and result["price"] == "6001.25"
    sim.set_price(sim.front("ES"), "6001.25")
    data = json.loads(ticket("position", "--json")[1])
    assert data["positions"] == []
    assert data["realizedPnL"] == "100.0" and data["cash"] == "50100.0"


def test_a_working_entry_changes_price_and_size_and_a_filled_one_is_left_alone(sim, ticket):
    sim.set_price(sim.front("ES"), "6000.00")
    code, out, _ = ticket(
        "place", "--symbol", "ES", "--side", "buy", "--qty", "1", "--price", "5990.00",
        "--stop-ticks", "8", "--yes", "--json",
    )  # fmt: skip
    entry = json.loads(out)["orderId"]
    code, out, _ = ticket("modify", str(entry), "--price", "5991.00", "--qty", "3", "--json")
    result = json.loads(out)
    assert code == 0 and (result["qty"], result["price"]) == (3, "5991.00")
    sim.set_price(sim.front("ES"), "5990.75")  # the ask reaches the entry: it fills
    code, out, _ = ticket("modify", str(entry), "--price", "5992.00", "--yes")
    assert code == 6 and "is Filled: there is nothing to change" in out
    assert len(sent(sim)) == 1


def test_a_modify_refused_by_the_server_exits_as_a_rejected_place(sim, ticket):
    _, stop, _ = enter_long(sim, ticket)
    sim.faults.answer_next(MODIFY, {"failureReason": "TooLate", "failureText": "Too late"})
    code, out, _ = ticket("modify", str(stop), "--stop-price", "5999.00", "--yes", "--json")
    result = json.loads(out)
    assert code == 3 and result["status"] == "rejected" and result["failureReason"] == "TooLate"


def test_an_unknown_order_and_a_missing_change_are_errors(sim, ticket):
    code, _, err = ticket("modify", "999999", "--price", "1")
    assert code == 1 and err.startswith("ticket: ")
    enter_long(sim, ticket)
    code, _, err = ticket("modify", "1")
    assert code == 1 and "Give what changes" in err
