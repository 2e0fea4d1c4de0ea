"""The account replica: building it from a sync reply of 100, 1,000 and 5,000 orders (each with
its version and command, and a fill for every other order), and applying one event with 100
orders held against 5,000.

Run: .venv/bin/python tests/perf/bench_replica.py [--quick]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.unit.frames import (
    ES,
    NQ,
    command,
    fill,
    order,
    position,
    props,
    sync_reply,
    version,
)
from ticket.broker.replica import AccountReplica

QUICK = "--quick" in sys.argv
SIZES = (100, 1_000, 5_000)


def account(orders: int) -> dict[str, Any]:
    """`orders` orders in brackets of three (entry, stop, target), half the entries filled."""
    lists: dict[str, list[dict[str, Any]]] = {
        "orders": [],
        "orderVersions": [],
        "commands": [],
        "fills": [],
    }
    for i in range(1, orders + 1):
        entry = i - (i - 1) % 3
        leg = i != entry
        contract = ES if (entry // 3) % 2 else NQ
        filled = (entry // 3) % 2 == 0
        status = (
            ("Working" if filled else "Suspended") if leg else ("Filled" if filled else "Working")
        )
        lists["orders"].append(
            order(
                i,
                status=status,
                action="Sell" if leg else "Buy",
                contract=contract,
                parent=entry if leg else None,
            )
        )
        stop = leg and i == entry + 1
        lists["orderVersions"].append(
            version(
                i * 10,
                i,
                type="Stop" if stop else "Limit",
                price=None if stop else 5990.25,
                stop=5988.25 if stop else None,
            )
        )
        lists["commands"].append(command(i * 10, i, f"cl-{i}"))
        if filled and not leg:
            lists["fills"].append(fill(i * 100, i, qty=2, contract=contract))
    return sync_reply(lists, positions=[position(1, 2), position(2, -1, contract=NQ)])


def build(reply: dict[str, Any]) -> tuple[float, int, AccountReplica]:
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    replica = AccountReplica.from_sync(reply)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, replica


def timed(reply: dict[str, Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        AccountReplica.from_sync(reply)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def apply_cost(replica: AccountReplica, runs: int) -> float:
    """Median seconds for one event: an order's status, a new version, a fill, a position."""
    held = len(replica)
    events = [
        props("order", order(held - 1, status="Working", action="Sell", parent=held - 2)),
        props("orderVersion", version(10**9, held - 1, qty=2, type="Stop", stop=5987.0)),
        props("fill", fill(10**9, held - 2, qty=1)),
        props("position", position(1, 3)),
    ]
    samples = []
    for run in range(runs):
        event = events[run % len(events)]
        started = time.perf_counter()
        replica.apply(event)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    runs = 3 if QUICK else 7
    apply_runs = 2_000 if QUICK else 20_000
    print(f"{'orders':>7} {'entities':>9} {'from_sync median':>17} {'peak memory':>12}")
    costs = {}
    for size in SIZES:
        reply = account(size)
        entities = sum(len(v) for v in reply.values() if isinstance(v, list))
        _, peak, replica = build(reply)
        median = timed(reply, runs)
        print(f"{size:>7} {entities:>9} {median * 1000:>14.1f} ms {peak / 2**20:>9.1f} MiB")
        costs[size] = apply_cost(replica, apply_runs)
    print()
    for size in (100, 5_000):
        print(f"apply one event, {size:>5} orders held: median {costs[size] * 1e6:.1f} µs")
    print(f"ratio 5,000 / 100: {costs[5_000] / costs[100]:.2f}")


if __name__ == "__main__":
    main()
