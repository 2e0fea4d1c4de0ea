"""A wall clock that moves only when a test moves it, shared by a simulator and a client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC).replace(microsecond=0)
        self.slept = 0.0

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        """For code that waits: the time passes at once."""
        self.slept += seconds
        self.advance(seconds)

    def off_by(self, minutes: float) -> Callable[[], datetime]:
        """This clock as a machine whose clock is `minutes` fast (or slow) reads it."""
        return lambda: self._now + timedelta(minutes=minutes)


def dated_by(clock: FakeClock, http: httpx.Client) -> httpx.Client:
    """Answers carry the simulator's time in their Date header, as a real server's do: the
    simulator's transport stamps the machine's time, which a fake clock has left behind."""

    def stamp(response: httpx.Response) -> None:
        response.headers["Date"] = format_datetime(clock.now(), usegmt=True)

    http.event_hooks["response"] = [*http.event_hooks["response"], stamp]
    return http
