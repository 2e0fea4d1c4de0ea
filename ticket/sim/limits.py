"""Tradovate's request limits, per user, as the simulator enforces them on every REST request
and every request over its sockets (sign-ins have their own rules: `auth.py`).

Tradovate limits requests per hour, per minute and per second, and answers 429 to every request
of a user who went past one, for a while; a 423 "precedes a 429" (tradovate-api.md 7.1, 7.2).
The published figure is 5,000 an hour; the per-second and per-minute figures are not published
for retail users, so the simulator picks ones a careful client never reaches and a polling
loop does (see `RateLimits`).

Counting is a sliding window per limit, one deque of request times each, bounded by the limit:
a request costs O(1) however long the history.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

TOO_MANY = "Too many requests: wait for the lockout to end"
ALMOST_TOO_MANY = (
    "Too many requests this hour: this request was not processed, and the next ones will be "
    "refused with 429 once the hourly limit is reached"
)


@dataclass(frozen=True)
class RateLimits:
    """The figures the simulator enforces per user; None turns a limit off.

    - `per_hour` 5,000: Tradovate's published hourly limit (tradovate-api.md 7.2).
    - `per_minute` 200: the design's idle client makes 6 requests a minute and an active
      trader a few dozen; a window that polls three lists every half second makes 360.
    - `per_second` 50: command-line scripts run commands back to back, each signing in and
      resolving its contract (about seven requests), and a resync after a reconnect reads
      every list; Tradovate's partner docs give 1,000 a second, so 50 is still far stricter,
      and a loop that re-reads state without waiting meets the minute limit within seconds.
    - At `warn_at` of the hourly limit one request is answered 423 and not processed: the
      partner docs say 423 precedes a 429, as a warning; not processing it makes the warning
      impossible to miss, and a client that reads it as "slow down" loses nothing but that
      request, which it may send again.
    - Past a limit every request of the user is answered 429 for `lockout` seconds (the
      second and minute limits) or `hour_lockout` seconds (the hourly one: Tradovate says
      wait an hour); then the user starts afresh.
    """

    per_second: int | None = 50
    per_minute: int | None = 200
    per_hour: int | None = 5000
    warn_at: float = 0.9
    lockout: float = 60.0
    hour_lockout: float = 3600.0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(per_second=None, per_minute=None, per_hour=None)


class Verdict(Enum):
    PASS = 200
    WARN = 423  # answered, not processed
    LOCKED = 429


@dataclass
class _Usage:
    second: deque[float] = field(default_factory=deque)
    minute: deque[float] = field(default_factory=deque)
    hour: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    warned: bool = False


def _trim(window: deque[float], since: float) -> int:
    while window and window[0] <= since:
        window.popleft()
    return len(window)


class RateLimiter:
    """Thread-safe: the REST handler threads and the socket loop count through one instance.
    `limits` may be replaced while the simulator runs; `clock` (seconds) may be a test's."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._users: dict[str, _Usage] = {}
        self.refused: dict[Verdict, int] = {Verdict.WARN: 0, Verdict.LOCKED: 0}

    def check(self, user: str) -> Verdict:
        """Count one request of `user` and say whether it may be processed."""
        limits, now = self.limits, self.clock()
        with self._lock:
            usage = self._users.setdefault(user, _Usage())
            verdict = self._judge(usage, limits, now)
            if verdict is not Verdict.PASS:
                self.refused[verdict] += 1
            return verdict

    def _judge(self, usage: _Usage, limits: RateLimits, now: float) -> Verdict:
        if usage.locked_until > now:
            return Verdict.LOCKED
        windows = (
            (usage.second, limits.per_second, 1.0, limits.lockout),
            (usage.minute, limits.per_minute, 60.0, limits.lockout),
            (usage.hour, limits.per_hour, 3600.0, limits.hour_lockout),
        )
        for window, limit, span, lockout in windows:
            if limit is None:
                window.clear()
            elif _trim(window, now - span) >= limit:
                self._lock_out(usage, now + lockout)
                return Verdict.LOCKED
        for window, limit, _, _ in windows:
            if limit is not None:
                window.append(now)
        if limits.per_hour is not None:
            threshold = math.ceil(limits.per_hour * limits.warn_at)
            if len(usage.hour) < threshold:
                usage.warned = False  # the hour's count fell back: a later approach warns again
            elif not usage.warned:
                usage.warned = True
                return Verdict.WARN
        return Verdict.PASS

    @staticmethod
    def _lock_out(usage: _Usage, until: float) -> None:
        usage.locked_until = until
        usage.second.clear()
        usage.minute.clear()
        usage.hour.clear()
        usage.warned = False

    def locked(self, user: str) -> bool:
        with self._lock:
            usage = self._users.get(user)
            return usage is not None and usage.locked_until > self.clock()

    def reset(self) -> None:
        """Forget every count and lockout."""
        with self._lock:
            self._users.clear()
