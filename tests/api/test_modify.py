"""The one modify path against the simulator over real HTTP and the user socket: the body it
sends, confirmation by the next order version (from the replica, or by REST), refusals, lost
answers and penalties, one change per order at a time; and the auto stop on live quotes,
including an account feed that drops while it trails."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest

from ticket.broker.autostop import AutoStop, has_room
from ticket.broker.budget import Kind, RequestBudget
from ticket.broker.modify import Modifier, ModifyStatus, ReplicaWatch
from ticket.broker.orders import submit_oso
from ticket.broker.outcome import Status
from ticket.broker.userstream import StreamState, UserStream
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import FailureReason, OrdStatus
from ticket.domain.pnl import Quote
from ticket.domain.trailing import AutoStopRule, Why

from .helpers import es_request, wait_for
from .test_user_stream import Recorder

MODIFY = "order/modifyorder"
ES = BUILT_IN["ES"]


def position_of(replica, order_id):
    """The position of an order's contract, once the stream has told of both (the order's
    event may come after the fill's)."""
    order = replica.order(order_id)
    return replica.position(order.contract_id) if order is not None else None


def long_trade(sim, client, qty=2):
    """A long filled at once at 6000.25: stop 5998.25, target 6004.25."""
    sim.set_price(sim.front("ES"), "6000.00")
    outcome = submit_oso(client, es_request(sim, client, qty=qty, price="6000.25"))
    assert outcome.status is Status.PLACED, outcome.message
    wait_for(lambda: client.order(outcome.order_id).ord_status is OrdStatus.FILLED)
    return outcome.order_id, outcome.oso1_id, outcome.oso2_id


def sent(sim):
    return [r.body for r in sim.requests(MODIFY)]


def test_a_stop_moved_by_rest_alone_is_confirmed_by_its_next_version(sim, client):
    _, stop, _ = long_trade(sim, client)
    modifier = Modifier(client, format_price=ES.format_price)
    outcome = modifier.modify(stop, stop_price=D("5999.00"))
    assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
    assert sent(sim) == [
        {
            "orderId": stop,
            "orderQty": 2,
            "orderType": "Stop",
            "stopPrice": 5999.0,
            "isAutomated": False,
        }
    ]
    latest = max(client.order_versions(stop), key=lambda v: v.id)
    assert latest.stop_price == D("5999.00") and latest.id == outcome.command_id
    assert outcome.live.stop_price == D("5999.00") and "stop 5999.00" in outcome.message


def test_the_target_moves_by_price_and_an_automated_change_says_so(sim, client):
    _, _, target = long_trade(sim, client)
    outcome = Modifier(client).modify(target, price=D("6006.00"), automated=True)
    assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
    (body,) = sent(sim)
    assert body["price"] == 6006.0 and body["orderType"] == "Limit" and body["isAutomated"] is True
    assert "stopPrice" not in body


def test_a_working_entry_changes_price_and_size(sim, client):
    sim.set_price(sim.front("ES"), "6000.00")
    placed = submit_oso(client, es_request(sim, client, qty=2, price="5990.00"))
    outcome = Modifier(client).modify(placed.order_id, price=D("5991.00"), qty=3)
    assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
    assert (outcome.live.qty, outcome.live.price) == (3, D("5991.00"))
    assert client.order(placed.order_id).ord_status is OrdStatus.WORKING


def test_a_filled_order_is_refused_by_tradovates_reason_and_nothing_changes(sim, client):
    entry, _, _ = long_trade(sim, client)
    modifier = Modifier(client)
    live = modifier.live(entry).model_copy(update={"status": OrdStatus.WORKING})
    outcome = modifier.modify(entry, price=D("6001.00"), live=live)
    assert outcome.status is ModifyStatus.REJECTED
    assert outcome.failure_reason is FailureReason.TOO_LATE
    assert "refused the change (TooLate" in outcome.message


def test_a_final_order_or_no_change_at_all_sends_nothing(sim, client):
    entry, stop, _ = long_trade(sim, client)
    modifier = Modifier(client)
    assert modifier.modify(entry, price=D("6001.00")).status is ModifyStatus.NOT_SENT
    same = modifier.modify(stop, stop_price=D("5998.25"))
    assert same.status is ModifyStatus.NOT_SENT and "already there" in same.message
    assert sent(sim) == []


def test_a_stop_moved_through_the_market_is_refused_by_the_simulator(sim, client):
    """As traders report of Tradovate: a failureReason, the stop unchanged, nothing filled."""
    _, stop, _ = long_trade(sim, client)
    outcome = Modifier(client).modify(stop, stop_price=D("6001.00"))  # above the bid 6000.00
    assert outcome.status is ModifyStatus.REJECTED, (
        "the simulator took a sell stop above the bid; it must refuse it with a failureReason: "
        + outcome.message
    )
    assert outcome.failure_reason is FailureReason.INVALID_PRICE
    assert client.order(stop).ord_status is OrdStatus.WORKING
    assert max(client.order_versions(stop), key=lambda v: v.id).stop_price == D("5998.25")


