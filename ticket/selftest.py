"""`ticket --self-test`: start the window offscreen on the embedded simulator, place one
bracketed order through the real window and the real HTTP path, check it, exit 0 or 1."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _pump(app: object, done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        app.processEvents()  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.005)


def run() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="ticket-self-test-"))
    for name in ("CONFIG", "DATA", "LOG"):
        os.environ[f"TICKET_{name}_DIR"] = str(scratch / name.lower())
    started = time.perf_counter()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ticket.app import tune_runtime
    from ticket.broker.orders import Status
    from ticket.domain.orders import Action, OrderType
    from ticket.domain.ticket import DistanceUnit
    from ticket.journal import Journal
    from ticket.ui.window import TicketWindow

    tune_runtime()
    app = QApplication(sys.argv[:1])
    window = TicketWindow(
        QSettings(str(scratch / "window.ini"), QSettings.Format.IniFormat),
        journal=Journal(scratch / "journal.jsonl"),
    )
    try:
        window.show()
        window.start(None)
        _pump(
            app,
            lambda: window.contract is not None and window.account is not None,
            30,
            "the simulator connection",
        )
        painted = time.perf_counter() - started
        _pump(app, lambda: window.quote_bar.quote is not None, 10, "a quote")
        quote = window.quote_bar.quote
        assert quote is not None and quote.bid is not None and window.vm.instrument is not None
        limit = window.vm.instrument.format_price(quote.bid - 4 * window.vm.instrument.tick_size)
        window.vm.update(
            action=Action.BUY,
            qty=2,
            order_type=OrderType.LIMIT,
            price=limit,
            sl_distance="8",
            sl_unit=DistanceUnit.TICKS,
            tp_distance="2",
            tp_unit=DistanceUnit.R,
        )
        if not window.place_allowed():
            raise AssertionError(f"Place is not allowed: {window.vm.evaluation.problems}")
        window.place()
        _pump(app, lambda: window.confirm is not None, 5, "the confirmation card")
        assert window.confirm is not None
        window.confirm.send.click()
        _pump(
            app, lambda: not window.in_flight and "ms)" in window.outcome.text(), 30, "the outcome"
        )
        outcome_text = window.outcome.text()
        if "PLACED" not in outcome_text:
            raise AssertionError(f"the order was not placed: {outcome_text}")
        connection = window.session.connection
        assert connection is not None and connection.simulator is not None
        statuses = {o.id: o.ord_status.value for o in connection.client.orders()}
        entries = connection.simulator.entry_orders()
        if entries != 1 or len(statuses) != 3:
            raise AssertionError(f"expected one bracket of 3 orders, found {statuses}")
        legs = sorted(s for s in statuses.values())
        print(
            f"self-test passed: window on the simulator in {painted:.2f} s, bracket placed "
            f"(orders {', '.join(f'{i} {s}' for i, s in statuses.items())}), "
            f"{Status.PLACED.value}; legs {legs}"
        )
        return 0
    except (AssertionError, TimeoutError) as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        window.close()
