"""Auto break-even and trailing for one stop order, from live quotes, through the modify path.

`AutoStop` feeds each quote, with the position and the stop as the account replica holds them,
through the domain's machine (`ticket.domain.trailing`); a new stop goes out through the one
`Modifier` as an automated change (`isAutomated` true), on a worker thread of its own so the
quote thread never waits for HTTP. At most one change is on its way, one per order per second
(the machine's rule), none while Tradovate refuses requests, and none that would leave less than
`HEADROOM` of the client's request budget.

A caller that owns the replica on the thread that feeds the quotes (the window) passes its own
`watch` and `send`: the change then goes out its way, still through the one `Modifier`.

It runs only while the caller says both the account feed and the quotes are live
(`set_live`); otherwise it does nothing and says why in `on_status`: the stop held by the server
stays where it is. Callbacks run on the thread that fed the quote or the state, or the worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol, TypeVar

from ticket.broker.budget import RequestBudget
from ticket.broker.modify import Modifier, ModifyOutcome, ModifyStatus
from ticket.broker.replica import AccountReplica
from ticket.domain.instruments import Instrument
from ticket.domain.orders import OrdStatus
from ticket.domain.pnl import Position, Quote
from ticket.domain.trailing import AutoStopRule, AutoStopState, AutoStopStep, Why, auto_stop_step

log = logging.getLogger(__name__)
T = TypeVar("T")


class ReplicaReader(Protocol):
    """Where the position and the stop are read: a `ReplicaWatch`, or a replica owned by the
    thread that feeds the quotes."""

    def read(self, look: Callable[[AccountReplica], T]) -> T | None: ...


# Room kept in each window of the request budget for what a person does meanwhile (a cancel, a
# flatten, a look-up): the auto stop sends only while more than this is left.
HEADROOM = (2, 20, 300)  # in the second, the minute, the hour
BUDGET_WORDS = "Auto stop holds: the request budget is nearly spent; it goes on when there is room."


def has_room(budget: RequestBudget) -> bool:
    """Whether one more automated change leaves `HEADROOM` in every window of the budget."""
    used = budget.used()
    limits = (budget.per_second, budget.per_minute, budget.per_hour)
    return all(u + 1 <= limit - room for u, limit, room in zip(used, limits, HEADROOM, strict=True))


class AutoStop:
    """One stop order (`stop_id`) of one contract, adjusted by `rule`."""

    def __init__(
        self,
        modifier: Modifier,
        rule: AutoStopRule,
        *,
        stop_id: int,
        contract_id: int,
        instrument: Instrument,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[str], None] = lambda words: None,
        on_outcome: Callable[[ModifyOutcome], None] = lambda outcome: None,
        watch: ReplicaReader | None = None,
        send: Callable[[Decimal], None] | None = None,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        reader = watch or modifier.watch
        if reader is None:
            raise ValueError("The auto stop reads the position from the account replica.")
        self.modifier = modifier
        self.watch: ReplicaReader = reader
        # A caller with its own way to the Modifier (the window's, confirmed on its own thread)
        # sends the new stop itself and says while a change is on its way.
        self._send_with = send
        self._busy_with = busy
        self.rule = rule
        self.stop_id = stop_id
        self.contract_id = contract_id
        self.instrument = instrument
        self.clock = clock
        self.on_status = on_status
        self.on_outcome = on_outcome
        self.state = AutoStopState()
        self.live = False
        self.status = "Auto stop waits for live quotes and the account feed."
        self.sent: list[Decimal] = []  # every stop it sent, in order
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def set_live(self, live: bool, why: str = "") -> None:
        """Whether the account feed and the quotes are both live now."""
        with self._lock:
            changed = live is not self.live
            self.live = live
        if changed and not live:
            detail = f" ({why})" if why else ""
            self._say(
                f"Auto stop paused{detail}: it adjusts nothing until the account feed and the "
                "quotes are live again. The stop stays where it is on the server."
            )
        elif changed:
            self._say("Auto stop running.")

    def _read(self, replica: AccountReplica) -> tuple[Position, Decimal] | None:
        stop = replica.order(self.stop_id)
        held = replica.position(self.contract_id)
        if stop is None or stop.stop_price is None or stop.status is not OrdStatus.WORKING:
            return None
        if held is None or held.net_pos == 0 or held.net_price is None:
            return None
        return Position(net=held.net_pos, avg_price=held.net_price), stop.stop_price

    def on_quote(self, quote: Quote) -> AutoStopStep | None:
        """One quote of the contract; returns the machine's step (None when it did not run)."""
        read = self.watch.read(self._read)
        if read is None:
            return None
        position, stop = read
        with self._lock:
            if self._on_its_way():
                return None  # the change on its way is confirmed or not before the next
            if not has_room(self.modifier.client.budget):
                return AutoStopStep(state=self.state, why=Why.WAIT, words=BUDGET_WORDS)
            refusal = self.modifier.client.refusal
            step = auto_stop_step(
                self.rule,
                self.state,
                position=position,
                stop=stop,
                quote=quote,
                instrument=self.instrument,
                now=self.clock(),
                live=self.live and refusal is None,
            )
            if step.why is Why.PAUSED and refusal is not None:
                step = step.model_copy(update={"words": f"Auto stop paused: {refusal}"})
            self.state = step.state
            if step.new_stop is not None:
                self.sent.append(step.new_stop)
                if self._send_with is None:
                    self._worker = threading.Thread(
                        target=self._send, args=(step.new_stop,), name="auto-stop", daemon=True
                    )
                    self._worker.start()
        if step.new_stop is not None and self._send_with is not None:
            self._send_with(step.new_stop)
        if step.words and step.why in (Why.PAUSED, Why.BREAK_EVEN, Why.TRAIL):
            self._say(step.words)
        return step

    def _on_its_way(self) -> bool:
        if self._busy_with is not None:
            return self._busy_with()
        return self._worker is not None and self._worker.is_alive()

    def _send(self, stop: Decimal) -> None:
        outcome = self.modifier.modify(self.stop_id, stop_price=stop, automated=True)
        if outcome.status is not ModifyStatus.CONFIRMED:
            log.info("auto stop of %s: %s", self.stop_id, outcome.message)
        self.on_outcome(outcome)

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the change on its way, if any (tests and shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _say(self, words: str) -> None:
        self.status = words
        self.on_status(words)
