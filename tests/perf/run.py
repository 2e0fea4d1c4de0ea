"""The ticket against the limits of this machine, side by side, one table.

Run: .venv/bin/python tests/perf/run.py [--quick]
Every figure with a baseline is paired: each sample of the ticket is taken next to a sample of
its baseline in the same loop, and the row gives the median of the per-pair ratios (robust to
a machine busy with other work), marked met or missed against the design's target:
click-to-wire <= 1.2x a bare warm httpx POST of the same body; the first order of a fresh
process and after idle opens no connection on the click; GUI stalls <= 16 ms; edit-to-plan
< 0.5 ms; cold start <= 1.5x, ready to trade <= 2.5x and idle memory <= 1.3x a bare PySide6
window (tests/perf/bench_startup.py, the simulator counted apart).
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SCRATCH = Path(tempfile.mkdtemp(prefix="ticket-perf-"))
for _name in ("CONFIG", "DATA", "LOG"):
    os.environ[f"TICKET_{_name}_DIR"] = str(SCRATCH / _name.lower())

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf import bench_startup  # noqa: E402
from tests.perf.pairs import paired_row, row, stats, table, verdict  # noqa: E402

QUICK = "--quick" in sys.argv


def pump(app, done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Run the real event loop (as the app does: exec releases the GIL while Qt waits or
    paints) until `done()`; processEvents() in a Python loop would not."""
    from PySide6.QtCore import QTimer

    if done():
        return
    deadline = time.monotonic() + timeout
    expired = []

    def check() -> None:
        if done() or time.monotonic() > deadline:
            expired.append(not done())
            timer.stop()
            app.exit(0)  # quit() would also close the windows (Qt 6)

    timer = QTimer(interval=2)  # a 0 ms timer would keep the GUI thread (and the GIL) busy
    timer.timeout.connect(check)
    timer.start()
    app.exec()
    if expired and expired[0]:
        raise TimeoutError


# -- 1, 2, 3, 4: in one process with the window and the simulator --


