"""Edit-to-plan: the work one keystroke costs (rebuild the ticket, run the rules, make the plan).

Run: .venv/bin/python tests/perf/bench_edit.py
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType
from ticket.domain.rules import FatFingerLimits, assess
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm


def one_edit(price: Decimal, limits: FatFingerLimits, now: datetime) -> object:
    form = TicketForm(
        instrument=BUILT_IN["ES"],
        symbol="ESZ6",
        entry=EntrySpec(action=Action.BUY, qty=2, order_type=OrderType.LIMIT, price=price),
        stop_loss=BracketSpec(order_type=OrderType.STOP, distance=Decimal(8)),
        take_profit=BracketSpec(
            order_type=OrderType.LIMIT, unit=DistanceUnit.R, distance=Decimal(2)
        ),
        last_price=Decimal("5000.00"),
    )
    return assess(form, limits, now).plan


def main(repetitions: int = 20000) -> None:
    limits, now = FatFingerLimits(), datetime.now(UTC)
    prices = [Decimal("5000.00") + Decimal("0.25") * (i % 40) for i in range(repetitions)]
    for price in prices[:500]:
        one_edit(price, limits, now)
    samples = []
    for price in prices:
        start = time.perf_counter_ns()
        one_edit(price, limits, now)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    print(
        f"edit-to-plan over {repetitions} edits (µs): median {statistics.median(samples):.1f}  "
        f"p95 {samples[int(len(samples) * 0.95)]:.1f}  min {samples[0]:.1f}  "
        f"max {samples[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
