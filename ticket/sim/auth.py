"""The simulator's sign-in rules, as strict as Tradovate's.

`SimAuth` issues access tokens that live `token_lifetime`, renews them (the same session goes
on, with a new token and a later expiry), limits sign-ins per minute with p-ticket penalties
and then a p-captcha for an hour, and keeps at most `max_sessions` sessions per user: a sign-in
past the cap revokes every token of that user's oldest session. It runs on the server's request
threads; its clock can be a test's, so a five-minute token can pass in milliseconds.
"""

from __future__ import annotations

import contextvars
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ticket.sim.constants import SIM_USER_ID
from ticket.sim.entities import iso

# The token the current request was authorised with: the renew route answers for its session.
# A context variable is per thread and per asyncio task, whichever serves the request.
_caller: contextvars.ContextVar[str | None] = contextvars.ContextVar("sim_caller", default=None)


@dataclass(frozen=True)
class AuthRules:
    """What the simulator enforces. The defaults are on, with partner-documented figures."""

    token_lifetime: timedelta = timedelta(minutes=90)
    renewal_extends: bool = True  # False: a renewal answers a new token with the same expiry
    sign_ins_per_minute: int | None = 10  # None: no limit
    penalty_seconds: float = 10.0  # the p-time of a sign-in penalty
    penalties_before_captcha: int = 3  # within captcha_for; the next one is a p-captcha
    captcha_for: timedelta = timedelta(hours=1)
    max_sessions: int | None = 2  # per user; None: no cap


@dataclass
class _Session:
    user: str
    expires: datetime
    tokens: list[str] = field(default_factory=list)


def _answer(token: str, expires: datetime, user: str) -> dict[str, object]:
    return {
        "accessToken": token,
        "mdAccessToken": token,
        "expirationTime": iso(expires),
        "userStatus": "Active",
        "userId": SIM_USER_ID,
        "name": user,
        "hasLive": False,
    }


class SimAuth:
    def __init__(
        self, rules: AuthRules | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.rules = rules or AuthRules()
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self.tokens: dict[str, datetime] = {}  # every token ever issued: its expiry
        self._session_of: dict[str, int] = {}
        self._sessions: dict[int, _Session] = {}  # in the order they started
        self._next_session = 1
        self._revoked: set[str] = set()
        self._attempts: deque[datetime] = deque()  # sign-in requests in the last minute
        self._penalties: dict[str, datetime] = {}  # p-ticket: when a resend with it may pass
        self._penalised: deque[datetime] = deque()  # penalties given within captcha_for
        self._captcha_until: datetime | None = None
        # What happened, in the simulator's time: tests count these.
        self.sign_ins: list[datetime] = []
        self.renewals: list[datetime] = []
        self.revocations = 0

    # -- tokens --

    def valid(self, token: str) -> bool:
        """Whether `token` is live now; remembers it as the caller of this request."""
        _caller.set(token)
        with self._lock:
            expires = self.tokens.get(token)
            return expires is not None and token not in self._revoked and expires > self.clock()

    def user_of(self, token: str) -> str | None:
        """The user a token was issued to (whether or not it is still live)."""
        with self._lock:
            session = self._sessions.get(self._session_of.get(token, 0))
            return session.user if session is not None else None

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            past = self.clock() - timedelta(seconds=1)
            for token in self.tokens:
                self.tokens[token] = past
            for session in self._sessions.values():
                session.expires = past

    def start_session(self, user: str) -> dict[str, object]:
        """A sign-in that passed: a new session, the oldest dropped past the cap."""
        now = self.clock()
        with self._lock:
            number = self._next_session
            self._next_session += 1
            session = _Session(user, now + self.rules.token_lifetime)
            self._sessions[number] = session
            cap = self.rules.max_sessions
            mine = [n for n, s in self._sessions.items() if s.user == user]
            while cap is not None and len(mine) > cap:
                oldest = mine.pop(0)
                self._revoked.update(self._sessions.pop(oldest).tokens)
                self.revocations += 1
            self.sign_ins.append(now)
            return self._issue(number, session)

    def renew(self) -> dict[str, object]:
        """A new token for the caller's session, which now lasts a full lifetime from now."""
        caller = _caller.get()
        now = self.clock()
        with self._lock:
            number = self._session_of.get(caller or "")
            session = self._sessions.get(number or 0)
            if session is None or caller in self._revoked:
                return {"errorText": "Access is denied"}
            if self.rules.renewal_extends:
                session.expires = max(session.expires, now + self.rules.token_lifetime)
            self.renewals.append(now)
            return self._issue(number or 0, session)

    def _issue(self, number: int, session: _Session) -> dict[str, object]:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = session.expires
        self._session_of[token] = number
        session.tokens.append(token)
        return _answer(token, session.expires, session.user)

    # -- sign-in limits --

    def sign_in_penalty(self, body: Any, fault: dict[str, object] | None) -> dict[str, object]:
        """The p-ticket answer to a sign-in request, or {} when it may go ahead.

        A resend that carries a ripe ticket passes; `fault` is a penalty a test armed."""
        now = self.clock()
        with self._lock:
            if self._captcha_until is not None and now < self._captcha_until:
                return self._ticket(now, self._captcha_until, captcha=True)
            ticket = body.get("p-ticket") if isinstance(body, dict) else None
            ripe_at = self._penalties.get(str(ticket)) if ticket is not None else None
            if ripe_at is not None and ripe_at > now:
                seconds = round((ripe_at - now).total_seconds(), 1)
                return {"p-ticket": ticket, "p-time": seconds, "p-captcha": False}
            if ripe_at is not None:
                self._penalties.pop(str(ticket), None)
                self._attempts.append(now)
                return {}
            if fault is not None:
                seconds = float(fault["seconds"])  # type: ignore[arg-type]
                return self._ticket(now, now + timedelta(seconds=seconds), bool(fault["captcha"]))
            while self._attempts and self._attempts[0] <= now - timedelta(minutes=1):
                self._attempts.popleft()
            limit = self.rules.sign_ins_per_minute
            if limit is None or len(self._attempts) < limit:
                self._attempts.append(now)
                return {}
            while self._penalised and self._penalised[0] <= now - self.rules.captcha_for:
                self._penalised.popleft()
            if len(self._penalised) >= self.rules.penalties_before_captcha:
                self._captcha_until = now + self.rules.captcha_for
                return self._ticket(now, self._captcha_until, captcha=True)
            self._penalised.append(now)
            return self._ticket(now, now + timedelta(seconds=self.rules.penalty_seconds))

    def _ticket(self, now: datetime, ripe_at: datetime, captcha: bool = False) -> dict[str, object]:
        ticket = secrets.token_hex(12)
        if not captcha:
            self._penalties[ticket] = ripe_at
        seconds = round((ripe_at - now).total_seconds(), 1)
        return {"p-ticket": ticket, "p-time": seconds, "p-captcha": captcha}
