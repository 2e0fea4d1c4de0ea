"""The session with Tradovate: the token, when it ends, and when to renew it.

Every time here is the server's: `expires_at` is Tradovate's `expirationTime` and `issued_at`
the server's `Date` when the token arrived (the local clock then, when there is no Date). The
local clock only measures how much time has passed since, through `offset`, so a clock that is
minutes off changes nothing. The renewal is scheduled when the token arrives, with a margin
that fits short tokens, and never comes sooner than a minute after the last one.

`SessionStore` is the port through which the window and the command line share one session per
server and user (the OS keyring in the app, a dict in tests); `lock` keeps two processes from
signing in or renewing at the same moment.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, SecretStr

from ticket.broker import errors

MAX_MARGIN = timedelta(minutes=15)  # Tradovate's advice: renew about 15 minutes before the end
SPACING = timedelta(minutes=1)  # never more than one renewal a minute
FINAL_SIGN_IN = timedelta(minutes=1)  # a session that renewal cannot extend: sign in this early
CAPTCHA_PAUSE = timedelta(hours=1)  # Tradovate: after a captcha, try again in about an hour
DEFAULT_LIFETIME = timedelta(minutes=80)  # an answer without expirationTime: the shortest seen


class Session(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    token: SecretStr
    md_token: SecretStr | None
    expires_at: datetime
    user_id: int | None
    name: str | None
    issued_at: datetime | None = None  # server time when the token arrived
    offset: timedelta = timedelta(0)  # the server's clock minus the local clock
    renewed_at: datetime | None = None  # server time of the last renewal attempt
    stalled: bool = False  # a renewal did not move expires_at: sign in once before the end

    def market_data_token(self) -> str:
        """The token for the market-data socket: mdAccessToken when given, else the access
        token. Tradovate's docs show both in use; this is the one place that chooses."""
        return (self.md_token or self.token).get_secret_value()

    def server_now(self, local: datetime) -> datetime:
        return local + self.offset

    @property
    def margin(self) -> timedelta:
        """How long before the end to renew: 15 minutes, or a quarter of a shorter lifetime."""
        lifetime = self.expires_at - (self.issued_at or self.expires_at)
        return min(MAX_MARGIN, max(lifetime, timedelta(0)) / 4)

    @property
    def act_at(self) -> datetime:
        """Server time of the next renewal (or, once stalled, of the one sign-in)."""
        if self.stalled:  # a sign-in, not a renewal: the spacing of renewals does not apply
            return self.expires_at - min(FINAL_SIGN_IN, self.margin)
        planned = self.expires_at - self.margin
        if self.renewed_at is not None:
            planned = max(planned, self.renewed_at + SPACING)
        return planned

    def due(self, local: datetime) -> bool:
        return self.server_now(local) >= self.act_at

    def ended(self, local: datetime) -> bool:
        return self.server_now(local) >= self.expires_at

    def may_renew(self, local: datetime) -> bool:
        """False within a minute of the last renewal attempt."""
        return self.renewed_at is None or self.server_now(local) >= self.renewed_at + SPACING

    def local(self, server_time: datetime) -> datetime:
        """A server time as the local clock shows it."""
        return server_time - self.offset


def server_date(header: str | None) -> datetime | None:
    """An HTTP Date header as an aware datetime, or None when there is none usable."""
    if not header:
        return None
    try:
        parsed = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


class EventKind(StrEnum):
    SIGNED_IN = "signed in"
    RESUMED = "resumed"  # a live session from the shared store, no sign-in
    RENEWED = "renewed"
    NOT_EXTENDED = "not extended"  # a renewal that did not move the expiry
    WAITING = "waiting"  # a sign-in penalty is being waited out: `seconds` left
    CAPTCHA = "captcha"  # sign-in stopped: only a person in a browser can go on


@dataclass(frozen=True)
class SessionEvent:
    kind: EventKind
    message: str = ""
    seconds: float = 0.0
    expires_local: datetime | None = None  # the session's end as the local clock shows it


class SignInPaused(errors.Penalised):
    """A p-captcha answered a sign-in: no sign-in is tried again before `until` (local)."""

    def __init__(self, until: datetime) -> None:
        super().__init__("", 0.0, True)
        self.until = until
        self.args = (
            "Tradovate asks for a captcha after too many sign-ins; this app cannot answer it. "
            "Nothing was signed in, and this app will not try again before "
            f"{until.astimezone():%H:%M} (about an hour). Sign in once on Tradovate's website, "
            "which shows the captcha; 'ticket sign-out' lifts this app's pause sooner.",
        )


class StoreBusy(errors.BrokerError):
    """Another process held the session lock too long."""


class SessionStore(Protocol):
    """Where the session lives between processes. `key` names the server and the user."""

    def load(self, key: str) -> Session | None: ...
    def save(self, key: str, session: Session) -> None: ...
    def delete(self, key: str) -> None: ...
    def lock(self, key: str) -> AbstractContextManager[object]: ...
    def paused_until(self, key: str) -> datetime | None: ...
    def pause(self, key: str, until: datetime | None) -> None: ...


def store_key(base_url: str, username: str) -> str:
    return f"{base_url.strip().rstrip('/').lower()} {username}"
