"""`ticket --quit-when-ready`: the window starts, reports when it was painted and ready to trade,
and exits, so start-up can be timed from outside. Practice mode's simulator runs in a process
of its own, which never outlives the window."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


def _environment(tmp_path, **extra):
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TICKET_CONFIG_DIR=str(tmp_path / "config"),
        TICKET_DATA_DIR=str(tmp_path / "data"),
        TICKET_LOG_DIR=str(tmp_path / "log"),
        **extra,
    )


def _processes_started_with(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (this test's own config folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile, or not ours to read
    return found


def _until_none_left(marker: str, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _processes_started_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_quit_when_ready_reports_frame_paint_then_ready_and_exits_0(tmp_path):
    env = _environment(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "ticket", "--quit-when-ready"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(r"frame_ms (\d+)\npaint_ms (\d+)\nready_ms (\d+)\n", done.stdout)
    assert match, done.stdout
    frame, paint, ready = (int(g) for g in match.groups())
    assert 0 < frame <= paint <= ready
    assert "Traceback" not in done.stderr
    assert _until_none_left(env["TICKET_CONFIG_DIR"]) == []


def test_the_practice_simulator_ends_when_the_window_is_killed(tmp_path):
    env = _environment(tmp_path, TICKET_STARTUP_PROBE="60")  # idle a minute once ready
    window = subprocess.Popen(
        [sys.executable, "-m", "ticket", "--quit-when-ready"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert window.stdout is not None
        lines = [window.stdout.readline() for _ in range(3)]
        assert lines[2].startswith("ready_ms"), lines
        started = _processes_started_with(env["TICKET_CONFIG_DIR"])
        assert window.pid in started and len(started) == 2  # the window and its simulator
    finally:
        window.send_signal(signal.SIGKILL)
        window.wait(timeout=10)
    assert _until_none_left(env["TICKET_CONFIG_DIR"]) == []


def _watched(window, connected, frame=None):
    """`window` (a plain widget standing in for the ticket's) under a StartupWatch that
    records each connect in `connected`."""
    from types import SimpleNamespace

    from PySide6.QtWidgets import QApplication

    from ticket.app import StartupWatch

    window.account = window.contract = None
    window.quote_bar = SimpleNamespace(quote=None)
    watch = StartupWatch(
        QApplication.instance(),
        window,
        time.perf_counter(),
        lambda: connected.append(1),
        report=False,
        frame=frame,
    )
    window.installEventFilter(watch)
    return watch


def test_a_window_not_painted_soon_still_connects(qtbot):
    """Started minimised or hidden, the window gets no first paint: it connects all the same."""
    import gc

    from PySide6.QtWidgets import QWidget

    from ticket.app import CONNECT_ANYWAY_S

    window = QWidget()  # never shown: never painted
    connected = []
    watch = _watched(window, connected)
    try:
        qtbot.waitUntil(lambda: connected == [1], timeout=round(CONNECT_ANYWAY_S * 1000) + 3000)
        assert "paint_ms" not in watch.marks
        window.account, window.contract = object(), object()
        window.quote_bar.quote = object()
        qtbot.waitUntil(lambda: "ready_ms" in watch.marks, timeout=3000)
        assert gc.get_freeze_count() > 0  # start-up's objects frozen once ready
        assert connected == [1]
    finally:
        gc.unfreeze()
        window.removeEventFilter(watch)


def test_the_start_up_frame_goes_once_the_window_has_painted(qtbot):
    from PySide6.QtWidgets import QWidget

    from ticket.ui.startup_frame import show_frame

    frame = show_frame()
    window = QWidget()
    qtbot.addWidget(window)
    connected = []
    watch = _watched(window, connected, frame)
    try:
        frame.hand_over_to(window)
        assert frame.isVisible()
        window.show()
        qtbot.waitUntil(lambda: connected == [1], timeout=3000)
        assert "paint_ms" in watch.marks  # retired after the window's paint, not on a timer
        assert not frame.isVisible() and window.isVisible()
    finally:
        window.removeEventFilter(watch)
        frame.retire()


def test_a_simulator_whose_window_is_gone_before_reading_ends_quietly(tmp_path):
    """The window died (or failed) before it read where its simulator listens."""
    simulator = subprocess.Popen(
        [sys.executable, "-m", "ticket.sim.process", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(tmp_path),
    )
    assert simulator.stdout is not None and simulator.stderr is not None
    simulator.stdout.close()  # nobody will read
    _, errors = simulator.communicate(timeout=30)
    assert simulator.returncode == 0
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors
