"""The window where a stale view of the world would cost money: a contract look-up that answers
late, Place while the contract is resolving, a market price nobody can check, and Cancel on an
entry that filled in part since the window last looked."""

import httpx
from PySide6.QtCore import Qt

from ticket.domain.orders import Action, OrderType, OrdStatus, PlaceOrderRequest
from ticket.ui.orders_model import STATUS

from .conftest import find
from .test_window import PLACE, choose, confirm_with_enter, fill_limit_buy, type_into, wait_outcome


def lookups_of(sim, name):
    return [r for r in sim.requests("contract/find") if r.query.get("name") == name]


def enter_symbol(qtbot, window, text):
    type_into(qtbot, find(window, "Contract"), text)
    qtbot.keyClick(find(window, "Contract"), Qt.Key.Key_Return)


def test_a_late_answer_for_an_earlier_symbol_is_dropped(qtbot, window, sim, hold):
    lookups = hold("contract/find")  # answers wait until the test lets them go
    enter_symbol(qtbot, window, "NQ")
    assert lookups.arrived.wait(10)  # NQ's look-up is on the server
    enter_symbol(qtbot, window, "CL")
    qtbot.waitUntil(lambda: bool(lookups_of(sim, "CL")))
    lookups.release()  # both answer, in whichever order
    cl = sim.front("CL")
    qtbot.waitUntil(lambda: window.session.stale_answers == 1, timeout=10000)  # NQ's answer
    qtbot.waitUntil(lambda: window.contract is not None and window.contract.contract.name == cl)
    assert window.symbol.text() == cl
    assert window.vm.instrument.root == "CL"


def test_a_late_answer_after_a_change_of_environment_is_dropped(qtbot, window, sim, hold):
    # the old connection is closed under the look-up: its answer ends at the read timeout
    window.session.connection.client.http.timeout = httpx.Timeout(5.0, read=1.5)
    lookups = hold("contract/find")
    enter_symbol(qtbot, window, "NQ")
    assert lookups.arrived.wait(10)
    qtbot.mouseClick(find(window, "Practice"), Qt.MouseButton.LeftButton)  # a new connection
    qtbot.waitUntil(lambda: len(lookups_of(sim, "NQ")) == 2, timeout=10000)
    lookups.release()
    qtbot.waitUntil(lambda: window.session.stale_answers == 1, timeout=10000)
    # the field said NQ when the new connection came up, so NQ is looked up again on it
    qtbot.waitUntil(lambda: window.contract is not None, timeout=10000)
    assert window.contract.contract.name == sim.front("NQ")


def test_place_is_refused_while_the_contract_is_resolving(qtbot, window, sim, hold):
    fill_limit_buy(qtbot, window, sim)
    assert window.place_button.isEnabled()
    lookups = hold("contract/find")
    enter_symbol(qtbot, window, "NQ")
    assert not window.place_button.isEnabled()
    assert window.place_button.text() == "Looking up NQ…"
    qtbot.keyClick(find(window, "Contract"), Qt.Key.Key_Return)  # Enter again, impatient
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    assert window.confirm is None
    lookups.release()
    qtbot.waitUntil(lambda: window.session.resolving is None, timeout=10000)
    assert window.contract.contract.name == sim.front("NQ")
    assert window.confirm is None and sim.requests(PLACE) == []


