"""The duplicate guard: the same order twice within a few seconds is usually a double click."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.orders import Action


class OrderKey(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    account_id: int
    symbol: str
    action: Action
    qty: int
    price: Decimal | None


class DuplicateGuard:
    """Remembers what was sent in the last `window` seconds. Times are monotonic seconds."""

    def __init__(self, window: float = 5.0) -> None:
        self.window = window
        self._sent: deque[tuple[float, OrderKey]] = deque()

    def _forget_before(self, now: float) -> None:
        while self._sent and now - self._sent[0][0] > self.window:
            self._sent.popleft()

    def seconds_since_same(self, key: OrderKey, now: float) -> float | None:
        """Seconds since the same order was sent, or None if it was not sent in the window."""
        self._forget_before(now)
        for sent_at, sent in reversed(self._sent):
            if sent == key:
                return now - sent_at
        return None

    def record(self, key: OrderKey, now: float) -> None:
        self._forget_before(now)
        self._sent.append((now, key))

    def forget(self, key: OrderKey) -> None:
        """The order was surely not placed (rejected, penalised, refused): sending it again is
        no duplicate."""
        self._sent = deque((t, k) for t, k in self._sent if k != key)
