"""Scale-out in the window: up to three targets in the take-profit panel sharing the one stop,
the parts and the blended figures in the plan and on the card, one Enter sending one placeOSO per
part, and the outcome saying which parts are working. Real HTTP against the simulator."""

from PySide6.QtCore import Qt

from ticket.domain.orders import FailureReason
from ticket.ui.orders_model import STATUS

from .conftest import find
from .test_window import PLACE, choose, click_place, confirm_with_enter, type_into


def two_targets(qtbot, window, sim, qty="3"):
    """Buy `qty` ES Limit 5990.25, stop 8 ticks, target 8 ticks, then a second target."""
    qtbot.mouseClick(find(window, "Buy"), Qt.MouseButton.LeftButton)
    type_into(qtbot, find(window, "Quantity").lineEdit(), qty)
    choose(qtbot, window, "Order type", "Limit")
    type_into(qtbot, find(window, "Limit price"), "5990.25")
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    choose(qtbot, window, "Stop-loss unit", "ticks")
    choose(qtbot, window, "Take-profit unit", "ticks")
    type_into(qtbot, find(window, "Take-profit distance"), "8")
    qtbot.mouseClick(find(window, "Add target"), Qt.MouseButton.LeftButton)


def test_two_targets_go_as_two_brackets_with_their_own_quantities_and_prices(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    # the new target lies as far beyond the first as the first from the entry; 3 shared as 2 + 1
    assert find(window, "Target 1 quantity").text() == "2"
    assert find(window, "Target 2 quantity").text() == "1"
    assert find(window, "Target 2 distance").text() == "16"
    assert not find(window, "Target 3 quantity").isVisible()
    type_into(qtbot, find(window, "Target 2 distance"), "24")
    reward = find(window, "Reward").text()
    assert "5992.25</b> ×2" in reward and "5996.25</b> ×1" in reward, reward
    assert "500.00 USD" in reward  # 2 x 8 ticks + 1 x 24 ticks, at 12.50 a tick
    assert "300.00 USD" in find(window, "Risk").text()  # 3 contracts x 8 ticks
    assert "1.67" in find(window, "Reward : risk").text()
    symbol = sim.front("ES")
    assert window.place_button.text() == (
        f"Buy 3 {symbol} Limit 5990.25 - SL 5988.25 / TP 5992.25 x2, 5996.25 x1"
    )

    click_place(qtbot, window)
    qtbot.waitUntil(lambda: window.confirm is not None and window.confirm.isVisible())
    card = find(window.confirm, "Plan card").text()
    assert "Target 1 x2" in card and "Target 2 x1" in card and "Blended" in card, card
    assert "Sent as 2 placeOSO orders" in card
    confirm_with_enter(qtbot, window)
    qtbot.keyClick(window.confirm, Qt.Key.Key_Return)  # a second Enter sends nothing more
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    assert "PLACED: all 2 parts" in window.outcome.text(), window.outcome.text()

    first, second = (r.body for r in sim.requests(PLACE))
    assert sim.entry_orders() == 2
    assert (first["orderQty"], second["orderQty"]) == (2, 1)
    assert first["clOrdId"].endswith("-1") and second["clOrdId"].endswith("-2")
    assert first["clOrdId"][:-2] == second["clOrdId"][:-2]  # one ticket
    for body, target in ((first, 5992.25), (second, 5996.25)):
        assert body["price"] == 5990.25 and body["isAutomated"] is False
        assert body["bracket1"]["stopPrice"] == 5988.25
        assert body["bracket2"]["price"] == target
    rows = {window.orders.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(2)}
    assert rows == {first["clOrdId"], second["clOrdId"]}
    with sim.exchange.lock:
        ids = {o.cl_ord_id: o.id for o in sim.exchange.orders.values() if o.parent_id is None}
    one, two = ids[first["clOrdId"]], ids[second["clOrdId"]]
    assert f"×2 at 5992.25 (order {one}) · ×1 at 5996.25 (order {two})" in window.outcome.text()


def test_quantities_that_do_not_add_up_are_said_at_the_targets_and_nothing_is_sent(
    qtbot, window, sim
):
    two_targets(qtbot, window, sim)
    type_into(qtbot, find(window, "Target 2 quantity"), "2")
    note = window.take_profit.note
    qtbot.waitUntil(lambda: "add up to 4, not the 3" in note.text())
    assert not note.isHidden()
    assert not window.place_button.isEnabled()
    qtbot.keyClick(find(window, "Limit price"), Qt.Key.Key_Return)
    assert window.confirm is None and sim.requests(PLACE) == []
    # one contract more on the entry and the quantities add up again
    type_into(qtbot, find(window, "Quantity").lineEdit(), "4")
    qtbot.waitUntil(window.place_button.isEnabled)
    assert note.isHidden()


def test_a_rejected_second_part_leaves_the_first_working_and_the_window_says_so(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    place = sim.routes[PLACE]

    def then_refuse_the_next(query, body):
        answer = place(query, body)
        sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, text="Max position 2")
        sim.routes[PLACE] = place
        return answer

    sim.routes[PLACE] = then_refuse_the_next
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    text = window.outcome.text()
    assert "1 of 2 parts placed" in text, text
    assert "part 1 ×2 at 5992.25 working, order" in text
    assert "part 2 ×1 at 5994.25 not placed: rejected" in text and "Max position 2" in text
    assert sim.entry_orders() == 1
    first, second = (r.body["clOrdId"] for r in sim.requests(PLACE))
    assert window.orders.item(window.orders.row_of(second), STATUS).text() == "rejected"
    assert window.orders.item(window.orders.row_of(first), STATUS).text() != "rejected"
    # part 1 stands: sending the ticket again asks first, naming what works
    click_place(qtbot, window)
    qtbot.waitUntil(lambda: window.question is not None)
    assert "Part of this same ticket is working: part 1 ×2" in window.question.text()
    window.question.reject()


def test_three_targets_fit_a_laptop_and_removing_them_goes_back_to_one(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    qtbot.mouseClick(find(window, "Add target"), Qt.MouseButton.LeftButton)
    assert [find(window, f"Target {n} quantity").text() for n in (1, 2, 3)] == ["1", "1", "1"]
    assert find(window, "Target 3 distance").text() == "24"
    assert not find(window, "Add target").isEnabled()  # three at most
    # once the layout has settled (it is recomputed at the next turn of the event loop)
    qtbot.waitUntil(lambda: window.minimumSizeHint().height() <= 700)
    qtbot.mouseClick(find(window, "Remove target 3"), Qt.MouseButton.LeftButton)
    assert window.vm.draft.targets[0].qty == "2"  # its contract went to the first target
    qtbot.mouseClick(find(window, "Remove target 2"), Qt.MouseButton.LeftButton)
    assert window.vm.draft.targets == () and window.vm.scaleout is None
    assert not find(window, "Target 1 quantity").isVisible()
    assert "5992.25" in find(window, "Take-profit exit at").text()
    assert window.place_button.text().endswith("TP 5992.25")


def test_switching_the_unit_keeps_every_target_where_it_was(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    choose(qtbot, window, "Take-profit unit", "price")
    assert find(window, "Take-profit distance").text() == "5992.25"
    assert find(window, "Target 2 distance").text() == "5994.25"
    assert "5994.25</b> ×1" in find(window, "Reward").text()


def test_a_penalty_on_the_first_part_holds_the_others_back(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    sim.faults.penalise_next(PLACE, seconds=1.0)
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    text = window.outcome.text()
    assert "PENALISED: no part placed" in text, text
    assert "part 2 ×1 at 5994.25 not sent: Held back after part 1 was penalised" in text
    assert len(sim.requests(PLACE)) == 1 and sim.entry_orders() == 0
    assert "Wait" in window.place_button.text() and not window.place_button.isEnabled()
    statuses = {window.orders.item(r, STATUS).text() for r in range(window.orders.rowCount())}
    assert statuses == {"penalised", "not placed"}
    # nothing was placed: once the wait is over the ticket goes again, with no duplicate
    # question, its first part carrying the penalty's ticket as Tradovate asks
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    assert "PLACED: all 2 parts" in window.outcome.text(), window.outcome.text()
    assert sim.entry_orders() == 2
    penalised, first, second = (r.body for r in sim.requests(PLACE))
    assert first["p-ticket"] and "p-ticket" not in second
    assert first["clOrdId"] == penalised["clOrdId"]  # the same order, not a new one
    assert second["clOrdId"] == penalised["clOrdId"][:-2] + "-2"


def test_a_part_whose_answer_is_lost_is_looked_up_by_its_clordid_and_reported(qtbot, window, sim):
    two_targets(qtbot, window, sim)
    place = sim.routes[PLACE]

    def then_lose_the_next_answer(query, body):
        answer = place(query, body)
        sim.faults.drop_next(PLACE, when="after")
        sim.routes[PLACE] = place
        return answer

    sim.routes[PLACE] = then_lose_the_next_answer
    click_place(qtbot, window)
    confirm_with_enter(qtbot, window)
    qtbot.waitUntil(lambda: not window.in_flight, timeout=15000)
    text = window.outcome.text()
    assert "PLACED: all 2 parts" in text, text
    assert len(sim.requests(PLACE)) == 2 and sim.entry_orders() == 2  # never sent twice
    second = sim.requests(PLACE)[1].body["clOrdId"]
    with sim.exchange.lock:
        [entry] = [o for o in sim.exchange.orders.values() if o.cl_ord_id == second]
    assert f"order {entry.id}" in text
