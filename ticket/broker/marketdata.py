"""Quotes over Tradovate's market-data websocket.

The protocol is SockJS-like text frames: the server sends `o` (open), `h` (heartbeat),
`a[...]` (data) and `c[code,"reason"]` (close); the client sends `[]` as its heartbeat at least
every 2.5 s and requests as `endpoint\\nid\\nquery\\nbody`. `MarketDataClient` runs one background
thread: connect, authorize, (re)subscribe, read, heartbeat, and reconnect with backoff. It calls
`on_quote` and `on_state` from that thread; the caller moves them where it needs them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2.5  # Tradovate closes a socket that stays silent longer
STALE_SECONDS = 3.0
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
MD_URL = "wss://md.tradovateapi.com/v1/websocket"


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"
    NOT_ENTITLED = "not entitled"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class Quote:
    """One contract's top of book. Any entry may be missing (None) when the market has none."""

    contract_id: int
    symbol: str
    bid: Decimal | None
    bid_size: int | None
    ask: Decimal | None
    ask_size: int | None
    last: Decimal | None
    last_size: int | None
    volume: int | None
    received_at: float  # time.monotonic() when the frame arrived

    def age(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.received_at


def _entry(entries: dict[str, Any], name: str) -> tuple[Decimal | None, int | None]:
    item = entries.get(name) or {}
    price = item.get("price")
    size = item.get("size")
    return (
        Decimal(repr(price))
        if isinstance(price, float)
        else (Decimal(price) if isinstance(price, int) else None),
        int(size) if isinstance(size, int | float) else None,
    )


def parse_quote(data: dict[str, Any], symbols: dict[int, str], received_at: float) -> Quote | None:
    contract_id = data.get("contractId")
    if not isinstance(contract_id, int) or contract_id not in symbols:
        return None
    entries = data.get("entries") or {}
    bid, bid_size = _entry(entries, "Bid")
    ask, ask_size = _entry(entries, "Offer")
    last, last_size = _entry(entries, "Trade")
    _, volume = _entry(entries, "TotalTradeVolume")
    return Quote(
        contract_id,
        symbols[contract_id],
        bid,
        bid_size,
        ask,
        ask_size,
        last,
        last_size,
        volume,
        received_at,
    )


def parse_frame(text: str) -> tuple[str, Any]:
    """('o'|'h'|'a'|'c', payload) for one server frame."""
    kind = text[:1]
    if kind in ("a", "c"):
        return kind, json.loads(text[1:])
    return kind, None


def is_not_entitled(status: int, text: str) -> bool:
    """How a refused subscription says 'no market data for you'. Tradovate does not document
    it; a 401/403, or words about entitlement or subscriptions, are read as that."""
    lowered = text.lower()
    return status in (401, 403) or any(
        word in lowered for word in ("entitle", "subscription", "market data", "license")
    )


class ServerClosed(Exception):
    """The server sent a close frame, `c[code,"reason"]`."""

    def __init__(self, payload: Any) -> None:
        code, reason = ([*list(payload), 0, ""])[:2] if isinstance(payload, list) else (0, "")
        super().__init__(f"server closed the feed: {code} {reason}".strip())


class MarketDataClient:
    def __init__(
        self,
        url: str,
        token: Callable[[], str | None],
        on_quote: Callable[[Quote], None],
        on_state: Callable[[FeedState, str], None],
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        stale_after: float = STALE_SECONDS,
        backoff: Sequence[float] = BACKOFF_SECONDS,
    ) -> None:
        self.url = url
        self._token = token
        self._on_quote = on_quote
        self._on_state = on_state
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.backoff = tuple(backoff)
        self._lock = threading.Lock()
        self._wanted: dict[str, int] = {}  # symbol -> contract id
        self._pending: list[str] = []  # requests to send on the socket thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: ClientConnection | None = None
        self._next_id = 0
        self.state = FeedState.CLOSED
        self.heartbeats_sent = 0

    # -- public, any thread --

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="market-data", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._set_state(FeedState.CLOSED, "stopped")

    def subscribe(self, symbol: str, contract_id: int) -> None:
        with self._lock:
            self._wanted[symbol] = contract_id
            self._pending.append(self._request("md/subscribeQuote", {"symbol": symbol}))

    def unsubscribe(self, symbol: str) -> None:
        with self._lock:
            if self._wanted.pop(symbol, None) is not None:
                self._pending.append(self._request("md/unsubscribeQuote", {"symbol": symbol}))

    # -- the socket thread --

    def _request(
        self, endpoint: str, body: dict[str, object] | None = None, raw: str | None = None
    ) -> str:
        self._next_id += 1
        payload = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return f"{endpoint}\n{self._next_id}\n\n{payload}"

    def _set_state(self, state: FeedState, detail: str = "") -> None:
        if state is not self.state or detail:
            log.info("market data %s %s", state.value, detail)
            self.state = state
            self._on_state(state, detail)

    def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
        from websockets.sync.client import connect

        attempt = 0
        while not self._stop.is_set():
            self._set_state(FeedState.CONNECTING if attempt == 0 else FeedState.RECONNECTING)
            try:
                with connect(
                    self.url, open_timeout=5, ping_interval=None, compression=None, proxy=None
                ) as socket:
                    self._socket = socket
                    attempt = 0
                    if self._session(socket) == "not entitled":
                        self._stop.wait(30)  # asking again soon will not change the answer
            except (
                OSError,
                ConnectionClosed,
                InvalidHandshake,
                InvalidURI,
                TimeoutError,
                ServerClosed,
            ) as exc:
                if self.state is not FeedState.NOT_ENTITLED:
                    self._set_state(FeedState.RECONNECTING, f"connection lost ({exc})")
            finally:
                self._socket = None
            if self._stop.is_set():
                break
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            attempt += 1
            self._stop.wait(delay)

    def _session(self, socket: ClientConnection) -> str:
        kind, payload = parse_frame(str(socket.recv(timeout=5)))
        if kind != "o":
            raise ServerClosed(payload)
        token = self._token() or ""
        with self._lock:
            self._pending = [f"authorize\n0\n\n{token}"] + [
                self._request("md/subscribeQuote", {"symbol": s}) for s in self._wanted
            ]
            symbols = {cid: s for s, cid in self._wanted.items()}
        with self._lock:  # authorize and subscribe at once, not after the first recv wait
            outgoing, self._pending = self._pending, []
        for message in outgoing:
            socket.send(message)
        last_sent = time.monotonic()
        last_quote = time.monotonic()
        authorized = False
        for frame in self._frames(socket):
            now = time.monotonic()
            with self._lock:
                outgoing, self._pending = self._pending, []
                symbols = {cid: s for s, cid in self._wanted.items()}
            for message in outgoing:
                socket.send(message)
                last_sent = now
            if now - last_sent >= self.heartbeat:
                socket.send("[]")
                self.heartbeats_sent += 1
                last_sent = now
            if frame is None:
                stale = authorized and symbols and now - last_quote > self.stale_after
                if stale and self.state is not FeedState.STALE:
                    self._set_state(FeedState.STALE, f"no quote for {now - last_quote:.0f} s")
                continue
            kind, payload = parse_frame(frame)
            if kind == "c":
                raise ServerClosed(payload)
            if kind != "a" or not isinstance(payload, list):
                continue
            for message in payload:
                outcome = self._handle(message, symbols, now)
                if outcome == "authorized":
                    authorized = True
                    last_quote = now
                    self._set_state(FeedState.LIVE)
                elif outcome == "quote":
                    last_quote = now
                    if self.state is not FeedState.LIVE:
                        self._set_state(FeedState.LIVE)
                elif outcome in ("not entitled", "unauthorized"):
                    return outcome
        return "closed"

    def _frames(self, socket: ClientConnection) -> Iterator[str | None]:
        while not self._stop.is_set():
            try:
                yield str(socket.recv(timeout=min(0.25, self.heartbeat / 2)))
            except TimeoutError:
                yield None

    def _handle(self, message: Any, symbols: dict[int, str], now: float) -> str:
        if not isinstance(message, dict):
            return ""
        if message.get("e") == "md":
            for data in (message.get("d") or {}).get("quotes") or []:
                quote = parse_quote(data, symbols, now)
                if quote is not None:
                    self._on_quote(quote)
            return "quote"
        status, request_id = message.get("s"), message.get("i")
        if status is None:
            return ""
        text = str(message.get("d") or "")
        if request_id == 0:
            if status == 200:
                return "authorized"
            self._set_state(FeedState.CLOSED, f"market data sign-in refused: {text or status}")
            return "unauthorized"
        if status != 200:
            if is_not_entitled(int(status), text):
                self._set_state(FeedState.NOT_ENTITLED, text or "no market data for this login")
                return "not entitled"
            self._set_state(self.state, f"request refused: {text or status}")
        return ""