def test_a_reply_with_only_a_command_id_and_no_version_is_unconfirmed(sim, client):
    _, stop, _ = long_trade(sim, client)
    sim.faults.answer_next(MODIFY, {"commandId": 987654})
    outcome = Modifier(client, confirm_seconds=0.5).modify(stop, stop_price=D("5999.00"))
    assert outcome.status is ModifyStatus.UNCONFIRMED
    assert outcome.command_id == 987654
    assert "took the change (command 987654)" in outcome.message
    assert len(sent(sim)) == 1  # never resent


def test_a_lost_answer_is_followed_by_the_version_and_never_resent(sim, client):
    _, stop, _ = long_trade(sim, client)
    sim.faults.drop_next(MODIFY, when="after")
    outcome = Modifier(client).modify(stop, stop_price=D("5999.00"))
    assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
    assert len(sent(sim)) == 1


def test_a_lost_answer_before_anything_was_done_stays_unknown(sim, client):
    _, stop, _ = long_trade(sim, client)
    sim.faults.drop_next(MODIFY, when="before")
    outcome = Modifier(client, confirm_seconds=0.5).modify(stop, stop_price=D("5999.00"))
    assert outcome.status is ModifyStatus.UNKNOWN
    assert "may have been made" in outcome.message


def test_a_penalty_changes_nothing_and_says_how_long_to_wait(sim, client):
    _, stop, _ = long_trade(sim, client)
    sim.faults.penalise_next(MODIFY, seconds=7)
    outcome = Modifier(client).modify(stop, stop_price=D("5999.00"))
    assert outcome.status is ModifyStatus.PENALISED and outcome.penalty_seconds == 7
    assert max(client.order_versions(stop), key=lambda v: v.id).stop_price == D("5998.25")


def test_one_change_per_order_is_on_its_way_at_a_time(sim, client, hold):
    _, stop, target = long_trade(sim, client)
    held = hold(MODIFY)
    modifier = Modifier(client)
    first = []
    worker = threading.Thread(
        target=lambda: first.append(modifier.modify(stop, stop_price=D("5999.00")))
    )
    worker.start()
    assert held.arrived.wait(5)
    assert modifier.in_flight(stop)
    second = modifier.modify(stop, stop_price=D("5999.50"))
    assert second.status is ModifyStatus.BUSY and "still on its way" in second.message
    held.release()
    worker.join(10)
    assert first[0].status is ModifyStatus.CONFIRMED and not modifier.in_flight(stop)
    assert modifier.modify(target, price=D("6005.00")).status is ModifyStatus.CONFIRMED
    assert len(sent(sim)) == 2


def test_the_journal_hook_hears_the_body_and_the_outcome(sim, client):
    _, stop, _ = long_trade(sim, client)
    heard = []
    Modifier(client, on_event=lambda kind, fields: heard.append((kind, fields))).modify(
        stop, stop_price=D("5999.00")
    )
    assert [k for k, _ in heard] == ["modify", "modify_outcome"]
    assert heard[0][1]["body"]["stopPrice"] == 5999.0
    assert heard[1][1]["status"] == "confirmed"


# -- with the account replica --


@pytest.fixture
def feed(sim, client):
    """A user stream feeding a ReplicaWatch; the token it uses can be spoiled and restored."""
    made = []

    def make(**options):
        watch = ReplicaWatch()
        seen = Recorder()
        token = {"good": True}
        account = client.accounts()[0]

        def on_sync(replica):
            watch.replace(replica)
            seen.on_sync(replica)

        def on_events(events):
            watch.apply_all(events)
            seen._note(seen.batches, events)

        user = UserStream(
            sim.user_ws_url,
            lambda: client.session.token.get_secret_value() if token["good"] else "spoiled",
            client.session.user_id,
            [account.id],
            on_sync,
            on_events,
            seen.on_state,
            backoff=options.get("backoff", (0.05,)),
        )
        made.append(user)
        user.start()
        seen.wait_state(StreamState.LIVE)
        return watch, seen, user, token

    yield make
    for user in made:
        user.stop()


def test_with_a_replica_the_change_is_confirmed_by_the_pushed_version(sim, client, feed):
    watch, _, _, _ = feed()
    _, stop, _ = long_trade(sim, client)
    wait_for(lambda: watch.read(lambda r: r.order(stop)) is not None)
    before = len(sim.requests())
    outcome = Modifier(client, watch=watch).modify(stop, stop_price=D("5999.50"))
    assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
    assert watch.read(lambda r: r.order(stop).stop_price) == D("5999.50")
    assert len(sim.requests()) - before == 1  # the modify alone: no REST read


def quote_now(sim):
    bid, ask, last = sim.exchange.quote(sim.catalog.by_name[sim.front("ES")])
    return Quote(bid=bid, ask=ask, last=last)


