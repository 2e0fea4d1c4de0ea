"""The simulator's market-data websocket: Tradovate's frame protocol, quotes from the price
process, and switches for tests (refuse: not entitled; stall: stale feed; drop: cut sockets)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from ticket.sim.catalog import SimContract
from ticket.sim.entities import iso
from ticket.sim.exchange import Exchange

SERVER_HEARTBEAT = 2.5


class MarketDataServer:
    def __init__(
        self,
        exchange: Exchange,
        token_valid: Callable[[str], bool],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.exchange = exchange
        self._token_valid = token_valid
        self._lock = threading.Lock()
        self._subscribers: dict[ServerConnection, set[int]] = {}
        self.refuse = False  # answer subscriptions as a login without market data
        self.stall = False  # keep the socket open but send no quotes
        self.client_heartbeats: list[float] = []  # time.monotonic() of each "[]" received
        self.published: dict[int, float] = {}  # contract id -> perf_counter of last publish
        self._server: Server = serve(self._handle, host, port, compression=None, ping_interval=None)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sim-md", daemon=True
        )
        exchange.listeners.append(self.publish)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/v1/websocket"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.drop()
        self._server.shutdown()
        self._thread.join(timeout=5)

    def drop(self) -> None:
        """Cut every connection without a close frame, as a network fault would."""
        with self._lock:
            sockets = list(self._subscribers)
        for socket in sockets:
            socket.close_socket()

    # -- publishing --

    def quote_wire(self, contract: SimContract) -> dict[str, object]:
        bid, ask, last = self.exchange.quote(contract)
        size = 5 + (contract.id * 7 + int(time.monotonic() * 10)) % 40
        return {
            "timestamp": iso(datetime.now(UTC)),
            "contractId": contract.id,
            "entries": {
                "Bid": {"price": float(bid), "size": size},
                "Offer": {"price": float(ask), "size": size + 3},
                "Trade": {"price": float(last), "size": 1},
                "TotalTradeVolume": {"size": 100_000 + size},
            },
        }

    def publish(self, contract: SimContract) -> None:
        if self.stall:
            return
        with self._lock:
            targets = [s for s, ids in self._subscribers.items() if contract.id in ids]
        if not targets:
            return
        frame = "a" + json.dumps([{"e": "md", "d": {"quotes": [self.quote_wire(contract)]}}])
        self.published[contract.id] = time.perf_counter()
        for socket in targets:
            with contextlib.suppress(ConnectionClosed):
                socket.send(frame)

    # -- one connection --

    def _handle(self, socket: ServerConnection) -> None:
        with self._lock:
            self._subscribers[socket] = set()
        authorized = False
        last_sent = time.monotonic()
        try:
            socket.send("o")
            while True:
                try:
                    message = str(socket.recv(timeout=0.2))
                except TimeoutError:
                    if time.monotonic() - last_sent > SERVER_HEARTBEAT:
                        socket.send("h")
                        last_sent = time.monotonic()
                    continue
                if message == "[]":
                    self.client_heartbeats.append(time.monotonic())
                    continue
                reply = self._request(socket, message, authorized)
                if reply is None:
                    continue
                if reply.get("i") == 0 and reply.get("s") == 200:
                    authorized = True
                follow = reply.pop("_then", None)  # the snapshot goes after the answer
                socket.send("a" + json.dumps([reply]))
                last_sent = time.monotonic()
                if follow is not None:
                    socket.send(follow)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._subscribers.pop(socket, None)

    def _request(
        self, socket: ServerConnection, message: str, authorized: bool
    ) -> dict[str, Any] | None:
        parts = message.split("\n", 3)
        if len(parts) < 2:
            return None
        endpoint, request_id = parts[0], int(parts[1]) if parts[1].isdigit() else -1
        body = parts[3] if len(parts) > 3 else ""
        if endpoint == "authorize":
            ok = self._token_valid(body.strip())
            return {
                "s": 200 if ok else 401,
                "i": request_id,
                **({} if ok else {"d": "Access is denied"}),
            }
        if not authorized:
            return {"s": 401, "i": request_id, "d": "Not authorized"}
        try:
            symbol = str(json.loads(body or "{}").get("symbol", ""))
        except ValueError:
            return {"s": 400, "i": request_id, "d": "Invalid JSON"}
        contract = self.exchange.catalog.by_name.get(symbol)
        if endpoint == "md/subscribeQuote":
            if self.refuse:
                return {
                    "s": 403,
                    "i": request_id,
                    "d": "Market data is not available: no market data subscription",
                }
            if contract is None:
                return {"s": 404, "i": request_id, "d": f"Unknown symbol {symbol}"}
            with self._lock:
                self._subscribers[socket].add(contract.id)
            reply: dict[str, Any] = {"s": 200, "i": request_id, "d": {}}
            if not self.stall:
                with self.exchange.lock:
                    snapshot = self.quote_wire(contract)
                reply["_then"] = "a" + json.dumps([{"e": "md", "d": {"quotes": [snapshot]}}])
            return reply
        if endpoint == "md/unsubscribeQuote":
            with self._lock:
                if contract is not None:
                    self._subscribers[socket].discard(contract.id)
            return {"s": 200, "i": request_id, "d": {}}
        return {"s": 404, "i": request_id, "d": f"Unknown endpoint {endpoint}"}
