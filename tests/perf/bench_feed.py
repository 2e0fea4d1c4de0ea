"""The account by push, measured (offscreen):

1. event to row: from the simulator filling part of an order to the window's orders table
   showing the bracket's new state (row text set, and the table's next paint);
2. the longest stall of the GUI thread while 10 order changes a second stream in with 5,000
   orders in the account, and while a dropped socket resyncs those 5,000 orders (that stall is
   Python's full garbage collection while the reply is parsed on the socket thread: the
   hand-over on the GUI thread itself takes about 0.1 ms);
3. the unprotected-position alarm: from a stop cancelled on the server to the banner shown
   (it includes the alarm's grace, `ALARM_GRACE_MS`).

Run: .venv/bin/python tests/perf/bench_feed.py [orders] [seconds]
     .venv/bin/python tests/perf/bench_feed.py --resync [pairs]  (the paired resync stalls only)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TICKET_CONFIG_DIR", tempfile.mkdtemp())

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ticket.app import tune_runtime
from ticket.broker.client import TradovateClient, make_http_client
from ticket.domain.orders import Action, OrderType
from ticket.domain.ticket import DistanceUnit
from ticket.journal import Journal
from ticket.services import Connection, Environment
from ticket.sim.constants import SIM_ACCOUNT_ID
from ticket.sim.server import Simulator
from ticket.ui.alarm import ALARM_GRACE_MS
from ticket.ui.orders_model import STATUS
from ticket.ui.window import TicketWindow

SAMPLES_PER_ORDER = 10  # a 10-lot filled one contract at a time


def pump_until(app: QApplication, done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.0002)


class PaintClock(QObject):
    """The perf_counter of the table's last paint."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = 0.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = time.perf_counter()
        return False


