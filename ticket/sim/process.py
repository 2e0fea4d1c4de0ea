"""The simulator in a process of its own, for practice mode: its price thread and its request
handling then never take the window's interpreter lock from painting, and its memory is its
own. `main` is that process: it prints where it listens as one JSON line on stdout and runs
until its stdin closes, which happens when the window closes or dies, so it never outlives
the window. `PracticeServer` is the window's handle on it. Standard library only here, so the
window can start it before importing anything heavy.

Run: python -m ticket.sim.process [TICK_SECONDS]   (0: prices stand still)
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence


def main(argv: Sequence[str] = ()) -> int:
    # Ctrl-C in a terminal reaches the whole process group: the window decides when this ends
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tick = float(argv[0]) if argv else 0.5
    from ticket.sim.server import Simulator

    sim = Simulator(tick_interval=tick or None).start()
    where = {"base_url": sim.base_url, "md_url": sim.md_url, "pid": os.getpid()}
    try:
        print(json.dumps(where), flush=True)
    except BrokenPipeError:  # the window ended before it read where: nobody is left to serve
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor to flush to
        sim.stop()
        return 0
    sys.stdout = sys.stderr  # nobody reads that pipe again: a stray print must never block
    try:
        while sys.stdin.buffer.read(4096):  # nothing is sent: this waits for end of file
            pass
    finally:
        sim.stop()
    return 0


class PracticeServer:
    """The embedded simulator in a process of its own (`ticket.sim.process`), for practice
    mode: it boots on the other core while the window paints, and its price thread and
    request handling never compete with painting for the interpreter lock. Started at once;
    `address()` waits for where it listens. It ends when `stop()` closes its stdin, or when
    this process ends, however that happens. Thread-safe."""

    def __init__(self, tick_interval: float | None = 0.5) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ticket.sim.process", str(tick_interval or 0)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        self._where: tuple[str, str] | None = None

    @staticmethod
    def wanted() -> bool:
        """In its own process unless TICKET_PRACTICE_SIM=in-process (the benchmarks compare
        both) or in a frozen bundle, which has no `python -m`."""
        in_process = os.environ.get("TICKET_PRACTICE_SIM") == "in-process"
        return not in_process and not getattr(sys, "frozen", False)

    def address(self, timeout: float = 30.0) -> tuple[str, str]:
        """The REST base URL and the market-data socket URL, once the simulator listens."""
        with self._lock:
            if self._where is None:
                self._where = self._read_address(timeout)
            return self._where

    def _read_address(self, timeout: float) -> tuple[str, str]:
        out = self.process.stdout
        assert out is not None
        with selectors.DefaultSelector() as selector:
            selector.register(out, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.stop()
                raise RuntimeError(f"The practice simulator did not start within {timeout:.0f} s.")
        line = out.readline()
        try:
            where = json.loads(line)
            return str(where["base_url"]), str(where["md_url"])
        except (ValueError, KeyError, TypeError):
            code = self.process.poll()
            self.stop()
            raise RuntimeError(
                f"The practice simulator did not start (exit code {code})."
            ) from None

    def stop(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()  # its signal to stop
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
