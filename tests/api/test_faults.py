"""Every fault of the switchboard, and the number of orders the simulator holds after it:
0 or 1, never 2. No fault ever makes the client send an order twice."""

import json
import time

import httpx
import pytest

from ticket.broker import errors
from ticket.broker.client import TradovateClient
from ticket.broker.orders import Status, submit_oso
from ticket.domain.orders import FailureReason, OrderType
from ticket.services import SIM_CREDENTIALS

from .helpers import es_request, statuses

PLACE = "order/placeoso"
QUICK = (0.0, 0.05)


def sent(sim) -> int:
    return len(sim.requests(PLACE))


def test_http_500_with_no_order_found_stays_unknown(sim, client):
    sim.faults.fail_next(PLACE, status=500)
    outcome = submit_oso(client, es_request(sim, client), reconcile_delays=QUICK)
    assert outcome.status is Status.UNKNOWN and outcome.reconciled
    assert "HTTP 500" in outcome.message and "Check your orders" in outcome.message
    assert (sent(sim), sim.entry_orders()) == (1, 0)  # and indeed the server holds none


def test_connection_dropped_before_recording_stays_unknown(sim, client):
    sim.faults.drop_next(PLACE, when="before")
    outcome = submit_oso(client, es_request(sim, client), reconcile_delays=QUICK)
    assert outcome.status is Status.UNKNOWN and outcome.reconciled
    assert "may still be in flight" in outcome.message
    assert (sent(sim), sim.entry_orders()) == (1, 0)


def test_an_answer_lost_while_the_server_is_still_working_is_never_called_not_placed(
    sim, client, hold
):
    request = es_request(sim, client)
    order = hold(PLACE)
    client.http.timeout = httpx.Timeout(5.0, read=0.5)  # the held order times out; look-ups don't
    outcome = submit_oso(client, request, reconcile_delays=(0.0,))
    assert outcome.status is Status.UNKNOWN  # looked while the server still held it
    assert sim.entry_orders() == 0
    order.release()
    assert order.done.wait(10)
    assert sim.entry_orders() == 1  # ... and it did land: "not placed" would have been a lie


def test_connection_dropped_after_recording_is_found_by_its_client_order_id(sim, client):
    sim.faults.drop_next(PLACE, when="after")
    request = es_request(sim, client)
    outcome = submit_oso(client, request, reconcile_delays=QUICK)
    assert outcome.status is Status.PLACED and outcome.reconciled
    [order_id] = [o for o, s in statuses(client).items() if s == "Working"]
    assert outcome.order_id == order_id
    assert {outcome.oso1_id, outcome.oso2_id} == {
        o for o, s in statuses(client).items() if s == "Suspended"
    }
    assert (sent(sim), sim.entry_orders()) == (1, 1)


def test_answer_slower_than_the_read_timeout_is_reconciled_without_resending(sim, client, hold):
    request = es_request(sim, client)
    order = hold(PLACE)
    look_up = sim.routes["command/list"]
    looked = []

    def first_look_then_the_order_lands(query, body):
        answer = look_up(query, body)
        if not looked:
            order.release()
            assert order.done.wait(10)
        looked.append(answer)
        return answer

    sim.routes["command/list"] = first_look_then_the_order_lands
    client.http.timeout = httpx.Timeout(5.0, read=0.3)
    outcome = submit_oso(client, request, reconcile_delays=(0.0, 0.0))
    assert outcome.status is Status.PLACED and outcome.reconciled
    assert len(looked) >= 2  # the first look-up found nothing, a later one the order
    assert (sent(sim), sim.entry_orders()) == (1, 1)


def test_outcome_unknown_when_the_server_cannot_even_be_asked(sim, client):
    sim.faults.drop_next(PLACE, when="after")
    sim.faults.fail_next("command/list", status=503, times=5)
    outcome = submit_oso(client, es_request(sim, client), reconcile_delays=QUICK)
    assert outcome.status is Status.UNKNOWN
    assert "Check your orders before placing again" in outcome.message
    assert (sent(sim), sim.entry_orders()) == (1, 1)


def test_penalty_places_nothing_and_the_resend_with_its_ticket_waits_for_p_time(sim, client):
    sim.faults.penalise_next(PLACE, seconds=1.0)
    request = es_request(sim, client)
    first = submit_oso(client, request)
    assert first.status is Status.PENALISED and first.penalty_seconds == 1.0
    assert first.p_ticket and sim.entry_orders() == 0
    early = submit_oso(client, request, p_ticket=first.p_ticket)
    assert early.status is Status.PENALISED and sim.entry_orders() == 0
    time.sleep(first.penalty_seconds)  # the penalty runs from before its answer: now it is over
    later = submit_oso(client, request, p_ticket=first.p_ticket)
    assert later.status is Status.PLACED
    assert sim.requests(PLACE)[-1].body["p-ticket"] == first.p_ticket
    assert sim.entry_orders() == 1


