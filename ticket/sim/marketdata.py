"""The simulator's market-data websocket: quotes from the price process, and switches for tests
(refuse: not entitled; stall: stale feed; drop: cut sockets).

It runs on the simulator's event loop (`transport.py` serves it at `/md/v1/websocket`) with the
frame protocol of `sockets.py`. `publish` is the exchange's price listener and runs on whichever
thread moved the price, holding the exchange lock; it only renders the quote and hands it to
the loop, so no socket is ever written while the lock is held.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from ticket.sim.catalog import SimContract
from ticket.sim.entities import iso
from ticket.sim.exchange import Exchange
from ticket.sim.sockets import (
    FrameSocketServer,
    LimitCheck,
    Request,
    SocketClient,
    TokenCheck,
    reply,
)


@dataclass(eq=False)
class _Client(SocketClient):
    contracts: set[int] = field(default_factory=set)


class MarketDataServer(FrameSocketServer):
    kind = "market-data socket"

    def __init__(self, exchange: Exchange, token_valid: TokenCheck, over_limit: LimitCheck) -> None:
        super().__init__(token_valid, over_limit)
        self.exchange = exchange
        self._wanted: frozenset[int] = frozenset()  # contracts someone subscribes to
        self.refuse = False  # answer subscriptions as a login without market data
        self.stall = False  # keep the socket open but send no quotes
        self.published: dict[int, float] = {}  # contract id -> perf_counter of last publish
        exchange.listeners.append(self.publish)

    def new_client(self, ws: web.WebSocketResponse, request: web.Request) -> SocketClient:
        return _Client(ws, request)

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
        if self.stall or self._loop is None or contract.id not in self._wanted:
            return
        frame = self._quote_frame(contract)
        self.published[contract.id] = time.perf_counter()
        self.on_loop(lambda: self._fan_out(contract.id, frame))

    def _fan_out(self, contract_id: int, frame: str) -> None:
        for client in list(self._clients):
            if isinstance(client, _Client) and contract_id in client.contracts:
                self.send(client, frame)

    def forget(self, client: SocketClient) -> None:
        super().forget(client)
        self._want()

    def _want(self) -> None:
        self._wanted = frozenset(
            i for c in self._clients if isinstance(c, _Client) for i in c.contracts
        )

    # -- requests --

    def serve(self, client: SocketClient, request: Request) -> list[str]:
        assert isinstance(client, _Client)
        contract = self._contract(request.body.get("symbol"))
        if request.endpoint == "md/subscribeQuote":
            if self.refuse:
                return [
                    reply(
                        403, request.id, "Market data is not available: no market data subscription"
                    )
                ]
            if contract is None:
                symbol = str(request.body.get("symbol"))[:64]
                return [reply(404, request.id, f"Unknown symbol {symbol}")]
            client.contracts.add(contract.id)
            self._wanted = self._wanted | {contract.id}
            if self.stall:
                return [reply(200, request.id, {})]
            # read after the subscription is in place: a move from now on is also published
            return [reply(200, request.id, {}), self._quote_frame(contract)]
        if request.endpoint == "md/unsubscribeQuote":
            if contract is not None:
                client.contracts.discard(contract.id)
                self._want()
            return [reply(200, request.id, {})]
        return super().serve(client, request)

    def _contract(self, symbol: object) -> SimContract | None:
        """A contract by name, or by id as Tradovate also accepts."""
        if isinstance(symbol, int) and not isinstance(symbol, bool):
            return self.exchange.catalog.contracts.get(symbol)
        return self.exchange.catalog.by_name.get(str(symbol))
