"""Quotes over Tradovate's market-data websocket.

`MarketDataClient` is a `TradovateSocket` handler (the protocol, heartbeat and reconnection live
in `wsocket`): on each connection it (re)subscribes every wanted symbol, turns `md` events into
`Quote`s and reports a feed that went quiet as stale. It calls `on_quote` and `on_state` from
the socket thread; the caller moves them where it needs them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ticket.broker.wsocket import (
    BACKOFF_SECONDS,
    HEARTBEAT_SECONDS,
    ServerClosed,
    TradovateSocket,
    parse_frame,
)

__all__ = [
    "BACKOFF_SECONDS",
    "HEARTBEAT_SECONDS",
    "MD_URL",
    "STALE_SECONDS",
    "FeedState",
    "MarketDataClient",
    "Quote",
    "ServerClosed",
    "is_not_entitled",
    "parse_frame",
    "parse_quote",
]
log = logging.getLogger(__name__)
STALE_SECONDS = 3.0
NOT_ENTITLED_PAUSE = 30.0  # asking again soon will not change the answer
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


def is_not_entitled(status: int, text: str) -> bool:
    """How a refused subscription says 'no market data for you'. Tradovate does not document
    it; a 401/403, or words about entitlement or subscriptions, are read as that."""
    lowered = text.lower()
    return status in (401, 403) or any(
        word in lowered for word in ("entitle", "subscription", "market data", "license")
    )


class MarketDataClient:
    """Quotes for the subscribed symbols, over one `TradovateSocket` (`socket`)."""

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
        self._on_quote = on_quote
        self._on_state = on_state
        self.stale_after = stale_after
        self._lock = threading.Lock()
        self._wanted: dict[str, int] = {}  # symbol -> contract id
        self._symbols: dict[int, str] = {}  # contract id -> symbol, as of the last change
        self._authorized = False
        self._last_quote = 0.0
        self.state = FeedState.CLOSED
        self.socket = TradovateSocket(
            url, token, self, name="market-data", heartbeat=heartbeat, backoff=backoff
        )

    @property
    def heartbeat(self) -> float:
        return self.socket.heartbeat

    @property
    def backoff(self) -> tuple[float, ...]:
        return self.socket.backoff

    @property
    def heartbeats_sent(self) -> int:
        return self.socket.heartbeats_sent

    # -- public, any thread --

    def start(self) -> None:
        self.socket.start()

    def stop(self) -> None:
        self.socket.stop()
        self._set_state(FeedState.CLOSED, "stopped")

    def subscribe(self, symbol: str, contract_id: int) -> None:
        with self._lock:
            self._wanted[symbol] = contract_id
            self._symbols = {cid: s for s, cid in self._wanted.items()}
            self.socket.request("md/subscribeQuote", {"symbol": symbol}, on_reply=self._answered)

    def unsubscribe(self, symbol: str) -> None:
        with self._lock:
            if self._wanted.pop(symbol, None) is not None:
                self._symbols = {cid: s for s, cid in self._wanted.items()}
                self.socket.request(
                    "md/unsubscribeQuote", {"symbol": symbol}, on_reply=self._answered
                )

    # -- the socket thread (SocketHandler) --

    def _set_state(self, state: FeedState, detail: str = "") -> None:
        if state is not self.state or detail:
            log.info("market data %s %s", state.value, detail)
            self.state = state
            self._on_state(state, detail)

    def on_connecting(self, retry: bool) -> None:
        self._authorized = False
        self._set_state(FeedState.RECONNECTING if retry else FeedState.CONNECTING)

    def on_open(self, link: TradovateSocket) -> None:
        # Subscribed at once, not after the authorize answer: one round trip less.
        with self._lock:
            link.discard_queued()
            for symbol in self._wanted:
                link.request("md/subscribeQuote", {"symbol": symbol}, on_reply=self._answered)

    def on_authorized(self, link: TradovateSocket) -> None:
        link.mark_healthy()
        self._authorized = True
        self._last_quote = time.monotonic()
        self._set_state(FeedState.LIVE)

    def on_refused(self, status: int, text: str) -> None:
        self._set_state(FeedState.CLOSED, f"market data sign-in refused: {text or status}")

    def on_events(self, link: TradovateSocket, events: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        symbols = self._symbols
        for message in events:
            if message.get("e") != "md":
                continue
            data = message.get("d")
            for item in (data.get("quotes") if isinstance(data, dict) else None) or []:
                quote = parse_quote(item, symbols, now) if isinstance(item, dict) else None
                if quote is not None:
                    self._on_quote(quote)
            self._last_quote = now
            if self.state is not FeedState.LIVE:
                self._set_state(FeedState.LIVE)

    def on_tick(self, link: TradovateSocket, now: float) -> None:
        quiet = now - self._last_quote
        live = self.state is FeedState.LIVE
        if live and self._authorized and self._symbols and quiet > self.stale_after:
            self._set_state(FeedState.STALE, f"no quote for {quiet:.0f} s")

    def on_lost(self, reason: str) -> None:
        if self.state is not FeedState.NOT_ENTITLED:
            self._set_state(FeedState.RECONNECTING, reason)

    def _answered(self, status: int, data: Any) -> None:
        if status in (200, 0):
            return
        text = str(data or "")
        if is_not_entitled(status, text):
            self._set_state(FeedState.NOT_ENTITLED, text or "no market data for this login")
            self.socket.end_connection("", pause=NOT_ENTITLED_PAUSE)
        else:
            self._set_state(self.state, f"request refused: {text or status}")
