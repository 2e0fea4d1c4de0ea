"""Start-up against a bare PySide6 window, every sample paired: a fresh `ticket
--quit-when-ready` process and a fresh bare-window process, one after the other (alternating
which goes first), N times; each row is the median of the per-pair ratios.

Run: .venv/bin/python tests/perf/bench_startup.py [--pairs N] [--in-process]
  --in-process  also pairs the practice simulator in its own process (the default) with the
                simulator in the window's process (TICKET_PRACTICE_SIM=in-process)
  --against DIR also pairs this ticket with the one whose sources are in DIR (a copy of the
                `ticket` package of another commit, e.g. from `git archive`): before/after
  TICKET_SOURCE=DIR runs the ticket from another checkout's sources.

Times are taken from outside, the same way for both: from just before the process is spawned
to the moment its line is read (`frame_ms`, the start-up frame painted; `paint_ms`, the ticket's
own window painted; then `ready_ms`; the bare window prints at its first paint). Memory:
resident set of each process after 2 s idle once ready; the practice simulator runs in its own
process, so it is counted apart (`sim_rss_kb`), never in the window's figure; with
--in-process it is inside the window's figure, as that row says.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.perf.pairs import paired_row, row, stats, table

IDLE_S = 2.0
BARE = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
w = QWidget(); w.resize(940, 680)
def report():
    rss = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmRSS"))
    print(f"rss_kb {{rss}}", flush=True); app.quit()
class F(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint and not getattr(self, "done", False):
            self.done = True; print("paint_ms", flush=True)
            QTimer.singleShot({int(IDLE_S * 1000)}, report)
        return False
f = F(); w.installEventFilter(f); w.show(); app.exec()
"""


def _env(source: str | None = None, **extra: str) -> dict[str, str]:
    scratch = Path(tempfile.mkdtemp(prefix="ticket-start-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    for name in ("CONFIG", "DATA", "LOG"):
        env[f"TICKET_{name}_DIR"] = str(scratch / name.lower())
    source = source or os.environ.get("TICKET_SOURCE")
    if source:
        env["PYTHONPATH"] = source
    return env


def launch(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to each reported line, and the numbers the lines carry."""
    figures: dict[str, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=env["TICKET_CONFIG_DIR"].rsplit("/", 1)[0],  # `-m` puts the cwd first on sys.path
    )
    assert process.stdout is not None
    for line in process.stdout:
        words = line.split()
        if words and words[0] in ("frame_ms", "paint_ms", "ready_ms"):
            figures[words[0].removesuffix("_ms")] = (time.perf_counter() - started) * 1000
        elif len(words) == 2 and words[0].endswith("rss_kb"):
            figures[words[0]] = int(words[1]) / 1024
    if process.wait(timeout=60) != 0 or "paint" not in figures:
        raise RuntimeError(f"{command[-1]} failed (exit {process.returncode}): {figures}")
    return figures


TICKET = [sys.executable, "-m", "ticket", "--quit-when-ready"]


def run(pairs: int, in_process: bool, against: str | None) -> None:
    ticket, bare, inside, other = [], [], [], []
    for i in range(pairs):
        runs = [
            lambda: ticket.append(launch(TICKET, _env(TICKET_STARTUP_PROBE=str(IDLE_S)))),
            lambda: bare.append(launch([sys.executable, "-c", BARE], _env())),
        ]
        if in_process:
            probe = {"TICKET_STARTUP_PROBE": str(IDLE_S), "TICKET_PRACTICE_SIM": "in-process"}
            runs.append(lambda probe=probe: inside.append(launch(TICKET, _env(**probe))))
        if against:
            runs.append(lambda: other.append(launch(TICKET, _env(against))))
        for one in runs if i % 2 == 0 else reversed(runs):  # neither always goes first
            one()
        print(f"  pair {i + 1}/{pairs}", file=sys.stderr, flush=True)
    b_paint = [b["paint"] for b in bare]
    paired_row(
        "cold start: spawn -> window painted (its start-up frame)",
        [t["frame"] for t in ticket],
        b_paint,
        "ms",
        "bare PySide6 window",
        1.5,
        0,
    )
    paired_row(
        "cold start: spawn -> the ticket's form painted",
        [t["paint"] for t in ticket],
        b_paint,
        "ms",
        "bare PySide6 window",
        1.5,
        0,
    )
    paired_row(
        "ready to trade: spawn -> signed in, contract, first quote",
        [t["ready"] for t in ticket],
        b_paint,
        "ms",
        "bare window painted",
        2.5,
        0,
    )
    sims = [t["sim_rss_kb"] for t in ticket if "sim_rss_kb" in t]
    paired_row(
        "idle memory, 2 s after ready (practice simulator apart"
        + (f": {statistics.median(sims):.0f} MB)" if sims else ": in-process)"),
        [t["rss_kb"] for t in ticket],
        [b["rss_kb"] for b in bare],
        "MB",
        "bare window",
        1.3,
        1,
    )
    if in_process:
        paired_row(
            "ready to trade, simulator in the window's process",
            [t["ready"] for t in inside],
            b_paint,
            "ms",
            "bare window painted",
            2.5,
            0,
        )
        ready_own = [t["ready"] for t in ticket]
        ready_in = [t["ready"] for t in inside]
        ratios = [o / n for o, n in zip(ready_own, ready_in, strict=True)]
        row(
            "ready: simulator in its own process / in the window's",
            stats(ready_own, "ms", 0),
            "in-process " + stats(ready_in, "ms", 0),
            f"{statistics.median(ratios):.2f}x per pair",
            "below 1: keep its own process",
        )
        row(
            "memory with the simulator in the window's process",
            stats([t["rss_kb"] for t in inside], "MB", 1),
            "window + its own simulator "
            + stats([t["rss_kb"] + t.get("sim_rss_kb", 0) for t in ticket], "MB", 1),
            "-",
            "reported",
        )
    if against:
        for what in ("frame", "paint", "ready"):
            if any(what not in t for t in other):
                continue  # that one does not report it (no start-up frame before it)
            mine, theirs = [t[what] for t in ticket], [t[what] for t in other]
            ratios = [m / t for m, t in zip(mine, theirs, strict=True)]
            row(
                f"{what}: this ticket / the one in {against}",
                stats(mine, "ms", 0),
                "that one " + stats(theirs, "ms", 0),
                f"{statistics.median(ratios):.2f}x per pair",
                "below 1: faster",
            )


def main() -> None:
    pairs = int(sys.argv[sys.argv.index("--pairs") + 1]) if "--pairs" in sys.argv else 7
    print(f"start-up, {pairs} pairs, {os.cpu_count()} cores", flush=True)
    against = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
    run(pairs, "--in-process" in sys.argv, against)
    table()


if __name__ == "__main__":
    main()
