"""No stale ticket: Enter in Contract only looks the contract up, nothing typed for one contract
survives onto another, an override is given for one order only, and a confirmation card closes
when what it was built from changes."""

from PySide6.QtCore import Qt

from ticket.domain.ticket import DistanceUnit

from .conftest import find
from .test_window import (
    PLACE,
    click_place,
    confirm_with_enter,
    fill_limit_buy,
    type_into,
    wait_outcome,
)

QTY_OVERRIDE = "Allow more contracts than my limit"
RISK_OVERRIDE = "Allow more risk than my limit"


def test_enter_in_contract_looks_it_up_and_never_sends_the_previous_ticket(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)  # a valid ES ticket
    assert window.place_button.isEnabled()
    contract = find(window, "Contract")
    type_into(qtbot, contract, "NQ")
    qtbot.keyClick(contract, Qt.Key.Key_Return)  # real key events, focus in Contract
    assert window.confirm is None
    qtbot.waitUntil(lambda: window.contract.contract.name == sim.front("NQ"))
    qtbot.keyClick(contract, Qt.Key.Key_Return)  # and again, on the resolved contract
    assert window.confirm is None and sim.requests(PLACE) == []
    assert find(window, "Limit price").text() == ""  # the ES price did not survive onto NQ
    assert not window.place_button.isEnabled()


def test_a_new_contract_clears_prices_exits_given_as_prices_and_overrides(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "11")
    qtbot.mouseClick(find(window, QTY_OVERRIDE), Qt.MouseButton.LeftButton)
    window.vm.update(sl_unit=DistanceUnit.PRICE, sl_distance="5988.25")
    assert window.vm.draft.overrides
    contract = find(window, "Contract")
    type_into(qtbot, contract, "NQ")
    qtbot.keyClick(contract, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.contract.contract.name == sim.front("NQ"))
    draft = window.vm.draft
    assert (draft.price, draft.stop_price, draft.reference_price, draft.sl_distance) == (
        "",
        "",
        "",
        "",
    )
    assert draft.overrides == frozenset()
    assert not find(window, QTY_OVERRIDE).isChecked()


def test_reconnecting_keeps_the_ticket_of_the_same_contract(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    qtbot.mouseClick(find(window, "Practice"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.contract is not None and window.session.resolving is None)
    assert find(window, "Limit price").text() == "5990.25"


def test_an_override_is_for_one_order_only(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "11")
    qtbot.mouseClick(find(window, QTY_OVERRIDE), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(find(window, RISK_OVERRIDE), Qt.MouseButton.LeftButton)
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    wait_outcome(qtbot, window, "PLACED")
    assert window.vm.draft.overrides == frozenset()
    assert not find(window, QTY_OVERRIDE).isChecked()
    assert not window.place_button.isEnabled()  # the same 11 lots need the override again


def test_a_change_of_side_or_size_drops_the_override(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "11")
    qtbot.mouseClick(find(window, QTY_OVERRIDE), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(find(window, "Sell"), Qt.MouseButton.LeftButton)
    assert window.vm.draft.overrides == frozenset()
    qtbot.mouseClick(find(window, QTY_OVERRIDE), Qt.MouseButton.LeftButton)
    assert window.vm.draft.overrides
    type_into(qtbot, find(window, "Quantity").lineEdit(), "12")
    assert window.vm.draft.overrides == frozenset()


def test_the_card_closes_and_says_why_when_the_ticket_changes_under_it(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    click_place(qtbot, window)
    qtbot.waitUntil(lambda: window.confirm is not None and window.confirm.isVisible())
    window.vm.update(price="5991.00")  # e.g. a program change while the card is open
    qtbot.waitUntil(lambda: window.confirm is None)
    assert "changed while the confirmation was open" in window.outcome.text()
    assert "nothing was sent" in window.outcome.text() and sim.requests(PLACE) == []


def test_the_card_closes_when_the_connection_changes_under_it(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    click_place(qtbot, window)
    qtbot.waitUntil(lambda: window.confirm is not None and window.confirm.isVisible())
    window.start(None)  # a reconnect: the account and environment go away meanwhile
    qtbot.waitUntil(lambda: window.confirm is None)
    assert "nothing was sent" in window.outcome.text() and sim.requests(PLACE) == []
