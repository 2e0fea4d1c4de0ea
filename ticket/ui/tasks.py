"""The one way off the GUI thread.

`TaskRunner.run(fn, on_done, on_error)` runs a plain callable on a worker thread and delivers its
result or exception to callbacks on the GUI thread (queued signals). Tasks stay referenced until
they finish. An order runner has one thread, so order mutations run one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


class TaskRunner(QObject):
    """Runs callables on its own pool. Callbacks run on the thread that owns the runner."""

    def __init__(self, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._live: set[_Task] = set()
        self.closed = False  # after close(), answers still on their way are dropped

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        relay = _Relay()
        task = _Task(fn, relay)
        self._live.add(task)

        def finish() -> None:
            self._live.discard(task)

        relay.done.connect(lambda result: None if self.closed else on_done(result))
        relay.failed.connect(lambda exc: None if self.closed else on_error(exc))
        relay.done.connect(finish)
        relay.failed.connect(finish)
        self._pool.start(task)

    def wait(self, msecs: int = 10000) -> bool:
        return self._pool.waitForDone(msecs)

    def close(self, msecs: int = 10000) -> bool:
        """Wait for the running tasks, then drop their answers: whoever asked is going away."""
        finished = self.wait(msecs)
        self.closed = True
        return finished
