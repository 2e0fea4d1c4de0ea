"""Sending a bracket once and knowing what became of it, on a fake client that answers from plain
lists: the look-up by clOrdId, the legs, and each outcome in the trader's words."""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal as D

import pytest

from ticket.broker import errors
from ticket.broker.models import Command, Order
from ticket.broker.orders import Status, find_by_cl_ord_id, reconcile, submit_oso, with_leg_ids
from ticket.broker.outcome import Reply
from ticket.domain.orders import (
    Action,
    FailureReason,
    OrderType,
    PlaceOsoRequest,
    RestrainedOrderVersion,
)

NOW = "2026-11-25T15:00:00Z"


class FakeClient:
    """The four calls the order code makes, answered from what the test put here."""

    def __init__(self, reply: Reply | None = None) -> None:
        self.commands_: list[Command] = []
        self.orders_: dict[int, Order] = {}
        self.reply = reply
        self.sent: list[tuple[str, dict]] = []
        self.lookups = 0
        self.lost_lookups = 0  # the first look-ups that fail on the wire
        self.lands_on_lookup = 0  # the order appears from this look-up on (0: from the start)
        self.landing: list[tuple[int, str]] = []

    def add_order(self, order_id: int, parent: int | None = None) -> None:
        self.orders_[order_id] = Order.model_validate(
            {
                "id": order_id,
                "accountId": 1,
                "timestamp": NOW,
                "action": "Buy",
                "ordStatus": "Working",
                "parentId": parent,
            }
        )

    def add_command(self, order_id: int, cl_ord_id: str | None, kind: str = "New") -> None:
        self.commands_.append(
            Command.model_validate(
                {
                    "id": 500 + len(self.commands_),
                    "orderId": order_id,
                    "timestamp": NOW,
                    "clOrdId": cl_ord_id,
                    "commandType": kind,
                    "commandStatus": "RiskPassed",
                }
            )
        )

    def commands(self) -> list[Command]:
        self.lookups += 1
        if self.lookups <= self.lost_lookups:
            raise errors.ConnectionLost("the connection was reset")
        if self.lookups == self.lands_on_lookup:
            for order_id, cl_ord_id in self.landing:
                self.add_order(order_id)
                self.add_command(order_id, cl_ord_id)
        return list(self.commands_)

    def order(self, order_id: int) -> Order:
        if order_id not in self.orders_:
            raise errors.NotFound(404, "Not found")
        return self.orders_[order_id]

    def orders(self) -> list[Order]:
        return list(self.orders_.values())

    def send_order(self, path: str, body: dict) -> Reply:
        self.sent.append((path, body))
        assert self.reply is not None
        return self.reply


def answer(status: int, body: object) -> Reply:
    return Reply(sent=True, status=status, body=json.dumps(body).encode())


def request(cl_ord_id: str | None = "tkt-1", two_legs: bool = True) -> PlaceOsoRequest:
    return PlaceOsoRequest(
        cl_ord_id=cl_ord_id,
        action=Action.BUY,
        symbol="ESZ6",
        order_qty=1,
        order_type=OrderType.LIMIT,
        price=D("5000.25"),
        bracket1=RestrainedOrderVersion(
            action=Action.SELL, order_type=OrderType.STOP, stop_price=D("4998.25")
        ),
        bracket2=RestrainedOrderVersion(
            action=Action.SELL, order_type=OrderType.LIMIT, price=D("5004.25")
        )
        if two_legs
        else None,
    )


def ids(found):
    return (found.order_id, found.oso1_id, found.oso2_id)


# The look-up by clOrdId


def test_legs_are_told_apart_by_their_own_client_order_ids():
    client = FakeClient()
    for order_id in (10, 11, 12):
        client.add_order(order_id, parent=None if order_id == 10 else 10)
    client.add_command(10, "tkt-1")
    client.add_command(11, "tkt-1.2")  # the take-profit happened to be made first
    client.add_command(12, "tkt-1.1")
    assert ids(find_by_cl_ord_id(client, "tkt-1")) == (10, 12, 11)


