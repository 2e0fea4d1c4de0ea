"""The user stream and the request budget against the simulator, over real sockets: a bracket
followed from placement to fill in the replica, the replica equal to what REST says, a
shutdown and a dropped socket that lose nothing, a bad token; and the simulator's 429 turned
into the client's refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ticket.broker import errors
from ticket.broker.models import CancelOrderRequest
from ticket.broker.monitor import fetch_snapshot
from ticket.broker.orders import submit_oso
from ticket.broker.outcome import Status
from ticket.broker.userstream import StreamState, UserStream
from ticket.domain.orders import OrdStatus
from ticket.sim.limits import RateLimits

from .helpers import es_request, wait_for
from .test_user_stream import Recorder


@pytest.fixture
def stream(sim, client):
    made = []

    def make(token=None, **options):
        seen = Recorder()
        account = client.accounts()[0]
        options.setdefault("backoff", (0.05,))
        user = UserStream(
            sim.user_ws_url,
            token or (lambda: client.session.token.get_secret_value()),
            client.session.user_id,
            [account.id],
            seen.on_sync,
            seen.on_events,
            seen.on_state,
            **options,
        )
        made.append(user)
        user.start()
        return user, seen, account

    yield make
    for user in made:
        user.stop()


def place(sim, client, price="5990.00"):
    outcome = submit_oso(client, es_request(sim, client, price=price))
    assert outcome.status is Status.PLACED, outcome.message
    return outcome.order_id


def test_a_bracket_is_followed_from_placement_to_fill_in_the_replica(sim, client, stream):
    user, seen, account = stream()
    seen.wait_state(StreamState.LIVE)
    replica = seen.replicas[-1]
    entry = place(sim, client)
    seen.wait(lambda: (s := replica.brackets(entry)) is not None and len(s.legs) == 2)
    state = replica.brackets(entry)
    assert state.entry.status is OrdStatus.WORKING and state.entry.qty == 2
    assert {leg.status for leg in state.legs} == {OrdStatus.SUSPENDED}
    contract = state.entry.contract_id
    sim.set_price(sim.front("ES"), "5989.00")  # through the limit: the entry fills
    seen.wait(lambda: replica.order(entry).filled == 2 and replica.positions().get(contract) == 2)
    seen.wait(lambda: {leg.status for leg in replica.brackets(entry).legs} == {OrdStatus.WORKING})
    assert replica.exposures() == [] and replica.order(entry).avg_price <= Decimal("5990.00")
    assert len(replica.working_orders(contract)) == 2
    assert replica.find_by_cl_ord_id(replica_cl_ord_id(client, entry)) == entry
    assert replica.snapshot().orders == fetch_snapshot(client, account.id).orders
    assert replica.positions() == fetch_snapshot(client, account.id).positions
    assert user.syncs == 1


def replica_cl_ord_id(client, order_id):
    (command,) = [c for c in client.commands() if c.order_id == order_id and c.cl_ord_id]
    return command.cl_ord_id


def test_a_shutdown_reconnects_and_the_new_replica_has_what_happened_meanwhile(sim, client, stream):
    _user, seen, account = stream()
    seen.wait_state(StreamState.LIVE)
    entry = place(sim, client)
    seen.wait(lambda: seen.replicas[-1].order(entry) is not None)
    sim.user_socket.shutdown("Maintenance", "back in a moment")
    seen.wait_state(StreamState.LIVE, count=2)
    reasons = [d for s, d in seen.states if s is StreamState.RECONNECTING and d]
    assert any("maintenance" in d for d in reasons), reasons
    client.cancel_order(CancelOrderRequest(order_id=entry))
    replica = seen.replicas[-1]
    seen.wait(lambda: replica.order(entry).status is OrdStatus.CANCELED)
    assert replica.snapshot().orders == fetch_snapshot(client, account.id).orders


def test_a_fill_while_the_socket_is_down_is_in_the_replica_after_the_reconnect(sim, client, stream):
    user, seen, account = stream(backoff=(0.3,))
    seen.wait_state(StreamState.LIVE)
    entry = place(sim, client)
    seen.wait(lambda: seen.replicas[-1].order(entry) is not None)
    sim.user_socket.drop()
    seen.wait(lambda: user.state is StreamState.RECONNECTING)
    sim.set_price(sim.front("ES"), "5989.00")
    seen.wait_state(StreamState.LIVE, count=2)
    replica = seen.replicas[-1]
    seen.wait(lambda: replica.order(entry).filled == 2)
    assert replica.snapshot().orders == fetch_snapshot(client, account.id).orders


def test_a_bad_token_is_refused_in_words(sim, client, stream):
    _user, seen, _ = stream(token=lambda: "not-a-token", backoff=(5.0,))
    seen.wait_state(StreamState.CLOSED)
    (words,) = [d for s, d in seen.states if s is StreamState.CLOSED]
    assert "refused the session" in words and seen.replicas == []


@pytest.mark.parametrize("sim_limits", [RateLimits(per_second=3, lockout=60.0)])
def test_the_simulators_429_becomes_the_clients_refusal(sim, client):
    refusals = []
    client.on_refusal = refusals.append
    with pytest.raises(errors.RateLimited) as raised:
        for _ in range(10):
            client.positions()
    assert "refusing requests (429)" in str(raised.value)
    assert client.refusal is not None and refusals == [client.refusal]
    before = len(sim.requests())
    with pytest.raises(errors.RateLimited):
        client.orders()
    assert len(sim.requests()) == before  # refused here, not sent
    cancel = client.send_order("/order/cancelorder", {"orderId": 1})
    assert cancel.sent and cancel.status == 429  # an order call still goes
    wait_for(lambda: len(sim.requests()) > before, what="the cancel to arrive")