def test_captcha_penalty_on_sign_in_says_wait_an_hour(sim):
    from ticket.broker.client import make_http_client

    sim.faults.penalise_next("auth/accesstokenrequest", seconds=30, captcha=True)
    client = TradovateClient(make_http_client(), sim.base_url, device_id="d")
    with pytest.raises(errors.Penalised, match="about an hour") as info:
        client.sign_in(SIM_CREDENTIALS)
    assert info.value.captcha and client.session is None


def test_expired_token_on_an_order_places_nothing_and_renews_for_the_next_click(sim, client):
    request = es_request(sim, client)
    sim.expire_tokens()
    outcome = submit_oso(client, request)
    assert outcome.status is Status.NOT_PLACED and "Place the order again" in outcome.message
    assert (sent(sim), sim.entry_orders()) == (1, 0)
    again = submit_oso(client, request)
    assert again.status is Status.PLACED and sim.entry_orders() == 1


def test_a_session_ended_twice_within_a_minute_is_replaced_each_time_before_the_next_click(
    sim, client
):
    request = es_request(sim, client)
    for _ in range(2):
        sim.expire_tokens()
        refused = submit_oso(client, request.model_copy(update={"cl_ord_id": None}))
        assert refused.status is Status.NOT_PLACED and "HTTP 401" in refused.message
        client.me()  # as the window does after a refused order: the new token works
    placed = submit_oso(client, request)
    assert placed.status is Status.PLACED and sim.entry_orders() == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [(429, "refusing requests (429)"), (423, "too many requests were sent (423)")],
)
def test_rate_limit_places_nothing(sim, client, status, words):
    sim.faults.fail_next(PLACE, status=status)
    outcome = submit_oso(client, es_request(sim, client))
    assert outcome.status is Status.NOT_PLACED and words in outcome.message
    assert client.refusal is not None and client.refusal.status == status
    assert sim.entry_orders() == 0


@pytest.mark.parametrize("reason", [r for r in FailureReason if r is not FailureReason.SUCCESS])
def test_every_failure_reason_is_a_rejection_in_plain_words(sim, client, reason):
    sim.faults.reject_next(reason, text="server words", path=PLACE)
    outcome = submit_oso(client, es_request(sim, client))
    assert outcome.status is Status.REJECTED and outcome.failure_reason is reason
    assert 'Server said: "server words"' in outcome.message
    assert len(outcome.message) > 40 and sim.entry_orders() == 0


def test_off_grid_price_and_unknown_symbol_use_real_failure_reasons(sim, client):
    request = es_request(sim, client)
    reply = client.send_order("/order/placeoso", request.to_wire() | {"price": 5990.1})
    assert json.loads(reply.body)["failureReason"] == "InvalidPrice"
    unknown = request.model_copy(update={"symbol": "XXZ9"})
    outcome = submit_oso(client, unknown)
    assert (outcome.status, outcome.failure_reason) == (
        Status.REJECTED,
        FailureReason.INVALID_CONTRACT,
    )
    wrong_account = request.model_copy(update={"account_id": 1})
    outcome = submit_oso(client, wrong_account)
    assert outcome.failure_text == "Access is denied" and sim.entry_orders() == 0


def test_partial_fill_then_cancel_leaves_legs_sized_to_the_filled_quantity(sim, client):
    sim.faults.partial_fill_next(1)
    outcome = submit_oso(
        client, es_request(sim, client, qty=3, order_type=OrderType.MARKET, price=None)
    )
    assert statuses(client)[outcome.order_id] == "Working"
    legs = [client.order_versions(i)[0] for i in (outcome.oso1_id, outcome.oso2_id)]
    assert [v.order_qty for v in legs] == [1, 1]
    assert statuses(client)[outcome.oso1_id] == "Working"
    from ticket.broker.models import CancelOrderRequest

    client.cancel_order(CancelOrderRequest(order_id=outcome.order_id))
    s = statuses(client)
    assert (s[outcome.order_id], s[outcome.oso1_id], s[outcome.oso2_id]) == (
        "Canceled",
        "Working",
        "Working",
    )
    assert client.positions()[0].net_pos == 1


def test_a_leg_that_fails_to_activate_is_rejected_while_the_other_works(sim, client):
    sim.faults.fail_leg_activation_next(leg=1)
    outcome = submit_oso(client, es_request(sim, client, order_type=OrderType.MARKET, price=None))
    s = statuses(client)
    assert (s[outcome.order_id], s[outcome.oso1_id], s[outcome.oso2_id]) == (
        "Filled",
        "Rejected",
        "Working",
    )
    assert client.positions()[0].net_pos == 2


def test_a_token_that_worked_after_a_renewal_and_is_then_ended_is_replaced_at_once(sim, client):
    client.renew()
    assert client.accounts()[0].name == "SIM1"  # the renewed token works
    sim.expire_tokens()  # and the server ends it within the minute
    assert client.accounts()[0].name == "SIM1"
