"""Live quotes in the window: updates, a click to use a price, Market exits that follow the
quote, a stale quote, and a login without market data."""

from PySide6.QtCore import Qt

from .conftest import find
from .test_window import PLACE, choose, place_and_confirm, type_into


def wait_quote(qtbot, window, text):
    qtbot.waitUntil(lambda: text in find(window, "Bid").text(), timeout=5000)


def test_quotes_update_in_the_window(qtbot, window, sim):
    wait_quote(qtbot, window, "6000.00")
    assert "Ask 6000.25 ×" in find(window, "Ask").text()
    sim.set_price(sim.front("ES"), "6004.75")
    wait_quote(qtbot, window, "6004.75")
    assert "Last 6004.75" in find(window, "Last").text()
    assert find(window, "Market data").text() == "live"


def test_clicking_a_price_puts_it_in_the_field_the_order_uses(qtbot, window, sim):
    wait_quote(qtbot, window, "6000.00")
    qtbot.mouseClick(find(window, "Bid"), Qt.MouseButton.LeftButton)
    assert find(window, "Limit price").text() == "6000.00"
    choose(qtbot, window, "Order type", "Stop")
    qtbot.mouseClick(find(window, "Ask"), Qt.MouseButton.LeftButton)
    assert find(window, "Stop price").text() == "6000.25"


def test_market_buy_exits_follow_the_live_ask_and_are_sent_as_shown(qtbot, window, sim):
    wait_quote(qtbot, window, "6000.00")
    choose(qtbot, window, "Order type", "Market")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    assert "live ask 6000.25" in find(window, "Reference used").text()
    assert "5998.25" in find(window, "Stop-loss exit at").text()
    sim.set_price(sim.front("ES"), "6010.00")
    qtbot.waitUntil(lambda: "live ask 6010.25" in find(window, "Reference used").text())
    assert "6008.25" in find(window, "Stop-loss exit at").text()
    assert "6014.25" in find(window, "Take-profit exit at").text()  # 2R from the ask
    place_and_confirm(qtbot, window)
    body = sim.requests(PLACE)[0].body
    assert (body["bracket1"]["stopPrice"], body["bracket2"]["price"]) == (6008.25, 6014.25)


def test_the_fat_finger_distance_uses_the_live_last_price(qtbot, window, sim):
    wait_quote(qtbot, window, "6000.00")
    type_into(qtbot, find(window, "Limit price"), "5900.00")  # 400 ticks away
    note = window.entry.notes["entry.price"]
    assert "400 ticks from the last price 6000.00" in note.text()
    assert not window.place_button.isEnabled()


def test_a_stale_quote_is_flagged_and_a_market_entry_must_confirm_its_price(qtbot, window, sim):
    wait_quote(qtbot, window, "6000.00")
    choose(qtbot, window, "Order type", "Market")
    assert window.place_button.isEnabled()
    sim.market_data.stall = True
    qtbot.waitUntil(lambda: "STALE" in find(window, "Market data").text(), timeout=8000)
    note = window.entry.notes["reference_price"]
    assert "The quote is stale" in note.text() and not window.place_button.isEnabled()
    qtbot.mouseClick(find(window, "Ask"), Qt.MouseButton.LeftButton)  # confirm it
    assert find(window, "Market price").text() == "6000.25"
    assert window.place_button.isEnabled()
    assert "you typed, 6000.25" in find(window, "Reference used").text()


def test_without_market_data_the_window_says_so_and_asks_for_the_price(qtbot, make_window, sim):
    sim.market_data.refuse = True
    window = make_window()
    qtbot.waitUntil(lambda: "No market data" in find(window, "Market data").text())
    choose(qtbot, window, "Order type", "Market")
    assert not window.place_button.isEnabled()
    assert "Enter the market price" in window.entry.notes["reference_price"].text()
    type_into(qtbot, find(window, "Market price"), "6000.00")
    assert not window.place_button.isEnabled()  # nothing to check the typed price against
    qtbot.mouseClick(
        find(window, "Use the market price I typed (no last price to check it)"),
        Qt.MouseButton.LeftButton,
    )
    assert window.place_button.isEnabled()
    assert window.vm.market.last is None
