"""The simulator's user-data websocket (`/v1/websocket` on the REST port): Tradovate's
`user/syncrequest`, answered with a `SyncMessage`, then a `props` event for every change.

After a client's sync request, each batch of the exchange (one public operation: a placement,
a cancel, a price move that fills...) goes to it as one frame `a[{"e":"props","d":...},...]`,
in order. The snapshot is taken, and the client's subscription starts, under the exchange lock
in one step: every batch is either in the snapshot or sent after it, never both, never lost.

`_on_batch` runs on the thread that changed the exchange, under its lock: it only numbers the
batch and hands it to the loop. The loop renders each batch once per entity filter and queues
it to the clients (`sockets.py`: a client that stops reading is closed, nobody waits). A sync
answer (megabytes for thousands of orders) is written to JSON on a worker thread; that
client's events wait behind it.

Switches for tests, named as on the market-data socket: `drop()` cuts every socket without a
close frame; `stall = True` holds events back (the sockets stay open, with heartbeats) until
it is set False, when they go out in order; `delay` holds each event that many seconds;
`shutdown(reasonCode)` sends Tradovate's shutdown event and a close frame, then closes.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_USER_ID
from ticket.sim.entities import ACCOUNT, USER
from ticket.sim.exchange import Exchange
from ticket.sim.ledger import Event
from ticket.sim.sockets import (
    COMPACT,
    FrameSocketServer,
    LimitCheck,
    Request,
    SocketClient,
    TokenCheck,
    reply,
)

# entity type -> its array in the SyncMessage, for what the simulator holds
SYNCED = {
    "user": "users",
    "account": "accounts",
    "cashBalance": "cashBalances",
    "position": "positions",
    "order": "orders",
    "orderVersion": "orderVersions",
    "command": "commands",
    "commandReport": "commandReports",
    "executionReport": "executionReports",
    "fill": "fills",
}
# the spec's other SyncMessage arrays: always sent, always empty
UNSYNCED = (
    "accountRiskStatuses",
    "marginSnapshots",
    "userAccountAutoLiqs",
    "currencies",
    "fillPairs",
    "contracts",
    "contractMaturities",
    "products",
    "exchanges",
    "spreadDefinitions",
    "orderStrategies",
    "orderStrategyLinks",
    "userProperties",
    "properties",
    "userPlugins",
    "contractGroups",
    "orderStrategyTypes",
)
SHUTDOWN_REASONS = ("Maintenance", "ConnectionQuotaReached", "IPQuotaReached")
SHUTDOWN_CLOSE = 1000  # the code of the c[...] frame and of the websocket close


@dataclass(eq=False)
class _Client(SocketClient):
    synced: bool = False
    since: int = 0  # the last batch its snapshot holds: later ones are sent
    types: frozenset[str] | None = None  # entityTypes of its sync request, None: all
    backlog: list[str] | None = None  # its events while its sync answer is being rendered


def sync_message(ex: Exchange, types: frozenset[str] | None) -> dict[str, list[Any]]:
    """Everything the account has, as user/syncrequest answers it. Call under the lock: the
    lists are new and their items never change after they are made, so the answer may be
    rendered after the lock is released."""
    ledger = ex.ledger
    held: dict[str, list[Any]] = {
        "users": [dict(USER)],
        "accounts": [dict(ACCOUNT)],
        "cashBalances": [ex.cash_balance()],
        "positions": [p.to_wire() for p in ex.positions.values()],
        "orders": [o.to_wire() for o in ex.orders.values()],
        "orderVersions": [o.version_wire() for o in ex.orders.values()],
        "commands": list(ledger.commands),
        "commandReports": list(ledger.command_reports),
        "executionReports": list(ledger.execution_reports),
        "fills": list(ledger.fills),
    }
    if types is not None:
        wanted = {SYNCED[t] for t in types if t in SYNCED}
        held = {key: (items if key in wanted else []) for key, items in held.items()}
    return held | {key: [] for key in UNSYNCED}


class UserSocketServer(FrameSocketServer):
    kind = "user socket"

    def __init__(self, exchange: Exchange, token_valid: TokenCheck, over_limit: LimitCheck) -> None:
        super().__init__(token_valid, over_limit)
        self.exchange = exchange
        self.delay = 0.0  # seconds each event waits before it is sent
        self._stall = False
        self.syncs = 0  # sync requests answered with a snapshot
        self.events_sent = 0  # event frames queued to clients
        self._batches = 0  # batches numbered so far (under the exchange lock)
        self._pending: deque[tuple[int, float, list[Event]]] = deque()  # on the loop
        self._timer: asyncio.TimerHandle | None = None
        exchange.event_listeners.append(self._on_batch)

    def new_client(self, ws: web.WebSocketResponse, request: web.Request) -> SocketClient:
        return _Client(ws, request)

    # -- switches --

    @property
    def stall(self) -> bool:
        return self._stall

    @stall.setter
    def stall(self, value: bool) -> None:
        self._stall = value
        if not value:
            self.on_loop(self._release)

    def shutdown(self, reason_code: str = "Maintenance", reason: str | None = None) -> None:
        """Tradovate's shutdown event, then a close frame, then the close, on every socket."""
        event: dict[str, object] = {"reasonCode": reason_code}
        event["reason"] = reason or f"The server is closing the connection: {reason_code}"
        frames = [
            "a" + json.dumps([{"e": "shutdown", "d": event}]),
            "c" + json.dumps([SHUTDOWN_CLOSE, reason_code]),
        ]

        def close_all() -> None:
            for client in list(self._clients):
                for frame in frames:
                    self.send(client, frame)
                self.send(client, None)

        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(_call(close_all), loop).result(5)

    # -- events --

    def _on_batch(self, batch: list[Event]) -> None:
        """The exchange's listener: under its lock, on the thread that changed it."""
        self._batches += 1
        number = self._batches
        self.on_loop(lambda: self._arrive(number, batch))

    def _arrive(self, number: int, batch: list[Event]) -> None:
        assert self._loop is not None
        self._pending.append((number, self._loop.time() + self.delay, batch))
        self._release()

    def _release(self) -> None:
        """Send the batches that are due, in order, unless stalled."""
        assert self._loop is not None
        while self._pending and not self._stall:
            number, due, batch = self._pending[0]
            wait = due - self._loop.time()
            if wait > 0:
                if self._timer is None:
                    self._timer = self._loop.call_later(wait, self._on_timer)
                return
            self._pending.popleft()
            self._fan_out(number, batch)

    def _on_timer(self) -> None:
        self._timer = None
        self._release()

    def _fan_out(self, number: int, batch: list[Event]) -> None:
        frames: dict[frozenset[str] | None, str | None] = {}
        for client in list(self._clients):
            if not isinstance(client, _Client) or not client.synced or number <= client.since:
                continue
            if client.types not in frames:
                frames[client.types] = _props_frame(batch, client.types)
            frame = frames[client.types]
            if frame is None:
                continue
            self.events_sent += 1
            if client.backlog is not None:
                client.backlog.append(frame)
            else:
                self.send(client, frame)

    # -- requests --

    def serve(self, client: SocketClient, request: Request) -> list[str]:
        assert isinstance(client, _Client)
        if request.endpoint.lower() == "user/syncrequest":
            refused = self._sync(client, request)
            return [] if refused is None else [refused]
        return super().serve(client, request)

    def _sync(self, client: _Client, request: Request) -> str | None:
        """An error answer, or None: the snapshot is taken and its answer is on its way."""
        body = request.body
        users, accounts, types = body.get("users"), body.get("accounts"), body.get("entityTypes")
        if not _ids(users) or (accounts is not None and not _ids(accounts)):
            return reply(400, request.id, "users (and accounts) must be lists of ids")
        if types is not None and not (
            isinstance(types, list) and all(isinstance(t, str) for t in types)
        ):
            return reply(400, request.id, "entityTypes must be a list of entity type names")
        assert isinstance(users, list)
        unknown = [u for u in users if u != SIM_USER_ID]
        if unknown:
            return reply(404, request.id, f"Unknown user {unknown[0]}")
        if accounts is not None and SIM_ACCOUNT_ID not in accounts:
            return reply(404, request.id, f"Unknown account {accounts[0] if accounts else ''}")
        if client.backlog is not None:
            return reply(400, request.id, "A sync request of this socket is still being answered")
        wanted = frozenset(types) if types is not None else None
        with self.exchange.lock:  # the snapshot and the subscription start as one step
            snapshot = sync_message(self.exchange, wanted)
            client.synced, client.since, client.types = True, self._batches, wanted
            self.syncs += 1
        client.backlog = []
        self._render(client, request.id, snapshot)
        return None

    def _render(self, client: _Client, request_id: int, snapshot: dict[str, list[Any]]) -> None:
        """Megabytes of JSON for thousands of orders are written off the loop; the client's
        events wait in its backlog meanwhile, and follow its answer."""
        assert self._loop is not None
        rendering = self._loop.run_in_executor(None, reply, 200, request_id, snapshot)

        def rendered(done: asyncio.Future[str]) -> None:
            backlog, client.backlog = client.backlog or [], None
            if done.cancelled() or done.exception() is not None:
                self.send(client, reply(500, request_id, "The snapshot could not be written"))
                return
            for frame in [done.result(), *backlog]:
                self.send(client, frame)

        rendering.add_done_callback(rendered)


def _ids(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def _props_frame(batch: list[Event], types: frozenset[str] | None) -> str | None:
    events = [
        {"e": "props", "d": event}
        for event in batch
        if types is None or event["entityType"] in types
    ]
    return "a" + json.dumps(events, separators=COMPACT) if events else None


async def _call(fn: Callable[[], None]) -> None:
    fn()
