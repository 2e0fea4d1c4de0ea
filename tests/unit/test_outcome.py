"""The one outcome rule, as a table: what came back from an order call, and what it proves."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.broker import errors
from ticket.broker.outcome import Reply, Status, judge, verdict_error
from ticket.domain.orders import FailureReason

PLACED, REJECTED, PENALISED = Status.PLACED, Status.REJECTED, Status.PENALISED
NOT_PLACED, UNKNOWN = Status.NOT_PLACED, Status.UNKNOWN


def answered(status: int, body: object | bytes) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(sent=True, status=status, body=raw)


TABLE = [
    # what came back                                                       verdict
    ("never sent", Reply(sent=False, failure="refused"), NOT_PLACED),
    ("sent, answer lost", Reply(sent=True, failure="ReadTimeout"), UNKNOWN),
    ("success", answered(200, {"orderId": 7, "oso1Id": 8, "oso2Id": 9}), PLACED),
    ("success, one leg", answered(200, {"orderId": 7, "oso1Id": 8}), PLACED),
    ("success, no legs listed", answered(200, {"orderId": 7}), PLACED),
    ("success says Success", answered(200, {"orderId": 7, "failureReason": "Success"}), PLACED),
    ("success, empty failureText", answered(200, {"orderId": 7, "failureText": ""}), PLACED),
    ("other 2xx, well-formed", answered(201, {"orderId": 7}), PLACED),
    (
        "rejection",
        answered(200, {"failureReason": "InvalidPrice", "failureText": "off the grid"}),
        REJECTED,
    ),
    ("rejection, reason only", answered(200, {"failureReason": "NoQuote"}), REJECTED),
    ("rejection, text only", answered(200, {"failureText": "Access is denied"}), REJECTED),
    ("violations", answered(200, {"violations": [{"constraint": "qty"}]}), REJECTED),
    ("penalty", answered(200, {"p-ticket": "t1", "p-time": 3, "p-captcha": False}), PENALISED),
    ("penalty, no captcha field", answered(200, {"p-ticket": "t1", "p-time": 3.5}), PENALISED),
    ("captcha", answered(200, {"p-ticket": "t1", "p-time": 0, "p-captcha": True}), PENALISED),
    ("400", answered(400, {"errorText": "bad"}), NOT_PLACED),
    ("401", answered(401, b""), NOT_PLACED),
    ("403", answered(403, b""), NOT_PLACED),
    ("404", answered(404, b"Not found"), NOT_PLACED),
    ("423", answered(423, b""), NOT_PLACED),
    ("429", answered(429, b""), NOT_PLACED),
    ("499", answered(499, b""), NOT_PLACED),
    ("500", answered(500, b""), UNKNOWN),
    ("502 from a gateway", answered(502, b"<html>Bad Gateway</html>"), UNKNOWN),
    ("504 from a gateway", answered(504, b"<html>Gateway Timeout</html>"), UNKNOWN),
    ("503 with a success body", answered(503, {"orderId": 7}), UNKNOWN),
    ("a redirect", answered(302, b""), UNKNOWN),
    ("1xx", answered(199, b""), UNKNOWN),
    ("200 with HTML", answered(200, b"<html>maintenance</html>"), UNKNOWN),
    ("200, empty body", answered(200, b""), UNKNOWN),
    ("200, null", answered(200, None), UNKNOWN),
    ("200, a list", answered(200, []), UNKNOWN),
    ("200, an empty object", answered(200, {}), UNKNOWN),
    ("200, orderId a string", answered(200, {"orderId": "abc"}), UNKNOWN),
    ("200, orderId a numeric string", answered(200, {"orderId": "7"}), UNKNOWN),
    ("200, orderId zero", answered(200, {"orderId": 0}), UNKNOWN),
    ("200, orderId negative", answered(200, {"orderId": -7}), UNKNOWN),
    ("200, orderId a float", answered(200, {"orderId": 7.0}), UNKNOWN),
    ("200, orderId true", answered(200, {"orderId": True}), UNKNOWN),
    ("200, orderId NaN", answered(200, b'{"orderId": NaN}'), UNKNOWN),
    ("200, a leg id a string", answered(200, {"orderId": 7, "oso1Id": "8"}), UNKNOWN),
    ("200, id and a failure", answered(200, {"orderId": 7, "failureReason": "NoQuote"}), UNKNOWN),
    ("200, id and failureText", answered(200, {"orderId": 7, "failureText": "no"}), UNKNOWN),
    ("200, unknown reason", answered(200, {"failureReason": "SomethingNew"}), UNKNOWN),
    ("200, reason not a string", answered(200, {"failureReason": 3}), UNKNOWN),
    ("200, reason a list", answered(200, {"orderId": None, "failureReason": []}), UNKNOWN),
    ("200, text not a string", answered(200, {"failureText": ["no"]}), UNKNOWN),
    ("200, Success and no id", answered(200, {"failureReason": "Success"}), UNKNOWN),
    ("200, p-ticket empty", answered(200, {"p-ticket": "", "p-time": 3}), UNKNOWN),
    ("200, p-ticket a number", answered(200, {"p-ticket": 5, "p-time": 3}), UNKNOWN),
    ("200, p-time a string", answered(200, {"p-ticket": "t", "p-time": "3"}), UNKNOWN),
    ("200, p-time negative", answered(200, {"p-ticket": "t", "p-time": -1}), UNKNOWN),
    ("200, p-time infinite", answered(200, b'{"p-ticket": "t", "p-time": Infinity}'), UNKNOWN),
    ("200, p-captcha a string", answered(200, {"p-ticket": "t", "p-captcha": "yes"}), UNKNOWN),
    ("200, violations empty", answered(200, {"violations": []}), UNKNOWN),
    ("200, violations not a list", answered(200, {"violations": "qty"}), UNKNOWN),
    ("200, violations and an id", answered(200, {"violations": ["x"], "orderId": 7}), UNKNOWN),
    ("200, deeply nested", answered(200, b"[" * 100_000 + b"]" * 100_000), UNKNOWN),
    ("200, not UTF-8", answered(200, b"\xff\xfe{"), UNKNOWN),
]


@pytest.mark.parametrize(("case", "reply", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_each_kind_of_answer_gets_the_verdict_it_proves(case, reply, expected):
    assert judge(reply).status is expected


def test_a_placed_verdict_carries_the_three_ids():
    verdict = judge(answered(200, {"orderId": 7, "oso1Id": 8, "oso2Id": 9}))
    assert (verdict.order_id, verdict.oso1_id, verdict.oso2_id) == (7, 8, 9)


def test_a_rejection_carries_tradovates_reason_and_text():
    verdict = judge(answered(200, {"failureReason": "InvalidPrice", "failureText": "grid"}))
    assert (verdict.failure_reason, verdict.failure_text) == (FailureReason.INVALID_PRICE, "grid")
    error = verdict_error(verdict)
    assert isinstance(error, errors.Rejected) and error.reason is FailureReason.INVALID_PRICE


def test_a_penalty_carries_its_ticket_time_and_captcha():
    verdict = judge(answered(200, {"p-ticket": "abc", "p-time": 12, "p-captcha": True}))
    assert (verdict.p_ticket, verdict.p_time, verdict.p_captcha) == ("abc", 12.0, True)


def test_modify_and_cancel_succeed_on_a_command_id_and_not_on_an_order_id():
    assert judge(answered(200, {"commandId": 41}), "commandId").command_id == 41
    assert judge(answered(200, {"orderId": 41}), "commandId").status is UNKNOWN


def test_only_unknown_becomes_outcome_unknown_and_only_4xx_or_unsent_not_placed():
    assert isinstance(verdict_error(judge(answered(502, b""))), errors.OutcomeUnknown)
    assert isinstance(verdict_error(judge(answered(429, b""))), errors.RateLimited)
    assert isinstance(verdict_error(judge(Reply(sent=False))), errors.NotSent)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
keys = st.sampled_from(
    ["orderId", "oso1Id", "oso2Id", "failureReason", "failureText", "p-ticket", "p-time"]
)


@given(
    status=st.integers(min_value=100, max_value=599),
    body=st.dictionaries(keys, json_values, max_size=5) | json_values,
)
def test_no_answer_is_ever_called_not_placed_unless_it_is_a_4xx(status, body):
    raw = json.dumps(body).encode()
    verdict = judge(Reply(sent=True, status=status, body=raw))
    assert (verdict.status is NOT_PLACED) == (400 <= status < 500)
    if verdict.status is PLACED:
        assert isinstance(body, dict) and type(body["orderId"]) is int and body["orderId"] > 0


@given(st.binary(max_size=64))
def test_any_bytes_get_a_verdict_and_never_an_exception(raw):
    assert judge(Reply(sent=True, status=200, body=raw)).status in set(Status)
