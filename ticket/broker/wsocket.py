"""Tradovate's WebSocket protocol, once, for the market-data feed and the user stream.

The protocol is SockJS-like text frames: the server sends `o` (open), `h` (heartbeat),
`a[...]` (data) and `c[code,"reason"]` (close); the client sends `[]` as its heartbeat at least
every 2.5 s (a streaming server sends no `h`, so the client keeps its own timer) and requests as
`endpoint\\nid\\nquery\\nbody`, answered by `{"s":status,"i":id,"d":...}`. The first request on
a connection is `authorize`.

`TradovateSocket` runs one background thread: connect, authorize, read, heartbeat, hand each
frame's events to its `SocketHandler`, and reconnect with backoff. Every handler method and every
reply callback runs on that thread; the owner moves what it needs elsewhere.
"""

from __future__ import annotations

import gc
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from ticket.broker import yielding_json

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2.5  # Tradovate closes a socket that stays silent longer
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
AUTHORIZE_ID = 0
NOT_ANSWERED = 0  # the status a reply callback gets when its connection ended first

Reply = Callable[[int, Any], None]  # (status, d) of the answer to one request


YIELDING_FROM = 64_000  # characters: a frame this large is parsed in steps (yielding_json)


def parse_frame(text: str) -> tuple[str, Any]:
    """('o'|'h'|'a'|'c', payload) for one server frame."""
    kind = text[:1]
    if kind in ("a", "c"):
        body = text[1:]
        return kind, json.loads(body) if len(body) < YIELDING_FROM else yielding_json.loads(body)
    return kind, None


_WAKE = object()


def _read(socket: ClientConnection, inbox: queue.Queue[object]) -> None:
    """The reader of one connection: each frame into `inbox`, then the exception that ended
    the connection, so the socket thread can wait for a frame and a new request at once."""
    try:
        while True:
            inbox.put(socket.recv())
    except BaseException as exc:  # handed to the socket thread, which handles it as before
        inbox.put(exc)


_pauses = 0
_pause_lock = threading.Lock()
_collector_was_enabled = True


@contextmanager
def collector_paused(large: bool) -> Iterator[None]:
    """For a large frame (a sync reply of thousands of orders): no garbage collection while
    it is parsed and handed over, then what it built is frozen out of the collector's reach.
    Otherwise a full collection starts in the middle of the parse and walks every object of
    the process with the interpreter lock held, 75-110 ms in which the window cannot paint.
    Those objects are plain data that lives until the next sync; reference counting still
    frees them. Any thread; nested and concurrent pauses share one."""
    global _pauses, _collector_was_enabled
    if not large:
        yield
        return
    with _pause_lock:
        _pauses += 1
        if _pauses == 1:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0:
                gc.freeze()
                if _collector_was_enabled:
                    gc.enable()


def encode_request(endpoint: str, request_id: int, body: object = None, query: str = "") -> str:
    payload = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return f"{endpoint}\n{request_id}\n{query}\n{payload}"


class ServerClosed(Exception):
    """The server sent a close frame, `c[code,"reason"]`."""

    def __init__(self, payload: Any) -> None:
        code, reason = ([*list(payload), 0, ""])[:2] if isinstance(payload, list) else (0, "")
        self.code = code
        self.reason = str(reason)
        super().__init__(f"the server closed the connection: {code} {reason}".strip())


