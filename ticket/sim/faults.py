"""The simulator's fault switchboard: what the next requests should suffer.

Every switch is thread-safe and counted: `fail_next("/order/placeoso", times=2)` hits the next
two placeOSO calls and then the server behaves again. Paths are matched case-insensitively,
with or without their leading slash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from ticket.domain.orders import FailureReason

DropWhen = Literal["before", "after"]


def _route(path: str) -> str:
    """`/order/placeOSO` and `order/placeoso` name the same route."""
    return path.strip("/").lower()


@dataclass
class _Pending:
    path: str | None
    times: int
    payload: dict[str, object] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, list[_Pending]] = {}
        self.latency: dict[str | None, float] = {}

    def _add(self, kind: str, path: str | None, times: int, **payload: object) -> None:
        with self._lock:
            key = _route(path) if path else None
            self._pending.setdefault(kind, []).append(_Pending(key, times, dict(payload)))

    def take(self, kind: str, path: str) -> dict[str, object] | None:
        """Consume one pending fault of `kind` for `path`, if any."""
        with self._lock:
            for pending in self._pending.get(kind, []):
                if pending.path in (None, _route(path)) and pending.times > 0:
                    pending.times -= 1
                    return pending.payload
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self.latency.clear()

    def delay_for(self, path: str) -> float:
        with self._lock:
            return self.latency.get(_route(path), 0.0) + self.latency.get(None, 0.0)

    # -- the switches ---------------------------------------------------------------------------

    def add_latency(self, seconds: float, path: str | None = None) -> None:
        """Every request (or every request to `path`) waits `seconds` before it is handled."""
        with self._lock:
            self.latency[_route(path) if path else None] = seconds

    def fail_next(self, path: str, status: int = 500, times: int = 1) -> None:
        """Answer with HTTP `status` before handling the request (nothing is recorded)."""
        self._add("status", path, times, status=status)

    def drop_next(self, path: str, when: DropWhen = "before", times: int = 1) -> None:
        """Close the connection without an answer, before or after the request is acted on."""
        self._add(f"drop_{when}", path, times)

    def answer_next(self, path: str, body: object, status: int = 200, times: int = 1) -> None:
        """Answer with HTTP `status` and `body` (a str goes out as text, anything else as JSON)
        instead of handling the request: nothing is done."""
        self._add("answer", path, times, status=status, body=body)

    def penalise_next(
        self, path: str, seconds: float = 2.0, captcha: bool = False, times: int = 1
    ) -> None:
        """Answer with a p-ticket time penalty; nothing is done."""
        self._add("penalty", path, times, seconds=seconds, captcha=captcha)

    def reject_next(
        self, reason: FailureReason, text: str = "", path: str | None = None, times: int = 1
    ) -> None:
        """The next order call (or call to `path`) is refused with this failureReason."""
        self._add("reject", path, times, reason=reason.value, text=text)

    def partial_fill_next(self, qty: int, times: int = 1) -> None:
        """The next entry fill fills only `qty`; the rest works on and fills on a later move."""
        self._add("partial", None, times, qty=qty)

    def fail_leg_activation_next(
        self, leg: int = 1, reason: FailureReason = FailureReason.OTHER_EXECUTION_RELATED
    ) -> None:
        """When the next OSO entry fills, bracket `leg` (1 or 2) is rejected instead of working."""
        self._add("leg", None, 1, leg=leg, reason=reason.value)
