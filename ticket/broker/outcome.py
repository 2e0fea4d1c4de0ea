"""The one rule that says what became of an order request, from what came back.

    placed      a well-formed result: an orderId (a positive integer), no failure
    rejected    Tradovate's own well-formed rejection: a known failureReason other than
                Success, or a failureText, and no orderId; or a list of field violations
    penalised   a well-formed p-ticket body: nothing was done, wait p-time seconds
    not placed  proof that nothing was acted on: the request never left, or an HTTP 4xx
    unknown     everything else: any 5xx (whoever sent it), any 2xx body that is not one of
                the above, a timeout, a reset, an interrupted request

`judge` is pure and table-tested. Unknown is never softened here: only a look-up of the
order on the server (`ticket.broker.orders.reconcile`) may turn it into placed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ticket.broker import errors
from ticket.domain.orders import FailureReason

_REASONS = {r.value for r in FailureReason}


class Status(StrEnum):
    PLACED = "placed"
    REJECTED = "rejected"
    PENALISED = "penalised"
    NOT_PLACED = "not_placed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    """What came back from one order request, before any interpretation.

    `sent` is False only when the request provably never left (the connection could not be
    opened). `status` is None when no answer arrived (timeout, reset, interrupt)."""

    sent: bool
    status: int | None = None
    body: bytes = b""
    failure: str = ""  # what went wrong on the wire, in words


@dataclass(frozen=True)
class Verdict:
    status: Status
    why: str
    order_id: int | None = None
    oso1_id: int | None = None
    oso2_id: int | None = None
    command_id: int | None = None
    oco_id: int | None = None  # placeOCO: the other order
    failure_reason: FailureReason | None = None
    failure_text: str | None = None
    p_ticket: str | None = None
    p_time: float | None = None
    p_captcha: bool = False
    http_status: int | None = None


def _id(value: object) -> int | None:
    """A Tradovate entity id: a positive JSON integer (true and 1.0 are not ids)."""
    if type(value) is int and value > 0:
        return value
    return None


def _unknown(why: str, status: int | None = None) -> Verdict:
    return Verdict(Status.UNKNOWN, why, http_status=status)


def judge(reply: Reply, id_field: str = "orderId") -> Verdict:
    """The verdict on one order call. `id_field` names the id a success carries: `orderId`
    for placeorder, placeOSO, placeOCO and liquidateposition; `commandId` for modify and
    cancel."""
    if not reply.sent:
        return Verdict(Status.NOT_PLACED, reply.failure or "The request never left.")
    status = reply.status
    if status is None:
        return _unknown(reply.failure or "The answer was lost.")
    if 400 <= status < 500:
        return Verdict(Status.NOT_PLACED, f"Refused with HTTP {status}.", http_status=status)
    if not 200 <= status < 300:
        return _unknown(f"The server answered HTTP {status}.", status)
    try:
        data = json.loads(reply.body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return _unknown(f"The server answered HTTP {status} with a body that is not JSON.", status)
    if not isinstance(data, dict):
        return _unknown(f"The server answered HTTP {status} with an unexpected body.", status)
    return _judge_object(data, id_field, status)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _judge_object(data: dict[str, Any], id_field: str, status: int) -> Verdict:
    malformed = _unknown(
        f"The server answered HTTP {status} with a result that is not well-formed.", status
    )
    if "p-ticket" in data:
        return _penalty(data, status) or malformed
    reason = data.get("failureReason")
    text = data.get("failureText")
    if reason is not None and (not isinstance(reason, str) or reason not in _REASONS):
        return malformed
    if text is not None and not isinstance(text, str):
        return malformed
    failed = (reason is not None and reason != FailureReason.SUCCESS) or bool(text)
    violations = data.get("violations")
    if violations is not None:
        if not isinstance(violations, list) or not violations or id_field in data:
            return malformed
        return Verdict(
            Status.REJECTED,
            "The server refused a field.",
            failure_text="; ".join(map(str, violations)),
            http_status=status,
        )
    new_id = data.get(id_field)
    if failed:
        if new_id is not None:
            return malformed  # an id and a failure: the two contradict each other
        return Verdict(
            Status.REJECTED,
            "Tradovate rejected it.",
            failure_reason=FailureReason(reason) if reason is not None else None,
            failure_text=text or None,
            http_status=status,
        )
    if _id(new_id) is None:
        return malformed
    legs = [data.get("oso1Id"), data.get("oso2Id"), data.get("ocoId")]
    if any(leg is not None and _id(leg) is None for leg in legs):
        return malformed
    return Verdict(
        Status.PLACED,
        "Placed.",
        order_id=_id(new_id) if id_field == "orderId" else _id(data.get("orderId")),
        oso1_id=_id(legs[0]),
        oso2_id=_id(legs[1]),
        command_id=_id(new_id) if id_field == "commandId" else None,
        oco_id=_id(legs[2]),
        http_status=status,
    )


def _penalty(data: dict[str, Any], status: int) -> Verdict | None:
    ticket, seconds, captcha = data.get("p-ticket"), data.get("p-time", 0), data.get("p-captcha")
    if not isinstance(ticket, str) or not ticket:
        return None
    if type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0:
        return None
    if captcha is not None and not isinstance(captcha, bool):
        return None
    return Verdict(
        Status.PENALISED,
        "Tradovate imposed a time penalty: nothing was done.",
        p_ticket=ticket,
        p_time=float(seconds),
        p_captcha=bool(captcha),
        http_status=status,
    )


def verdict_error(verdict: Verdict) -> errors.BrokerError:
    """The error that stands for a verdict other than placed, for callers that raise."""
    if verdict.status is Status.REJECTED:
        return errors.Rejected(verdict.failure_reason, verdict.failure_text)
    if verdict.status is Status.PENALISED:
        return errors.Penalised(verdict.p_ticket or "", verdict.p_time or 0.0, verdict.p_captcha)
    if verdict.status is Status.NOT_PLACED:
        if verdict.http_status is not None:
            return errors.http_error(verdict.http_status)
        return errors.NotSent(verdict.why)
    return errors.OutcomeUnknown(verdict.why)
