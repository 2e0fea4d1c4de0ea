"""Managing the open trade where a careless key or an odd fill could cost money, against the
simulator over real HTTP and WebSockets: Re-anchor that would widen the stop asks first, Enter
in a Manage spin box sends no move, a bracket's stop stays in reach after the position is
reduced by hand, and the Manage window names the contract it manages."""

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from .conftest import find
from .test_account_feed import live
from .test_safety import market_buy
from .test_trade_controls import (
    ALT,
    TICK,
    activate,
    answer_wider,
    held,
    modifies,
    open_long,
    press,
    server_exits,
    settled,
)
from .test_trade_manage import dialog
from .test_window import choose, type_into

CLICK = Qt.MouseButton.LeftButton


def test_re_anchor_that_would_widen_the_stop_asks_and_a_no_moves_nothing(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    with sim.exchange.lock:
        _, ask, _ = sim.exchange.quote(sim.catalog.front("ES"))
    choose(qtbot, window, "Order type", "Market")
    # planned from two ticks above the ask: the fill comes better, and the planned distance
    # from it puts the stop two ticks lower than where it was placed
    type_into(qtbot, find(window, "Market price"), f"{ask + 2 * TICK:.2f}")
    market_buy(qtbot, window, qty="1")
    anchor = find(window, "Re-anchor exits")
    qtbot.waitUntil(anchor.isVisible, timeout=10000)
    [stop], [target] = server_exits(sim)
    _, avg = held(sim)
    assert avg - 8 * TICK < stop  # re-anchored, the stop would be further away
    activate(qtbot, window)
    qtbot.mouseClick(anchor, CLICK)
    text = answer_wider(qtbot, window, QMessageBox.StandardButton.No)
    assert "further away" in text
    assert server_exits(sim) == ([stop], [target]) and modifies(sim) == []

    qtbot.waitUntil(anchor.isVisible, timeout=5000)  # still offered: the trader said No
    qtbot.mouseClick(anchor, CLICK)
    answer_wider(qtbot, window, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [avg - 8 * TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert not anchor.isVisible()


def test_enter_in_a_manage_spin_box_applies_it_and_sends_no_move(qtbot, window, sim):
    open_long(qtbot, window, sim)
    manage = dialog(qtbot, window)
    manage.activateWindow()
    qtbot.waitUntil(manage.isActiveWindow)
    distance = find(manage, "Trail distance")
    distance.setFocus()
    distance.lineEdit().selectAll()
    qtbot.keyClicks(distance.lineEdit(), "12")
    QTest.keyClick(distance, Qt.Key.Key_Return)
    assert manage.rule().trail_ticks is None  # not on: the value waits for the box
    assert manage.isVisible()
    assert modifies(sim) == [] and settled(window)
    assert "nothing" not in find(manage, "Stop note").text().lower()


def test_a_brackets_stop_stays_in_reach_after_the_position_is_reduced_by_hand(
    qtbot, window, sim, client
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    market_buy(qtbot, window, qty="2")
    qtbot.waitUntil(
        lambda: window._trade() is not None and bool(window._trade().stops), timeout=10000
    )
    [stop], _ = server_exits(sim)
    # one contract sold by hand elsewhere: the bracket's stop still sells 2
    client.send_order(
        "/order/placeorder",
        {
            "accountId": window.account.id,
            "accountSpec": window.account.name,
            "action": "Sell",
            "symbol": sim.front("ES"),
            "orderQty": 1,
            "orderType": "Market",
            "isAutomated": False,
        },
    )
    qtbot.waitUntil(lambda: held(sim)[0] == 1, timeout=5000)
    qtbot.waitUntil(lambda: window._trade() is not None and window._trade().position.net == 1)
    assert [s.stop_price for s in window._trade().stops] == [stop]
    activate(qtbot, window)
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [stop + TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)


def test_the_manage_window_names_the_contract_it_manages(qtbot, window, sim):
    open_long(qtbot, window, sim)
    manage = dialog(qtbot, window)
    es = sim.front("ES")
    assert es in manage.windowTitle()
    assert find(manage, "Managed contract").text() == f"Managing {es}"
    assert find(manage, "New stop price").text() == f"{server_exits(sim)[0][0]:.2f}"
    assert Decimal(find(manage, "New stop price").text()) < window.trade_quote.bid


def test_the_auto_stop_says_it_waits_while_another_contract_is_watched(qtbot, window, sim):
    open_long(qtbot, window, sim)
    manage = dialog(qtbot, window)
    qtbot.mouseClick(find(manage, "Trail stop"), CLICK)
    status = find(manage, "Auto stop status")
    es = sim.front("ES")
    assert f"for {es}: running" in status.text(), status.text()
    contract = find(window, "Contract")
    contract.setFocus()
    contract.selectAll()
    qtbot.keyClicks(contract, "NQ")
    qtbot.keyClick(contract, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.contract is not None and window.contract.contract.name == sim.front("NQ"),
        timeout=10000,
    )
    qtbot.waitUntil(lambda: window.trade_quote.bid is not None, timeout=5000)
    qtbot.waitUntil(lambda: status.text().startswith("Waiting"), timeout=5000)
    assert es in status.text() and find(manage, "Trail stop").isChecked()
    assert sim.front("NQ") in manage.windowTitle()


def test_a_waiting_entry_refused_its_move_puts_its_moved_exits_back(qtbot, window, sim):
    from ticket.domain.orders import FailureReason

    from .test_trade_manage import entry_on_server, limit_buy_below_the_market

    limit_buy_below_the_market(qtbot, window, "5990.00")
    entry, legs = entry_on_server(sim)
    before = {(str(leg.stop_price), str(leg.price)) for leg in legs}
    modify = sim.routes["order/modifyorder"]

    def refuse_the_entry(query, body):
        if body.get("orderId") == entry.id:  # as Tradovate refuses a change: nothing changed
            reason = FailureReason.OTHER_EXECUTION_RELATED.value
            return 200, {"failureReason": reason, "failureText": "Risk check failed"}
        return modify(query, body)

    sim.routes["order/modifyorder"] = refuse_the_entry
    manage = dialog(qtbot, window)
    type_into(qtbot, find(manage, "New entry price"), "5992.00")
    qtbot.mouseClick(find(manage, "Change entry"), CLICK)
    qtbot.waitUntil(lambda: len(modifies(sim)) == 2 * len(legs) + 1, timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    entry, legs = entry_on_server(sim)
    assert entry.price == Decimal("5990.00")
    assert {(str(leg.stop_price), str(leg.price)) for leg in legs} == before
    assert "The entry was not moved" in find(manage, "Entry note").text()


def test_a_chosen_part_that_fills_leaves_no_other_part_chosen_in_its_place(
    qtbot, window, sim, client
):
    from .test_hostile_trading import es_parts

    es = sim.front("ES")
    bid = es_parts(qtbot, window, sim, client, (4, 8, 12))
    manage = dialog(qtbot, window)
    parts = find(manage, "Target part")
    parts.setCurrentIndex(0)
    sim.set_price(es, str(bid + 5 * TICK))  # the chosen first part's target fills
    qtbot.waitUntil(lambda: len(window._trade().targets) == 2, timeout=5000)
    qtbot.waitUntil(lambda: "no longer working" in parts.currentText())
    sent = len(modifies(sim))
    qtbot.mouseClick(find(manage, "Take part now"), CLICK)
    assert "pick the part again" in find(manage, "Target note").text()
    assert len(modifies(sim)) == sent and settled(window)
    parts.setCurrentIndex(parts.findText(f"{bid + 12 * TICK:.2f}", Qt.MatchFlag.MatchContains))
    assert f"{bid + 12 * TICK:.2f}" in parts.currentText()
