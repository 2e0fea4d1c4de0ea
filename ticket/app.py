"""The composition root of the window: settings, credential store, session, window."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from ticket import __version__
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
from ticket.ui.startup_frame import StartupFrame, application, window_settings
from ticket.ui.window import TicketWindow


def tune_runtime() -> None:
    """The order goes out on a worker thread while the GUI thread keeps painting. Python hands
    the GIL to a waiting thread only every 5 ms by default; 0.5 ms keeps the click-to-wire path
    from queueing behind a repaint."""
    sys.setswitchinterval(0.0005)


def build_window() -> TicketWindow:
    return TicketWindow(window_settings(), store_factory=KeyringStore)


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
    frame: StartupFrame | None = None,
) -> int:
    opener = PracticeOpener(practice)  # owns `practice` from here: stopped however this ends
    try:
        return _run(opener, env_name, api_url, quit_when_ready, started, frame)
    finally:
        opener.close()
        if frame is not None:
            frame.retire()
        gc.enable()  # if start-up ended before the first paint, which enables it


def _run(
    opener: PracticeOpener,
    env_name: str | None,
    api_url: str | None,
    quit_when_ready: bool,
    started: float | None,
    frame: StartupFrame | None,
) -> int:
    try:
        url = resolve_url(env_name, api_url)
    except ValueError as exc:
        print(f"ticket: {exc}", file=sys.stderr)
        return 2
    if url is not None:
        opener.close()
    tune_runtime()
    app = application()
    app.setWindowIcon(app_icon())
    window = build_window()
    window.session.opener = opener

    def connect() -> None:  # after the first paint, so the window shows at once
        log_file = setup_logging()
        logging.getLogger(__name__).info("ticket %s starting, log at %s", __version__, log_file)
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

    # TICKET_STARTUP_PROBE=S (tests/perf): with --quit-when-ready, stay idle S seconds once
    # ready, then print the resident memory of this process and of the practice simulator's
    idle_s = float(os.environ.get("TICKET_STARTUP_PROBE") or 0) if quit_when_ready else 0.0
    watch = StartupWatch(
        app,
        window,
        started or time.perf_counter(),
        connect,
        report=quit_when_ready,
        idle_s=idle_s,
        frame=frame,
    )
    window.installEventFilter(watch)
    if frame is not None:
        if frame.closed_by_trader:  # before the window was built: it is not shown
            return 0
        frame.hand_over_to(window)
    window.show()
    code = app.exec()
    return watch.result if quit_when_ready else code


READY_WITHIN_S = 30.0
CONNECT_ANYWAY_S = 2.0


class StartupWatch(QObject):
    """Start-up on the GUI thread, in order: the first paint (the garbage collector is off
    until then: start-up's imports make objects that live as long as the program, and
    collecting them again and again finds nothing), then the connection (nothing
    the first paint does not need runs before it), then ready to trade (an account, a
    contract, a first quote), then the objects of start-up frozen out of the garbage
    collector's reach, so that its full collections later (a resync of thousands of orders)
    do not walk them again. With `report` (--quit-when-ready) it prints each time from the
    process's start as it happens (`paint_ms N`, then `ready_ms N`) and exits 0, or exits 1
    with the reason after 30 s, so anyone can time start-up from outside."""

    def __init__(
        self,
        app: QApplication,
        window: TicketWindow,
        started: float,
        connect: Callable[[], None],
        *,
        report: bool,
        idle_s: float = 0.0,
        frame: StartupFrame | None = None,
    ) -> None:
        super().__init__()
        self.app, self.window, self.started, self.frame = app, window, started, frame
        self.connect_now, self.report, self.idle_s = connect, report, idle_s
        self.marks: dict[str, float] = {}
        self.result = 1
        # a window that is not painted soon (started minimised, or hidden by the desktop)
        # still connects: the first paint is awaited for speed, never for correctness
        QTimer.singleShot(round(CONNECT_ANYWAY_S * 1000), self, self._go)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and "paint_ms" not in self.marks:
            self.marks["paint_ms"] = self._elapsed_ms()
            if self.report:
                print(f"paint_ms {self.marks['paint_ms']:.0f}", flush=True)
            QTimer.singleShot(0, self, self._go)
        return False

    def _close_frame(self) -> None:
        """The start-up frame goes once the window stands painted in its place."""
        if self.frame is not None:
            self.frame.retire()
            self.frame = None

    def _go(self) -> None:
        if "connect_ms" in self.marks:
            return
        self.marks["connect_ms"] = self._elapsed_ms()
        self._close_frame()
        # off since `ticket.cli` began the window's imports: what those made lives as long as
        # the program, so it is frozen first, or the first collection would walk all of it
        # (about 15 ms on the GUI thread, just as the connection starts)
        gc.freeze()
        gc.enable()
        self.connect_now()
        self._check()

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def _waiting_for(self) -> str:
        window = self.window
        if window.account is None:
            return "an account (sign-in)"
        if window.contract is None:
            return "the contract"
        if window.quote_bar.quote is None:
            return "a first quote"
        return "" if "paint_ms" in self.marks or not self.report else "the first paint"

    def _check(self) -> None:
        missing = self._waiting_for()
        if not missing:
            self.marks["ready_ms"] = self._elapsed_ms()
            # every event of the window would otherwise pass through this filter, in Python,
            # for the life of the window, taking the GIL an order being sent needs
            self.window.removeEventFilter(self)
            gc.freeze()
            if self.report:
                print(f"ready_ms {self.marks['ready_ms']:.0f}", flush=True)
                self.result = 0
                QTimer.singleShot(round(self.idle_s * 1000), self._leave)
        elif self._elapsed_ms() > READY_WITHIN_S * 1000:
            gc.freeze()  # a sign-in form waiting for the trader: start-up is over all the same
            self.window.removeEventFilter(self)
            if self.report:
                print(
                    f"not ready after {READY_WITHIN_S:.0f} s: waiting for {missing}",
                    file=sys.stderr,
                )
                self.window.close()
                self.app.quit()
        else:
            QTimer.singleShot(10, self._check)

    def _leave(self) -> None:
        if self.idle_s:
            print(f"rss_kb {_rss_kb('self')}", flush=True)
            connection = self.window.session.connection
            if connection is not None and connection.practice is not None:
                print(f"sim_rss_kb {_rss_kb(str(connection.practice.process.pid))}", flush=True)
        self.window.close()
        self.app.quit()


def _rss_kb(pid: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS")))
