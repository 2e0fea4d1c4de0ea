"""The edges of the outcome rule: the first status past success, the smallest id, a penalty
without its time, and the words and error each verdict carries."""

import json

import pytest

from ticket.broker import errors
from ticket.broker.outcome import Reply, Status, judge, verdict_error


def answered(status: int, body: object) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(sent=True, status=status, body=raw)


@pytest.mark.parametrize(("status", "expected"), [(200, 7), (299, 7), (300, None)])
def test_success_is_the_2xx_range_and_nothing_past_it(status, expected):
    verdict = judge(answered(status, {"orderId": 7}))
    assert verdict.order_id == expected
    assert verdict.status is (Status.PLACED if expected else Status.UNKNOWN)


def test_the_smallest_id_is_an_id():
    verdict = judge(answered(200, {"orderId": 1, "oso1Id": 1}))
    assert (verdict.status, verdict.order_id, verdict.oso1_id) == (Status.PLACED, 1, 1)


def test_a_body_with_nan_anywhere_is_not_json():
    verdict = judge(answered(200, b'{"orderId": 7, "avgPrice": NaN}'))
    assert verdict.status is Status.UNKNOWN


def test_a_penalty_without_a_time_means_no_wait():
    verdict = judge(answered(200, {"p-ticket": "t1"}))
    assert (verdict.status, verdict.p_time, verdict.p_captcha) == (Status.PENALISED, 0.0, False)


def test_a_command_answer_carries_the_order_it_acted_on():
    verdict = judge(answered(200, {"commandId": 41, "orderId": 7}), "commandId")
    assert (verdict.command_id, verdict.order_id) == (41, 7)
    assert judge(answered(200, {"commandId": 41}), "commandId").order_id is None
    assert judge(answered(200, {"orderId": 7, "commandId": 41})).command_id is None


@pytest.mark.parametrize(
    ("reply", "status", "why"),
    [
        (Reply(sent=False), Status.NOT_PLACED, "The request never left."),
        (Reply(sent=False, failure="Refused."), Status.NOT_PLACED, "Refused."),
        (Reply(sent=True), Status.UNKNOWN, "The answer was lost."),
        (Reply(sent=True, failure="Timed out."), Status.UNKNOWN, "Timed out."),
        (answered(404, b""), Status.NOT_PLACED, "Refused with HTTP 404."),
        (answered(502, b""), Status.UNKNOWN, "The server answered HTTP 502."),
        (
            answered(200, b"<html>"),
            Status.UNKNOWN,
            "The server answered HTTP 200 with a body that is not JSON.",
        ),
        (
            answered(201, b"[7]"),
            Status.UNKNOWN,
            "The server answered HTTP 201 with an unexpected body.",
        ),
        (
            answered(200, {"orderId": "7"}),
            Status.UNKNOWN,
            "The server answered HTTP 200 with a result that is not well-formed.",
        ),
        (
            answered(200, {"p-ticket": ""}),
            Status.UNKNOWN,
            "The server answered HTTP 200 with a result that is not well-formed.",
        ),
        (answered(200, {"orderId": 7}), Status.PLACED, "Placed."),
        (answered(200, {"failureReason": "NoQuote"}), Status.REJECTED, "Tradovate rejected it."),
        (answered(200, {"violations": ["qty"]}), Status.REJECTED, "The server refused a field."),
        (
            answered(200, {"p-ticket": "t1", "p-time": 2}),
            Status.PENALISED,
            "Tradovate imposed a time penalty: nothing was done.",
        ),
    ],
)
def test_each_verdict_says_what_came_back(reply, status, why):
    verdict = judge(reply)
    assert (verdict.status, verdict.why) == (status, why)
    assert verdict.http_status == reply.status


def test_field_violations_are_listed_in_the_failure_text():
    verdict = judge(answered(200, {"violations": ["orderQty", "price"]}))
    assert verdict.failure_text == "orderQty; price"


def test_the_error_for_a_verdict_keeps_what_the_verdict_knew():
    penalty = verdict_error(judge(answered(200, {"p-ticket": "t1", "p-time": 2.5})))
    assert isinstance(penalty, errors.Penalised)
    assert (penalty.ticket, penalty.seconds, penalty.captcha) == ("t1", 2.5, False)
    captcha = verdict_error(judge(answered(200, {"p-ticket": "t1", "p-captcha": True})))
    assert (captcha.ticket, captcha.seconds, captcha.captcha) == ("t1", 0.0, True)
    unknown = verdict_error(judge(Reply(sent=True, failure="Timed out.")))
    assert isinstance(unknown, errors.OutcomeUnknown) and str(unknown) == "Timed out."
    unsent = verdict_error(judge(Reply(sent=False, failure="Refused.")))
    assert isinstance(unsent, errors.NotSent) and str(unsent) == "Refused."
