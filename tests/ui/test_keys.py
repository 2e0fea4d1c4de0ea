"""The keyboard a futures trader expects, and a title that says where an order would go."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ticket.domain.orders import OrderType

from .conftest import find
from .test_window import choose, type_into


def test_the_title_names_environment_account_and_contract(qtbot, window, sim):
    assert window.windowTitle() == f"ticket — SIM · SIM1 · {sim.front('ES')}"
    type_into(qtbot, find(window, "Contract"), "NQ")
    qtbot.keyClick(find(window, "Contract"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.windowTitle() == f"ticket — SIM · SIM1 · {sim.front('NQ')}")


def test_ctrl_k_puts_the_cursor_in_contract_with_its_text_selected(qtbot, window):
    find(window, "Limit price").setFocus()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    contract = find(window, "Contract")
    assert QApplication.focusWidget() is contract
    assert contract.selectedText() == contract.text() != ""


def test_alt_b_a_l_put_the_bid_ask_and_last_in_the_price_field_the_type_uses(qtbot, window):
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    fmt = window.vm.instrument.format_price
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    assert find(window, "Limit price").text() == fmt(window.quote_bar.quote.bid)
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert find(window, "Limit price").text() == fmt(window.quote_bar.quote.ask)
    choose(qtbot, window, "Order type", "Stop")
    assert window.vm.draft.order_type is OrderType.STOP
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert find(window, "Stop price").text() == fmt(window.quote_bar.quote.last)


def test_the_quote_buttons_are_not_tab_stops(window):
    for name in ("Bid", "Ask", "Last"):
        assert find(window, name).focusPolicy() == Qt.FocusPolicy.NoFocus


def test_the_shortcut_list_is_one_click_away(qtbot, window):
    qtbot.mouseClick(find(window, "Keys"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(w.accessibleName() == "Shortcut list" for w in _visible()))
    [listing] = [w for w in _visible() if w.accessibleName() == "Shortcut list"]
    for keys in ("Ctrl+K", "Alt+B", "Ctrl+B", "Enter"):
        assert keys in listing.text()


def _visible():
    return [w for w in QApplication.allWidgets() if w.isVisible()]


def test_a_fresh_window_shows_no_red_error_until_the_trader_types(qtbot, window):
    from ticket.ui import theme
    from ticket.ui.widgets import FieldNote

    def red_notes():
        return [
            n.text()
            for n in window.findChildren(FieldNote)
            if n.isVisible() and theme.text.error in n.styleSheet()
        ]

    hints = [n.text() for n in window.findChildren(FieldNote) if n.isVisible()]
    assert "Enter the limit price." in hints  # said, as a hint
    assert red_notes() == []
    type_into(qtbot, find(window, "Quantity").lineEdit(), "2")
    assert "Enter the limit price." in red_notes()
