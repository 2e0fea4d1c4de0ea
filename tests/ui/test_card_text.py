"""Text that reaches rich-text labels reads as typed: a treasury price keeps its apostrophe on
the confirmation card, and markup a server sends is shown, never rendered."""

from PySide6.QtCore import Qt

from .conftest import find
from .test_window import choose, click_place, type_into


def test_a_treasury_price_reads_in_32nds_on_the_card(qtbot, make_window, sim):
    window = make_window(symbol="ZN")
    qtbot.waitUntil(lambda: window.contract.instrument.root == "ZN")
    choose(qtbot, window, "Order type", "Limit")
    type_into(qtbot, find(window, "Limit price"), "110'16.5")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    window.vm.update(overrides=frozenset({"max_ticks_from_last"}))
    click_place(qtbot, window)
    qtbot.waitUntil(lambda: window.confirm is not None and window.confirm.isVisible())
    texts = [w.text() for w in window.confirm.findChildren(type(find(window, "Outcome")))]
    shown = "\n".join(texts)
    assert "110'16.5" in shown and "&#x27;" not in shown
    qtbot.keyClick(window.confirm, Qt.Key.Key_Escape)


def test_a_message_from_the_server_is_shown_as_text(qtbot, window):
    window.session.session_note.emit("Renewal <b>refused</b> & the token's end stays")
    text = window.outcome.text()
    assert "&lt;b&gt;refused&lt;/b&gt; &amp; the token's end" in text
