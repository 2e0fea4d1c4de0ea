"""Today's orders table, measured (offscreen): a full rebuild from a replica of 100, 1,000 and
5,000 orders (brackets of three, a third of them round trips with both fills), with and without
the paint that follows (which makes the visible rows' trades and their contracts' books), and one
event with 5,000 orders held: an order's new status (its row redrawn) and a fill (matched in
place in its contract's book, the rows whose matches changed redrawn).

Run: .venv/bin/python tests/perf/bench_orders_table.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from tests.unit.frames import ES, NQ, command, fill, order, position, props, sync_reply, version
from ticket.broker.replica import AccountReplica, Change
from ticket.ui.orders_table import OrdersTable

QUICK = "--quick" in sys.argv
SIZES = (100, 1_000, 5_000)


class Feed(QObject):
    changed = Signal(object)

    def __init__(self, replica: AccountReplica) -> None:
        super().__init__()
        self.replica = replica
        self.account_id = 1


class Session(QObject):
    """What the table reads of the session: the feed; no connection, so no look-ups."""

    contract_resolved = Signal(str, object)

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.account_feed = feed
        self.connection = None


def account(orders: int) -> dict[str, Any]:
    """`orders` orders in brackets of three; every other entry filled, and every other filled
    one closed by its target."""
    lists: dict[str, list[dict[str, Any]]] = {
        "orders": [],
        "orderVersions": [],
        "commands": [],
        "fills": [],
    }
    for i in range(1, orders + 1):
        entry = i - (i - 1) % 3
        n = entry // 3
        leg, stop = i != entry, i == entry + 1
        contract = ES if n % 2 else NQ
        filled = n % 2 == 0
        closed = filled and n % 4 == 0
        if not leg:
            status = "Filled" if filled else "Working"
        elif closed:
            status = "Canceled" if stop else "Filled"
        else:
            status = "Working" if filled else "Suspended"
        lists["orders"].append(
            order(
                i,
                status=status,
                action="Sell" if leg else "Buy",
                contract=contract,
                parent=entry if leg else None,
            )
        )
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
        if closed and leg and not stop:
            lists["fills"].append(
                fill(i * 100, i, qty=2, price=5994.25, action="Sell", contract=contract)
            )
    return sync_reply(lists, positions=[position(1, 0), position(2, 0, contract=NQ)])


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms"


def main() -> None:
    app = QApplication.instance() or QApplication([])
    runs = 3 if QUICK else 9
    print(f"{'orders':>7} {'rows':>6} {'rebuild':>11} {'rebuild+paint':>14}")
    table = None
    feed = None
    for size in SIZES:
        replica = AccountReplica.from_sync(account(size))
        feed = Feed(replica)
        table = OrdersTable(Session(feed))
        table.resize(920, 260)
        table.show()
        app.processEvents()
        rebuild, painted = [], []
        for _ in range(runs):
            started = time.perf_counter()
            feed.changed.emit(Change(reset=True))
            rebuild.append(time.perf_counter() - started)
            table.viewport().repaint()
            painted.append(time.perf_counter() - started)
        print(f"{size:>7} {table.rowCount():>6} {median_ms(rebuild)} {median_ms(painted):>14}")
    assert table is not None and feed is not None
    replica = feed.replica
    held = len(replica)
    status, fills = [], []
    for n in range(100 if QUICK else 1_000):
        # a working entry's status changes (its row redrawn)
        entry = 4 + 6 * (n % (held // 6 - 1))
        event = props("order", order(entry, status="Working", contract=ES))
        started = time.perf_counter()
        table.on_change(replica.apply(event))
        status.append(time.perf_counter() - started)
        # a fill on NQ (every NQ fill matched again, the rows whose matches changed redrawn)
        event = props("fill", fill(10**9 + n, 1, qty=1, price=5991.0, contract=NQ))
        started = time.perf_counter()
        table.on_change(replica.apply(event))
        fills.append(time.perf_counter() - started)
    nq_fills = len(replica.fills_of_contract(NQ))
    print()
    print(f"one event, {held} orders held (apply + redraw; the max is a full garbage collection):")
    for name, samples in (("an order's status", status), (f"a fill ({nq_fills} NQ fills)", fills)):
        samples.sort()
        p99 = samples[int(len(samples) * 0.99)]
        print(
            f"  {name:<22} median {median_ms(samples)}  p99 {p99 * 1000:.2f} ms  "
            f"max {samples[-1] * 1000:.2f} ms"
        )
    app.processEvents()
    table.close()


if __name__ == "__main__":
    main()
