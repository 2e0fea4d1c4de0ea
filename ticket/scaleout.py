"""Sending a scale-out: one placeOSO per part, one after the other, each judged on its own.

Every part goes through `submit_oso`, so each gets the one outcome rule (placed, rejected,
penalised, not placed, unknown, with the look-up by clOrdId after a lost answer) and is never
sent twice. A part that fails does not touch the others: what was placed stands, and the report
says exactly which parts are working.

A rejection is Tradovate's answer about that one order, so the next part still goes. After a
penalty, a refusal or an outcome that stays unknown, the parts not yet sent are held back: the
server is limiting, refusing or not answering, and more orders would only add to what the trader
must check. The caller keeps Place off until `submit_scaleout` returns (single flight): it
sends one part at a time and returns when every part is known or held back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from ticket.broker.client import TradovateClient
from ticket.broker.orders import Outcome, Status, submit_oso
from ticket.domain.orders import PlaceOsoRequest

# After one of these, the remaining parts are not sent.
_HOLD_BACK = (Status.PENALISED, Status.NOT_PLACED, Status.UNKNOWN)


class PartOutcome(BaseModel):
    """What became of one part. `sent` False: it was held back and never left."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    number: int
    qty: int
    target: str  # the target's price, as the trader reads it
    outcome: Outcome
    sent: bool = True


class ScaleOutOutcome(BaseModel):
    """Every part's outcome, and the ticket's in one word (`status`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    parts: tuple[PartOutcome, ...]

    def _with(self, status: Status) -> tuple[PartOutcome, ...]:
        return tuple(p for p in self.parts if p.outcome.status is status)

    @property
    def placed(self) -> tuple[PartOutcome, ...]:
        return self._with(Status.PLACED)

    @property
    def unknown(self) -> tuple[PartOutcome, ...]:
        return self._with(Status.UNKNOWN)

    @property
    def working_qty(self) -> int:
        return sum(p.qty for p in self.placed)

    @property
    def status(self) -> Status | None:
        """PLACED when every part was; UNKNOWN when any part's outcome is; None when some parts
        were placed and others not (partly placed); else the first part's failure."""
        if self.unknown:
            return Status.UNKNOWN
        if len(self.placed) == len(self.parts):
            return Status.PLACED
        if self.placed:
            return None
        return self.parts[0].outcome.status

    @property
    def nothing_placed(self) -> bool:
        """True when no part was placed and none may have been: sending the ticket again is no
        duplicate."""
        return not self.placed and not self.unknown

    def lines(self) -> list[str]:
        """The report in words: the ticket's state, then one line per part."""
        total = sum(p.qty for p in self.parts)
        count = len(self.parts)
        working = self.working_qty
        if self.status is Status.PLACED:
            head = (
                f"PLACED: all {count} parts, {total} contracts, each with its own stop and target."
            )
        elif self.unknown:
            head = (
                f"UNKNOWN: {len(self.unknown)} of {count} parts may or may not be on the server; "
                f"{working} of {total} contracts are known to be working. Check your orders "
                "before placing again."
            )
        elif self.placed:
            head = (
                f"PARTLY PLACED: {len(self.placed)} of {count} parts, {working} of {total} "
                "contracts, are working with their stop and target; the others are not."
            )
        else:
            head = f"{self.parts[0].outcome.status.value.upper()}: no part was placed."
        lines = [head]
        for part in self.parts:
            outcome = part.outcome
            what = f"Part {part.number}: {part.qty} at {part.target}: "
            if outcome.status is Status.PLACED:
                legs = " ".join(str(i) for i in (outcome.oso1_id, outcome.oso2_id) if i)
                text = f"working, order {outcome.order_id}" + (f", legs {legs}" if legs else "")
            elif not part.sent:
                text = f"not sent. {outcome.message}"
            else:
                text = f"{outcome.status.value.replace('_', ' ')}. {outcome.message}"
                if outcome.status is Status.UNKNOWN:
                    text += f" clOrdId {outcome.cl_ord_id}"
            lines.append(what + text)
        return lines


def held_back(number: int, after: PartOutcome, request: PlaceOsoRequest) -> Outcome:
    return Outcome(
        status=Status.NOT_PLACED,
        cl_ord_id=request.cl_ord_id,
        message=f"Held back after part {after.number} was "
        f"{after.outcome.status.value.replace('_', ' ')}: nothing was sent for part {number}.",
    )


def submit_scaleout(
    client: TradovateClient,
    requests: Sequence[PlaceOsoRequest],
    targets: Sequence[str],
    *,
    p_ticket: str | None = None,
    reconcile_delays: Sequence[float] = (0.0, 0.5, 1.5),
    progress: Callable[[str], None] | None = None,
    on_part: Callable[[PartOutcome], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> ScaleOutOutcome:
    """Send each part's placeOSO once, in order, and say what became of each. `targets` are
    the parts' target prices as text, for the report; `on_part` hears each outcome as it is
    known, held-back parts included. `p_ticket` goes with the first part: the same ticket
    sent again after a penalty on that part, as Tradovate asks."""
    done: list[PartOutcome] = []
    stopper: PartOutcome | None = None
    for number, (request, target) in enumerate(zip(requests, targets, strict=True), 1):
        if stopper is not None:
            part = PartOutcome(
                number=number,
                qty=request.order_qty,
                target=target,
                outcome=held_back(number, stopper, request),
                sent=False,
            )
        else:
            if progress is not None and len(requests) > 1:
                progress(f"Sending part {number} of {len(requests)}…")
            outcome = submit_oso(
                client,
                request,
                p_ticket=p_ticket if number == 1 else None,
                reconcile_delays=reconcile_delays,
                progress=progress,
                clock=clock,
            )
            part = PartOutcome(number=number, qty=request.order_qty, target=target, outcome=outcome)
            if outcome.status in _HOLD_BACK:
                stopper = part
        done.append(part)
        if on_part is not None:
            on_part(part)
    return ScaleOutOutcome(parts=tuple(done))
