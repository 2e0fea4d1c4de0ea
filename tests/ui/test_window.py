"""The ticket window driven as a trader would, against the simulator over real HTTP."""

import itertools
import time

import pytest
from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QStyle,
    QStyleOptionGroupBox,
    QWidget,
)

from ticket.domain.orders import FailureReason
from ticket.services import Environment
from ticket.ui.orders_model import IDS, SL, STATUS

from .conftest import find

PLACE = "order/placeoso"


def type_into(qtbot, widget, text):
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(widget, text)


def choose(qtbot, window, name, text):
    """Pick an item with the keyboard: Home, then Down until it is the current one."""
    combo: QComboBox = find(window, name)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText().startswith(text):
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText().startswith(text), combo.currentText()


def untick(qtbot, group: QGroupBox):
    option = QStyleOptionGroupBox()
    group.initStyleOption(option)
    box = group.style().subControlRect(
        QStyle.ComplexControl.CC_GroupBox, option, QStyle.SubControl.SC_GroupBoxCheckBox, group
    )
    qtbot.mouseClick(group, Qt.MouseButton.LeftButton, pos=box.center())
    assert not group.isChecked()


def double_click(qtbot, widget):
    """Two clicks within the double-click interval, each a press and a release."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def confirm_with_enter(qtbot, window):
    qtbot.waitUntil(lambda: window.confirm is not None and window.confirm.isVisible())
    qtbot.keyClick(window.confirm, Qt.Key.Key_Return)


def wait_outcome(qtbot, window, word):
    qtbot.waitUntil(lambda: word in window.outcome.text(), timeout=15000)


def click_place(qtbot, window):
    """Click Place once it takes clicks: the card of the order before closes a moment after
    its outcome shows."""
    qtbot.waitUntil(window.place_button.isEnabled)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)


def place_and_confirm(qtbot, window, word="PLACED"):
    """Place, send from the card, and wait for this order's outcome (not an earlier one's)."""
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    assert window.in_flight
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    assert word in window.outcome.text(), window.outcome.text()


def fill_limit_buy(qtbot, window, sim):
    type_into(qtbot, find(window, "Contract"), "ES")
    qtbot.keyClick(find(window, "Contract"), Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.session.resolving is None and window.contract.contract.name == sim.front("ES")
        )
    )
    qtbot.mouseClick(find(window, "Buy"), Qt.MouseButton.LeftButton)
    spin = find(window, "Quantity")
    type_into(qtbot, spin.lineEdit(), "2")
    choose(qtbot, window, "Order type", "Limit")
    type_into(qtbot, find(window, "Limit price"), "5990.25")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    choose(qtbot, window, "Stop-loss unit", "ticks")
    type_into(qtbot, find(window, "Take-profit distance"), "2")
    choose(qtbot, window, "Take-profit unit", "R")


def test_buy_limit_with_stop_and_2r_target_sends_the_exact_body(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    symbol = sim.front("ES")
    assert window.place_button.text() == f"Buy 2 {symbol} Limit 5990.25 - SL 5988.25 / TP 5994.25"
    assert "200.00 USD" in find(window, "Risk").text()
    assert "400.00 USD" in find(window, "Reward").text()
    assert "2.00" in find(window, "Reward : risk").text()
    place_and_confirm(qtbot, window)
    [request] = sim.requests(PLACE)
    cl = request.body["clOrdId"]
    assert request.body == {
        "accountSpec": "SIM1",
        "accountId": 700001,
        "clOrdId": cl,
        "action": "Buy",
        "symbol": symbol,
        "orderQty": 2,
        "orderType": "Limit",
        "price": 5990.25,
        "timeInForce": "Day",
        "isAutomated": False,
        "bracket1": {
            "action": "Sell",
            "clOrdId": f"{cl}.1",
            "orderType": "Stop",
            "stopPrice": 5988.25,
            "timeInForce": "GTC",
        },
        "bracket2": {
            "action": "Sell",
            "clOrdId": f"{cl}.2",
            "orderType": "Limit",
            "price": 5994.25,
            "timeInForce": "GTC",
        },
    }
    entry = next(o for o in sim.exchange.orders.values() if o.parent_id is None)
    legs = sorted(entry.legs)
    for order_id in (entry.id, *legs):
        assert str(order_id) in window.outcome.text()
    qtbot.waitUntil(  # placed, then followed: the legs wait for the entry to fill
        lambda: (
            window.orders.item(0, STATUS).text()
            == "entry working · stop suspended · target suspended"
        )
    )
    assert window.orders.item(0, IDS).text() == "/".join(map(str, (entry.id, *legs)))
    assert window.orders.item(0, SL).text() == "5988.25"


def test_market_sell_with_only_a_stop(qtbot, window, sim):
    qtbot.mouseClick(find(window, "Sell"), Qt.MouseButton.LeftButton)
    choose(qtbot, window, "Order type", "Market")
    assert find(window, "Market price").isVisible() and not find(window, "Limit price").isVisible()
    type_into(qtbot, find(window, "Market price"), "6000.00")
    type_into(qtbot, find(window, "Stop-loss distance"), "12")
    untick(qtbot, window.take_profit)
    place_and_confirm(qtbot, window)
    body = sim.requests(PLACE)[0].body
    assert body["orderType"] == "Market" and "price" not in body and "bracket2" not in body
    assert body["bracket1"]["stopPrice"] == 6003.0 and body["bracket1"]["action"] == "Buy"


@pytest.mark.parametrize("case", ["stop_wrong_side", "off_tick", "qty_zero", "gtd_past"])
def test_bad_input_is_explained_at_its_field_and_nothing_is_sent(qtbot, window, sim, case):
    fill_limit_buy(qtbot, window, sim)
    if case == "stop_wrong_side":
        choose(qtbot, window, "Stop-loss unit", "price")
        type_into(qtbot, find(window, "Stop-loss distance"), "5992.00")
        note, text = window.stop_loss.note, "at least one tick below the entry"
    elif case == "off_tick":
        type_into(qtbot, find(window, "Limit price"), "5990.30")
        note, text = window.entry.notes["entry.price"], "use 5990.25 or 5990.50"
    elif case == "qty_zero":
        type_into(qtbot, find(window, "Quantity").lineEdit(), "0")
        note, text = window.entry.notes["entry.qty"], "at least 1 contract"
    else:
        choose(qtbot, window, "Time in force", "GTD")
        find(window, "Expires").setDateTime(QDateTime.currentDateTime().addSecs(-600))
        note, text = window.entry.notes["entry.expire_time"], "in the past"
    assert note.isVisible() and text in note.text()
    assert not window.place_button.isEnabled()
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.confirm is None
    # Corrected, the ticket goes out: the one order the server gets is the corrected one, so
    # neither the click nor the Enter on the bad ticket sent anything, early or late.
    if case == "stop_wrong_side":
        choose(qtbot, window, "Stop-loss unit", "ticks")
        type_into(qtbot, find(window, "Stop-loss distance"), "8")
    elif case == "off_tick":
        type_into(qtbot, find(window, "Limit price"), "5990.25")
    elif case == "qty_zero":
        type_into(qtbot, find(window, "Quantity").lineEdit(), "2")
    else:
        find(window, "Expires").setDateTime(QDateTime.currentDateTime().addSecs(3600))
    assert not note.isVisible()
    place_and_confirm(qtbot, window)
    [request] = sim.requests(PLACE)
    body = request.body
    assert (body["orderQty"], body["price"], body["bracket1"]["stopPrice"]) == (2, 5990.25, 5988.25)
    assert sim.entry_orders() == 1


def test_a_double_click_and_a_double_enter_send_one_order(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    double_click(qtbot, window.place_button)
    qtbot.waitUntil(lambda: window.confirm is not None)
    assert len([d for d in window.findChildren(QDialog) if d.isVisible()]) == 1
    double_click(qtbot, window.confirm.send)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    wait_outcome(qtbot, window, "PLACED")
    # Orders leave one at a time, in the order they were sent: once a different order that
    # was sent later is placed, a second copy of the first would have reached the server.
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    place_and_confirm(qtbot, window)
    assert [r.body["orderQty"] for r in sim.requests(PLACE)] == [2, 1]
    assert sim.entry_orders() == 2


def test_escape_cancels_the_confirmation(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    qtbot.keyClick(find(window, "Limit price"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.confirm is not None)
    card = [label.text() for label in window.confirm.findChildren(QLabel)]
    assert any("Buy 2" in text and "SL 5988.25 / TP 5994.25" in text for text in card)
    qtbot.keyClick(window.confirm, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.confirm is None)
    assert window.place_button.isEnabled() and not window.in_flight
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    place_and_confirm(qtbot, window)  # sent after the cancelled one would have been
    assert [r.body["orderQty"] for r in sim.requests(PLACE)] == [1]


def test_the_gui_keeps_processing_events_while_an_order_is_in_flight(qtbot, window, sim, hold):
    fill_limit_buy(qtbot, window, sim)
    order = hold(PLACE)  # the server keeps the order until the window has shown it is alive
    ticks: list[tuple[float, bool]] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), window.in_flight)))
    timer.start()
    click_place(qtbot, window)
    qtbot.waitUntil(lambda: len(ticks) > 0)
    confirm_with_enter(qtbot, window)
    assert window.in_flight and not window.place_button.isEnabled()
    qtbot.waitUntil(lambda: window.place_button.text() == "Sending…")  # labels follow the send
    qtbot.waitUntil(order.arrived.is_set)
    qtbot.waitUntil(lambda: sum(flying for _, flying in ticks) >= 100, timeout=20000)
    order.release()
    wait_outcome(qtbot, window, "PLACED")
    qtbot.waitUntil(lambda: not ticks[-1][1])
    timer.stop()
    flying = [i for i, (_, in_flight) in enumerate(ticks) if in_flight]
    around = [t for t, _ in ticks[flying[0] - 1 : flying[-1] + 2]]
    longest = max(b - a for a, b in itertools.pairwise(around))
    assert longest < 0.5, f"the window froze for {longest:.2f} s while the order was out"
    assert len(sim.requests(PLACE)) == 1


def test_a_rejection_is_shown_in_words(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, text="Max position 1")
    place_and_confirm(qtbot, window, "REJECTED")
    assert "position above the account" in window.outcome.text()
    assert "Max position 1" in window.outcome.text()
    assert window.orders.item(0, STATUS).text() == "rejected"
    qtbot.waitUntil(window.place_button.isEnabled)  # once the card has closed


def test_a_penalty_counts_down_then_the_same_order_is_resent_with_its_ticket(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    sim.faults.penalise_next(PLACE, seconds=1.0)
    place_and_confirm(qtbot, window, "PENALISED")
    assert not window.place_button.isEnabled() and "Wait" in window.place_button.text()
    place_and_confirm(qtbot, window)  # once the penalty is over
    first, second = sim.requests(PLACE)
    assert second.body["p-ticket"] and second.body["clOrdId"] == first.body["clOrdId"]
    assert sim.entry_orders() == 1


def test_live_is_red_everywhere(make_window):
    window = make_window(Environment.LIVE)
    assert "LIVE" in window.banner.text() and "REAL MONEY" in window.banner.text()
    assert "#c62828" in window.banner.styleSheet() and "#c62828" in window.frame.styleSheet()
    assert "LIVE" in window.windowTitle()


def test_price_fields_step_one_tick_in_32nds(qtbot, make_window, sim):
    window = make_window(symbol="ZN")
    price = find(window, "Limit price")
    type_into(qtbot, price, "110'16")
    qtbot.keyClick(price, Qt.Key.Key_Up)
    assert price.text() == "110'16.5"
    qtbot.keyClick(price, Qt.Key.Key_Down)
    qtbot.keyClick(price, Qt.Key.Key_Down)
    assert price.text() == "110'15.5"
    assert "15.625 USD" in find(window, "Contract details").text()


def test_size_from_risk_fills_the_quantity(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)  # 8 ticks on ES: 100.00 per contract
    type_into(qtbot, find(window, "Risk budget"), "450")
    assert "4</b> contracts" in find(window, "Sizing result").text()
    qtbot.mouseClick(find(window, "Use size"), Qt.MouseButton.LeftButton)
    assert find(window, "Quantity").value() == 4
    assert window.place_button.text().startswith("Buy 4 ")


def _group_title(widget):
    while widget is not None:
        if isinstance(widget, QGroupBox):
            return widget.title()
        widget = widget.parentWidget()
    return ""


def test_every_input_is_named_as_its_visible_label(window):
    rows = 0
    for form in window.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is None or field is None:
                continue
            text = label.widget().text()
            widget = field.widget()
            title = _group_title(widget)
            wanted = {text, f"{title} {text.lower()}"}
            names = {w.accessibleName() for w in [widget, *widget.findChildren(QWidget)]}
            assert wanted & names, (text, title, names)
            rows += 1
    assert rows >= 14


def test_fat_finger_limit_needs_an_explicit_override(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "11")
    assert not window.place_button.isEnabled()
    contracts = find(window, "Allow more contracts than my limit")
    risk = find(window, "Allow more risk than my limit")  # 11 x 100.00 is above 1,000 too
    assert contracts.isVisible() and risk.isVisible()
    qtbot.mouseClick(contracts, Qt.MouseButton.LeftButton)
    assert not window.place_button.isEnabled()
    qtbot.mouseClick(risk, Qt.MouseButton.LeftButton)
    assert window.place_button.isEnabled()
    assert "limit overridden" in window.entry.notes["entry.qty"].text()


def test_window_geometry_is_remembered(qtbot, window, tmp_path):
    qtbot.mouseClick(find(window, "Dismiss hint"), Qt.MouseButton.LeftButton)
    window.move(31, 42)
    window.resize(700, 740)  # inside the 800 x 800 offscreen screen
    geometry = window.geometry()
    window.close()
    from PySide6.QtCore import QSettings

    from ticket.ui.window import TicketWindow

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    again = TicketWindow(settings)
    qtbot.addWidget(again)
    assert again.geometry() == geometry
    text = (tmp_path / "window.ini").read_text()
    assert "sim" not in text.lower().replace("simulator", "")


def test_the_first_run_hint_shows_until_dismissed(qtbot, window, tmp_path):
    assert find(window, "First-run hint").isVisible()
    assert "Sign in" in find(window, "First-run hint").text()
    qtbot.mouseClick(find(window, "Dismiss hint"), Qt.MouseButton.LeftButton)
    assert not window.hint.isVisible()
    from PySide6.QtCore import QSettings

    from ticket.ui.window import TicketWindow

    again = TicketWindow(QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.show()
    assert not again.hint.isVisible()
