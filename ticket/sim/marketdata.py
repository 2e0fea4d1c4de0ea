"""The simulator's market-data websocket: Tradovate's frame protocol, quotes from the price
process, and switches for tests (refuse: not entitled; stall: stale feed; drop: cut sockets).

It runs on the simulator's event loop (`transport.py` serves it at `/md/v1/websocket`): no
thread per socket. `publish` is the exchange's listener and runs on whichever thread moved the
price, holding the exchange lock; it only renders the quote and hands it to the loop, so no
socket is ever written while the lock is held. Each socket has a bounded send queue: a client
that stops reading is closed with a close frame when its queue is full, and nothing else waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import WSCloseCode, WSMsgType, web

from ticket.sim.catalog import SimContract
from ticket.sim.entities import iso
from ticket.sim.exchange import Exchange

log = logging.getLogger(__name__)

SERVER_HEARTBEAT = 2.5
SEND_QUEUE = 1000  # frames waiting for one socket; a client this far behind is not reading
CLOSE_GRACE = 10.0  # how long a closed slow client has to read up to the close frame
MAX_MESSAGE = 64 * 1024  # a request frame; Tradovate's are a few hundred bytes
TOO_SLOW = "The client does not read its quotes"


@dataclass(eq=False)
class _Client:
    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(SEND_QUEUE))
    contracts: set[int] = field(default_factory=set)
    authorized: bool = False
    closing: bool = False
    goodbye: asyncio.Future[None] | None = None


class MarketDataServer:
    def __init__(self, exchange: Exchange, token_valid: Callable[[str], bool]) -> None:
        self.exchange = exchange
        self._token_valid = token_valid
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: set[_Client] = set()
        self._wanted: frozenset[int] = frozenset()  # contracts someone subscribes to
        self.refuse = False  # answer subscriptions as a login without market data
        self.stall = False  # keep the socket open but send no quotes
        self.client_heartbeats: list[float] = []  # time.monotonic() of each "[]" received
        self.published: dict[int, float] = {}  # contract id -> perf_counter of last publish
        self.closed_slow = 0  # sockets closed because they fell behind
        exchange.listeners.append(self.publish)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def sockets(self) -> int:
        """Open market-data sockets."""
        return len(self._clients)

    def drop(self) -> None:
        """Cut every connection without a close frame, as a network fault would."""
        if self._loop is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self.cut(), self._loop).result(5)

    async def cut(self) -> None:
        """`drop`, on the loop."""
        for client in list(self._clients):
            transport = client.request.transport
            if transport is not None:
                transport.abort()

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

    def _quote_frame(self, contract: SimContract) -> str:
        return "a" + json.dumps([{"e": "md", "d": {"quotes": [self.quote_wire(contract)]}}])

    def publish(self, contract: SimContract) -> None:
        loop = self._loop
        if self.stall or loop is None or contract.id not in self._wanted:
            return
        frame = self._quote_frame(contract)
        self.published[contract.id] = time.perf_counter()
        with contextlib.suppress(RuntimeError):  # the loop closed: the simulator stopped
            loop.call_soon_threadsafe(self._fan_out, contract.id, frame)

    def _fan_out(self, contract_id: int, frame: str) -> None:
        for client in list(self._clients):
            if contract_id in client.contracts:
                self._send(client, frame)

    def _send(self, client: _Client, frame: str) -> None:
        if client.closing:
            return
        try:
            client.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._close_slow(client)

    def _close_slow(self, client: _Client) -> None:
        client.closing = True
        self.closed_slow += 1
        self._forget(client)
        log.info("closing a market-data socket that fell %d frames behind", SEND_QUEUE)
        client.goodbye = asyncio.ensure_future(self._goodbye(client))

    async def _goodbye(self, client: _Client) -> None:
        """The close frame goes out after what the socket already holds, and the connection
        closes once the client has read it all; one still not reading after the grace period
        is cut, whatever it has not read."""
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(
                client.ws.close(
                    code=WSCloseCode.POLICY_VIOLATION, message=TOO_SLOW.encode(), drain=False
                ),
                CLOSE_GRACE,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_GRACE
        while client.request.transport is not None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        transport = client.request.transport
        if transport is not None:
            transport.abort()

    def _forget(self, client: _Client) -> None:
        self._clients.discard(client)
        self._wanted = frozenset(i for c in self._clients for i in c.contracts)

    # -- one connection --

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            timeout=CLOSE_GRACE, heartbeat=None, compress=False, max_msg_size=MAX_MESSAGE
        )
        await ws.prepare(request)
        client = _Client(ws, request)
        self._clients.add(client)
        writer = asyncio.ensure_future(self._write(client))
        try:
            self._send(client, "o")
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                if message.data == "[]":
                    self.client_heartbeats.append(time.monotonic())
                    continue
                for frame in self._request(client, message.data):
                    self._send(client, frame)
        finally:
            self._forget(client)
            if client.goodbye is not None:
                await client.goodbye  # the connection stays read until the close is answered
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer
        return ws

    async def _write(self, client: _Client) -> None:
        """Sends the client's queue in order; an `h` heartbeat when nothing went for a while."""
        while not client.closing:
            try:
                frame = await asyncio.wait_for(client.queue.get(), SERVER_HEARTBEAT)
            except TimeoutError:
                frame = "h"
            if client.closing:
                return
            await client.ws.send_str(frame)

    def _request(self, client: _Client, message: str) -> list[str]:
        """The frames that answer one request: the response, then any snapshot."""
        parts = message.split("\n", 3)
        if len(parts) < 2:
            return []
        endpoint = parts[0]
        request_id = int(parts[1]) if parts[1].isdigit() and len(parts[1]) < 10 else -1
        body = parts[3] if len(parts) > 3 else ""

        def reply(status: int, data: object = None) -> str:
            answer: dict[str, object] = {"s": status, "i": request_id}
            if data is not None:
                answer["d"] = data
            return "a" + json.dumps([answer])

        if endpoint == "authorize":
            client.authorized = self._token_valid(body.strip())
            return [reply(200) if client.authorized else reply(401, "Access is denied")]
        if not client.authorized:
            return [reply(401, "Not authorized")]
        try:
            request = json.loads(body or "{}")
        except (ValueError, RecursionError):
            return [reply(400, "Invalid JSON")]
        if not isinstance(request, dict):
            return [reply(400, "A JSON object is required")]
        contract = self._contract(request.get("symbol"))
        if endpoint == "md/subscribeQuote":
            if self.refuse:
                return [reply(403, "Market data is not available: no market data subscription")]
            if contract is None:
                return [reply(404, f"Unknown symbol {str(request.get('symbol'))[:64]}")]
            client.contracts.add(contract.id)
            self._wanted = self._wanted | {contract.id}
            if self.stall:
                return [reply(200, {})]
            # read after the subscription is in place: a move from now on is also published
            return [reply(200, {}), self._quote_frame(contract)]
        if endpoint == "md/unsubscribeQuote":
            if contract is not None:
                client.contracts.discard(contract.id)
                self._wanted = frozenset(i for c in self._clients for i in c.contracts)
            return [reply(200, {})]
        return [reply(404, f"Unknown endpoint {endpoint[:64]}")]

    def _contract(self, symbol: object) -> SimContract | None:
        """A contract by name, or by id as Tradovate also accepts."""
        if isinstance(symbol, int) and not isinstance(symbol, bool):
            return self.exchange.catalog.contracts.get(symbol)
        return self.exchange.catalog.by_name.get(str(symbol))