def test_only_the_command_that_created_the_order_names_it():
    client = FakeClient()
    client.add_order(10)
    client.add_order(99)
    client.add_command(10, "tkt-1")
    client.add_command(99, "tkt-1", kind="Modify")
    client.add_command(98, None)
    assert find_by_cl_ord_id(client, "tkt-1").order_id == 10


def test_an_unknown_client_order_id_finds_nothing():
    client = FakeClient()
    client.add_order(10)
    client.add_command(10, "tkt-1")
    assert find_by_cl_ord_id(client, "tkt-2") is None
    assert find_by_cl_ord_id(client, "tkt-1.1") is None


def test_a_command_whose_order_does_not_exist_is_not_an_order():
    client = FakeClient()
    client.add_command(10, "tkt-1")
    assert find_by_cl_ord_id(client, "tkt-1") is None


def test_without_leg_ids_the_legs_are_the_entrys_first_two_children_by_id():
    client = FakeClient()
    client.add_order(10)
    for child in (14, 12, 13):
        client.add_order(child, parent=10)
    client.add_order(11, parent=7)  # another bracket's leg
    client.add_command(10, "tkt-1")
    assert ids(find_by_cl_ord_id(client, "tkt-1")) == (10, 12, 13)


@pytest.mark.parametrize(("children", "legs"), [((), (None, None)), ((12,), (12, None))])
def test_missing_legs_are_none(children, legs):
    client = FakeClient()
    client.add_order(10)
    for child in children:
        client.add_order(child, parent=10)
    client.add_command(10, "tkt-1")
    assert ids(find_by_cl_ord_id(client, "tkt-1")) == (10, *legs)


def test_each_leg_gets_a_client_order_id_derived_from_the_entrys():
    both = with_leg_ids(request())
    assert (both.cl_ord_id, both.bracket1.cl_ord_id, both.bracket2.cl_ord_id) == (
        "tkt-1",
        "tkt-1.1",
        "tkt-1.2",
    )
    assert both.bracket1.stop_price == D("4998.25") and both.bracket2.price == D("5004.25")
    one = with_leg_ids(request(two_legs=False))
    assert one.bracket1.cl_ord_id == "tkt-1.1" and one.bracket2 is None
    assert with_leg_ids(request(cl_ord_id=None)) == request(cl_ord_id=None)


# Reconciling a lost answer


def no_sleep(slept: list[float]):
    return slept.append


def test_an_order_found_on_the_first_look_was_placed():
    client = FakeClient()
    client.landing = [(10, "tkt-1"), (11, "tkt-1.1"), (12, "tkt-1.2")]
    client.lands_on_lookup = 1
    slept: list[float] = []
    outcome = reconcile(client, "tkt-1", "The answer was lost.", (0.0, 0.5), no_sleep(slept))
    assert outcome.status is Status.PLACED and outcome.reconciled
    assert (outcome.order_id, outcome.oso1_id, outcome.oso2_id) == (10, 11, 12)
    assert outcome.cl_ord_id == "tkt-1"
    assert outcome.message == "The answer was lost. The server has the order: it was placed."
    assert slept == [0.0] and client.lookups == 1


def test_an_order_that_lands_late_is_found_on_a_later_look():
    client = FakeClient()
    client.landing, client.lands_on_lookup = [(10, "tkt-1")], 3
    slept: list[float] = []
    outcome = reconcile(client, "tkt-1", "Lost.", (0.0, 0.5, 1.5), no_sleep(slept))
    assert outcome.status is Status.PLACED and outcome.order_id == 10
    assert slept == [0.0, 0.5, 1.5]