def test_auto_trailing_follows_the_market_and_pauses_when_the_account_feed_drops(sim, client, feed):
    watch, seen, user, token = feed()
    entry, stop, _ = long_trade(sim, client)
    wait_for(lambda: watch.read(lambda r: position_of(r, entry)) is not None)
    wait_for(lambda: has_room(client.budget), what="the look-ups of the set-up to age out")
    contract_id = watch.read(lambda r: r.order(entry).contract_id)
    clock = [0.0]
    said = []
    auto = AutoStop(
        Modifier(client, watch=watch),
        AutoStopRule(trail_ticks=8),
        stop_id=stop,
        contract_id=contract_id,
        instrument=ES,
        clock=lambda: clock[0],
        on_status=said.append,
    )
    auto.set_live(True)
    sim.set_price(sim.front("ES"), "6001.00")
    step = auto.on_quote(quote_now(sim))
    assert step.why is Why.TRAIL and step.new_stop == D("5999.00")
    auto.join()
    assert watch.read(lambda r: r.order(stop).stop_price) == D("5999.00")
    assert sent(sim)[-1]["isAutomated"] is True

    # the account feed drops and cannot come back: nothing is adjusted, and it says so
    token["good"] = False
    sim.user_socket.drop()
    seen.wait(lambda: user.state is not StreamState.LIVE)
    auto.set_live(False, "the account feed is reconnecting")
    assert "Auto stop paused (the account feed is reconnecting)" in said[-1]
    assert "stays where it is on the server" in said[-1]
    clock[0] = 10.0
    sim.set_price(sim.front("ES"), "6003.00")
    paused = auto.on_quote(quote_now(sim))
    assert paused.why is Why.PAUSED and paused.new_stop is None
    assert len(sent(sim)) == 1
    assert max(client.order_versions(stop), key=lambda v: v.id).stop_price == D("5999.00")

    # back: it trails again from where the server's stop is
    token["good"] = True
    seen.wait_state(StreamState.LIVE, count=2)
    auto.set_live(True)
    resumed = auto.on_quote(quote_now(sim))
    assert resumed.new_stop == D("6001.00")
    auto.join()
    assert watch.read(lambda r: r.order(stop).stop_price) == D("6001.00")
    assert auto.sent == [D("5999.00"), D("6001.00")]


def test_auto_break_even_moves_once_and_waits_a_second_between_changes(sim, client, feed):
    watch, _, _, _ = feed()
    entry, stop, _ = long_trade(sim, client)
    wait_for(lambda: watch.read(lambda r: position_of(r, entry)) is not None)
    wait_for(lambda: has_room(client.budget), what="the look-ups of the set-up to age out")
    clock = [50.0]
    auto = AutoStop(
        Modifier(client, watch=watch),
        AutoStopRule(breakeven_after_ticks=4, breakeven_offset_ticks=1, trail_ticks=4),
        stop_id=stop,
        contract_id=watch.read(lambda r: r.order(entry).contract_id),
        instrument=ES,
        clock=lambda: clock[0],
    )
    auto.set_live(True)
    sim.set_price(sim.front("ES"), "6001.25")  # 4 ticks over the fill at 6000.25
    first = auto.on_quote(quote_now(sim))
    assert first.why is Why.BREAK_EVEN and first.new_stop == D("6000.50")
    auto.join()
    sim.set_price(sim.front("ES"), "6003.00")
    clock[0] = 50.4
    assert auto.on_quote(quote_now(sim)).why is Why.WAIT
    clock[0] = 51.0
    trailed = auto.on_quote(quote_now(sim))
    assert trailed.why is Why.TRAIL and trailed.new_stop == D("6002.00")
    auto.join()
    assert watch.read(lambda r: r.order(stop).stop_price) == D("6002.00")
    assert [b["stopPrice"] for b in sent(sim)] == [6000.5, 6002.0]


def test_the_auto_stop_leaves_room_in_the_request_budget():
    budget = RequestBudget(per_second=5, per_minute=120, per_hour=3000, clock=lambda: 0.0)
    for _ in range(2):
        budget.take(Kind.ORDER)
    assert has_room(budget)  # a third leaves two of five in this second
    budget.take(Kind.ORDER)
    assert not has_room(budget)


def test_the_auto_stop_holds_while_the_budget_is_nearly_spent(sim, client, feed):
    watch, _, _, _ = feed()
    entry, stop, _ = long_trade(sim, client)
    wait_for(lambda: watch.read(lambda r: position_of(r, entry)) is not None)
    client.budget = RequestBudget(per_second=5, per_minute=10, per_hour=3000)
    for _ in range(8):
        client.budget.take(Kind.ORDER)
    auto = AutoStop(
        Modifier(client, watch=watch),
        AutoStopRule(trail_ticks=4),
        stop_id=stop,
        contract_id=watch.read(lambda r: r.order(entry).contract_id),
        instrument=ES,
    )
    auto.set_live(True)
    sim.set_price(sim.front("ES"), "6003.00")
    held = auto.on_quote(quote_now(sim))
    assert held.why is Why.WAIT and "request budget" in held.words
    assert sent(sim) == [] and auto.sent == []