class StallMeter(QObject):
    """A 1 ms timer on the GUI thread: the longest gap between its ticks is the longest time
    the thread could not run anything."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self, interval=1)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now


def make_window(app: QApplication, sim: Simulator) -> TicketWindow:
    scratch = tempfile.mkdtemp()
    window = TicketWindow(
        QSettings(os.path.join(scratch, "w.ini"), QSettings.Format.IniFormat),
        journal=Journal(Path(scratch) / "journal.jsonl"),
    )
    window.session.opener = lambda url: Connection(
        TradovateClient(make_http_client(), sim.base_url, device_id="bench"),
        Environment.SIM,
        sim.base_url,
        None,
        sim.md_url,
    )
    window.show()
    window.start(None)
    pump_until(app, lambda: window.contract is not None and window.quote_bar.quote is not None)
    pump_until(app, lambda: window.session.account_feed.live)
    return window


def send(app: QApplication, window: TicketWindow) -> None:
    """Place the ticket as it stands: yes to any question, send from the card, await the
    outcome."""
    pump_until(app, window.place_allowed)
    window.place()
    pump_until(app, lambda: window.confirm is not None or window.question is not None)
    if window.question is not None:  # the same order within 5 s: yes, again
        window.question.button(QMessageBox.StandardButton.Yes).click()
        pump_until(app, lambda: window.confirm is not None)
    assert window.confirm is not None
    window.confirm.send.click()
    pump_until(app, lambda: not window.in_flight)


def place_ten_lot(app: QApplication, window: TicketWindow, price: Decimal) -> int:
    assert window.vm.instrument is not None
    window.vm.update(
        action=Action.BUY,
        qty=SAMPLES_PER_ORDER,
        order_type=OrderType.LIMIT,
        price=window.vm.instrument.format_price(price),
        sl_distance="2",  # 10 contracts at 2 ticks: inside the default risk limit
        sl_unit=DistanceUnit.TICKS,
        tp_distance="2",
        tp_unit=DistanceUnit.R,
    )
    send(app, window)
    row = 0  # the order just placed: the newest row is on top
    try:
        pump_until(app, lambda: "entry working" in window.orders.item(row, STATUS).text())
    except TimeoutError:
        raise TimeoutError(
            f"row {row}: {window.orders.item(row, STATUS).text()!r}; {window.outcome.text()!r}"
        ) from None
    return row


def event_to_row(app: QApplication, sim: Simulator, window: TicketWindow, orders: int) -> None:
    symbol = sim.front("ES")
    tick = Decimal("0.25")
    paints = PaintClock()
    window.orders.viewport().installEventFilter(paints)
    changed: list[float] = []  # perf_counter of each status cell set
    window.orders.itemChanged.connect(
        lambda item: changed.append(time.perf_counter()) if item.column() == STATUS else None
    )
    to_set: list[float] = []
    to_paint: list[float] = []
    for n in range(orders):
        limit = Decimal("5990.00") - 40 * tick * n  # each order its own price: no duplicate
        sim.set_price(symbol, limit + 4 * tick)
        row = place_ten_lot(app, window, limit)
        for _ in range(SAMPLES_PER_ORDER):
            item = window.orders.item(row, STATUS)
            before = item.text()
            sim.faults.partial_fill_next(1)
            started = time.perf_counter()
            sim.set_price(symbol, limit - tick)  # through the limit: one more contract fills
            pump_until(app, lambda item=item, before=before: item.text() != before)
            shown = changed[-1]
            pump_until(app, lambda shown=shown: paints.painted >= shown)
            to_set.append((shown - started) * 1000)
            to_paint.append((paints.painted - started) * 1000)
            sim.set_price(symbol, limit + tick)  # back above: nothing fills
    for name, samples in (("row text set", to_set), ("row painted", to_paint)):
        samples.sort()
        print(
            f"event to {name} over {len(samples)} fills (ms): median "
            f"{statistics.median(samples):.2f}  p95 {samples[int(len(samples) * 0.95)]:.2f}  "
            f"max {samples[-1]:.2f}"
        )


def stall_under_load(app: QApplication, orders: int, seconds: float) -> None:
    with Simulator() as sim:
        symbol = sim.front("ES")
        made = time.perf_counter()
        ids = []
        for n in range(orders):
            body = {
                "accountId": SIM_ACCOUNT_ID,
                "action": "Buy",
                "symbol": symbol,
                "orderQty": 1,
                "orderType": "Limit",
                "price": 5000.0 - (n % 400) * 0.25,
                "isAutomated": False,
            }
            ids.append(int(str(sim.exchange.place_order(body)["orderId"])))
        print(f"{orders} working orders made in {time.perf_counter() - made:.1f} s")
        window = make_window(app, sim)
        feed = window.session.account_feed
        pump_until(app, lambda: len(feed.replica or ()) >= orders, 30)
        meter = StallMeter()
        meter.start()  # a dropped socket: the 5,000-order resync is handed over on this thread
        syncs = sim.user_socket.syncs
        replica = feed.replica
        sim.user_socket.drop()
        pump_until(app, lambda: feed.replica is not replica and feed.live, 30)
        meter.stop()
        assert sim.user_socket.syncs > syncs
        sync_stall = max(meter.gaps) * 1000
        feed = window.session.account_feed
        applied = feed.events_applied
        stop = threading.Event()

        def stream() -> None:  # 10 modifies a second, each an order and a version event
            n = 0
            while not stop.wait(0.1):
                sim.exchange.modify(
                    {
                        "orderId": ids[n % len(ids)],
                        "orderQty": 1 + n % 2,
                        "orderType": "Limit",
                        "price": 4000.0 - (n % 40) * 0.25,
                    }
                )
                n += 1

        streamer = threading.Thread(target=stream, name="bench-events")
        meter.start()
        streamer.start()
        ends = time.perf_counter() + seconds
        pump_until(app, lambda: time.perf_counter() >= ends, seconds + 5)
        stop.set()
        streamer.join()
        meter.stop()
        gaps = sorted(meter.gaps)
        print(
            f"GUI thread with {len(feed.replica or ())} orders in the account, "
            f"{feed.events_applied - applied} events in {seconds:.0f} s: longest stall "
            f"{gaps[-1] * 1000:.1f} ms, p99 gap {gaps[int(len(gaps) * 0.99)] * 1000:.2f} ms; "
            f"a dropped socket's {orders}-order resync: longest stall {sync_stall:.1f} ms"
        )
        window.close()


def alarm_latency(app: QApplication, sim: Simulator, window: TicketWindow, times: int) -> None:
    symbol = sim.front("ES")
    samples = []
    for _ in range(times):
        window.vm.update(
            action=Action.BUY,
            qty=1,
            order_type=OrderType.MARKET,
            sl_distance="8",
            sl_unit=DistanceUnit.TICKS,
            tp_distance="2",
            tp_unit=DistanceUnit.R,
        )
        send(app, window)
        row = 0  # the newest row is on top
        pump_until(app, lambda row=row: "stop working" in window.orders.item(row, STATUS).text())
        with sim.exchange.lock:
            stops = [
                o.id
                for o in sim.exchange.orders.values()
                if o.order_type.value == "Stop" and o.status.value == "Working"
            ]
        pump_until(app, lambda: not window.safety.banner.isVisible())
        started = time.perf_counter()
        for stop_id in stops:
            sim.exchange.cancel({"orderId": stop_id})
        pump_until(app, window.safety.banner.isVisible)
        samples.append((time.perf_counter() - started) * 1000)
        assert window.contract is not None
        contract_id = window.contract.contract.id
        sim.exchange.liquidate({"accountId": SIM_ACCOUNT_ID, "contractId": contract_id})
        pump_until(app, lambda: not window.safety.banner.isVisible())
        sim.set_price(symbol, Decimal("6000.00"))
    samples.sort()
    print(
        f"stop cancelled to alarm shown over {len(samples)} positions (ms, grace "
        f"{ALARM_GRACE_MS} ms included): median {statistics.median(samples):.1f}  "
        f"max {samples[-1]:.1f}"
    )


def resync_stalls(app: QApplication, orders: int, pairs: int) -> None:
    """The longest GUI stall of a dropped socket's resync, paired: each resync with the
    garbage collector as Python leaves it next to one after `gc.freeze()`, as the app does
    once ready (ticket.app.StartupWatch): the objects alive then, start-up's, the window's and
    here the simulator's, are no longer walked by each full collection."""
    import gc

    with Simulator() as sim:
        symbol = sim.front("ES")
        for n in range(orders):
            body = {
                "accountId": SIM_ACCOUNT_ID,
                "action": "Buy",
                "symbol": symbol,
                "orderQty": 1,
                "orderType": "Limit",
                "price": 5000.0 - (n % 400) * 0.25,
                "isAutomated": False,
            }
            sim.exchange.place_order(body)
        window = make_window(app, sim)
        feed = window.session.account_feed
        pump_until(app, lambda: len(feed.replica or ()) >= orders, 30)

        def one_resync() -> float:
            meter = StallMeter()
            meter.start()
            syncs, replica = sim.user_socket.syncs, feed.replica
            sim.user_socket.drop()
            pump_until(app, lambda: feed.replica is not replica and feed.live, 30)
            meter.stop()
            assert sim.user_socket.syncs > syncs
            return max(meter.gaps) * 1000

        plain, frozen = [], []
        for i in range(pairs):
            runs = [(gc.unfreeze, plain), (gc.freeze, frozen)]
            for prepare, into in runs if i % 2 == 0 else reversed(runs):
                prepare()
                into.append(one_resync())
        gc.unfreeze()
        ratios = sorted(f / p for f, p in zip(frozen, plain, strict=True))
        print(
            f"a dropped socket's {orders}-order resync, longest GUI stall, {pairs} pairs: "
            f"after gc.freeze() {statistics.median(frozen):.1f} ms "
            f"[{min(frozen):.1f}-{max(frozen):.1f}], without "
            f"{statistics.median(plain):.1f} ms [{min(plain):.1f}-{max(plain):.1f}], "
            f"ratio per pair {statistics.median(ratios):.2f}x"
        )
        window.close()