class ServerShutdown(Exception):
    """A `{"e":"shutdown","d":{"reasonCode":..,"reason":..}}` event."""

    def __init__(self, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        self.reason_code = str(data.get("reasonCode") or "unknown")
        self.reason = str(data.get("reason") or "")
        words = {
            "Maintenance": "maintenance",
            "ConnectionQuotaReached": "too many connections for this user",
            "IPQuotaReached": "too many connections from this address",
        }.get(self.reason_code, self.reason_code)
        detail = f": {self.reason}" if self.reason else ""
        super().__init__(f"the server shut the connection down ({words}){detail}")


class SocketHandler(Protocol):
    """What a socket's owner does with it. All methods run on the socket thread."""

    def on_connecting(self, retry: bool) -> None:
        """A connection attempt begins; `retry` after one was lost or refused."""

    def on_open(self, link: TradovateSocket) -> None:
        """Connected and `authorize` sent: queue what the new connection needs at once."""

    def on_authorized(self, link: TradovateSocket) -> None:
        """The server accepted the token."""

    def on_refused(self, status: int, text: str) -> None:
        """The server refused the token; the socket reconnects after its backoff."""

    def on_events(self, link: TradovateSocket, events: list[dict[str, Any]]) -> None:
        """The event messages (`{"e":..,"d":..}`) of one frame, in order, `shutdown` aside."""

    def on_tick(self, link: TradovateSocket, now: float) -> None:
        """Called at least every heartbeat/2 seconds while connected."""

    def on_lost(self, reason: str) -> None:
        """The connection ended (close frame, shutdown event, network): `reason` in words."""


class _Request:
    __slots__ = ("body", "endpoint", "on_reply", "query")

    def __init__(self, endpoint: str, body: object, query: str, on_reply: Reply | None) -> None:
        self.endpoint = endpoint
        self.body = body
        self.query = query
        self.on_reply = on_reply


class TradovateSocket:
    """One connection at a time to one Tradovate WebSocket URL, kept open until `stop()`.

    `request()` may be called from any thread: requests are sent in call order on the socket
    thread, each with an id unique on its connection, and `on_reply(status, d)` is called with
    its answer (or `NOT_ANSWERED` if the connection ended first). Requests queued while no
    connection is open are dropped when the next one opens: the handler's `on_open` re-sends
    what a fresh connection needs.
    """

    def __init__(
        self,
        url: str,
        token: Callable[[], str | None],
        handler: SocketHandler,
        *,
        name: str = "socket",
        heartbeat: float = HEARTBEAT_SECONDS,
        backoff: Sequence[float] = BACKOFF_SECONDS,
        open_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self._token = token
        self._handler = handler
        self.name = name
        self.heartbeat = heartbeat
        self.backoff = tuple(backoff) or BACKOFF_SECONDS
        self.open_timeout = open_timeout
        self._lock = threading.Lock()
        self._outbox: list[_Request] = []
        self._waiting: dict[int, Reply | None] = {}  # request id -> its callback
        self._next_id = AUTHORIZE_ID
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: ClientConnection | None = None
        self._inbox: queue.Queue[object] | None = None  # frames read, and wake-ups
        self._pause: float | None = None
        self._ending: str | None = None
        self._healthy = False
        self.heartbeats_sent = 0
        self.connections = 0

    # -- any thread --

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the connection and wait for the socket thread to end."""
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def request(
        self, endpoint: str, body: object = None, *, query: str = "", on_reply: Reply | None = None
    ) -> None:
        with self._lock:
            self._outbox.append(_Request(endpoint, body, query, on_reply))
            inbox = self._inbox
        if inbox is not None:
            inbox.put(_WAKE)  # sent now, not when the next frame or read timeout comes

    def discard_queued(self) -> None:
        """Forget requests not yet sent (an owner that re-sends its whole state calls this)."""
        with self._lock:
            dropped, self._outbox = self._outbox, []
        for item in dropped:
            if item.on_reply is not None:
                item.on_reply(NOT_ANSWERED, "not sent")

    def mark_healthy(self) -> None:
        """From a handler: this connection did what it is for (authorized, synced), so the next
        reconnect starts again at the first backoff step."""
        self._healthy = True

    def end_connection(self, reason: str, pause: float | None = None) -> None:
        """From a handler: close this connection after the current frame and reconnect, after
        `pause` more seconds if given. With an empty reason `on_lost` is not called (the
        handler has already told its owner why)."""
        self._ending = reason
        self._pause = pause

    # -- the socket thread --

    def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
        from websockets.sync.client import connect

        attempt = 0
        retry = False
        while not self._stop.is_set():
            self._handler.on_connecting(retry)
            retry = True
            self._pause = None
            self._ending = None
            self._healthy = False
            try:
                with connect(
                    self.url,
                    open_timeout=self.open_timeout,
                    ping_interval=None,
                    compression=None,
                    proxy=None,
                    max_size=None,  # a 5,000-order sync reply is one message
                ) as socket:
                    self._socket = socket
                    self.connections += 1
                    self._session(socket)
                    if self._ending and not self._stop.is_set():
                        self._handler.on_lost(self._ending)
            except ServerClosed as exc:
                self._handler.on_lost(str(exc))
            except ServerShutdown as exc:
                self._handler.on_lost(str(exc))
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                if not self._stop.is_set():
                    self._handler.on_lost(f"connection lost ({exc})")
            except (ValueError, RecursionError) as exc:  # a frame that is not JSON
                self._handler.on_lost(f"unreadable frame from the server ({exc})")
            finally:
                self._socket = None
                self._fail_waiting()
                if self._healthy:
                    attempt = 0
            if self._stop.is_set():
                break
            if self._pause is not None:
                self._stop.wait(self._pause)
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            attempt += 1
            self._stop.wait(delay)

    def _fail_waiting(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for callback in waiting.values():
            if callback is not None:
                callback(NOT_ANSWERED, "connection lost")

    def _session(self, socket: ClientConnection) -> None:
        """Read one connection until it ends."""
        kind, payload = parse_frame(str(socket.recv(timeout=self.open_timeout)))
        if kind == "c":
            raise ServerClosed(payload)
        if kind != "o":
            raise ServerClosed([0, f"expected an open frame, got {kind!r}"])
        with self._lock:
            stale, self._outbox = self._outbox, []
        for item in stale:
            if item.on_reply is not None:
                item.on_reply(NOT_ANSWERED, "not sent")
        self._next_id = AUTHORIZE_ID
        self._waiting = {AUTHORIZE_ID: None}
        socket.send(encode_request("authorize", AUTHORIZE_ID, self._token() or ""))
        last_sent = time.monotonic()
        inbox: queue.Queue[object] = queue.Queue()
        reader = threading.Thread(
            target=_read, args=(socket, inbox), name=f"{self.name}-reader", daemon=True
        )
        reader.start()
        with self._lock:
            self._inbox = inbox
        try:
            self._serve(socket, inbox, last_sent)
        finally:
            with self._lock:
                self._inbox = None
            socket.close()  # ends the reader's recv
            reader.join(timeout=5)

    def _serve(
        self, socket: ClientConnection, inbox: queue.Queue[object], last_sent: float
    ) -> None:
        self._handler.on_open(self)
        while not self._stop.is_set() and self._ending is None:
            now = time.monotonic()
            with self._lock:
                outgoing, self._outbox = self._outbox, []
            for item in outgoing:
                self._next_id += 1
                self._waiting[self._next_id] = item.on_reply
                socket.send(encode_request(item.endpoint, self._next_id, item.body, item.query))
                last_sent = now
            if now - last_sent >= self.heartbeat:
                socket.send("[]")
                self.heartbeats_sent += 1
                last_sent = now
            try:
                frame = inbox.get(timeout=min(0.25, self.heartbeat / 2))
            except queue.Empty:
                self._handler.on_tick(self, time.monotonic())
                continue
            if frame is _WAKE:
                continue  # a request was queued: the top of the loop sends it
            if isinstance(frame, BaseException):
                raise frame
            text = str(frame)
            with collector_paused(len(text) >= YIELDING_FROM):
                kind, payload = parse_frame(text)
                if kind == "c":
                    raise ServerClosed(payload)
                if kind == "a" and isinstance(payload, list):
                    self._dispatch(payload)
            self._handler.on_tick(self, time.monotonic())

    def _dispatch(self, messages: list[Any]) -> None:
        """Answer callbacks and events of one frame, in the order they came."""
        events: list[dict[str, Any]] = []
        for message in messages:
            if not isinstance(message, dict):
                continue
            if "e" in message:
                if message["e"] == "shutdown":
                    if events:
                        self._handler.on_events(self, events)
                    raise ServerShutdown(message.get("d"))
                events.append(message)
                continue
            request_id, status = message.get("i"), message.get("s")
            if not isinstance(request_id, int) or not isinstance(status, int):
                continue
            if events:  # what came before this answer is handled before it
                self._handler.on_events(self, events)
                events = []
            if request_id == AUTHORIZE_ID and AUTHORIZE_ID in self._waiting:
                del self._waiting[AUTHORIZE_ID]
                if status == 200:
                    self._handler.on_authorized(self)
                else:
                    self._handler.on_refused(status, _text(message.get("d")))
                    self.end_connection("")  # the handler has said why
                continue
            if request_id in self._waiting:
                callback = self._waiting.pop(request_id)
                if callback is not None:
                    callback(status, message.get("d"))
        if events:
            self._handler.on_events(self, events)


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return str(data.get("errorText") or data.get("text") or data.get("message") or "")
    return "" if data is None else str(data)
