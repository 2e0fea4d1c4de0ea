"""How many REST requests the client may send, and what it does while Tradovate refuses them.

Tradovate limits requests per second, minute and hour, varies the limits on purpose and does not
publish retail numbers; a client over them gets HTTP 429 for everything, for up to an hour
(423 comes first, as a warning). So the client stays far below anything plausible:

- `RequestBudget`: look-ups (every query and list) at most `PER_SECOND` in any second and
  `PER_MINUTE` in any minute (a caller waits its turn), and `PER_HOUR` in any hour (past that a
  look-up is refused at once, unsent). Order calls (place, cancel, modify, liquidate, placeOSO,
  placeOCO) and sign-in calls are counted in the same windows, so look-ups leave room for
  them, but never wait. The look-ups of an order action (flatten, cancel, protect, finding
  an order after an unknown outcome: `Kind.ESSENTIAL`) wait at most for their second. The
  simulator's defaults are 50 a second, 200 a minute and 5,000 an
  hour; Tradovate's retail figures are not published.
- `Lockout`: a 429 or 423 from any call sets a `Refusal`. While it lasts, look-ups raise
  `errors.RateLimited` at once without sending; order calls still go (the trader may need to
  cancel or flatten, and a 429 answer to an order proves it was not placed). A 423 pauses
  look-ups for `PAUSE_423` seconds. A 429 may last an hour (`LOCKOUT_429`); one look-up is let
  through as a probe after `PROBES[0]` seconds, then after each later step, and any answer
  that is not 429/423 ends the refusal.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors

PER_SECOND = 10
PER_MINUTE = 120
PER_HOUR = 3000
PAUSE_423 = 60.0
LOCKOUT_429 = 3600.0
PROBES = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0)  # between probes during a 429
REFUSING = errors.REFUSING
POLL = 0.05  # how often a waiting look-up looks at the budget's clock again


class Kind(StrEnum):
    LOOKUP = "lookup"  # queries and lists: wait their turn, refused while locked out
    # a look-up an order action depends on: waits for its second, but neither the minute and
    # hour budgets nor a refusal hold it back (so it never waits more than a second)
    ESSENTIAL = "essential"
    ORDER = "order"
    AUTH = "auth"


class Refusal(BaseModel):
    """Tradovate refuses requests: since when, and until when at the latest (a guess)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: int
    message: str
    since: datetime
    until: datetime