def test_a_symbol_typed_but_not_looked_up_blocks_place(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Contract"), "NQ")  # no Enter yet
    assert not window.place_button.isEnabled()
    assert "Press Enter in Contract" in window.place_button.text()
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    assert window.confirm is None and sim.requests(PLACE) == []


def test_a_typed_market_price_without_any_quote_needs_an_explicit_override(qtbot, make_window, sim):
    sim.market_data.refuse = True  # a login without market data: no price ever arrives
    window = make_window()
    choose(qtbot, window, "Order type", "Market")
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    type_into(qtbot, find(window, "Market price"), "5000.00")  # a typo: the market is at 6000
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    note = window.entry.notes["reference_price"].text()
    assert window.quote_bar.quote is None
    assert "no last price to check the market price 5000.00" in note
    assert not window.place_button.isEnabled()
    override = find(window, "Use the market price I typed (no last price to check it)")
    assert override.isVisible()
    qtbot.mouseClick(override, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.place_button.isEnabled)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    wait_outcome(qtbot, window, "PLACED")


def test_cancel_keeps_the_exits_of_an_entry_that_filled_in_part_since_the_window_looked(
    qtbot, window, sim
):
    fill_limit_buy(qtbot, window, sim)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    wait_outcome(qtbot, window, "PLACED")
    qtbot.waitUntil(lambda: "entry working" in window.orders.item(0, STATUS).text())
    window.session.account_feed.stop()  # the window's view of the account stops here
    shown = window.orders.item(0, STATUS).text()
    sim.faults.partial_fill_next(1)
    sim.set_price(sim.front("ES"), "5990.00")  # through the 5990.25 limit: 1 of 2 fills
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
        assert entry.status is OrdStatus.WORKING and entry.filled == 1
    assert window.orders.item(0, STATUS).text() == shown  # the window has not seen the fill
    window.orders.selectRow(0)
    qtbot.mouseClick(find(window, "Cancel selected order"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "exits stay" in window.outcome.text(), timeout=5000)
    with sim.exchange.lock:
        legs = [o for o in sim.exchange.orders.values() if o.parent_id == entry.id]
        assert entry.status is OrdStatus.CANCELED
        assert [(o.status, o.qty) for o in legs] == [(OrdStatus.WORKING, 1)] * 2


def test_an_unknown_order_is_still_found_after_a_reconnect_to_the_same_server(
    qtbot, window, sim, hold
):
    window.session.reconcile_delays = (0.0,)
    window.safety.unknowns.interval_ms = 1000
    window.safety.unknowns.tries = 10
    fill_limit_buy(qtbot, window, sim)
    order = hold(PLACE)
    window.session.connection.client.http.timeout = httpx.Timeout(5.0, read=0.3)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    wait_outcome(qtbot, window, "UNKNOWN")
    old = window.session.connection
    qtbot.mouseClick(find(window, "Practice"), Qt.MouseButton.LeftButton)  # a new connection
    qtbot.waitUntil(lambda: window.session.connection not in (None, old))
    order.release()
    assert order.done.wait(10) and sim.entry_orders() == 1
    qtbot.waitUntil(lambda: "found on the server after all" in window.outcome.text(), timeout=15000)
    kinds = [e.get("status") for e in window.journal.read() if e["kind"] == "reconciled"]
    assert kinds == ["placed"]


def test_a_failed_balance_read_does_not_free_place_while_an_order_is_on_the_wire(
    qtbot, window, sim, hold
):
    fill_limit_buy(qtbot, window, sim)
    sim.faults.fail_next("cashBalance/getcashbalancesnapshot", status=503, times=5)
    order = hold(PLACE)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    assert order.arrived.wait(10)
    window.session.load_balance(window.account)  # fails while the order is held
    qtbot.waitUntil(
        lambda: (
            len(sim.requests("cashbalance/getcashbalancesnapshot")) >= 1
            and not window.session.tasks.busy
        ),
        timeout=5000,
    )
    assert window.in_flight and not window.place_button.isEnabled()
    assert "503" not in window.outcome.text()
    order.release()
    wait_outcome(qtbot, window, "PLACED")


def test_protect_now_never_leaves_a_stop_that_opens_a_position_once_flat(
    qtbot, window, sim, client
):
    from ticket.broker.models import CancelOrderRequest

    from .test_safety import market_buy

    market_buy(qtbot, window, qty="1")
    es = sim.front("ES")
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
    qtbot.waitUntil(lambda: entry.status is OrdStatus.FILLED)
    with sim.exchange.lock:
        legs = {o.order_type.value: o for o in sim.exchange.orders.values() if o.parent_id}
    client.cancel_order(CancelOrderRequest(order_id=legs["Stop"].id))  # cancelled elsewhere
    qtbot.waitUntil(window.safety.banner.isVisible, timeout=5000)
    qtbot.mouseClick(find(window, "Protect now"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.safety.protective_ids) == 2, timeout=5000)
    assert legs["Limit"].status is OrdStatus.CANCELED  # replaced by the pair
    with sim.exchange.lock:
        stop, target = (sim.exchange.orders[i] for i in sorted(window.safety.protective_ids))
    assert (stop.order_type.value, target.order_type.value) == ("Stop", "Limit")
    assert target.price == legs["Limit"].price and stop.linked_id == target.id
    window.session.account_feed.stop()  # from here the window does nothing: the server must
    sim.set_price(es, target.price)  # the target fills: flat
    qtbot.waitUntil(lambda: target.status is OrdStatus.FILLED)
    assert stop.status is OrdStatus.CANCELED  # one-cancels-other, on the server, at once
    sim.set_price(es, stop.stop_price - 4)  # through the old stop
    with sim.exchange.lock:
        position = sim.exchange.positions.get(entry.contract.id)
        assert position is None or position.net == 0  # no SHORT 1 nobody asked for


def test_a_stop_left_working_when_the_position_goes_flat_is_cancelled(qtbot, window, sim, client):
    from ticket.broker.models import CancelOrderRequest

    from .test_safety import market_buy

    market_buy(qtbot, window, qty="1")
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
    qtbot.waitUntil(lambda: entry.status is OrdStatus.FILLED)
    with sim.exchange.lock:
        legs = {o.order_type.value: o for o in sim.exchange.orders.values() if o.parent_id}
    client.cancel_order(CancelOrderRequest(order_id=legs["Limit"].id))  # target gone elsewhere
    client.place_order(  # and the position closed elsewhere by hand: the stop is an orphan
        PlaceOrderRequest(
            account_id=entry.account_id,
            action=Action.SELL,
            symbol=entry.contract.name,
            order_qty=1,
            order_type=OrderType.MARKET,
        )
    )
    qtbot.waitUntil(lambda: legs["Stop"].status is OrdStatus.CANCELED, timeout=5000)
    qtbot.waitUntil(lambda: "position is flat" in window.outcome.text())
    kinds = [e["kind"] for e in window.journal.read()]
    assert "orphan exits cancelled" in kinds


def test_tick_data_from_the_built_in_table_is_said_at_the_contract(qtbot, window, sim):
    sim.faults.fail_next("product/item", status=500)
    enter_symbol(qtbot, window, "NQ")
    qtbot.waitUntil(lambda: window.contract.contract.name == sim.front("NQ"))
    assert not window.contract.from_broker
    note = window.contract_note.text()
    assert "built-in table" in note and "HTTP 500" in note and window.contract_note.isVisible()
    enter_symbol(qtbot, window, "CL")  # the next look-up works: the note goes
    qtbot.waitUntil(lambda: window.contract.contract.name == sim.front("CL"))
    assert not window.contract_note.isVisible()


def test_an_order_is_followed_on_its_own_contract_after_the_trader_moved_on(
    qtbot, window, sim, hold
):
    fill_limit_buy(qtbot, window, sim)
    order = hold(PLACE)
    qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
    confirm_with_enter(qtbot, window)
    assert order.arrived.wait(10)
    enter_symbol(qtbot, window, "NQ")  # while the ES order is on its way
    qtbot.waitUntil(lambda: window.contract.contract.name == sim.front("NQ"))
    order.release()
    wait_outcome(qtbot, window, "PLACED")
    [tracked] = window.safety.tracked.values()
    assert tracked.contract_id == sim.catalog.by_name[sim.front("ES")].id
    assert tracked.symbol == sim.front("ES")
