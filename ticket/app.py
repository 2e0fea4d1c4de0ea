"""The composition root of the window: settings, credential store, session, window."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ticket import __version__
from ticket.config import config_dir
from ticket.credentials import KeyringStore
from ticket.logs import setup_logging
from ticket.services import (
    Connection,
    credentials_from_env,
    environment_of,
    open_connection,
    resolve_url,
)
from ticket.sim.process import PracticeServer
from ticket.ui.icon import app_icon
from ticket.ui.window import TicketWindow


def tune_runtime() -> None:
    """The order goes out on a worker thread while the GUI thread keeps painting. Python hands
    the GIL to a waiting thread only every 5 ms by default; 0.5 ms keeps the click-to-wire path
    from queueing behind a repaint."""
    sys.setswitchinterval(0.0005)


def settings() -> QSettings:
    """Window state only, in the config dir (platformdirs). Never a secret."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def build_window() -> TicketWindow:
    return TicketWindow(settings(), store_factory=KeyringStore)


class PracticeOpener:
    """The window's way to a server: practice mode's simulator runs in a process of its own
    (`PracticeServer`), the first one started before the window is built so that it boots on
    the other core meanwhile; any other URL is opened as usual. Called on a worker thread."""

    def __init__(self, first: PracticeServer | None) -> None:
        self._lock = threading.Lock()
        self._first = first

    def __call__(self, url: str | None) -> Connection:
        if url is not None or not PracticeServer.wanted():
            return open_connection(url)
        with self._lock:
            server, self._first = self._first, None
        return open_connection(None, practice=server or PracticeServer())

    def close(self) -> None:
        """Stop the first simulator if no connection took it (the window closed first)."""
        with self._lock:
            server, self._first = self._first, None
        if server is not None:
            server.stop()


def main(
    env_name: str | None = None,
    api_url: str | None = None,
    *,
    quit_when_ready: bool = False,
    started: float | None = None,
    practice: PracticeServer | None = None,
) -> int:
    opener = PracticeOpener(practice)  # owns `practice` from here: stopped however this ends
    try:
        return _run(opener, env_name, api_url, quit_when_ready, started)
    finally:
        opener.close()


def _run(
    opener: PracticeOpener,
    env_name: str | None,
    api_url: str | None,
    quit_when_ready: bool,
    started: float | None,
) -> int:
    try:
        url = resolve_url(env_name, api_url)
    except ValueError as exc:
        print(f"ticket: {exc}", file=sys.stderr)
        return 2
    if url is not None:
        opener.close()
    tune_runtime()
    log_file = setup_logging()
    logging.getLogger(__name__).info("ticket %s starting, log at %s", __version__, log_file)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("ticket")
    app.setApplicationDisplayName("ticket")
    app.setDesktopFileName("ticket")
    app.setWindowIcon(app_icon())
    window = build_window()
    window.session.opener = opener
    window.show()

    def connect() -> None:  # after the first paint, so the window shows at once
        if url is None:
            window.start(None)
            return
        credentials = credentials_from_env(os.environ)
        if credentials is None:
            store = KeyringStore()
            user = str(window.settings.value("signin/user", ""))
            try:
                credentials = store.get(environment_of(url).value, user) if user else None
            except Exception:
                credentials = None
        if credentials is None:
            window.sign_in()
        else:
            window.start(url, credentials)

    QTimer.singleShot(0, connect)
    if quit_when_ready:
        return _quit_when_ready(app, window, started or time.perf_counter())
    return app.exec()


READY_WITHIN_S = 30.0


def _quit_when_ready(app: QApplication, window: TicketWindow, started: float) -> int:
    """Run until the window is painted and ready to trade (an account, a contract, a first
    quote), print each time from the process's start as it happens (`paint_ms N`, then
    `ready_ms N`), and exit 0; or exit 1 with the reason after 30 s, so anyone can time
    start-up from outside."""
    marks: dict[str, float] = {}
    result = [1]

    def painted() -> None:
        marks["paint_ms"] = (time.perf_counter() - started) * 1000
        print(f"paint_ms {marks['paint_ms']:.0f}", flush=True)  # now: timed from outside too

    def waiting_for() -> str:
        if window.account is None:
            return "an account (sign-in)"
        if window.contract is None:
            return "the contract"
        if window.quote_bar.quote is None:
            return "a first quote"
        return "the first paint" if "paint_ms" not in marks else ""

    def check() -> None:
        missing = waiting_for()
        elapsed = time.perf_counter() - started
        if not missing:
            marks["ready_ms"] = elapsed * 1000
            print(f"ready_ms {marks['ready_ms']:.0f}", flush=True)
            result[0] = 0
            QTimer.singleShot(round(idle_s * 1000), leave)
        elif elapsed > READY_WITHIN_S:
            print(f"not ready after {READY_WITHIN_S:.0f} s: waiting for {missing}", file=sys.stderr)
            window.close()
            app.quit()
        else:
            QTimer.singleShot(10, check)

    def leave() -> None:
        if idle_s:
            print(f"rss_kb {_rss_kb('self')}", flush=True)
            connection = window.session.connection
            if connection is not None and connection.practice is not None:
                print(f"sim_rss_kb {_rss_kb(str(connection.practice.process.pid))}", flush=True)
        window.close()
        app.quit()

    # TICKET_STARTUP_PROBE=S (tests/perf): stay idle S seconds once ready, then print the
    # resident memory of this process and of the practice simulator's, each on its own
    idle_s = float(os.environ.get("TICKET_STARTUP_PROBE") or 0)
    probe = _FirstPaint(painted)
    window.installEventFilter(probe)
    QTimer.singleShot(0, check)
    app.exec()
    return result[0]


class _FirstPaint(QObject):
    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self._then: Callable[[], None] | None = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            then()
        return False


def _rss_kb(pid: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS")))
