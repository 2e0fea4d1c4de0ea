"""Managing the open trade from the window, against the simulator over real HTTP and WebSockets:
the one-tick moves of the stop and target by key and by button, break-even, the refusals at
the control with nothing sent, the wider-stop question, one change per order on its way, a
lost or garbled answer reported and never resent."""

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from ticket.broker.orders import submit_oso
from ticket.domain.orders import Action, FailureReason, OrderType, PlaceOsoRequest
from ticket.domain.orders import RestrainedOrderVersion as Leg

from .conftest import find
from .test_account_feed import live
from .test_safety import market_buy
from .test_window import type_into

TICK = Decimal("0.25")  # ES


def modifies(sim):
    return [r for r in sim.requests("order/modifyorder")]


def server_exits(sim):
    """(stop price, target price) of the working legs, as the server holds them."""
    with sim.exchange.lock:
        legs = [
            o
            for o in sim.exchange.orders.values()
            if o.parent_id is not None and o.status.value == "Working"
        ]
        stops = [o.stop_price for o in legs if o.stop_price is not None]
        targets = [o.price for o in legs if o.stop_price is None]
    return stops, targets


def held(sim):
    with sim.exchange.lock:
        [position] = [p for p in sim.exchange.positions.values() if p.net != 0]
        return position.net, position.net_price


def press(window, key, modifiers):
    """A real key event, to whichever widget has the focus (as a person's key press)."""
    target = window.focusWidget() or window
    QTest.keyClick(target, key, modifiers)


ALT = Qt.KeyboardModifier.AltModifier
SHIFT_ALT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def open_long(qtbot, window, sim, target="8"):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    if target:
        type_into(qtbot, find(window, "Take-profit distance"), target)
    market_buy(qtbot, window, qty="1")
    qtbot.waitUntil(lambda: window.exit_controls.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: window._trade() is not None and bool(window._trade().stops))
    if target:
        qtbot.waitUntil(lambda: bool(window._trade().targets))
    activate(qtbot, window)
    return held(sim)


