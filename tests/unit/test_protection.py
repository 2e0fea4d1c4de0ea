from decimal import Decimal as D

from ticket.domain.guards import DuplicateGuard, OrderKey
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.protection import (
    OrderView,
    Snapshot,
    bracket_state,
    exposures,
    slippage_ticks,
)
from ticket.journal import Journal, scrub


def order(id, action, status, kind, qty, parent=None, filled=0, contract=1):
    return OrderView(
        id=id,
        contract_id=contract,
        action=action,
        status=status,
        order_type=kind,
        qty=qty,
        parent_id=parent,
        filled=filled,
        avg_price=D("100") if filled else None,
    )


def test_a_long_position_is_covered_only_by_working_sell_stops():
    orders = {
        1: order(1, Action.BUY, OrdStatus.FILLED, OrderType.MARKET, 3, filled=3),
        2: order(2, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 2, parent=1),
        3: order(3, Action.SELL, OrdStatus.WORKING, OrderType.LIMIT, 3, parent=1),
        4: order(4, Action.BUY, OrdStatus.WORKING, OrderType.STOP, 5),
        5: order(5, Action.SELL, OrdStatus.CANCELED, OrderType.STOP, 3),
    }
    [exposure] = exposures(Snapshot(orders=orders, positions={1: 3}))
    assert (exposure.covered, exposure.uncovered, exposure.closing_action) == (2, 1, Action.SELL)
    covered = {**orders, 6: order(6, Action.SELL, OrdStatus.WORKING, OrderType.STOP_LIMIT, 1)}
    assert exposures(Snapshot(orders=covered, positions={1: 3})) == []


def test_a_short_position_needs_buy_stops_and_flat_needs_nothing():
    orders = {2: order(2, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 1)}
    assert exposures(Snapshot(orders=orders, positions={1: -1}))[0].uncovered == 1
    assert exposures(Snapshot(orders={}, positions={1: 0})) == []


def test_bracket_state_in_words():
    orders = {
        1: order(1, Action.BUY, OrdStatus.FILLED, OrderType.MARKET, 2, filled=2),
        2: order(2, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 2, parent=1),
        3: order(3, Action.SELL, OrdStatus.REJECTED, OrderType.LIMIT, 2, parent=1),
    }
    words = bracket_state(Snapshot(orders=orders, positions={}), 1).words()
    assert words == "entry filled 2 @ 100 · stop working · target rejected"


def test_slippage_is_signed_against_the_trader():
    assert slippage_ticks(Action.BUY, D("100.00"), D("100.50"), D("0.25")) == 2
    assert slippage_ticks(Action.SELL, D("100.00"), D("100.50"), D("0.25")) == -2


def test_duplicate_guard_window_and_forget():
    guard = DuplicateGuard(window=5)
    key = OrderKey(account_id=1, symbol="ESZ6", action=Action.BUY, qty=2, price=D("5000"))
    guard.record(key, 100.0)
    assert guard.seconds_since_same(key, 103.0) == 3.0
    assert guard.seconds_since_same(key.model_copy(update={"qty": 3}), 103.0) is None
    assert guard.seconds_since_same(key, 105.5) is None
    guard.record(key, 110.0)
    guard.forget(key)
    assert guard.seconds_since_same(key, 111.0) is None


def test_journal_scrubs_secret_looking_fields_at_any_depth(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal.write(
        "sign-in",
        user="trader",
        password="hunter2-fake",
        detail={"accessToken": "tok-fake", "nested": [{"sec": "s-fake", "ok": 1}]},
    )
    text = journal.path.read_text()
    assert "hunter2-fake" not in text and "tok-fake" not in text and "s-fake" not in text
    [entry] = journal.read()
    assert entry["user"] == "trader" and entry["detail"] == {"nested": [{"ok": 1}]}
    assert scrub({"mdAccessToken": 1, "p-ticket": "x"}) == {"p-ticket": "x"}


def test_journal_skips_a_line_cut_short(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal.write("place", cl_ord_id="a")
    with journal.path.open("a") as out:
        out.write('{"kind": "outc')
    assert [e["kind"] for e in journal.read()] == ["place"]
