"""The user-data socket: one `user/syncrequest`, then the account's `props` events.

`UserStream` is a `TradovateSocket` handler. On every (re)connection it authorizes, sends the sync
request, builds a new `AccountReplica` from the reply on the socket thread (a 5,000-order reply
never parses on the GUI thread) and hands it over with `on_sync`; after that, `on_events` gets
the `props` payloads of each frame as one list, in order. Events that arrive between the sync
request and its reply are applied to the new replica before it is handed over, and not passed
on again. All callbacks run on the socket thread; the caller moves them to its own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ticket.broker import errors
from ticket.broker.replica import AccountReplica
from ticket.broker.wsocket import (
    BACKOFF_SECONDS,
    HEARTBEAT_SECONDS,
    NOT_ANSWERED,
    TradovateSocket,
)

log = logging.getLogger(__name__)
REFUSED_PAUSE = 60.0  # a 429 or 423 answer: asking again in a second makes it last longer
USER_WS_ENV = "TICKET_USER_WS_URL"
KNOWN_USER_SOCKETS = {
    "https://demo.tradovateapi.com/v1": "wss://demo.tradovateapi.com/v1/websocket",
    "https://live.tradovateapi.com/v1": "wss://live.tradovateapi.com/v1/websocket",
}
# What the replica reads. Partner docs say a sync request must now name its entity types (the
# default being none); whether retail accounts need it is not known, and a server that does
# not know the field ignores it, so it is always sent.
SYNC_ENTITY_TYPES = (
    "account",
    "cashBalance",
    "position",
    "order",
    "orderVersion",
    "command",
    "commandReport",
    "executionReport",
    "fill",
)


class StreamState(StrEnum):
    CONNECTING = "connecting"
    SYNCING = "syncing"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


def user_ws_url(rest_base: str, environ: Mapping[str, str] = os.environ) -> str:
    """The user socket that goes with a REST base URL; `TICKET_USER_WS_URL` wins."""
    chosen = environ.get(USER_WS_ENV, "").strip()
    if chosen:
        return chosen
    base = rest_base.rstrip("/")
    if base in KNOWN_USER_SOCKETS:
        return KNOWN_USER_SOCKETS[base]
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, f"{parts.path}/websocket", "", ""))


def sync_request_body(user_id: int, account_ids: Sequence[int]) -> dict[str, object]:
    """The one place that decides what a sync request carries.

    - `users`: the signed-in user, as every documented example sends.
    - `accounts`: the accounts the ticket trades, when known, so another account's traffic is
      not sent at all (the replica also drops it).
    - `entityTypes`: see `SYNC_ENTITY_TYPES`.
    - `splitResponses` is left out: it is documented as required for B2B vendors only, and the
      shape of a split reply is not documented, so the reply is read as one message.
    """
    body: dict[str, object] = {"users": [user_id], "entityTypes": list(SYNC_ENTITY_TYPES)}
    if account_ids:
        body["accounts"] = list(account_ids)
    return body


class UserStream:
    """The account, kept current over one user socket (`socket`) until `stop()`."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str | None],
        user_id: int,
        account_ids: Sequence[int],
        on_sync: Callable[[AccountReplica], None],
        on_events: Callable[[list[dict[str, Any]]], None],
        on_state: Callable[[StreamState, str], None],
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        backoff: Sequence[float] = BACKOFF_SECONDS,
    ) -> None:
        self.url = url
        self.user_id = user_id
        self.account_ids = tuple(account_ids)
        self._on_sync = on_sync
        self._on_events = on_events
        self._on_state = on_state
        self.state = StreamState.CLOSED
        self.since = time.monotonic()
        self.syncs = 0  # replicas handed over so far
        self._early: list[dict[str, Any]] | None = None  # events before the sync reply
        self._stopping = False
        self.socket = TradovateSocket(
            url, token, self, name="user-stream", heartbeat=heartbeat, backoff=backoff
        )

    def start(self) -> None:
        self._stopping = False
        self.socket.start()

    def stop(self) -> None:
        """Close the socket and wait for its thread; the state ends CLOSED."""
        self._stopping = True
        self.socket.stop()
        self._set_state(StreamState.CLOSED, "stopped")

    def _set_state(self, state: StreamState, detail: str = "") -> None:
        if state is self.state and not detail:
            return
        log.info("user stream %s %s", state.value, detail)
        if state is not self.state:
            self.since = time.monotonic()
        self.state = state
        self._on_state(state, detail)

    # -- the socket thread (SocketHandler) --

    def on_connecting(self, retry: bool) -> None:
        self._early = None
        if retry:
            self._set_state(StreamState.RECONNECTING, "")
        else:
            self._set_state(StreamState.CONNECTING, "")

    def on_open(self, link: TradovateSocket) -> None:
        pass  # the sync request waits for the token to be accepted

    def on_authorized(self, link: TradovateSocket) -> None:
        self._early = []
        self._set_state(StreamState.SYNCING, "")
        body = sync_request_body(self.user_id, self.account_ids)
        link.request("user/syncrequest", body, on_reply=self._synced)

    def on_refused(self, status: int, text: str) -> None:
        if status in errors.REFUSING:
            self.socket.end_connection("", pause=REFUSED_PAUSE)
            self._set_state(StreamState.CLOSED, str(errors.http_error(status)))
            return
        reason = f": {text}" if text else ""
        self._set_state(
            StreamState.CLOSED, f"the account stream refused the session ({status}){reason}"
        )

    def on_events(self, link: TradovateSocket, events: list[dict[str, Any]]) -> None:
        props = [m["d"] for m in events if m.get("e") == "props" and isinstance(m.get("d"), dict)]
        if not props:
            return
        if self._early is not None:
            self._early.extend(props)
        elif self.state is StreamState.LIVE:
            self._on_events(props)

    def on_tick(self, link: TradovateSocket, now: float) -> None:
        pass

    def on_lost(self, reason: str) -> None:
        if not self._stopping:
            self._set_state(StreamState.RECONNECTING, reason)

    def _synced(self, status: int, data: Any) -> None:
        early, self._early = self._early or [], None
        if status == NOT_ANSWERED:
            return  # the connection ended first; on_lost says why
        if status != 200 or not isinstance(data, dict):
            words = data if isinstance(data, str) and data else f"HTTP {status}"
            if status in errors.REFUSING:
                words = str(errors.http_error(status))
            pause = REFUSED_PAUSE if status in errors.REFUSING else None
            self.socket.end_connection(f"the account sync was refused ({words})", pause)
            return
        started = time.perf_counter()
        replica = AccountReplica.from_sync(data, self.account_ids or None)
        if early:
            replica.apply_all(early)
        log.info(
            "user stream synced %d orders in %.0f ms (%d early events)",
            len(replica),
            (time.perf_counter() - started) * 1000,
            len(early),
        )
        self.syncs += 1
        self.socket.mark_healthy()
        self._on_sync(replica)
        self._set_state(StreamState.LIVE, "")
