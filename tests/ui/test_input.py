"""What a trader types arrives as typed: a quantity past any limit, treasury notations, and an
exit whose unit is switched, which stays where it was."""

from decimal import Decimal

from PySide6.QtCore import Qt

from .conftest import find
from .test_window import choose, fill_limit_buy, type_into


def test_a_quantity_above_the_limit_is_an_error_at_the_field_not_a_silent_cap(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    spin = find(window, "Quantity")
    type_into(qtbot, spin.lineEdit(), "10000")
    assert spin.value() == 10000 and spin.lineEdit().text() == "10000"
    note = window.entry.notes["entry.qty"]
    assert note.isVisible()
    assert "10000 contracts is above your limit of 10" in note.text()
    assert not window.place_button.isEnabled()


def test_switching_the_stop_unit_keeps_the_stop_where_it_was(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)  # buy 2 at 5990.25, stop 8 ticks: 5988.25, 200.00 at risk
    distance = find(window, "Stop-loss distance")
    choose(qtbot, window, "Stop-loss unit", "price")
    assert distance.text() == "5988.25"
    assert "200.00 USD" in find(window, "Risk").text()
    choose(qtbot, window, "Stop-loss unit", "$")
    assert distance.text() == "100.00"
    choose(qtbot, window, "Stop-loss unit", "ticks")
    assert distance.text() == "8"
    assert window.place_button.text().endswith("SL 5988.25 / TP 5994.25")


def test_stepping_through_the_units_before_any_price_loses_nothing(qtbot, window, sim):
    # No entry yet: a price cannot be known, so passing over "price" clears the field for a
    # moment, and the next unit is converted from the value before it.
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    type_into(qtbot, find(window, "Take-profit distance"), "2")
    choose(qtbot, window, "Take-profit unit", "R")
    distance = find(window, "Take-profit distance")
    combo = find(window, "Take-profit unit")
    seen = []
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        seen.append((combo.currentText(), distance.text()))
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert seen == [("ticks", "16"), ("price", ""), ("$ / contract", "200.00"), ("R (× stop)", "2")]
    type_into(qtbot, find(window, "Limit price"), "5990.25")
    choose(qtbot, window, "Take-profit unit", "price")
    assert distance.text() == "5994.25"


def test_treasury_prices_are_typed_in_any_notation_and_refused_in_32nds(qtbot, make_window, sim):
    window = make_window(symbol="ZN")
    # the market a point above what is typed: a buy limit there is no "through the market"
    sim.set_price(sim.front("ZN"), "111.5")
    qtbot.waitUntil(
        lambda: window.vm.last_price is not None and window.vm.last_price > Decimal("111"),
        timeout=10000,
    )
    price = find(window, "Limit price")
    note = window.entry.notes["entry.price"]
    for typed in ("110-165", "110'16+", "110'16.5"):
        type_into(qtbot, price, typed)
        assert not note.isVisible(), (typed, note.text())
        assert " Limit 110'16.5 " in window.place_button.text()
    type_into(qtbot, price, "110'162")
    assert note.isVisible() and "must be 0 or 5 (0 or 1/2 of a 32nd)" in note.text()
    type_into(qtbot, price, "110'16.25")
    assert note.text() == "110'16.25 is not on the tick grid (1/2 of 1/32): use 110'16 or 110'16.5."
    type_into(qtbot, price, "110'16.4")
    qtbot.keyClick(price, Qt.Key.Key_Up)  # one tick up from the nearest tick, 110'16.5
    assert price.text() == "110'17" and not note.isVisible()