SIM_CHILD = """
import json, sys
from ticket.sim.constants import SIM_ACCOUNT_ID
from ticket.sim.server import Simulator
sim = Simulator().start()
symbol = sim.front("ES")
for n in range(int(sys.argv[1])):
    sim.exchange.place_order({"accountId": SIM_ACCOUNT_ID, "action": "Buy", "symbol": symbol,
        "orderQty": 1, "orderType": "Limit", "price": 5000.0 - (n % 400) * 0.25,
        "isAutomated": False})
print(json.dumps([sim.base_url, sim.md_url]), flush=True)
for line in sys.stdin:
    sim.user_socket.drop()
    print("dropped", flush=True)
sim.stop()
"""


def resync_stalls_apart(app: QApplication, orders: int, pairs: int) -> None:
    """As `resync_stalls`, with the simulator in a process of its own, as practice mode runs
    it: the window's process then holds only the window's objects, and the simulator's
    serialising of the reply does not take the window's interpreter lock."""
    import gc
    import json
    import subprocess

    child = subprocess.Popen(
        [sys.executable, "-c", SIM_CHILD, str(orders)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    base_url, md_url = json.loads(child.stdout.readline())
    scratch = tempfile.mkdtemp()
    window = TicketWindow(
        QSettings(os.path.join(scratch, "w.ini"), QSettings.Format.IniFormat),
        journal=Journal(Path(scratch) / "journal.jsonl"),
    )
    window.session.opener = lambda url: Connection(
        TradovateClient(make_http_client(), base_url, device_id="bench"),
        Environment.SIM,
        base_url,
        None,
        md_url,
    )
    window.show()
    window.start(None)
    feed = window.session.account_feed
    pump_until(app, lambda: window.contract is not None and feed.live, 30)
    pump_until(app, lambda: len(feed.replica or ()) >= orders, 30)

    def one_resync() -> float:
        meter = StallMeter()
        meter.start()
        replica = feed.replica
        child.stdin.write("drop\n")
        child.stdin.flush()
        pump_until(app, lambda: feed.replica is not replica and feed.live, 30)
        meter.stop()
        return max(meter.gaps) * 1000

    plain, frozen = [], []
    for i in range(pairs):
        runs = [(gc.unfreeze, plain), (gc.freeze, frozen)]
        for prepare, into in runs if i % 2 == 0 else reversed(runs):
            prepare()
            into.append(one_resync())
    gc.unfreeze()
    window.close()
    child.stdin.close()
    child.wait(timeout=10)
    ratios = sorted(f / p for f, p in zip(frozen, plain, strict=True))
    print(
        f"simulator in its own process: a dropped socket's {orders}-order resync, longest GUI "
        f"stall, {pairs} pairs: after gc.freeze() {statistics.median(frozen):.1f} ms "
        f"[{min(frozen):.1f}-{max(frozen):.1f}], without "
        f"{statistics.median(plain):.1f} ms [{min(plain):.1f}-{max(plain):.1f}], "
        f"ratio per pair {statistics.median(ratios):.2f}x"
    )


def main(orders: int = 5000, seconds: float = 10.0) -> None:
    tune_runtime()  # as the app runs: the GIL changes hands every 0.5 ms
    app = QApplication(sys.argv[:1])
    for measure in (
        lambda sim, window: event_to_row(app, sim, window, 8),
        lambda sim, window: alarm_latency(app, sim, window, 5),
    ):
        with Simulator() as sim:
            window = make_window(app, sim)
            measure(sim, window)
            window.close()
    stall_under_load(app, orders, seconds)
    resync_stalls(app, orders, 7)
    resync_stalls_apart(app, orders, 7)


if __name__ == "__main__":
    if "--resync" in sys.argv:  # only the paired resync stalls
        tune_runtime()
        application = QApplication(sys.argv[:1])
        resync_stalls_apart(application, 5000, int(sys.argv[-1]))
        resync_stalls(application, 5000, int(sys.argv[-1]))
    else:
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
            float(sys.argv[2]) if len(sys.argv) > 2 else 10.0,
        )
