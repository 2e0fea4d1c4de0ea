"""Sending a bracket and knowing, always, what became of it.

`submit_oso` turns every way a placeOSO can end into one `Outcome`: placed, rejected, penalised,
not placed, or unknown. When the answer is lost it never resends: it looks the order up by its
clOrdId and reports what the server holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors
from ticket.broker.client import TradovateClient
from ticket.domain.orders import FailureReason, PlaceOsoRequest

log = logging.getLogger(__name__)


class Status(StrEnum):
    PLACED = "placed"
    REJECTED = "rejected"
    PENALISED = "penalised"
    NOT_PLACED = "not_placed"
    UNKNOWN = "unknown"


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


def find_by_cl_ord_id(client: TradovateClient, cl_ord_id: str) -> FoundOrder | None:
    """The order the server made from a request with this clOrdId, and its bracket legs.

    Orders carry no clOrdId; the command that created them does. Legs are found by the clOrdId
    the ticket gave them (`<id>.1`, `<id>.2`), else as the entry's children by parentId.
    """
    commands = client.commands()
    by_cl = {c.cl_ord_id: c.order_id for c in commands if c.cl_ord_id and c.command_type == "New"}
    order_id = by_cl.get(cl_ord_id)
    if order_id is None:
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
    answered: bool = False,
) -> Outcome:
    """Look the order up a few times (the server may record it a moment late).

    Finding nothing proves "not placed" only when the server had answered (HTTP 5xx). When the
    answer was lost on the way, the request may still be in flight inside the server, so the
    outcome stays unknown; the window keeps looking it up.
    """
    looked = 0
    started = time.monotonic()
    for delay in delays:
        sleep(delay)
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
    if looked and answered:
        return Outcome(
            status=Status.NOT_PLACED,
            cl_ord_id=cl_ord_id,
            message=f"{why} The server has no order with this id after {looked} checks: "
            "it was not placed.",
            reconciled=True,
        )
    if looked:
        return Outcome(
            status=Status.UNKNOWN,
            cl_ord_id=cl_ord_id,
            message=f"{why} No order with this id on the server after {looked} checks over "
            f"{time.monotonic() - started:.1f} s: most likely not placed, but the request may "
            "still be in flight. Check your orders before placing again.",
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
) -> Outcome:
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
    outcome = _submit(client, request, p_ticket, reconcile_delays, clock, started)
    log.info(
        "placeOSO %s: %s in %s ms (%s)",
        cl,
        outcome.status.value,
        outcome.latency_ms,
        outcome.failure_reason or outcome.message,
    )
    return outcome


def _submit(
    client: TradovateClient,
    request: PlaceOsoRequest,
    p_ticket: str | None,
    reconcile_delays: Sequence[float],
    clock: Callable[[], float],
    started: float,
) -> Outcome:
    cl = request.cl_ord_id

    def took() -> float:
        return round((clock() - started) * 1000, 2)

    try:
        result = client.place_oso(request, p_ticket=p_ticket)
    except errors.Rejected as exc:
        return Outcome(
            status=Status.REJECTED,
            cl_ord_id=cl,
            message=str(exc),
            failure_reason=exc.reason,
            failure_text=exc.text,
            latency_ms=took(),
        )
    except errors.Penalised as exc:
        return Outcome(
            status=Status.PENALISED,
            cl_ord_id=cl,
            message=str(exc),
            penalty_seconds=exc.seconds,
            p_ticket=None if exc.captcha else exc.ticket,
            latency_ms=took(),
        )
    except (errors.NotSent, errors.HttpStatusError) as exc:
        # Refused outright (401, 404, 429, 400...) or never sent: nothing was placed.
        return Outcome(status=Status.NOT_PLACED, cl_ord_id=cl, message=str(exc), latency_ms=took())
    except errors.OutcomeUnknown as exc:
        if cl is None:
            return Outcome(status=Status.UNKNOWN, cl_ord_id=None, message=str(exc))
        outcome = reconcile(client, cl, str(exc), reconcile_delays, answered=exc.answered)
        return outcome.model_copy(update={"latency_ms": took()})
    return Outcome(
        status=Status.PLACED,
        cl_ord_id=cl,
        message="Placed.",
        order_id=result.order_id,
        oso1_id=result.oso1_id,
        oso2_id=result.oso2_id,
        latency_ms=took(),
    )
