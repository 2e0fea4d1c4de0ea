"""Break-even from the window: a real Alt+E key event on the window signed in on the simulator
(offscreen), with a long position and its stop working, until the stop's new order version has
arrived over the user socket in the window's replica. Paired in the same loop with a bare warm
httpx POST of the same modify body (request to answer). Target: under 50 ms median.

Before each pair the stop is moved back away from break-even, untimed, by a bare POST, and the
window's replica is waited on to show it, so every sample starts from the same state.

Run: .venv/bin/python tests/perf/bench_breakeven.py [SAMPLES]   (default 40, at least 30)
The simulator's request limits are off: the loop goes past them on purpose.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SCRATCH = tempfile.mkdtemp(prefix="ticket-bench-")
for _name in ("CONFIG", "DATA", "LOG"):
    os.environ.setdefault(f"TICKET_{_name}_DIR", os.path.join(_SCRATCH, _name.lower()))

import httpx  # noqa: E402
from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ticket.broker.client import TradovateClient, make_http_client  # noqa: E402
from ticket.broker.orders import submit_oso  # noqa: E402
from ticket.domain.orders import Action, OrderType, PlaceOsoRequest  # noqa: E402
from ticket.domain.orders import RestrainedOrderVersion as Leg  # noqa: E402
from ticket.journal import Journal  # noqa: E402
from ticket.services import Connection, Environment  # noqa: E402
from ticket.sim.limits import RateLimits  # noqa: E402
from ticket.sim.server import Simulator  # noqa: E402
from ticket.ui.window import TicketWindow  # noqa: E402

TICK = Decimal("0.25")


def pump(app: QApplication, done: Callable[[], bool], timeout: float = 10.0) -> None:
    """The real event loop (exec releases the GIL while Qt waits) until `done()`."""
    if done():
        return
    deadline = time.monotonic() + timeout
    expired: list[bool] = []

    def check() -> None:
        if done() or time.monotonic() > deadline:
            expired.append(not done())
            timer.stop()
            app.exit(0)

    timer = QTimer(interval=1)
    timer.timeout.connect(check)
    timer.start()
    app.exec()
    if expired and expired[0]:
        raise TimeoutError


def main(samples: int = 40) -> None:
    samples = max(samples, 30)
    app = QApplication(sys.argv)
    with Simulator(seed=7, rate_limits=RateLimits.off()) as sim:
        settings = QSettings(os.path.join(_SCRATCH, "w.ini"), QSettings.Format.IniFormat)
        journal = Journal(Path(_SCRATCH) / "journal.jsonl")
        window = TicketWindow(settings, journal=journal)
        window.session.opener = lambda url: Connection(
            TradovateClient(make_http_client(), sim.base_url, device_id="bench"),
            Environment.SIM,
            sim.base_url,
            None,
            sim.md_url,
        )
        window.show()
        window.start(None)
        feed = window.session.account_feed
        pump(app, lambda: window.contract is not None and feed.live)
        symbol = sim.front("ES")
        sim.set_price(symbol, "6000.00")
        pump(app, lambda: window.trade_quote.bid == Decimal("6000.00"))
        client = window.session.connection.client  # type: ignore[union-attr]
        account = window.account
        assert account is not None
        outcome = submit_oso(
            client,
            PlaceOsoRequest(
                account_id=account.id,
                action=Action.BUY,
                symbol=symbol,
                order_qty=1,
                order_type=OrderType.MARKET,
                bracket1=Leg(action=Action.SELL, order_type=OrderType.STOP, stop_price="5997.00"),
            ),
        )
        stop_id = outcome.oso1_id
        assert stop_id is not None
        pump(app, lambda: window._trade() is not None and bool(window._trade().stops))  # type: ignore[union-attr]
        trade = window._trade()
        assert trade is not None
        even = trade.position.avg_price  # offset 0: the fill is on the grid
        away = even - 8 * TICK
        sim.set_price(symbol, str(even + 4 * TICK))  # room above break-even
        pump(app, lambda: window.trade_quote.bid == even + 4 * TICK)
        window.activateWindow()
        pump(app, window.isActiveWindow)

        token = client.session.token.get_secret_value()  # type: ignore[union-attr]
        bare = httpx.Client(
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        url = f"{sim.base_url}/order/modifyorder"

        def body(stop: Decimal) -> dict[str, object]:
            return {
                "orderId": stop_id,
                "orderQty": 1,
                "orderType": "Stop",
                "stopPrice": float(stop),
                "isAutomated": False,
            }

        def stop_in_replica() -> Decimal | None:
            view = feed.replica.order(stop_id) if feed.replica is not None else None
            return view.stop_price if view is not None else None

        def move_away() -> None:
            bare.post(url, json=body(away)).raise_for_status()
            pump(app, lambda: stop_in_replica() == away)
            pump(app, lambda: not window.order_changes.any_in_flight)

        for _ in range(3):  # warm both paths
            move_away()
            QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
            pump(app, lambda: stop_in_replica() == even)
            move_away()
            bare.post(url, json=body(even)).raise_for_status()
            pump(app, lambda: stop_in_replica() == even)
        sent = [
            r.body for r in sim.requests("order/modifyorder") if r.body["stopPrice"] == float(even)
        ]
        assert sent[0] == body(even), (sent[0], body(even))  # the same body on both paths

        keyed: list[float] = []
        posted: list[float] = []
        ratios: list[float] = []
        for _ in range(samples):
            move_away()
            started = time.perf_counter()
            QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
            pump(app, lambda: stop_in_replica() == even)
            key_ms = (time.perf_counter() - started) * 1000
            move_away()
            started = time.perf_counter()
            bare.post(url, json=body(even)).raise_for_status()
            post_ms = (time.perf_counter() - started) * 1000
            pump(app, lambda: stop_in_replica() == even)
            keyed.append(key_ms)
            posted.append(post_ms)
            ratios.append(key_ms / post_ms)
        pump(app, lambda: not window.order_changes.any_in_flight)
        bare.close()
        window.close()

    def line(name: str, values: list[float], unit: str) -> str:
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        return (
            f"{name:<44} median {statistics.median(values):7.2f}{unit}  p95 {p95:7.2f}{unit}  "
            f"min {ordered[0]:7.2f}{unit}  max {ordered[-1]:7.2f}{unit}"
        )

    print(f"break-even, {samples} pairs")
    print(line("Alt+E to the new version in the replica", keyed, " ms"))
    print(line("bare warm POST of the same body (answer)", posted, " ms"))
    print(line("ratio (per pair)", ratios, "x "))
    median = statistics.median(keyed)
    print(f"target: under 50 ms median: {'met' if median < 50 else 'missed'} ({median:.2f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
