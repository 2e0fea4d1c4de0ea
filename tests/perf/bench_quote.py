"""Quote-to-screen: from the simulator publishing a quote on its websocket to the window's
quote bar showing it (offscreen). Run: .venv/bin/python tests/perf/bench_quote.py [N]"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TICKET_CONFIG_DIR", tempfile.mkdtemp())

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ticket.broker.client import TradovateClient, make_http_client
from ticket.services import Connection, Environment
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator
from ticket.ui.window import TicketWindow


def pump_until(app: QApplication, done, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.0002)


def main(updates: int = 500) -> None:
    app = QApplication(sys.argv)
    with Simulator(rate_limits=RateLimits.off()) as sim:
        window = TicketWindow(
            QSettings(os.path.join(tempfile.mkdtemp(), "w.ini"), QSettings.Format.IniFormat)
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
        pump_until(app, lambda: window.quote_bar.quote is not None, 10)
        shown: list[float] = []
        window.quote_shown.connect(shown.append)
        symbol = sim.front("ES")
        contract_id = sim.catalog.by_name[symbol].id
        samples = []
        for i in range(updates):
            before = len(shown)
            sim.set_price(symbol, Decimal("6000.00") + Decimal("0.25") * (i % 20 + 1))
            pump_until(app, lambda before=before: len(shown) > before)
            samples.append((shown[-1] - sim.market_data.published[contract_id]) * 1000)
        window.close()
    samples.sort()
    print(
        f"quote-to-screen over {updates} updates (ms): median "
        f"{statistics.median(samples):.3f}  p95 {samples[int(len(samples) * 0.95)]:.3f}  "
        f"min {samples[0]:.3f}  max {samples[-1]:.3f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
