"""The window follows the account by push: the user socket's sync and events, never a timer
that reads REST. Orders, fills, positions and cash come from the stream; a dropped socket is
shown and its new sync replaces the replica; Tradovate refusing requests is told in words."""

import time

import pytest
from PySide6.QtCore import Qt

from ticket.broker.models import CancelOrderRequest
from ticket.domain.orders import OrdStatus
from ticket.ui.orders_model import STATUS

from .conftest import find
from .test_safety import market_buy
from .test_window import PLACE, confirm_with_enter, fill_limit_buy, wait_outcome

IDLE_SECONDS = 30
IDLE_REQUESTS_AT_MOST = 3


def live(window):
    feed = window.session.account_feed
    return feed.live and feed.account_id == window.account.id


def states_of(window):
    """Every state the account stream passes through from now on, with its detail."""
    seen = []
    window.session.account_feed.state_changed.connect(lambda state, detail: seen.append(state))
    return seen


def entry_of(sim):
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
    return entry


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_an_idle_window_sends_at_most_3_requests_in_30_s(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    started = time.perf_counter()
    # The measured period itself: the window is left alone and the server counts.
    qtbot.waitUntil(lambda: time.perf_counter() - started >= IDLE_SECONDS, timeout=40000)
    sent = [r.path for r in sim.requests() if r.received_at >= started]
    assert len(sent) <= IDLE_REQUESTS_AT_MOST, sent
    assert live(window)


def test_orders_fills_positions_and_cash_follow_from_the_stream_alone(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.cash.text().startswith("cash "))
    cash_before = window.cash.text()
    started = time.perf_counter()
    market_buy(qtbot, window, qty="1")
    qtbot.waitUntil(lambda: "entry filled 1" in window.orders.item(0, STATUS).text())
    assert "stop working" in window.orders.item(0, STATUS).text()
    sim.set_price(sim.front("ES"), "6004.25")  # the 2R target fills: a profit
    qtbot.waitUntil(lambda: "target filled" in window.orders.item(0, STATUS).text())
    qtbot.waitUntil(lambda: window.cash.text() != cash_before)
    assert window.cash.text() == f"cash {sim.exchange.cash:,.2f}"
    replica = window.session.account_feed.replica
    assert replica.positions()[entry_of(sim).contract.id] == 0
    sent = {r.path for r in sim.requests() if r.received_at >= started}
    assert sent <= {PLACE, "auth/me"}, sent  # the order, and the warm-up while the card showed


def test_a_dropped_user_socket_reconnects_and_its_new_sync_holds_what_it_missed(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    fill_limit_buy(qtbot, window, sim)  # 5990.25, below the market: it works
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    wait_outcome(qtbot, window, "PLACED")
    qtbot.waitUntil(lambda: "entry working" in window.orders.item(0, STATUS).text())
    feed = window.session.account_feed
    before, syncs = feed.replica, sim.user_socket.syncs
    seen = states_of(window)
    sim.user_socket.drop()
    sim.set_price(sim.front("ES"), "5990.00")  # fills while the socket is down
    assert entry_of(sim).status is OrdStatus.FILLED
    qtbot.waitUntil(lambda: "reconnecting" in seen, timeout=5000)
    qtbot.waitUntil(lambda: live(window), timeout=15000)
    assert feed.replica is not before and sim.user_socket.syncs > syncs
    qtbot.waitUntil(lambda: "entry filled 2" in window.orders.item(0, STATUS).text())
    assert find(window, "Account stream").text() == "Account live"
    kinds = [e["kind"] for e in window.journal.read() if e["kind"].startswith("account stream")]
    assert kinds[-2:] == ["account stream down", "account stream live"]


def test_while_the_stream_is_down_the_window_says_what_cannot_be_trusted(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    warning = find(window, "Account stream warning")
    assert not warning.isVisible()
    texts = []
    window.session.account_feed.state_changed.connect(
        lambda state, detail: texts.append((find(window, "Account stream").text(), warning.text()))
    )
    sim.user_socket.shutdown("Maintenance")
    qtbot.waitUntil(lambda: any("reconnecting since" in short for short, _ in texts), timeout=5000)
    text = next(t for s, t in texts if "reconnecting since" in s)
    assert "fills and the unprotected-position alarm cannot be trusted" in text
    assert "Place still works" in text
    qtbot.waitUntil(lambda: live(window), timeout=15000)
    assert not warning.isVisible()


def test_a_429_is_told_in_words_and_journalled(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    assert window.place_button.isEnabled()
    sim.faults.fail_next("auth/me", status=429)
    window.session.keep_warm()  # what the warm-up timer sends every 30 s
    refused = find(window, "Requests refused")
    words = "Tradovate is refusing requests (429): it may last up to an hour"
    qtbot.waitUntil(lambda: words in refused.text(), timeout=5000)
    assert refused.isVisible()
    assert window.place_button.isEnabled()  # order calls still go while look-ups are refused
    entries = [e for e in window.journal.read() if e["kind"] == "requests refused"]
    assert entries and words in entries[-1]["detail"]


def test_the_alarm_fires_when_a_position_loses_its_stop(qtbot, window, sim, client):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    market_buy(qtbot, window, qty="1")
    entry = entry_of(sim)
    qtbot.waitUntil(lambda: "stop working" in window.orders.item(0, STATUS).text())
    assert not window.safety.banner.isVisible()
    with sim.exchange.lock:
        [stop] = [o for o in sim.exchange.orders.values() if o.order_type.value == "Stop"]
    client.cancel_order(CancelOrderRequest(order_id=stop.id))  # cancelled elsewhere
    qtbot.waitUntil(window.safety.banner.isVisible, timeout=5000)
    alarm = find(window, "Alarm").text()
    assert "LONG 1" in alarm and "1 not covered" in alarm
    assert entry.status is OrdStatus.FILLED