class RequestBudget:
    """Sliding one-second, one-minute and one-hour windows over every request sent.
    Thread-safe."""

    def __init__(
        self,
        per_second: int = PER_SECOND,
        per_hour: int = PER_HOUR,
        per_minute: int = PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_minute = per_minute
        self.per_hour = per_hour
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._second: deque[float] = deque()
        self._minute: deque[float] = deque()
        self._hour: deque[float] = deque()
        self.sent: dict[Kind, int] = dict.fromkeys(Kind, 0)
        self.waited = 0.0  # seconds look-ups spent waiting their turn, in all

    def take(self, kind: Kind) -> None:
        """Count one request of `kind`, after waiting its turn if it is a look-up.

        A look-up told to wait W seconds goes when the budget's clock says its turn has come,
        or after W seconds of real time, whichever is first: so a clock that is set back, or
        a test's clock that stands still, never parks a caller for longer than its window,
        and a wait never moves a test's clock."""
        given_up_at: float | None = None  # real time after which this caller goes anyway
        while True:
            with self._lock:
                now = self._clock()
                self._forget(now)
                if kind in (Kind.ORDER, Kind.AUTH):
                    self._count(kind, now)
                    return
                if kind is Kind.LOOKUP and len(self._hour) >= self.per_hour:
                    raise errors.OverBudget(
                        f"This app has sent {self.per_hour} requests in the last hour, its own "
                        "limit to stay clear of Tradovate's: look-ups resume within the hour; "
                        "orders still go."
                    )
                if len(self._second) >= self.per_second:
                    wait = self._second[-self.per_second] + 1.0 - now
                elif kind is Kind.LOOKUP and len(self._minute) >= self.per_minute:
                    wait = self._minute[-self.per_minute] + 60.0 - now
                else:
                    wait = 0.0
                real = time.monotonic()
                if given_up_at is None and wait > 0:
                    given_up_at = real + min(wait, 60.0)
                if wait <= 0 or (given_up_at is not None and real >= given_up_at):
                    self._count(kind, now)
                    return
            assert given_up_at is not None  # set whenever there is a wait
            step = min(wait, given_up_at - real, POLL)
            self.waited += step
            self._sleep(step)

    def _count(self, kind: Kind, now: float) -> None:
        self._second.append(now)
        self._minute.append(now)
        self._hour.append(now)
        self.sent[kind] += 1

    def _forget(self, now: float) -> None:
        while self._second and self._second[0] <= now - 1.0:
            self._second.popleft()
        while self._minute and self._minute[0] <= now - 60.0:
            self._minute.popleft()
        while self._hour and self._hour[0] <= now - 3600.0:
            self._hour.popleft()

    def used(self) -> tuple[int, int, int]:
        """Requests in the last second, minute and hour."""
        with self._lock:
            self._forget(self._clock())
            return len(self._second), len(self._minute), len(self._hour)


class Lockout:
    """The refusal state, from the statuses every call gets back. Thread-safe.

    `on_change(refusal | None)` is called (on the calling thread) when a refusal begins, is
    renewed by another refused answer, or ends."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        on_change: Callable[[Refusal | None], None] | None = None,
        *,
        pause_423: float = PAUSE_423,
        lockout_429: float = LOCKOUT_429,
        probes: Sequence[float] = PROBES,
    ) -> None:
        self._clock = clock
        self.on_change = on_change
        # the guesses, per instance: a test of a window may shorten them
        self.pause_423 = pause_423
        self.lockout_429 = lockout_429
        self.probes = tuple(probes) or PROBES
        self._lock = threading.Lock()
        self.refusal: Refusal | None = None
        self._probe_at: datetime | None = None
        self._probes = 0

    def admit(self, kind: Kind) -> None:
        """Raise `errors.RateLimited` for a look-up while refused, unless it may probe."""
        if kind is not Kind.LOOKUP:
            return
        with self._lock:
            refusal = self.refusal
            if refusal is None:
                return
            now = self._clock()
            if now >= refusal.until or (self._probe_at is not None and now >= self._probe_at):
                # this one goes; the next waits for its answer or the next step
                step = self.probes[min(self._probes, len(self.probes) - 1)]
                self._probe_at = now + timedelta(seconds=step)
                self._probes += 1
                return
        raise errors.RateLimited(refusal.status, refusal.message)

    def observe(self, status: int) -> None:
        """Every HTTP status the server answered with."""
        with self._lock:
            if status in REFUSING:
                now = self._clock()
                held = self.refusal
                if status == 423:
                    until = now + timedelta(seconds=self.pause_423)
                    probe = None
                else:
                    until = now + timedelta(seconds=self.lockout_429)
                    if held is not None and held.status == 429:
                        until = held.until  # a refused probe does not restart the hour
                    step = self.probes[min(self._probes, len(self.probes) - 1)]
                    probe = now + timedelta(seconds=step)
                since = held.since if held is not None else now
                if held is not None and held.status == 429 and status == 423:
                    return  # a warning does not shorten a lockout
                self.refusal = Refusal(
                    status=status,
                    message=str(errors.http_error(status)),
                    since=since,
                    until=until,
                )
                self._probe_at = probe
                changed: Refusal | None = self.refusal
            elif self.refusal is not None:
                self.refusal = None
                self._probe_at = None
                self._probes = 0
                changed = None
            else:
                return
        if self.on_change is not None:
            self.on_change(changed)


class Essential:
    """Marks the look-ups of the current thread as ones an order action depends on."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def active(self) -> bool:
        return bool(getattr(self._local, "depth", 0))

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield
        finally:
            self._local.depth -= 1