def test_an_order_never_found_stays_unknown_and_says_how_hard_it_was_looked_for():
    client = FakeClient()
    client.lost_lookups = 1
    outcome = reconcile(client, "tkt-1", "Lost.", (0.0, 0.0, 0.0), no_sleep([]))
    assert outcome.status is Status.UNKNOWN and outcome.reconciled
    assert (outcome.order_id, outcome.cl_ord_id) == (None, "tkt-1")
    took = re.fullmatch(
        r"Lost\. No order with this id on the server after 2 checks over (\d+\.\d) s, but the "
        r"request may still be in flight\. Check your orders before placing again\.",
        outcome.message,
    )
    assert took and float(took[1]) < 30  # no real waiting: the sleeps were skipped


def test_a_look_up_after_a_failed_one_can_still_find_the_order():
    client = FakeClient()
    client.lost_lookups = 1
    client.landing, client.lands_on_lookup = [(10, "tkt-1")], 2
    outcome = reconcile(client, "tkt-1", "Lost.", (0.0, 0.0), no_sleep([]))
    assert outcome.status is Status.PLACED and outcome.order_id == 10


def test_when_the_server_cannot_be_asked_the_outcome_is_unknown_and_says_why():
    client = FakeClient()
    client.lost_lookups = 2
    outcome = reconcile(client, "tkt-1", "Lost.", (0.0, 0.0), no_sleep([]))
    assert outcome.status is Status.UNKNOWN and not outcome.reconciled
    assert outcome.cl_ord_id == "tkt-1"
    assert outcome.message == (
        "Lost. The server could not be asked whether the order exists (the connection was "
        "reset). Check your orders before placing again."
    )


# One placeOSO, end to end on the fake


def submit(client, req=None, times=(100.0, 100.125), **kw):
    clock = iter(times)
    kw.setdefault("reconcile_delays", (0.0, 0.0))
    return submit_oso(client, req or request(), clock=lambda: next(clock), **kw)


def test_the_body_goes_out_once_with_leg_ids_and_no_p_ticket():
    client = FakeClient(answer(200, {"orderId": 7, "oso1Id": 8, "oso2Id": 9}))
    submit(client)
    [(path, body)] = client.sent
    assert path == "/order/placeoso"
    assert body == with_leg_ids(request()).to_wire()
    assert "p-ticket" not in body


def test_a_resend_after_a_penalty_carries_its_ticket():
    client = FakeClient(answer(200, {"orderId": 7}))
    submit(client, p_ticket="pt-1")
    assert client.sent[0][1]["p-ticket"] == "pt-1"


def test_placed_carries_the_ids_and_the_time_it_took():
    client = FakeClient(answer(200, {"orderId": 7, "oso1Id": 8, "oso2Id": 9}))
    outcome = submit(client)
    assert outcome.status is Status.PLACED and outcome.message == "Placed."
    assert (outcome.order_id, outcome.oso1_id, outcome.oso2_id) == (7, 8, 9)
    assert outcome.cl_ord_id == "tkt-1" and not outcome.reconciled
    assert outcome.latency_ms == 125.0
    assert client.lookups == 0


def test_a_lost_answer_is_looked_up_and_never_resent():
    client = FakeClient(Reply(sent=True, failure="The read timed out."))
    client.landing, client.lands_on_lookup = [(10, "tkt-1")], 2
    outcome = submit(client)
    assert outcome.status is Status.PLACED and outcome.reconciled and outcome.order_id == 10
    assert outcome.message == "The read timed out. The server has the order: it was placed."
    assert outcome.latency_ms == 125.0
    assert len(client.sent) == 1 and client.lookups == 2


def test_a_lost_answer_found_nowhere_stays_unknown():
    client = FakeClient(Reply(sent=True, failure="The read timed out."))
    outcome = submit(client, reconcile_delays=(0.0, 0.0))
    assert outcome.status is Status.UNKNOWN and outcome.reconciled
    assert "after 2 checks" in outcome.message and client.lookups == 2
    assert len(client.sent) == 1


