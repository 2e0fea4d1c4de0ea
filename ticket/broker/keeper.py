"""Sign-in, renewal and the shared session, for `TradovateClient`.

`SessionKeeper` owns the token. It signs in (waiting out a p-ticket once, stopping at a
p-captcha), renews on the schedule of `ticket.broker.session`, answers a 401 with at most one
renewal a minute, and shares the session through a `SessionStore` so the window and the command
line use one. Any thread: a lock for this process's threads, the store's lock for other
processes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr, ValidationError

from ticket import __version__
from ticket.broker import errors
from ticket.broker.models import AccessToken, AccessTokenRequest
from ticket.broker.session import (
    CAPTCHA_PAUSE,
    DEFAULT_LIFETIME,
    SPACING,
    EventKind,
    Session,
    SessionEvent,
    SessionStore,
    SignInPaused,
    server_date,
    store_key,
)
from ticket.credentials import Credentials

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
Send = Callable[[str, str, Mapping[str, object] | None, SecretStr | None], "httpx.Response"]


class SessionKeeper:
    def __init__(
        self,
        send: Send,
        read: Callable[[httpx.Response], Any],
        base_url: str,
        *,
        device_id: str,
        app_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        store: SessionStore | None = None,
    ) -> None:
        self._request = send
        self._read = read
        self.base_url = base_url
        self.device_id = device_id
        self.app_id = app_id
        self._clock = clock  # the local clock: it only measures time passing
        self._sleep = sleep
        self.store = store  # shared with other processes of this user, or None
        self._session: Session | None = None
        self._username: str | None = None
        self._credentials: Callable[[], Credentials] | None = None
        self._last_auto_sign_in: datetime | None = None
        self._proven = False  # the current token has had an answer other than 401
        self._paused_until: datetime | None = None  # local time: a captcha stopped sign-ins
        self._lock = threading.RLock()
        # Told of sign-ins, renewals and waits, on the thread that made the call.
        self.on_event: Callable[[SessionEvent], None] | None = None

    @property
    def session(self) -> Session | None:
        return self._session

    def expires_local(self) -> datetime | None:
        """The token's end as the local clock shows it (the server's time, shifted)."""
        session = self._session
        return session.local(session.expires_at) if session else None

    def renewal_due(self) -> bool:
        """Whether a renewal (or the one planned sign-in) is due: no network, no lock."""
        session = self._session
        return session is not None and session.due(self._clock())

    def seconds_until_due(self) -> float | None:
        session = self._session
        if session is None:
            return None
        left = session.act_at - session.server_now(self._clock())
        return max(left.total_seconds(), 0.0)

    def open_session(self, username: str, credentials: Callable[[], Credentials]) -> Session:
        """The live shared session of this server and user, else a new sign-in. `credentials`
        is asked only when a sign-in is needed, now or later."""
        with self._lock:
            self._username, self._credentials = username, credentials
            with self._exclusive():
                stored = self._load()
                if stored is not None and not stored.ended(self._clock()):
                    self._session = stored
                    log.info(
                        "using the session of %s at %s, token until %s",
                        username,
                        self.base_url,
                        stored.expires_at.isoformat(),
                    )
                    self._emit(EventKind.RESUMED)
                    return stored
                return self._sign_in(credentials())

    def sign_in(self, credentials: Credentials) -> Session:
        """Sign in now: a new server session. A p-ticket is waited out and the request resent
        once with it; a p-captcha stops sign-ins for about an hour."""
        with self._lock:
            self._username, self._credentials = credentials.username, lambda: credentials
            with self._exclusive():
                return self._sign_in(credentials)

    def renew(self) -> Session:
        with self._lock, self._exclusive():
            return self._renew()

    def sign_out(self, username: str | None = None) -> None:
        """Forget the session, here and in the shared store. Tradovate has no call that ends a
        token: it lapses at its expiry, held by no one."""
        with self._lock:
            self._username = username or self._username
            with self._exclusive():
                if self.store is not None and self._username:
                    key = store_key(self.base_url, self._username)
                    self.store.delete(key)
                    self.store.pause(key, None)
                self._session = None
                self._credentials = None
                self._paused_until = None

    # -- session internals: each runs under the locks --

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """With a shared store, the lock that keeps other processes from signing in or renewing
        at the same moment (the thread lock is taken by the caller)."""
        if self.store is None or self._username is None:
            yield
            return
        with self.store.lock(store_key(self.base_url, self._username)):
            yield

    def _load(self) -> Session | None:
        if self.store is None or self._username is None:
            return None
        return self.store.load(store_key(self.base_url, self._username))

    def _keep(self, session: Session) -> Session:
        if self._session is None or self._session.token != session.token:
            self._proven = False
        self._session = session
        if self.store is not None and self._username is not None:
            self.store.save(store_key(self.base_url, self._username), session)
        return session

    def _emit(self, kind: EventKind, message: str = "", seconds: float = 0.0) -> None:
        if self.on_event is not None:
            self.on_event(SessionEvent(kind, message, seconds, self.expires_local()))

    def _sign_in(self, credentials: Credentials) -> Session:
        paused = self._paused()
        if paused is not None:
            raise SignInPaused(paused)
        body = AccessTokenRequest(
            name=credentials.username,
            password=credentials.password.get_secret_value(),
            app_id=self.app_id,
            app_version=__version__,
            device_id=self.device_id,
            cid=credentials.cid,
            sec=credentials.sec.get_secret_value(),
        ).to_wire()
        try:
            return self._token_request(body)
        except errors.Penalised as penalty:
            if penalty.captcha:
                raise self._pause_sign_ins() from penalty
            ticket, seconds = penalty.ticket, penalty.seconds
        self._wait_out(seconds)
        try:
            return self._token_request(body | {"p-ticket": ticket})
        except errors.Penalised as again:
            if again.captcha:
                raise self._pause_sign_ins() from again
            raise

    def _token_request(self, body: dict[str, object]) -> Session:
        response = self._request("POST", "/auth/accesstokenrequest", body, None)
        session = self._session_from(self._read(response), response)
        self._keep(session)
        log.info(
            "signed in to %s as user %s, token until %s",
            self.base_url,
            session.user_id,
            session.expires_at.isoformat(),
        )
        self._emit(EventKind.SIGNED_IN)
        return session

    def _wait_out(self, seconds: float) -> None:
        """Wait a sign-in penalty's p-time, telling the listener the seconds left each second."""
        log.warning("sign-in penalised: waiting %.0f s, then resending once", seconds)
        left = seconds
        while left > 0:
            self._emit(EventKind.WAITING, seconds=left)
            step = min(1.0, left)
            self._sleep(step)
            left -= step
        self._emit(EventKind.WAITING, seconds=0.0)

    def _paused(self) -> datetime | None:
        until = self._paused_until
        if until is None and self.store is not None and self._username is not None:
            until = self.store.paused_until(store_key(self.base_url, self._username))
        return until if until is not None and until > self._clock() else None

    def _pause_sign_ins(self) -> SignInPaused:
        until = self._clock() + CAPTCHA_PAUSE
        self._paused_until = until
        if self.store is not None and self._username is not None:
            self.store.pause(store_key(self.base_url, self._username), until)
        paused = SignInPaused(until)
        log.error("sign-in answered with a captcha: no sign-in until %s", until.isoformat())
        self._emit(EventKind.CAPTCHA, str(paused))
        return paused

    def _renew(self) -> Session:
        session = self._session
        if session is None:
            raise errors.NotAuthorized(401, "Not signed in.")
        attempt = session.server_now(self._clock())
        session = self._keep(session.model_copy(update={"renewed_at": attempt}))
        response = self._request("GET", "/auth/renewaccesstoken", None, session.token)
        fresh = self._session_from(self._read(response), response, keep=session)
        if fresh.expires_at > session.expires_at:
            self._keep(fresh)
            log.info("token renewed, now until %s", fresh.expires_at.isoformat())
            self._emit(EventKind.RENEWED)
            return fresh
        # No loop: keep this token, no more renewals, one sign-in shortly before it ends.
        fresh = self._keep(
            fresh.model_copy(update={"stalled": True, "issued_at": session.issued_at})
        )
        ends, then = fresh.local(fresh.expires_at), fresh.local(fresh.act_at)
        message = (
            f"The token's renewal did not extend it: it still ends at {ends.astimezone():%H:%M}. "
            f"The ticket will sign in once at {then.astimezone():%H:%M}, shortly before."
        )
        log.warning("renewal did not extend the token (until %s): %s", ends.isoformat(), message)
        self._emit(EventKind.NOT_EXTENDED, message)
        return fresh

    def _session_from(
        self, data: Any, response: httpx.Response, keep: Session | None = None
    ) -> Session:
        try:
            token = AccessToken.model_validate(data or {})
        except ValidationError as exc:
            raise errors.BadAnswer("The server's answer is not an AccessToken.") from exc
        if token.error_text or token.access_token is None:
            raise errors.AuthFailed(token.error_text or "Sign-in failed: no access token.")
        local = self._clock()
        server = server_date(response.headers.get("date"))
        offset = server - local if server is not None else timedelta(0)
        issued = local + offset
        expires = token.expiration_time or issued + DEFAULT_LIFETIME
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return Session(
            token=token.access_token,
            md_token=token.md_access_token or (keep.md_token if keep else None),
            expires_at=expires,
            user_id=token.user_id or (keep.user_id if keep else None),
            name=token.name or (keep.name if keep else None),
            issued_at=issued,
            offset=offset,
            renewed_at=keep.renewed_at if keep else None,
        )

    def ensure_fresh(self) -> None:
        """Before a call: renew, or make the planned sign-in, when the schedule says so. A
        renewal that fails while the token still lives is logged and the call goes ahead."""
        with self._lock:
            session = self._session
            if session is None:
                raise errors.NotAuthorized(401, "Not signed in.")
            if not session.due(self._clock()):
                return
            with self._exclusive():
                session = self._adopt_shared()
                now = self._clock()
                if not session.due(now):
                    return
                try:
                    if session.stalled or session.ended(now):
                        self._sign_in_again()
                    else:
                        self._renew_or_sign_in()
                except errors.BrokerError as exc:
                    if self._session is None or self._session.ended(self._clock()):
                        raise
                    log.warning("token renewal failed (%s); the token lives on for now", exc)

    def _adopt_shared(self) -> Session:
        """What another process did to this session: a newer token, or a renewal attempt."""
        current = self._session
        assert current is not None
        stored = self._load()
        if stored is None:
            return current
        if stored.token == current.token or stored.expires_at > current.expires_at:
            if stored.token != current.token:
                log.info("took up the session's newer token, until %s", stored.expires_at)
            self._session = current = stored
        return current

    def _renew_or_sign_in(self) -> None:
        try:
            self._renew()
        except (errors.NotAuthorized, errors.AuthFailed) as exc:
            log.warning("token renewal refused (%s); signing in again", exc)
            self._sign_in_again()
        except errors.HttpStatusError as exc:
            if exc.status != 400:  # Tradovate answers 400 or 401 after expiry
                raise
            log.warning("token renewal refused (%s); signing in again", exc)
            self._sign_in_again()

    def _sign_in_again(self) -> None:
        """The session has ended: one sign-in. Within a minute of the last one, only when the
        token that one gave has worked since (a server that refuses every token is not asked
        in a loop)."""
        if self._credentials is None:
            raise errors.NotAuthorized(401, "The session has ended: sign in again.")
        if self._unproven_sign_in():  # the token it gave never worked: no loop
            raise errors.NotAuthorized(
                401,
                "The session has ended, and a sign-in was tried less than a minute ago: "
                "try again shortly.",
            )
        self._last_auto_sign_in = self._clock()
        self._sign_in(self._credentials())

    def _unproven_sign_in(self) -> bool:
        """Signed in on our own less than a minute ago, and that token has not worked yet."""
        last = self._last_auto_sign_in
        return last is not None and self._clock() - last < SPACING and not self._proven

    def proven(self, used: SecretStr | None) -> None:
        """A request with `used` had an answer other than 401: the token works."""
        session = self._session
        if used is not None and session is not None and session.token == used:
            self._proven = True

    def recover(self, used: SecretStr | None) -> bool:
        """After a 401: True when another token is now in hand (worth one more try). Renews at
        most once a minute, so a server that refuses every token is not asked in a loop."""
        with self._lock:
            current = self._session
            if current is None:
                return False
            if used is not None and current.token != used:
                return True  # another thread renewed meanwhile
            with self._exclusive():
                current = self._adopt_shared()
                if current.token != used:
                    return True
                # a token that worked and is now refused was ended by the server: worth one
                # renewal or sign-in even within the minute; one that never worked is not
                spaced = current.may_renew(self._clock()) or self._proven
                if not spaced or self._unproven_sign_in():
                    log.warning("HTTP 401 within a minute of the last renewal: not renewing yet")
                    return False
                self._renew_or_sign_in()
                return True

    def token(self) -> SecretStr | None:
        session = self._session
        return session.token if session else None
