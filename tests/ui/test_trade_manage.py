"""The trade's other changes from the window, against the simulator: an exit to a typed or a
quoted price, the entry waiting to fill (its price, its size, cancelled with its exits),
re-anchoring a market entry that slipped, partial profit from one part of a scale-out, and the
auto break-even and trailing stop, which pauses in words while the account stream is down."""

from decimal import Decimal

from PySide6.QtCore import Qt

from ticket.broker.autostop import has_room
from ticket.broker.orders import submit_oso
from ticket.domain.orders import Action, OrderType, OrdStatus, PlaceOsoRequest
from ticket.domain.orders import RestrainedOrderVersion as Leg

from .conftest import find
from .test_account_feed import live
from .test_safety import market_buy
from .test_trade_controls import (
    TICK,
    activate,
    held,
    modifies,
    open_long,
    server_exits,
    settled,
)
from .test_window import choose, place_and_confirm, type_into

CLICK = Qt.MouseButton.LeftButton


def dialog(qtbot, window):
    window.open_manage()
    qtbot.waitUntil(window.manage_dialog.isVisible)
    return window.manage_dialog


def test_the_target_goes_to_a_typed_price_and_the_stop_to_a_quoted_one(qtbot, window, sim):
    _, avg = open_long(qtbot, window, sim)
    manage = dialog(qtbot, window)
    type_into(qtbot, find(manage, "New target price"), f"{avg + 12 * TICK:.2f}")
    qtbot.mouseClick(find(manage, "Move target"), CLICK)
    qtbot.waitUntil(lambda: server_exits(sim)[1] == [avg + 12 * TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert "CONFIRMED" in find(manage, "Target note").text()

    # a stop at the bid would fill at once: refused beside the field, nothing sent
    sent = len(modifies(sim))
    qtbot.mouseClick(find(manage, "Stop at bid"), CLICK)
    assert find(manage, "New stop price").text() == f"{window.trade_quote.bid:.2f}"
    qtbot.mouseClick(find(manage, "Move stop"), CLICK)
    assert "must be below the bid" in find(manage, "Stop note").text()
    assert len(modifies(sim)) == sent

    type_into(qtbot, find(manage, "New stop price"), "5999.1")  # between two ticks
    qtbot.mouseClick(find(manage, "Move stop"), CLICK)
    assert "Nothing was sent" in find(manage, "Stop note").text()
    assert len(modifies(sim)) == sent


def limit_buy_below_the_market(qtbot, window, price):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    choose(qtbot, window, "Order type", "Limit")
    type_into(qtbot, find(window, "Limit price"), price)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    place_and_confirm(qtbot, window)
    qtbot.waitUntil(lambda: window._waiting_entry() is not None, timeout=10000)
    activate(qtbot, window)


def entry_on_server(sim):
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.parent_id is None]
        legs = [sim.exchange.orders[i] for i in entry.legs]
        return entry, legs


def test_a_waiting_entry_changes_price_and_size_then_is_cancelled_with_its_exits(
    qtbot, window, sim
):
    limit_buy_below_the_market(qtbot, window, "5990.00")
    manage = dialog(qtbot, window)
    assert "Buy 1 Limit at 5990.00" in find(manage, "Waiting entry").text()
    type_into(qtbot, find(manage, "New entry price"), "5991.00")
    find(manage, "New entry quantity").setValue(2)
    qtbot.mouseClick(find(manage, "Change entry"), CLICK)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    entry, _ = entry_on_server(sim)
    assert (entry.price, entry.qty) == (Decimal("5991.00"), 2)
    assert "ENTRY CONFIRMED" in window.outcome.text(), window.outcome.text()
    body = modifies(sim)[-1].body
    assert body["orderQty"] == 2 and body["price"] == 5991.0 and body["orderType"] == "Limit"

    qtbot.mouseClick(find(manage, "Cancel entry"), CLICK)
    qtbot.waitUntil(lambda: entry_on_server(sim)[0].status is OrdStatus.CANCELED, timeout=5000)
    _, legs = entry_on_server(sim)
    assert legs and all(leg.status is OrdStatus.CANCELED for leg in legs)
    qtbot.waitUntil(lambda: window._waiting_entry() is None, timeout=5000)
    qtbot.waitUntil(lambda: not find(manage, "Waiting entry").isVisible())


def test_a_market_fill_that_slipped_offers_to_re_anchor_and_moves_nothing_by_itself(
    qtbot, window, sim
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    choose(qtbot, window, "Order type", "Market")
    type_into(qtbot, find(window, "Market price"), "5999.00")  # the fill comes at the ask
    type_into(qtbot, find(window, "Take-profit distance"), "2")  # 2 R: 16 ticks
    market_buy(qtbot, window, qty="1")
    anchor = find(window, "Re-anchor exits")
    qtbot.waitUntil(anchor.isVisible, timeout=10000)
    _, avg = held(sim)
    slip = (avg - Decimal("5999.00")) / TICK
    assert slip > 0
    stops, targets = server_exits(sim)
    assert stops == [Decimal("5997.00")] and targets == [Decimal("6003.00")]  # from the plan
    assert len(modifies(sim)) == 0  # offered, not done
    assert f"{slip:g} ticks" in anchor.toolTip()
    activate(qtbot, window)
    qtbot.mouseClick(anchor, CLICK)
    qtbot.waitUntil(
        lambda: server_exits(sim) == ([avg - 8 * TICK], [avg + 16 * TICK]), timeout=5000
    )
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert len(modifies(sim)) == 2
    assert not anchor.isVisible()


def two_parts(sim, client, account_id):
    """A scale-out as the window sends it: one bracket per part, each with its own target."""
    symbol = sim.front("ES")
    for target in ("6004.00", "6008.00"):
        submit_oso(
            client,
            PlaceOsoRequest(
                account_id=account_id,
                action=Action.BUY,
                symbol=symbol,
                order_qty=1,
                order_type=OrderType.MARKET,
                bracket1=Leg(action=Action.SELL, order_type=OrderType.STOP, stop_price="5996.00"),
                bracket2=Leg(action=Action.SELL, order_type=OrderType.LIMIT, price=target),
            ),
        )


def test_partial_profit_takes_one_part_and_leaves_exits_the_size_of_what_is_left(
    qtbot, window, sim, client
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    two_parts(sim, client, window.account.id)
    qtbot.waitUntil(
        lambda: window._trade() is not None and len(window._trade().targets) == 2, timeout=10000
    )
    manage = dialog(qtbot, window)
    parts = find(manage, "Target part")
    assert parts.count() == 2 and "Part 1: 1 @ 6004.00" in parts.itemText(0)
    parts.setCurrentIndex(0)
    qtbot.mouseClick(find(manage, "Take part now"), CLICK)
    qtbot.waitUntil(lambda: held(sim)[0] == 1, timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    stops, targets = server_exits(sim)
    assert stops == [Decimal("5996.00")] and targets == [Decimal("6008.00")]
    with sim.exchange.lock:
        working = [o for o in sim.exchange.orders.values() if o.status is OrdStatus.WORKING]
    assert sum(o.qty for o in working if o.stop_price is not None) == 1  # never above the position


def test_one_bracket_offers_no_partial_profit(qtbot, window, sim):
    open_long(qtbot, window, sim)
    manage = dialog(qtbot, window)
    assert not find(manage, "Take part now").isEnabled()
    assert "needs a scale-out" in find(manage, "Partial profit").text()


def room_for_the_auto_stop(qtbot, window):
    """The look-ups of signing in and placing age out of the request budget's second: the
    auto stop keeps room there for what a person does."""
    budget = window.session.connection.client.budget
    qtbot.waitUntil(lambda: has_room(budget), timeout=5000)


def test_auto_break_even_moves_the_stop_when_the_quote_runs(qtbot, window, sim):
    _, avg = open_long(qtbot, window, sim)
    room_for_the_auto_stop(qtbot, window)
    manage = dialog(qtbot, window)
    find(manage, "Break-even after").setValue(4)
    find(manage, "Break-even offset").setValue(1)
    qtbot.mouseClick(find(manage, "Auto break-even"), CLICK)
    assert "running" in find(manage, "Auto stop status").text()
    sim.set_price(sim.front("ES"), str(avg + 2 * TICK))  # not yet 4 ticks
    qtbot.waitUntil(lambda: window.trade_quote.bid == avg + 2 * TICK, timeout=5000)
    assert len(modifies(sim)) == 0
    sim.set_price(sim.front("ES"), str(avg + 4 * TICK))
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [avg + TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert modifies(sim)[-1].body["isAutomated"] is True
    assert len(modifies(sim)) == 1
    assert "break-even" in find(manage, "Auto stop status").text()
    kinds = [e["kind"] for e in window.journal.read()]
    assert "auto_stop" in kinds and "modify_outcome" in kinds


def test_a_feed_drop_while_trailing_pauses_in_words_and_sends_nothing(qtbot, window, sim):
    _, avg = open_long(qtbot, window, sim)
    room_for_the_auto_stop(qtbot, window)
    manage = dialog(qtbot, window)
    find(manage, "Trail distance").setValue(4)
    qtbot.mouseClick(find(manage, "Trail stop"), CLICK)
    sim.set_price(sim.front("ES"), str(avg + 8 * TICK))
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [avg + 4 * TICK], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    sent = len(modifies(sim))

    sim.expire_tokens()  # the stream cannot come back while the test looks
    sim.user_socket.drop()
    status = find(manage, "Auto stop status")
    qtbot.waitUntil(lambda: "Paused" in status.text(), timeout=5000)
    assert "account stream" in status.text() and "stays where it is" in status.text()
    assert "paused" in window.outcome.text()
    sim.set_price(sim.front("ES"), str(avg + 16 * TICK))
    qtbot.waitUntil(lambda: window.trade_quote.bid == avg + 16 * TICK, timeout=5000)
    assert len(modifies(sim)) == sent
    assert server_exits(sim)[0] == [avg + 4 * TICK]


def test_a_short_goes_to_break_even_above_its_average_and_its_quote_buttons_say_the_prices(
    qtbot, window, sim
):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    qtbot.mouseClick(find(window, "Sell"), CLICK)
    market_buy(qtbot, window, qty="1")  # a market sell, now that Sell is chosen
    qtbot.waitUntil(lambda: window._trade() is not None and bool(window._trade().stops))
    net, avg = held(sim)
    assert net == -1
    [stop], _ = server_exits(sim)
    assert stop > avg
    sim.set_price(sim.front("ES"), str(avg - 4 * TICK))  # the ask three ticks below the entry
    qtbot.waitUntil(lambda: window.trade_quote.ask == avg - 3 * TICK, timeout=5000)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: server_exits(sim)[0] == [avg], timeout=5000)
    qtbot.waitUntil(lambda: settled(window), timeout=5000)
    assert f"Stop now at {avg:.2f}" in window.outcome.text(), window.outcome.text()
    manage = dialog(qtbot, window)
    assert find(manage, "Stop at ask").text() == f"Ask {avg - 3 * TICK:.2f}"
    assert find(manage, "New stop price").text() == f"{avg:.2f}"