def activate(qtbot, window):
    """Back to the window after the card, as a desktop does: its keys work while it is the
    active window."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def settled(window):
    return not window.order_changes.any_in_flight


def test_the_stop_moves_one_tick_by_key_and_by_button(qtbot, window, sim):
    open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    # a price field with the focus does not swallow the key
    find(window, "Stop-loss distance").setFocus()
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [stop + TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "STOP CONFIRMED" in window.outcome.text(), window.outcome.text()
    assert modifies(sim)[-1].body["isAutomated"] is False
    qtbot.waitUntil(lambda: f"Stop {stop + TICK:.2f}" in window.exit_controls.stop_label.text())

    qtbot.mouseClick(find(window, "Stop down one tick"), Qt.MouseButton.LeftButton)
    answer_wider(qtbot, window, QMessageBox.StandardButton.Yes)  # down is away from the market
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [stop], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "STOP CONFIRMED" in window.outcome.text()
    assert len(modifies(sim)) == 2


def test_the_target_moves_one_tick_by_key(qtbot, window, sim):
    open_long(qtbot, window, sim)
    _, [target] = server_exits(sim)
    press(window, Qt.Key.Key_Down, SHIFT_ALT)
    qtbot.waitUntil(lambda: server_exits(sim)[1] == [target - TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "TARGET CONFIRMED" in window.outcome.text(), window.outcome.text()


def test_a_stop_moved_through_the_market_is_refused_at_the_control_and_nothing_sent(
    qtbot, window, sim
):
    open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    bid = window.trade_quote.bid
    ticks = int((bid - stop) / TICK)  # the stop up to the bid: it would fill at once
    before = len(modifies(sim))
    for _ in range(ticks - 1):
        press(window, Qt.Key.Key_Up, ALT)
        qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert server_exits(sim)[0] == [bid - TICK]
    sent = len(modifies(sim))
    assert sent - before == ticks - 1
    press(window, Qt.Key.Key_Up, ALT)
    assert "must be below the bid" in window.outcome.text(), window.outcome.text()
    assert "Nothing was sent" in window.outcome.text()
    assert len(modifies(sim)) == sent and settled(window)


def answer_wider(qtbot, window, button):
    qtbot.waitUntil(lambda: window.trade_question is not None and window.trade_question.isVisible())
    text = window.trade_question.text()
    qtbot.mouseClick(window.trade_question.button(button), Qt.MouseButton.LeftButton)
    return text


def test_a_wider_stop_asks_once_with_the_new_risk(qtbot, window, sim):
    _, avg = open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    before = len(modifies(sim))
    press(window, Qt.Key.Key_Down, ALT)
    text = answer_wider(qtbot, window, QMessageBox.StandardButton.No)
    risk = (avg - (stop - TICK)) / TICK * Decimal("12.50")
    assert f"the risk becomes {risk:,.2f} USD" in text, text
    assert len(modifies(sim)) == before and server_exits(sim)[0] == [stop]
    assert "nothing was sent" in window.outcome.text()

    press(window, Qt.Key.Key_Down, ALT)
    answer_wider(qtbot, window, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [stop - TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert len(modifies(sim)) == before + 1


def test_break_even_by_key_with_an_offset(qtbot, window, sim):
    _, avg = open_long(qtbot, window, sim)
    window.open_manage()
    offset = find(window.manage_dialog, "Break-even offset")
    offset.setValue(1)
    window.manage_dialog.hide()
    assert str(window.settings.value("trade/breakeven_offset_ticks")) == "1"
    sim.set_price(sim.front("ES"), str(avg + 4 * TICK))  # room above break-even + 1
    qtbot.waitUntil(lambda: window.trade_quote.bid == avg + 4 * TICK, timeout=5000)
    activate(qtbot, window)
    press(window, Qt.Key.Key_E, ALT)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [avg + TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "STOP CONFIRMED" in window.outcome.text()
    # again: already there, nothing is sent
    sent = len(modifies(sim))
    press(window, Qt.Key.Key_E, ALT)
    assert "already at or past break-even" in window.outcome.text()
    assert len(modifies(sim)) == sent


def test_a_second_press_while_a_change_is_on_its_way_sends_nothing_and_says_busy(
    qtbot, window, sim, hold
):
    open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    held_route = hold("order/modifyorder")
    press(window, Qt.Key.Key_Up, ALT)
    assert held_route.arrived.wait(5)
    assert window.exit_controls.stop_label.text().endswith("…")
    assert window.exit_controls.even.text() == "B/E…"
    press(window, Qt.Key.Key_Up, ALT)
    assert "BUSY" in window.outcome.text() and "still on its way" in window.outcome.text()
    assert len(modifies(sim)) == 1
    held_route.release()
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert server_exits(sim)[0] == [stop + TICK]
    assert "STOP CONFIRMED" in window.outcome.text()
    assert not window.exit_controls.stop_label.text().endswith("…")


def test_a_5xx_answer_is_unknown_and_never_resent(qtbot, window, sim):
    open_long(qtbot, window, sim)
    window.order_changes.confirm_seconds = 0.5
    window.order_changes._modifier = None  # the next one takes the shorter wait
    [stop], _ = server_exits(sim)
    sim.faults.fail_next("/order/modifyorder", status=503)
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "STOP UNKNOWN" in window.outcome.text(), window.outcome.text()
    assert "may have been made" in window.outcome.text()
    assert len(modifies(sim)) == 1 and server_exits(sim)[0] == [stop]
    [entry] = [e for e in window.journal.read() if e["kind"] == "modify_outcome"]
    assert entry["status"] == "unknown" and entry["source"] == "window"


def test_a_garbled_answer_to_a_change_that_was_made_is_confirmed_by_the_version(qtbot, window, sim):
    open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    sim.faults.drop_next("/order/modifyorder", when="after")
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: settled(window), timeout=8000)
    # the answer was lost, but the pushed version shows the change
    assert server_exits(sim)[0] == [stop + TICK]
    assert "STOP CONFIRMED" in window.outcome.text(), window.outcome.text()
    assert len(modifies(sim)) == 1


def test_an_answer_with_a_command_id_but_no_new_version_is_unconfirmed(qtbot, window, sim):
    open_long(qtbot, window, sim)
    window.order_changes.confirm_seconds = 0.5
    window.order_changes._modifier = None  # the next one takes the shorter wait
    [stop], _ = server_exits(sim)
    sim.faults.answer_next("/order/modifyorder", {"commandId": 987654})  # nothing is done
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "STOP UNCONFIRMED" in window.outcome.text(), window.outcome.text()
    assert "command 987654" in window.outcome.text()
    assert len(modifies(sim)) == 1 and server_exits(sim)[0] == [stop]


def test_a_refusal_from_the_server_is_said_in_its_words(qtbot, window, sim):
    open_long(qtbot, window, sim)
    [stop], _ = server_exits(sim)
    sim.faults.reject_next(
        FailureReason.TOO_LATE, "Order is already Filled", path="/order/modifyorder"
    )
    press(window, Qt.Key.Key_Up, ALT)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    text = window.outcome.text()
    assert "STOP REJECTED" in text and "TooLate" in text and "stays as it was" in text, text
    assert server_exits(sim)[0] == [stop]


def test_the_keys_work_from_the_quantity_box_and_are_listed(qtbot, window, sim):
    open_long(qtbot, window, sim)
    _, [target] = server_exits(sim)
    find(window, "Quantity").setFocus()
    press(window, Qt.Key.Key_Up, SHIFT_ALT)
    qtbot.waitUntil(lambda: server_exits(sim)[1] == [target + TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert find(window, "Quantity").value() == 1  # the box did not take the key
    from ticket.ui.keys import KEYS

    listed = " ".join(keys for keys, _ in KEYS)
    for keys in ("Alt+Up", "Shift+Alt+Up", "Alt+E"):
        assert keys in listed


def test_the_window_still_fits_a_laptop_with_a_position_and_its_controls(
    qtbot, window, sim, client
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    flat = window.minimumSizeHint()
    submit_oso(  # bought elsewhere: the ticket's own fields stay as they were
        client,
        PlaceOsoRequest(
            account_id=window.account.id,
            action=Action.BUY,
            symbol=sim.front("ES"),
            order_qty=1,
            order_type=OrderType.MARKET,
            bracket1=Leg(action=Action.SELL, order_type=OrderType.STOP, stop_price="5996.00"),
            bracket2=Leg(action=Action.SELL, order_type=OrderType.LIMIT, price="6004.00"),
        ),
    )
    qtbot.waitUntil(lambda: window.exit_controls.isVisible(), timeout=10000)
    window.exit_controls.anchor.setVisible(True)  # the widest the row gets
    shown = window.minimumSizeHint()
    assert shown.height() == flat.height() <= 700
    assert shown.width() <= 1366