def test_latency_is_in_milliseconds_to_two_decimals():
    client = FakeClient(answer(200, {"orderId": 7}))
    assert submit(client, times=(100.0, 100.0001234)).latency_ms == 0.12


def test_the_log_tells_what_was_sent_and_what_became_of_it(caplog):
    client = FakeClient(answer(200, {"failureReason": "NoQuote"}))
    with caplog.at_level(logging.INFO, logger="ticket.broker.orders"):
        submit(client)
        submit(FakeClient(answer(200, {"orderId": 7})))
    assert [r.getMessage() for r in caplog.records] == [
        "placeOSO tkt-1: Buy 1 ESZ6 Limit",
        "placeOSO tkt-1: rejected in 125.0 ms (NoQuote)",
        "placeOSO tkt-1: Buy 1 ESZ6 Limit",
        "placeOSO tkt-1: placed in 125.0 ms (Placed.)",
    ]


def test_a_lost_answer_without_a_client_order_id_cannot_be_looked_up():
    client = FakeClient(Reply(sent=True, failure="The read timed out."))
    outcome = submit(client, request(cl_ord_id=None))
    assert outcome.status is Status.UNKNOWN and not outcome.reconciled
    assert outcome.message == "The read timed out. Check your orders before placing again."
    assert client.lookups == 0 and outcome.latency_ms == 125.0


def test_an_expired_session_placed_nothing_and_says_to_place_again():
    outcome = submit(FakeClient(answer(401, {"errorText": "Expired"})))
    assert outcome.status is Status.NOT_PLACED
    assert outcome.message == (
        "Nothing was placed: Tradovate did not accept the session (HTTP 401). Place the order "
        "again once the session shows signed in."
    )


def test_any_other_refusal_placed_nothing_and_says_why():
    outcome = submit(FakeClient(answer(404, {})))
    assert outcome.status is Status.NOT_PLACED
    assert outcome.message == f"Nothing was placed. {errors.http_error(404)}"
    unsent = submit(FakeClient(Reply(sent=False, failure="Could not connect.")))
    assert (unsent.status, unsent.message) == (
        Status.NOT_PLACED,
        "Nothing was placed. Could not connect.",
    )


def test_a_rejection_keeps_tradovates_reason_and_text():
    reply = answer(200, {"failureReason": "InvalidPrice", "failureText": "off the grid"})
    outcome = submit(FakeClient(reply))
    assert outcome.status is Status.REJECTED
    assert (outcome.failure_reason, outcome.failure_text) == (
        FailureReason.INVALID_PRICE,
        "off the grid",
    )
    assert outcome.message == str(errors.Rejected(FailureReason.INVALID_PRICE, "off the grid"))
    assert outcome.order_id is None


def test_a_penalty_gives_its_wait_and_the_ticket_for_the_resend():
    outcome = submit(FakeClient(answer(200, {"p-ticket": "pt-1", "p-time": 3})))
    assert outcome.status is Status.PENALISED
    assert (outcome.penalty_seconds, outcome.p_ticket) == (3.0, "pt-1")
    assert outcome.message == str(errors.Penalised("pt-1", 3.0, False))


def test_a_captcha_penalty_gives_no_ticket_to_resend_with():
    reply = answer(200, {"p-ticket": "pt-1", "p-time": 3600, "p-captcha": True})
    outcome = submit(FakeClient(reply))
    assert outcome.status is Status.PENALISED and outcome.p_ticket is None
    assert outcome.penalty_seconds == 3600.0


def test_each_look_up_is_reported_as_it_starts():
    client = FakeClient(Reply(sent=True, failure="The read timed out."))
    client.lost_lookups = 1
    seen: list[str] = []
    submit(client, reconcile_delays=(0.0, 0.0), progress=seen.append)
    assert seen == [
        "Looking the order up on the server (1 of 2, 0 s)…",
        "Looking the order up on the server (2 of 2, 0 s)…",
    ]
