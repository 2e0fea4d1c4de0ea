"""Sending a bracket and knowing, always, what became of it.

`submit_oso` turns every way a placeOSO can end into one `Outcome`, by the one rule in
`ticket.broker.outcome`: placed, rejected, penalised, not placed, or unknown. It never resends:
an unknown outcome is looked up by its clOrdId, and stays unknown unless the order is found.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors
from ticket.broker.client import TradovateClient, essential_action
from ticket.broker.outcome import Status, Verdict, judge, verdict_error
from ticket.domain.orders import FailureReason, PlaceOsoRequest

__all__ = ["FoundOrder", "Outcome", "Status", "find_by_cl_ord_id", "reconcile", "submit_oso"]

log = logging.getLogger(__name__)


class Outcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    status: Status
    cl_ord_id: str | None
    message: str
    order_id: int | None = None
    oso1_id: int | None = None
    oso2_id: int | None = None
    failure_reason: FailureReason | None = None
    failure_text: str | None = None
    penalty_seconds: float | None = None
    p_ticket: str | None = None
    reconciled: bool = False  # the ids came from a look-up after a lost answer
    latency_ms: float | None = None


class FoundOrder(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    order_id: int
    oso1_id: int | None
    oso2_id: int | None


@essential_action
def find_by_cl_ord_id(client: TradovateClient, cl_ord_id: str) -> FoundOrder | None:
    """The order the server made from a request with this clOrdId, and its bracket legs.

    Orders carry no clOrdId; the command that created them does. A command alone proves
    nothing (a refused request may leave one), so the order itself must exist. Legs are found
    by the clOrdId the ticket gave them (`<id>.1`, `<id>.2`), else as the entry's children by
    parentId, in the order they were made.
    """
    commands = client.commands()
    by_cl = {c.cl_ord_id: c.order_id for c in commands if c.cl_ord_id and c.command_type == "New"}
    order_id = by_cl.get(cl_ord_id)
    if order_id is None:
        return None
    try:
        client.order(order_id)
    except errors.NotFound:
        return None
    legs = [by_cl.get(f"{cl_ord_id}.1"), by_cl.get(f"{cl_ord_id}.2")]
    if legs[0] is None:
        children = sorted(o.id for o in client.orders() if o.parent_id == order_id)
        legs = [*children[:2], None, None][:2]
    return FoundOrder(order_id=order_id, oso1_id=legs[0], oso2_id=legs[1])


def with_leg_ids(request: PlaceOsoRequest) -> PlaceOsoRequest:
    """Give each leg a clOrdId derived from the entry's, so a look-up can find the legs too."""
    if not request.cl_ord_id:
        return request
    update: dict[str, object] = {
        "bracket1": request.bracket1.model_copy(update={"cl_ord_id": f"{request.cl_ord_id}.1"})
    }
    if request.bracket2 is not None:
        update["bracket2"] = request.bracket2.model_copy(
            update={"cl_ord_id": f"{request.cl_ord_id}.2"}
        )
    return request.model_copy(update=update)


def reconcile(
    client: TradovateClient,
    cl_ord_id: str,
    why: str,
    delays: Sequence[float] = (0.0, 0.5, 1.5),
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Look the order up a few times (the server may record it a moment late). Found: placed.
    Not found: still unknown, because the request may be in flight inside the server or a
    gateway; nothing short of the order itself proves anything."""
    looked = 0
    last_error = ""
    started = time.monotonic()
    for n, delay in enumerate(delays, 1):
        sleep(delay)
        if progress is not None:
            progress(
                f"Looking the order up on the server ({n} of {len(delays)}, "
                f"{time.monotonic() - started:.0f} s)…"
            )
        try:
            found = find_by_cl_ord_id(client, cl_ord_id)
        except errors.BrokerError as exc:
            last_error = str(exc)
            continue
        looked += 1
        if found is not None:
            return Outcome(
                status=Status.PLACED,
                cl_ord_id=cl_ord_id,
                message=f"{why} The server has the order: it was placed.",
                order_id=found.order_id,
                oso1_id=found.oso1_id,
                oso2_id=found.oso2_id,
                reconciled=True,
            )
    if looked:
        return Outcome(
            status=Status.UNKNOWN,
            cl_ord_id=cl_ord_id,
            message=f"{why} No order with this id on the server after {looked} checks over "
            f"{time.monotonic() - started:.1f} s, but the request may still be in flight. "
            "Check your orders before placing again.",
            reconciled=True,
        )
    return Outcome(
        status=Status.UNKNOWN,
        cl_ord_id=cl_ord_id,
        message=f"{why} The server could not be asked whether the order exists "
        f"({last_error}). Check your orders before placing again.",
    )


def submit_oso(
    client: TradovateClient,
    request: PlaceOsoRequest,
    *,
    p_ticket: str | None = None,
    reconcile_delays: Sequence[float] = (0.0, 0.5, 1.5),
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Send one bracket once and say what became of it (see `ticket.broker.outcome`)."""
    request = with_leg_ids(request)
    cl = request.cl_ord_id
    started = clock()
    log.info(
        "placeOSO %s: %s %s %s %s",
        cl,
        request.action.value,
        request.order_qty,
        request.symbol,
        request.order_type.value,
    )
    body: dict[str, object] = request.to_wire()
    if p_ticket:
        body["p-ticket"] = p_ticket
    verdict = judge(client.send_order("/order/placeoso", body))
    latency = round((clock() - started) * 1000, 2)
    if verdict.status is Status.UNKNOWN and cl is not None:
        outcome = reconcile(client, cl, verdict.why, reconcile_delays, progress=progress)
        outcome = outcome.model_copy(update={"latency_ms": latency})
    else:
        outcome = outcome_of(verdict, cl, latency)
    log.info(
        "placeOSO %s: %s in %s ms (%s)",
        cl,
        outcome.status.value,
        outcome.latency_ms,
        outcome.failure_reason or outcome.message,
    )
    return outcome


def outcome_of(verdict: Verdict, cl_ord_id: str | None, latency_ms: float | None) -> Outcome:
    """A verdict in a trader's words."""
    status = verdict.status
    message = verdict.why
    if status is Status.PLACED:
        message = "Placed."
    elif status is Status.NOT_PLACED and verdict.http_status == 401:
        # whether the session could be renewed is the session bar's to say: this is true either way
        message = (
            "Nothing was placed: Tradovate did not accept the session (HTTP 401). Place the "
            "order again once the session shows signed in."
        )
    elif status is not Status.UNKNOWN:
        message = str(verdict_error(verdict))
        if status is Status.NOT_PLACED:
            message = f"Nothing was placed. {message}"
    else:
        message = f"{message} Check your orders before placing again."
    return Outcome(
        status=status,
        cl_ord_id=cl_ord_id,
        message=message,
        order_id=verdict.order_id,
        oso1_id=verdict.oso1_id,
        oso2_id=verdict.oso2_id,
        failure_reason=verdict.failure_reason,
        failure_text=verdict.failure_text,
        penalty_seconds=verdict.p_time,
        p_ticket=None if verdict.p_captcha else verdict.p_ticket,
        latency_ms=latency_ms,
    )
