"""After the click: following the bracket, the unprotected-position alarm, Protect now, cancel,
flatten, the guards before sending, a lost connection, and the journal."""

import time

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

import ticket.ui.contract_lookup
import ticket.ui.order_flow
import ticket.ui.place_gate
import ticket.ui.session_bar
from ticket.domain.orders import OrdStatus
from ticket.ui.journal_view import JournalDialog
from ticket.ui.orders_table import STATUS

from .conftest import find
from .test_window import (
    PLACE,
    choose,
    click_place,
    confirm_with_enter,
    fill_limit_buy,
    place_and_confirm,
    type_into,
)


class StoppedClock:
    """The window's monotonic clock, standing still: seconds pass only when the test says."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    perf_counter = staticmethod(time.perf_counter)


@pytest.fixture
def clock(monkeypatch):
    stopped = StoppedClock()
    for part in (
        ticket.ui.order_flow,
        ticket.ui.place_gate,
        ticket.ui.session_bar,
        ticket.ui.contract_lookup,
    ):
        monkeypatch.setattr(part, "time", stopped)
    return stopped


def market_buy(qtbot, window, qty="2"):
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    choose(qtbot, window, "Order type", "Market")
    type_into(qtbot, find(window, "Quantity").lineEdit(), qty)
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    place_and_confirm(qtbot, window)


def answer(qtbot, window, button):
    qtbot.waitUntil(lambda: window.question is not None and window.question.isVisible())
    text = window.question.text()
    qtbot.mouseClick(window.question.button(button), Qt.MouseButton.LeftButton)
    return text


def wait_until_caught_up(qtbot, window, sim):
    """Wait until the window's replica holds the positions the server holds now and no
    uncovered position is waiting out its grace: an alarm due to the server's state now would
    then show."""
    feed = window.session.account_feed

    def server_positions():
        with sim.exchange.lock:
            return {c: p.net for c, p in sim.exchange.positions.items()}

    def caught_up():
        replica = feed.replica
        return (
            feed.live
            and replica is not None
            and replica.positions() == server_positions()
            and not window.safety.alarm.pending
        )

    qtbot.waitUntil(caught_up, timeout=10000)


def working_stops(sim):
    with sim.exchange.lock:
        return [
            o
            for o in sim.exchange.orders.values()
            if o.order_type.value == "Stop" and o.status is OrdStatus.WORKING
        ]


def test_the_bracket_is_followed_with_fills_and_slippage(qtbot, window, sim):
    market_buy(qtbot, window)
    qtbot.waitUntil(lambda: "entry filled 2 @ 6000.25" in window.orders.item(0, STATUS).text())
    status = window.orders.item(0, STATUS).text()
    assert "stop working" in status and "target working" in status
    assert "no slippage" in status
    sim.set_price(sim.front("ES"), "6004.25")  # the 2R target at 6004.25 fills
    qtbot.waitUntil(lambda: "target filled" in window.orders.item(0, STATUS).text())
    assert "stop canceled" in window.orders.item(0, STATUS).text()


def test_a_leg_that_fails_to_activate_raises_the_alarm_and_protect_now_places_the_stop(
    qtbot, window, sim
):
    sim.faults.fail_leg_activation_next(leg=1)
    market_buy(qtbot, window)
    qtbot.waitUntil(window.safety.banner.isVisible, timeout=10000)
    alarm = find(window, "Alarm").text()
    assert "LONG 2" in alarm and "2 not covered" in alarm
    assert working_stops(sim) == []
    qtbot.mouseClick(find(window, "Protect now"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(working_stops(sim)) == 1)
    [stop] = working_stops(sim)
    assert (stop.qty, stop.stop_price, stop.action.value) == (2, sim_price("5998.25"), "Sell")
    qtbot.waitUntil(lambda: not window.safety.banner.isVisible(), timeout=10000)

    def journalled() -> bool:
        # "protect placed" follows the REST answer, which may come after the stream's event
        kinds = [e["kind"] for e in window.journal.read()]
        return "alarm" in kinds and "protect placed" in kinds and "alarm cleared" in kinds

    qtbot.waitUntil(journalled, timeout=5000)


def sim_price(text):
    from decimal import Decimal

    return Decimal(text)


def test_partial_fill_then_cancel_leaves_legs_sized_to_the_fill_and_no_alarm(qtbot, window, sim):
    sim.faults.partial_fill_next(1)
    market_buy(qtbot, window, qty="3")
    qtbot.waitUntil(lambda: "entry working 1" in window.orders.item(0, STATUS).text())
    window.orders.selectRow(0)
    qtbot.mouseClick(find(window, "Cancel selected order"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "exits stay" in window.outcome.text())
    qtbot.waitUntil(lambda: "entry canceled 1" in window.orders.item(0, STATUS).text())
    legs = [o for o in sim.exchange.orders.values() if o.parent_id]
    assert [(o.status, o.qty) for o in legs] == [(OrdStatus.WORKING, 1)] * 2
    wait_until_caught_up(qtbot, window, sim)
    assert not window.safety.banner.isVisible()


def test_flatten_cancels_the_exits_then_closes_the_position(qtbot, window, sim):
    market_buy(qtbot, window)
    qtbot.mouseClick(find(window, "Flatten contract"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "flat." in window.outcome.text(), timeout=8000)
    position = next(iter(sim.exchange.positions.values()))
    assert position.net == 0
    assert all(o.status.is_final for o in sim.exchange.orders.values())
    wait_until_caught_up(qtbot, window, sim)
    assert not window.safety.banner.isVisible()


def test_a_lost_connection_disables_place_until_it_is_back(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    assert window.place_button.isEnabled()
    sim.faults.fail_next("auth/me", status=503)
    window.session.keep_warm()  # what the warm-up timer sends every 30 s
    qtbot.waitUntil(lambda: window.state.text().startswith("Connection lost"), timeout=10000)
    assert not window.place_button.isEnabled()
    window.session.keep_warm()  # the next warm-up is answered
    qtbot.waitUntil(lambda: window.state.text().startswith("Connected"), timeout=15000)
    assert window.place_button.isEnabled()
    kinds = [e["kind"] for e in window.journal.read()]
    assert "connection lost" in kinds and "connection restored" in kinds


def test_the_same_order_twice_within_5_s_asks_first(qtbot, window, sim, clock):
    fill_limit_buy(qtbot, window, sim)
    place_and_confirm(qtbot, window)
    clock.now += 4.9
    click_place(qtbot, window)
    assert "sent this same order 4.9 s ago" in answer(qtbot, window, QMessageBox.StandardButton.No)
    assert window.confirm is None
    click_place(qtbot, window)  # enabled and asking again: "No" opened no card, sent nothing
    assert "same order" in answer(qtbot, window, QMessageBox.StandardButton.Yes)
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight)
    clock.now += 5.1  # past the 5 s: the same order again is no longer a likely double click
    click_place(qtbot, window)
    assert window.question is None and window.confirm is not None
    qtbot.keyClick(window.confirm, Qt.Key.Key_Escape)
    assert len(sim.requests(PLACE)) == 2 and sim.entry_orders() == 2


def test_a_switch_of_environment_in_the_last_10_s_asks_once_more(qtbot, window, sim, clock):
    qtbot.mouseClick(find(window, "Practice"), Qt.MouseButton.LeftButton)  # reconnect
    qtbot.waitUntil(lambda: window.account is not None and window.contract is not None)
    fill_limit_buy(qtbot, window, sim)
    clock.now += 9
    click_place(qtbot, window)
    text = answer(qtbot, window, QMessageBox.StandardButton.Yes)
    assert "9 s ago" in text and "account SIM1 on SIM" in text
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight)
    assert "PLACED" in window.outcome.text()
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    place_and_confirm(qtbot, window)  # asked once: the next order goes straight to the card


def test_a_dropped_connection_during_placement_reports_the_one_order_found(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    sim.faults.drop_next(PLACE, when="after")
    place_and_confirm(qtbot, window)
    assert "The server has the order" in window.outcome.text()
    assert sim.entry_orders() == 1 and len(sim.requests(PLACE)) == 1


def test_the_journal_records_actions_without_secrets_and_exports_csv(qtbot, window, sim, tmp_path):
    fill_limit_buy(qtbot, window, sim)
    place_and_confirm(qtbot, window)
    entries = window.journal.read()
    place = next(e for e in entries if e["kind"] == "place")
    outcome = next(e for e in entries if e["kind"] == "outcome")
    assert place["cl_ord_id"] == outcome["cl_ord_id"] and outcome["status"] == "placed"
    assert place["body"]["symbol"] == sim.front("ES") and outcome["latency_ms"] is not None
    token = window.session.connection.client.session.token.get_secret_value()
    assert token not in window.journal.path.read_text()
    qtbot.mouseClick(find(window, "Journal"), Qt.MouseButton.LeftButton)
    dialog = window.findChild(JournalDialog)
    qtbot.waitUntil(dialog.isVisible)
    kinds = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {"connected", "place", "outcome"} <= kinds
    rows = window.journal.export_csv(tmp_path / "journal.csv")
    assert rows == len(window.journal.read())
    assert "cl_ord_id" in (tmp_path / "journal.csv").read_text().splitlines()[0]


def test_an_unknown_outcome_keeps_being_looked_up_and_is_never_resent(qtbot, window, sim):
    window.session.reconcile_delays = (0.0,)
    window.safety.unknowns.interval_ms = 50
    window.safety.unknowns.tries = 3
    fill_limit_buy(qtbot, window, sim)
    sim.faults.drop_next(PLACE, when="before")
    place_and_confirm(qtbot, window, "UNKNOWN")
    assert "Check your orders before placing again" in window.outcome.text()
    qtbot.waitUntil(lambda: "not found after 3" in window.orders.item(0, STATUS).text())
    assert len(sim.requests(PLACE)) == 1 and sim.entry_orders() == 0
    kinds = [e.get("status") for e in window.journal.read() if e["kind"] == "reconciled"]
    assert kinds == ["not found"]


def test_an_order_that_lands_after_its_answer_was_lost_is_found_and_followed(
    qtbot, window, sim, hold
):
    window.session.reconcile_delays = (0.0,)
    window.safety.unknowns.interval_ms = 200
    window.safety.unknowns.tries = 100
    fill_limit_buy(qtbot, window, sim)
    order = hold(PLACE)  # it lands only after the window has given up waiting for the answer
    window.session.connection.client.http.timeout = httpx.Timeout(5.0, read=0.5)
    place_and_confirm(qtbot, window, "UNKNOWN")
    assert sim.entry_orders() == 0
    order.release()
    qtbot.waitUntil(lambda: "found on the server after all" in window.outcome.text(), timeout=10000)
    qtbot.waitUntil(lambda: "entry working" in window.orders.item(0, STATUS).text())
    assert len(sim.requests(PLACE)) == 1 and sim.entry_orders() == 1


def test_an_expired_token_mid_session_is_replaced_without_the_trader_noticing(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    before = window.session.connection.client.session.token.get_secret_value()
    sim.expire_tokens()
    qtbot.waitUntil(
        lambda: window.session.connection.client.session.token.get_secret_value() != before,
        timeout=10000,
    )
    assert window.state.text().startswith("Connected") and window.place_button.isEnabled()
    place_and_confirm(qtbot, window)
    assert len(sim.requests("auth/accesstokenrequest")) == 2  # renew refused, signed in again