class Bench:
    """The window signed in on an in-process simulator (so a bare POST from this process
    meets the same interpreter lock as the window's), with one bracketed order ready."""

    PLACE = "order/placeoso"

    def __init__(self) -> None:
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from ticket.app import tune_runtime
        from ticket.broker.client import TradovateClient, make_http_client
        from ticket.domain.orders import Action, OrderType
        from ticket.domain.ticket import DistanceUnit
        from ticket.journal import Journal
        from ticket.services import Connection, Environment
        from ticket.sim.limits import RateLimits
        from ticket.sim.server import Simulator
        from ticket.ui.window import TicketWindow

        tune_runtime()  # as the app does at start
        self.app = QApplication.instance() or QApplication(sys.argv)
        # hundreds of orders a minute: the benchmark measures speed, not Tradovate's limits
        sim = Simulator(idle_timeout=1.0, rate_limits=RateLimits.off()).start()
        self.sim = sim
        window = TicketWindow(
            QSettings(str(SCRATCH / "w.ini"), QSettings.Format.IniFormat),
            journal=Journal(SCRATCH / "journal.jsonl"),
        )
        self.window = window
        window.session.opener = lambda url: Connection(
            TradovateClient(make_http_client(), sim.base_url, device_id="perf"),
            Environment.SIM,
            sim.base_url,
            None,
            sim.md_url,
        )
        window.show()
        window.start(None)
        pump(self.app, lambda: window.contract is not None and window.quote_bar.quote is not None)
        window.vm.update(
            action=Action.BUY,
            qty=1,
            order_type=OrderType.LIMIT,
            sl_distance="8",
            sl_unit=DistanceUnit.TICKS,
            tp_distance="2",
            tp_unit=DistanceUnit.R,
        )
        self.counter = 0

    def enter_keys(self) -> list:
        """Enter's press and release, made ahead: the keyboard's events come from the window
        system, and making them in Python is no part of the ticket's path to the wire."""
        from PySide6.QtCore import QEvent, Qt
        from PySide6.QtGui import QKeyEvent

        return [
            QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
        ]

    def press_enter(self, widget, keys: list | None = None) -> None:
        """Post the key to the event loop, as the keyboard does (QTest would call the slots
        synchronously, from Python, holding the GIL the worker needs)."""
        from PySide6.QtWidgets import QApplication

        for event in keys or self.enter_keys():
            QApplication.postEvent(widget, event)

    def one_order(self, wait_before_enter: float = 0.05) -> tuple[float, int]:
        """Enter on the card to the request fully received (ms), and the connections the
        simulator accepted meanwhile."""
        app, sim, window = self.app, self.sim, self.window
        self.counter += 1
        # near the market and never the same order twice in a row (the duplicate guard asks)
        price = Decimal("5999.00") - Decimal("0.25") * (self.counter % 40)
        window.vm.update(price=f"{price:.2f}", qty=1 + (self.counter // 40) % 5)
        if not window.place_allowed():
            raise RuntimeError(f"cannot place: {window.vm.evaluation.problems}")
        window.place()
        pump(app, lambda: window.confirm is not None)
        settle = time.monotonic() + wait_before_enter  # the trader reads the card
        pump(app, lambda: time.monotonic() >= settle)
        seen = len(sim.requests(self.PLACE))
        connections = sim.connections
        keys = self.enter_keys()
        started = time.perf_counter()
        self.press_enter(window.confirm, keys)
        pump(app, lambda: len(sim.requests(self.PLACE)) > seen)
        wire = sim.requests(self.PLACE)[-1].received_at - started
        new = sim.connections - connections
        pump(app, lambda: not window.in_flight and window.confirm is None)
        return wire * 1000, new

    def bare_post(self, client, i: int) -> float:
        """The same body from a warm httpx client on a plain thread, the event loop running
        as it runs for the click: request start to fully received (ms)."""
        sim = self.sim
        token = self.window.session.connection.client.session.token.get_secret_value()
        body = dict(sim.requests(self.PLACE)[-1].body, clOrdId=f"bare-{i}")
        body["price"] = 5000.0 + (i % 40) * 0.25
        seen = len(sim.requests(self.PLACE))
        times: list[float] = []

        def post() -> None:
            times.append(time.perf_counter())
            client.post(
                f"{sim.base_url}/order/placeoso",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )

        thread = threading.Thread(target=post)
        thread.start()
        pump(self.app, lambda: not thread.is_alive())
        thread.join()
        return (sim.requests(self.PLACE)[seen].received_at - times[0]) * 1000


def window_rows() -> None:
    import httpx
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    bench = Bench()
    app, sim, window = bench.app, bench.sim, bench.window
    place = Bench.PLACE
    one_order = bench.one_order
    press_enter = bench.press_enter
    counter = [10_000]

    n = 15 if QUICK else 60
    ticket, bare = [], []
    with httpx.Client() as client:
        one_order()  # warm-up, both ways
        bench.bare_post(client, 0)
        for i in range(n):
            pair = [
                lambda: ticket.append(one_order()[0]),
                lambda i=i: bare.append(bench.bare_post(client, i)),
            ]
            for one in pair if i % 2 == 0 else reversed(pair):  # neither always goes first
                one()
    paired_row(
        "1 click-to-wire (Enter on the card -> request received)",
        ticket,
        bare,
        "ms",
        "bare warm httpx POST",
        1.2,
    )

    # 2: after idle, the server has closed the pooled connection (idle_timeout 1 s)
    window._warm_timer.stop()  # the warm-up would keep it warm: measure the worst case
    # The pairs above sent some 240 requests in well under a minute, past the client's own
    # budget of look-ups a minute (ticket.broker.budget): the card's keep-warm call would
    # wait its turn there and never reach the server, which no trader back from a pause
    # meets. The rows below start, like that trader, within the budget.
    budget = window.session.connection.client.budget
    from ticket.broker.budget import PER_MINUTE

    pump(app, lambda: budget.used()[1] < PER_MINUTE // 2, timeout=70)
    idle_runs = []
    for _ in range(5 if QUICK else 10):
        pause = time.monotonic() + 1.5
        pump(app, lambda pause=pause: time.monotonic() >= pause)
        idle_runs.append(one_order(wait_before_enter=0.3))
    window._warm_timer.start()
    handshakes = sum(new for _, new in idle_runs)
    row(
        "2 first order after the server closed idle connections",
        stats([w for w, _ in idle_runs], "ms"),
        f"{handshakes} new connections on {len(idle_runs)} clicks",
        "-",
        "no handshake on the click: " + ("met" if handshakes == 0 else "missed"),
    )

    # 3a: GUI stall while an order is in flight with 2 s of server latency
    sim.faults.add_latency(2.0, place)
    ticks: list[float] = []
    timer = QTimer(interval=1)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    counter[0] += 1
    window.vm.update(price="5990.00", qty=7)
    window.place()
    pump(app, lambda: window.confirm is not None)
    timer.start()
    press_enter(window.confirm)
    pump(app, lambda: window.in_flight)
    pump(app, lambda: not window.in_flight, timeout=10)
    timer.stop()
    sim.faults.clear()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    row(
        "3a GUI stall during a 2 s order (1 ms timer gaps)",
        stats(gaps, "ms"),
        f"{len(ticks)} ticks",
        f"max {max(gaps):.1f} ms",
        verdict(max(gaps), 16) + " ms",
    )

    # 3b and 4: typing a price, one key at a time; each key's handling is a GUI-thread stall
    field = window.entry.price
    field.setFocus()
    keys = []
    for i in range(40 if QUICK else 150):
        QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        for ch in f"{5990 + (i % 40) * 0.25:.2f}":
            started = time.perf_counter()
            QTest.keyClick(field, ch)
            keys.append((time.perf_counter() - started) * 1000)
    row(
        "3b GUI stall per keystroke while the plan recomputes",
        stats(keys, "ms", 3),
        "-",
        f"max {max(keys):.2f} ms",
        verdict(max(keys), 16) + " ms",
    )

    edits = []
    vm = window.vm
    for i in range(300 if QUICK else 2000):
        text = f"{5990 + (i % 40) * 0.25:.2f}"
        started = time.perf_counter()
        vm.set("price", text)
        edits.append((time.perf_counter() - started) * 1000)
    row(
        "4 edit-to-plan (view-model + panels updated)",
        stats(edits, "ms", 3),
        "-",
        "-",
        verdict(statistics.median(edits), 0.5) + " ms median",
    )
    window.close()
    sim.stop()


# -- 5: the first order of a fresh process; 6: start-up (bench_startup) --


def first_order_child() -> None:
    """In a fresh process: the window signs in, and its very first order is placed; then a
    bare warm POST of the same body from the same process, as that order's pair."""
    import httpx

    bench = Bench()
    wire, new = bench.one_order(wait_before_enter=0.3)
    with httpx.Client() as client:
        bench.bare_post(client, 0)  # warms this client: the pair is a warm POST
        bare = bench.bare_post(client, 1)
    print(f"first_order {wire:.3f} {new} {bare:.3f}", flush=True)
    bench.window.close()
    bench.sim.stop()


def first_order_row() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    wires, bares, opened = [], [], 0
    for _ in range(3 if QUICK else 7):
        env["TICKET_CONFIG_DIR"] = tempfile.mkdtemp()
        done = subprocess.run(
            [sys.executable, __file__, "--first-order-child"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        line = next(
            (line for line in done.stdout.splitlines() if line.startswith("first_order")), ""
        )
        if not line:
            raise RuntimeError(f"first order child failed: {done.stderr[-2000:]}")
        _, wire, new, bare = line.split()
        wires.append(float(wire))
        bares.append(float(bare))
        opened += int(new)
    paired_row(
        f"5 first order of a fresh process ({opened} connections opened on {len(wires)} clicks)",
        wires,
        bares,
        "ms",
        "bare warm POST, same process",
        1.2,
    )


# -- 7: the simulator alone --


def simulator_row() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.api.helpers import es_request
    from ticket.broker.client import TradovateClient, make_http_client
    from ticket.broker.orders import submit_oso
    from ticket.services import SIM_CREDENTIALS
    from ticket.sim.limits import RateLimits
    from ticket.sim.server import Simulator

    with Simulator(rate_limits=RateLimits.off()) as sim:
        client = TradovateClient(make_http_client(), sim.base_url, device_id="perf")
        client.sign_in(SIM_CREDENTIALS)
        request = es_request(sim, client)
        rates = []
        for _ in range(3 if QUICK else 5):
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < 1.0:
                submit_oso(client, request.model_copy(update={"cl_ord_id": f"p{count}-{_}"}))
                count += 1
            rates.append(count / (time.perf_counter() - started))
    row(
        "7 simulator: placeOSO accepted from one client",
        stats(rates, "orders/s", 0),
        "-",
        "-",
        "never the bottleneck",
    )


def main() -> None:
    print(f"ticket benchmarks ({'quick' if QUICK else 'full'}), {os.cpu_count()} cores", flush=True)
    window_rows()
    first_order_row()
    bench_startup.run(3 if QUICK else 7, in_process=not QUICK, against=None)
    simulator_row()
    table()


if __name__ == "__main__":
    if "--first-order-child" in sys.argv:
        first_order_child()
    else:
        main()
