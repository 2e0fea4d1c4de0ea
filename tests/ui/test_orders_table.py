"""Today's orders in the window: orders placed before it opened and elsewhere, a round trip's
fills and realised P&L in money and R against the simulator's cash, a flatten, a rejection, a
click that becomes its order's row, and a cancel of an order placed elsewhere. Real HTTP and
WebSockets against the simulator."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtTest import QTest

from tests.api.helpers import es_request
from tests.unit import frames
from tests.unit.frames import ACCOUNT, ES, bracket, sync_reply
from ticket.broker.contracts import ResolvedContract
from ticket.broker.models import Contract
from ticket.broker.orders import Status, submit_oso
from ticket.broker.replica import AccountReplica, Change
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, FailureReason, OrderType, OrdStatus, PlaceOrderRequest
from ticket.ui import theme
from ticket.ui.orders_model import (
    COLUMNS,
    CONTRACT,
    ENTRY,
    EXIT,
    FEES,
    FILL,
    IDS,
    LATENCY,
    PNL,
    QTY,
    SIDE,
    SL,
    STATUS,
    TIME,
    TP,
    R,
)
from ticket.ui.orders_table import OrdersTable

from .conftest import find
from .test_account_feed import live
from .test_window import PLACE, click_place, confirm_with_enter, fill_limit_buy, place_and_confirm


def cash(sim):
    with sim.exchange.lock:
        return sim.exchange.cash


def row_of_order(window, order_id):
    """The row whose Ids start with this order's id (an entry's row), or -1."""
    table = window.orders
    for row in range(table.rowCount()):
        if table.item(row, IDS).text().split("/")[0] == str(order_id):
            return row
    return -1


def cells(window, order_id, *columns):
    row = row_of_order(window, order_id)
    assert row >= 0, f"no row for order {order_id}"
    return [window.orders.item(row, c).text() for c in columns]


def test_orders_placed_before_the_window_opened_are_shown_with_a_round_trips_pnl(
    qtbot, make_window, sim, client
):
    symbol = sim.front("ES")
    before = cash(sim)
    trip = submit_oso(client, es_request(sim, client, price="5990.00"))  # SL -8, TP +16 ticks
    sim.set_price(symbol, "5989.75")  # the offer reaches 5990.00: the entry fills
    sim.set_price(symbol, "5994.00")  # the target fills, the stop is cancelled
    resting = submit_oso(client, es_request(sim, client, price="5950.00", qty=1))
    assert trip.status is Status.PLACED and resting.status is Status.PLACED
    realised = cash(sim) - before
    assert realised == Decimal("400.00")  # 2 contracts x 4 points x 50

    window = make_window()
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: row_of_order(window, trip.order_id) >= 0, timeout=10000)
    assert window.orders.rowCount() == 2  # legs are on their entry's row, not rows of their own
    side, contract, qty, entry, sl, tp = cells(
        window, trip.order_id, SIDE, CONTRACT, QTY, ENTRY, SL, TP
    )
    assert (side, contract, qty, entry, sl, tp) == (
        "Buy",
        symbol,
        "2",
        "Limit 5990.00",
        "5988.00",
        "5994.00",
    )
    fill, exit_, pnl, r, status = cells(window, trip.order_id, FILL, EXIT, PNL, R, STATUS)
    assert (fill, exit_) == ("5990.00", "5994.00")
    assert pnl == f"{realised:+,.2f}" == "+400.00"
    assert r == "+2.00"  # 4 points won against the 2 points to the stop as placed
    assert status == "entry filled 2 · stop canceled · target filled"
    row = row_of_order(window, trip.order_id)
    colour = window.orders.item(row, PNL).data(Qt.ItemDataRole.ForegroundRole)
    assert colour.name() == theme.text.gain.lower()
    assert cells(window, resting.order_id, STATUS, FILL, PNL) == [
        "entry working · stop suspended · target suspended",
        "–",
        "",
    ]
    # newest first
    assert row_of_order(window, resting.order_id) < row_of_order(window, trip.order_id)


def test_a_flatten_of_a_position_bought_elsewhere_shows_its_pnl_on_the_buys_row(
    qtbot, window, sim, client
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    symbol = sim.front("ES")
    sim.set_price(symbol, "6000.00")
    before = cash(sim)
    bought = client.place_order(
        PlaceOrderRequest(
            account_id=window.account.id,
            action=Action.BUY,
            symbol=symbol,
            order_qty=1,
            order_type=OrderType.MARKET,
        )
    )
    qtbot.waitUntil(lambda: row_of_order(window, bought.order_id) >= 0, timeout=10000)
    qtbot.waitUntil(lambda: cells(window, bought.order_id, STATUS) == ["filled 1"])
    sim.set_price(symbol, "5998.00")
    qtbot.mouseClick(find(window, "Flatten contract"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cells(window, bought.order_id, PNL)[0] not in ("", "–"), timeout=10000)
    realised = cash(sim) - before
    assert realised < 0
    fill, exit_, pnl, r = cells(window, bought.order_id, FILL, EXIT, PNL, R)
    assert Decimal(exit_) < Decimal(fill)
    assert pnl == f"{realised:+,.2f}"
    assert r == "–"  # bought without a stop: there is no R
    with sim.exchange.lock:
        [closing] = [o.id for o in sim.exchange.orders.values() if o.action is Action.SELL]
    qtbot.waitUntil(lambda: row_of_order(window, closing) >= 0)
    assert cells(window, closing, EXIT, PNL) == [f"closes {bought.order_id}", ""]


def test_a_rejected_click_keeps_one_row_that_says_so(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, text="Max position 1")
    place_and_confirm(qtbot, window, "REJECTED")
    assert window.orders.rowCount() == 1
    assert window.orders.item(0, STATUS).text() == "rejected"
    assert window.orders.item(0, ENTRY).text() == "Limit 5990.25"


def test_a_leg_rejected_on_activation_is_said_on_its_entrys_row(qtbot, window, sim, client):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    sim.faults.fail_leg_activation_next(leg=1)
    placed = submit_oso(client, es_request(sim, client, price="5990.00", qty=1))
    sim.set_price(sim.front("ES"), "5989.75")
    qtbot.waitUntil(
        lambda: (
            cells(window, placed.order_id, STATUS)
            == ["entry filled 1 · stop rejected · target working"]
        ),
        timeout=10000,
    )


def test_a_click_in_flight_becomes_its_orders_row(qtbot, window, sim, hold):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    held = hold(PLACE)
    fill_limit_buy(qtbot, window, sim)
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    assert held.arrived.wait(10)
    qtbot.waitUntil(lambda: window.orders.rowCount() == 1)
    assert window.orders.item(0, STATUS).text() == "sending"
    assert window.orders.item(0, ENTRY).text() == "Limit 5990.25"
    held.release()
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
    qtbot.waitUntil(lambda: window.orders.item(0, IDS).text().startswith(str(entry.id)))
    qtbot.waitUntil(lambda: "entry working" in window.orders.item(0, STATUS).text())
    assert window.orders.rowCount() == 1  # the click's row is the order's row
    assert window.orders.item(0, LATENCY).text().endswith(" ms")
    sim.set_price(sim.front("ES"), "5990.00")  # the offer reaches 5990.25
    qtbot.waitUntil(lambda: window.orders.item(0, FILL).text() == "5990.25", timeout=10000)
    assert window.orders.rowCount() == 1


@pytest.mark.parametrize("how", ["Delete", "Cancel selected order"])
def test_an_order_placed_elsewhere_is_cancelled_from_its_selected_row(
    qtbot, window, sim, client, how
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    placed = client.place_order(
        PlaceOrderRequest(
            account_id=window.account.id,
            action=Action.BUY,
            symbol=sim.front("ES"),
            order_qty=1,
            order_type=OrderType.LIMIT,
            price=Decimal("5950.00"),
        )
    )
    qtbot.waitUntil(lambda: row_of_order(window, placed.order_id) >= 0, timeout=10000)
    assert cells(window, placed.order_id, STATUS) == ["working"]
    table = window.orders
    index = table.model().index(row_of_order(window, placed.order_id), STATUS)
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    assert table.selected_order_id() == placed.order_id
    if how == "Delete":
        QTest.keyClick(table, Qt.Key.Key_Delete)
    else:
        qtbot.mouseClick(find(window, how), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cells(window, placed.order_id, STATUS) == ["canceled"], timeout=10000)
    with sim.exchange.lock:
        assert sim.exchange.orders[placed.order_id].status is OrdStatus.CANCELED
    qtbot.waitUntil(lambda: "cancel" in window.outcome.text().lower())
    kinds = [e["kind"] for e in window.journal.read()]
    assert "cancel" in kinds and "cancel done" in kinds


# -- the table on a replica of its own (what the simulator does not send) --


class Feed(QObject):
    changed = Signal(object)

    def __init__(self, replica):
        super().__init__()
        self.replica = replica
        self.account_id = ACCOUNT


class Session(QObject):
    contract_resolved = Signal(str, object)

    def __init__(self, feed):
        super().__init__()
        self.account_feed = feed
        self.connection = None  # nothing to look up: contracts stay as their ids until resolved


def resolved_es():
    contract = Contract(id=ES, name="ESZ6", contract_maturity_id=1)
    return ResolvedContract(contract=contract, instrument=BUILT_IN["ES"], from_broker=True)


def test_fees_show_in_their_column_once_every_fill_of_the_row_has_them(qtbot):
    trip = bracket(10, filled=True)
    trip["orders"][2] = frames.order(12, status="Filled", action="Sell", parent=10)
    trip["fills"].append(frames.fill(1200, 12, qty=2, price=5994.25, action="Sell"))
    replica = AccountReplica.from_sync(sync_reply(trip, positions=[frames.position(1, 0)]))
    feed = Feed(replica)
    session = Session(feed)
    table = OrdersTable(session)
    qtbot.addWidget(table)
    feed.changed.emit(Change(reset=True))
    assert table.rowCount() == 1 and table.isColumnHidden(FEES)
    assert table.item(0, CONTRACT).text() == f"#{ES}"  # not resolved yet: its id, no money
    assert table.item(0, PNL).text() == "–" and table.item(0, R).text() == "+2.00"
    session.contract_resolved.emit("ES", resolved_es())
    assert table.item(0, CONTRACT).text() == "ESZ6" and table.item(0, PNL).text() == "+400.00"
    feed.changed.emit(replica.apply(frames.props("fillFee", {"id": 1000, "commission": 1.5})))
    assert table.isColumnHidden(FEES)  # the target's fill has no fee yet
    feed.changed.emit(replica.apply(frames.props("fillFee", {"id": 1200, "commission": 1.5})))
    assert not table.isColumnHidden(FEES) and table.item(0, FEES).text() == "3.00"


def test_a_position_carried_into_the_day_leaves_its_contracts_pnl_unsaid(qtbot):
    # long 2 from an earlier day: today's fills (bought 2, sold 2) leave the position at 2
    trip = bracket(10, filled=True)
    trip["orders"][2] = frames.order(12, status="Filled", action="Sell", parent=10)
    trip["fills"].append(frames.fill(1200, 12, qty=2, price=5994.25, action="Sell"))
    replica = AccountReplica.from_sync(sync_reply(trip, positions=[frames.position(1, 2)]))
    feed = Feed(replica)
    session = Session(feed)
    table = OrdersTable(session)
    qtbot.addWidget(table)
    session.contract_resolved.emit("ES", resolved_es())
    feed.changed.emit(Change(reset=True))
    assert table.item(0, EXIT).text() == "5994.25"
    assert table.item(0, PNL).text() == "–" and table.item(0, R).text() == "–"
    assert "do not add up" in table.item(0, PNL).toolTip()
    assert "do not add up" in table.item(0, R).toolTip()


@st.composite
def shuffled_days(draw):
    """A day of brackets and single orders with their fills, as the stream's events, in any
    order: each event as the stream could deliver it, then the position it adds up to."""
    events, net, fill_id = [], 0, 1000
    entries = draw(st.integers(min_value=1, max_value=5))
    for n in range(entries):
        entry = 10 * (n + 1)
        side = draw(st.sampled_from(["Buy", "Sell"]))
        other = "Sell" if side == "Buy" else "Buy"
        qty = draw(st.integers(min_value=1, max_value=3))
        legs = draw(st.booleans())
        events += [
            frames.props("order", frames.order(entry, status="Filled", action=side)),
            frames.props("orderVersion", frames.version(entry * 10, entry, qty=qty)),
            frames.props("command", frames.command(entry * 10, entry, f"cl-{entry}")),
        ]
        fill_id += 1
        price = 5990 + draw(st.integers(min_value=-8, max_value=8)) * 0.25
        events.append(
            frames.props("fill", frames.fill(fill_id, entry, qty=qty, price=price, action=side))
        )
        net += qty if side == "Buy" else -qty
        if legs:  # a stop that stays working, a target that fills (or is left working)
            stop = 5980.0 if side == "Buy" else 6000.0
            events += [
                frames.props(
                    "order",
                    frames.order(entry + 1, status="Working", action=other, parent=entry),
                ),
                frames.props(
                    "orderVersion",
                    frames.version(entry * 10 + 1, entry + 1, qty=qty, type="Stop", stop=stop),
                ),
            ]
            if draw(st.booleans()):
                fill_id += 1
                exit_price = 5990 + draw(st.integers(min_value=-8, max_value=8)) * 0.25
                events += [
                    frames.props(
                        "order",
                        frames.order(entry + 2, status="Filled", action=other, parent=entry),
                    ),
                    frames.props(
                        "fill",
                        frames.fill(fill_id, entry + 2, qty=qty, price=exit_price, action=other),
                    ),
                ]
                net += -qty if side == "Buy" else qty
    order = draw(st.permutations(events))
    return [*order, frames.props("position", frames.position(1, net))]


def table_texts(table):
    """Every row's texts but the time, in a stable order (rows placed at one moment have no
    order among them)."""
    columns = [c for c in range(len(COLUMNS)) if c != TIME]
    return sorted(tuple(table.item(r, c).text() for c in columns) for r in range(table.rowCount()))


@settings(max_examples=60, deadline=None)
@given(shuffled_days())
def test_rows_kept_event_by_event_are_the_rows_of_a_rebuild_whatever_the_order(qapp, events):
    replica = AccountReplica.from_sync(sync_reply())
    feed = Feed(replica)
    session = Session(feed)
    kept = OrdersTable(session)
    session.contract_resolved.emit("ES", resolved_es())
    feed.changed.emit(Change(reset=True))
    for event in events:
        table_texts(kept)  # every row made as it comes: each event then updates made rows
        feed.changed.emit(replica.apply(event))
    rebuilt = OrdersTable(Session(Feed(AccountReplica.from_sync(replica.entities()))))
    rebuilt.know(resolved_es())
    rebuilt.feed.changed.emit(Change(reset=True))
    assert table_texts(kept) == table_texts(rebuilt)
    total = sum(
        Decimal(kept.item(r, PNL).text().replace(",", ""))
        for r in range(kept.rowCount())
        if kept.item(r, PNL).text() not in ("", "–")
    )
    realised = Decimal(0)
    for event in events:
        if event["entityType"] == "fill":
            f = event["entity"]
            realised += Decimal(str(f["price"])) * f["qty"] * (1 if f["action"] == "Sell" else -1)
    if replica.positions().get(ES, 0) == 0:
        assert total == realised * 50  # ES: 50 a point
    kept.deleteLater()
    rebuilt.deleteLater()


def test_a_resync_with_the_same_fills_keeps_the_books_and_a_changed_fill_is_matched_again(qtbot):
    """A dropped socket's resync brings a new replica with the day's fills again: a contract's
    book that matched exactly those fills is kept (matching thousands of fills again is most
    of a resync's stall), and a fill that differs has the contract matched again."""
    trip = bracket(10, filled=True)
    trip["orders"][2] = frames.order(12, status="Filled", action="Sell", parent=10)
    trip["fills"].append(frames.fill(1200, 12, qty=2, price=5994.25, action="Sell"))
    flat = [frames.position(1, 0)]
    feed = Feed(AccountReplica.from_sync(sync_reply(trip, positions=flat)))
    table = OrdersTable(Session(feed))
    qtbot.addWidget(table)
    table.know(resolved_es())
    feed.changed.emit(Change(reset=True))
    assert table.item(0, PNL).text() == "+400.00"
    matched = table._books[ES]

    feed.replica = AccountReplica.from_sync(sync_reply(trip, positions=flat))  # the resync
    feed.changed.emit(Change(reset=True))
    assert table.item(0, PNL).text() == "+400.00"
    assert table._books[ES] is matched

    trip["fills"][-1] = frames.fill(1200, 12, qty=2, price=5993.25, action="Sell")  # corrected
    feed.replica = AccountReplica.from_sync(sync_reply(trip, positions=flat))
    feed.changed.emit(Change(reset=True))
    assert table.item(0, PNL).text() == "+300.00"
    assert table._books[ES] is not matched
