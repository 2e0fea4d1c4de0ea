"""The position strip follows a trade from the click: the fill puts a line up, each quote values
it (a long at the bid, a short at the ask), a flatten takes it away, and while the account
stream is down the strip says its figures may be stale. Real HTTP and WebSockets against the
simulator."""

from decimal import Decimal

from PySide6.QtCore import Qt

from ticket.broker.models import ModifyOrderRequest
from ticket.domain.orders import Action, OrderType, OrdStatus, PlaceOrderRequest
from ticket.ui import theme

from .conftest import find
from .test_account_feed import live
from .test_safety import market_buy
from .test_window import choose, place_and_confirm, type_into

TICK = Decimal("0.25")  # ES


def strip_text(window):
    return find(window, "Position").text()


def held(sim):
    with sim.exchange.lock:
        [position] = [p for p in sim.exchange.positions.values() if p.net != 0]
        return position.net, position.net_price


def working_stop(sim):
    with sim.exchange.lock:
        [stop] = [
            o
            for o in sim.exchange.orders.values()
            if o.parent_id is not None and o.stop_price is not None
            if o.status is OrdStatus.WORKING
        ]
        return stop.stop_price


def test_a_long_is_valued_at_the_bid_follows_the_price_and_goes_when_flat(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    strip = find(window, "Position")
    qtbot.waitUntil(lambda: "No open position" in strip.text())
    assert "Realised today" in strip.text() and "Cash 50,000.00" in strip.text()
    assert strip.isHidden()  # flat with nothing realised: the account row shows the cash
    market_buy(qtbot, window, qty="1")
    qtbot.waitUntil(lambda: "Long 1" in strip_text(window), timeout=10000)
    assert not strip.isHidden()
    net, avg = held(sim)
    assert net == 1
    # a market buy fills at the ask, one tick above the bid it is valued at
    qtbot.waitUntil(lambda: "at bid" in strip_text(window))
    line = strip_text(window).splitlines()[0]
    assert f"avg {avg:.2f}" in line and "· -1 tick ·" in line and "-12.50 USD" in line, line
    planned = (avg - working_stop(sim)) / TICK
    assert planned > 0

    symbol = sim.front("ES")
    sim.set_price(symbol, str(avg + 2 * TICK))  # bid two ticks above the entry
    qtbot.waitUntil(lambda: "+2 ticks" in strip_text(window), timeout=10000)
    line = strip_text(window).splitlines()[0]
    assert "+25.00 USD" in line and f"{Decimal(2) / planned:+.2f} R" in line, line
    assert theme.text.gain in window.position_strip.lines.text()

    sim.set_price(symbol, str(avg - 3 * TICK))  # still above the stop
    qtbot.waitUntil(lambda: "-3 ticks" in strip_text(window), timeout=10000)
    line = strip_text(window).splitlines()[0]
    assert "-37.50 USD" in line and f"{Decimal(-3) / planned:+.2f} R" in line, line
    assert theme.text.loss in window.position_strip.lines.text()

    qtbot.mouseClick(find(window, "Flatten contract"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No open position" in strip_text(window), timeout=10000)
    assert "Long" not in strip_text(window)
    # the flatten realised a loss: the day's figure says so, in the loss colour
    qtbot.waitUntil(lambda: "Realised today -" in strip_text(window), timeout=10000)
    assert theme.text.loss in window.position_strip.lines.text()
    assert not window.position_strip.isHidden() and len(strip_text(window).splitlines()) == 1


def test_a_short_is_valued_at_the_ask(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    qtbot.mouseClick(find(window, "Sell"), Qt.MouseButton.LeftButton)
    choose(qtbot, window, "Order type", "Market")
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    place_and_confirm(qtbot, window)
    qtbot.waitUntil(lambda: "Short 1" in strip_text(window), timeout=10000)
    net, avg = held(sim)
    assert net == -1
    sim.set_price(sim.front("ES"), str(avg - 4 * TICK))  # ask three ticks below the entry
    qtbot.waitUntil(lambda: "+3 ticks" in strip_text(window), timeout=10000)
    line = strip_text(window).splitlines()[0]
    assert "at ask" in line and f"ask {avg - 3 * TICK:.2f}" in line, line
    assert "+37.50 USD" in line and "+0.38 R" in line, line
    with sim.exchange.lock:
        assert all(o.action is Action.SELL for o in sim.exchange.orders.values() if not o.parent_id)


def test_while_the_stream_is_down_the_strip_says_its_figures_may_be_stale(qtbot, window, sim):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    market_buy(qtbot, window, qty="1")
    qtbot.waitUntil(lambda: "Long 1" in strip_text(window), timeout=10000)
    assert "stale" not in strip_text(window)
    seen = []
    window.session.account_feed.state_changed.connect(
        lambda state, detail: seen.append((state, strip_text(window)))
    )
    sim.user_socket.drop()
    qtbot.waitUntil(lambda: any(state == "reconnecting" for state, _ in seen), timeout=5000)
    down = next(text for state, text in seen if state == "reconnecting")
    assert "may be stale" in down and "Long 1" in down
    qtbot.waitUntil(lambda: live(window), timeout=15000)
    qtbot.waitUntil(lambda: "stale" not in strip_text(window))
    assert "Long 1" in strip_text(window)


def test_r_stays_against_the_planned_stop_when_the_stop_moves(qtbot, window, sim, client):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    market_buy(qtbot, window, qty="1")
    qtbot.waitUntil(lambda: "Long 1" in strip_text(window), timeout=10000)
    _, avg = held(sim)
    planned = (avg - working_stop(sim)) / TICK
    symbol = sim.front("ES")
    sim.set_price(symbol, str(avg + 2 * TICK))
    qtbot.waitUntil(lambda: "+2 ticks" in strip_text(window), timeout=10000)
    with sim.exchange.lock:
        [stop] = [o for o in sim.exchange.orders.values() if o.stop_price is not None]
    client.modify_order(
        ModifyOrderRequest(order_id=stop.id, order_qty=1, order_type=OrderType.STOP, stop_price=avg)
    )
    qtbot.waitUntil(lambda: working_stop(sim) == avg, timeout=10000)
    sim.set_price(symbol, str(avg + 3 * TICK))
    qtbot.waitUntil(lambda: "+3 ticks" in strip_text(window), timeout=10000)
    line = strip_text(window).splitlines()[0]
    # against the break-even stop there is no distance at all: the plan's is kept
    assert f"{Decimal(3) / planned:+.2f} R" in line, line


def test_a_position_without_a_stop_has_no_r(qtbot, window, sim, client):
    qtbot.waitUntil(lambda: live(window), timeout=10000)
    qtbot.waitUntil(lambda: window.quote_bar.quote is not None)
    client.place_order(  # bought elsewhere, with no bracket: nothing to measure R against
        PlaceOrderRequest(
            account_id=window.account.id,
            action=Action.BUY,
            symbol=sim.front("ES"),
            order_qty=1,
            order_type=OrderType.MARKET,
        )
    )
    qtbot.waitUntil(lambda: "at bid" in strip_text(window), timeout=10000)
    line = strip_text(window).splitlines()[0]
    assert "Long 1" in line and "· -1 tick ·" in line and "· R n/a ·" in line, line
