"""What the simulator's two websockets share: Tradovate's frame protocol on aiohttp.

The server sends `o` once, `h` after 2.5 s with nothing else to send, `a[...]` with answers
and events, and `c[code,"reason"]` before it closes on purpose. A client request is one text
message, `endpoint\\nid\\nquery\\nbody`; its answer is `a[{"s":status,"i":id,"d":data}]`.
`authorize\\nid\\n\\ntoken` comes first: any other request before it is answered 401. Every
request after it is checked against the user's request limits (429 past them) where the
endpoint has them: the user socket counts with REST, the market-data socket (another host on
Tradovate) does not. A client's `[]` heartbeats are counted, never answered.

Everything here runs on the simulator's event loop, no thread per socket. Each socket has a
bounded send queue drained by one writer task: a client that stops reading is closed with a
close frame when its queue is full, and nothing else waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSCloseCode, WSMsgType, web

from ticket.sim import bodies

log = logging.getLogger(__name__)

SERVER_HEARTBEAT = 2.5
SEND_QUEUE = 1000  # frames waiting for one socket; a client this far behind is not reading
CLOSE_GRACE = 10.0  # how long a closed slow client has to read up to the close frame
MAX_MESSAGE = 64 * 1024  # a request frame; Tradovate's are a few hundred bytes
TOO_SLOW = "The client does not read what it is sent"
COMPACT = (",", ":")  # as Tradovate sends: no spaces
NO_ID = -1  # the `i` of an answer to a request whose id could not be read

TokenCheck = Callable[[str], bool]
LimitCheck = Callable[[str], tuple[int, str] | None]


def reply(status: int, request_id: int, data: object = None) -> str:
    """One answer frame; `d` is left out when there is nothing to say."""
    answer: dict[str, object] = {"s": status, "i": request_id}
    if data is not None:
        answer["d"] = data
    return "a" + json.dumps([answer], separators=COMPACT)


@dataclass(frozen=True)
class Request:
    endpoint: str
    id: int
    query: dict[str, str]
    body: dict[str, Any]


@dataclass(eq=False)
class SocketClient:
    ws: web.WebSocketResponse
    request: web.Request
    # a frame, or None: close the socket normally once what comes before has been sent
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(SEND_QUEUE))
    token: str | None = None  # set by a successful authorize
    closing: bool = False
    goodbye: asyncio.Future[None] | None = None


class FrameSocketServer:
    """One socket endpoint's connections. Subclasses answer the endpoints (`serve`) and may
    keep their own per-client state (`new_client`)."""

    kind = "websocket"  # in log lines

    def __init__(self, token_valid: TokenCheck, over_limit: LimitCheck) -> None:
        self._token_valid = token_valid
        self._over_limit = over_limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: set[SocketClient] = set()
        self.client_heartbeats: list[float] = []  # time.monotonic() of each "[]" received
        self.closed_slow = 0  # sockets closed because they fell behind

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def sockets(self) -> int:
        """Open sockets."""
        return len(self._clients)

    def on_loop(self, call: Callable[[], Any]) -> None:
        """Run `call` on the loop from any thread (nothing if the server is not running)."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the simulator stopped
                loop.call_soon_threadsafe(call)

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

    # -- sending --

    def send(self, client: SocketClient, frame: str | None) -> None:
        """Queue a frame (None: a normal close after what is queued); a full queue closes
        the socket as too slow."""
        if client.closing or client not in self._clients:  # gone, or going
            return
        try:
            client.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._close_slow(client)

    def _close_slow(self, client: SocketClient) -> None:
        client.closing = True
        self.closed_slow += 1
        self.forget(client)
        log.info("closing a %s that fell %d frames behind", self.kind, SEND_QUEUE)
        client.goodbye = asyncio.ensure_future(self._goodbye(client))

    async def _goodbye(self, client: SocketClient) -> None:
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

    def forget(self, client: SocketClient) -> None:
        """The client is gone or going: nothing more is sent to it."""
        self._clients.discard(client)

    async def _write(self, client: SocketClient) -> None:
        """Sends the client's queue in order; an `h` heartbeat when nothing went for a while."""
        while not client.closing:
            try:
                frame = await asyncio.wait_for(client.queue.get(), SERVER_HEARTBEAT)
            except TimeoutError:
                frame = "h"
            if client.closing:
                return
            if frame is None:
                client.closing = True
                self.forget(client)
                with contextlib.suppress(ConnectionError):
                    await client.ws.close()
                return
            await client.ws.send_str(frame)

    # -- one connection --

    def new_client(self, ws: web.WebSocketResponse, request: web.Request) -> SocketClient:
        return SocketClient(ws, request)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            timeout=CLOSE_GRACE, heartbeat=None, compress=False, max_msg_size=MAX_MESSAGE
        )
        await ws.prepare(request)
        client = self.new_client(ws, request)
        self._clients.add(client)
        writer = asyncio.ensure_future(self._write(client))
        try:
            self.send(client, "o")
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                if message.data == "[]":
                    self.client_heartbeats.append(time.monotonic())
                    continue
                for frame in self._answer(client, message.data):
                    self.send(client, frame)
        finally:
            self.forget(client)
            if client.goodbye is not None:
                await client.goodbye  # the connection stays read until the close is answered
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer
        return ws

    def _answer(self, client: SocketClient, message: str) -> list[str]:
        """The frames that answer one request message."""
        parts = message.split("\n", 3)
        raw_id = parts[1] if len(parts) > 1 else ""
        if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10):
            return [reply(400, NO_ID, "A request is endpoint, id, query and body on 4 lines")]
        request_id = int(raw_id)
        endpoint = parts[0]
        body = parts[3] if len(parts) > 3 else ""
        if endpoint == "authorize":
            token = body.strip()
            if not self._token_valid(token):
                return [reply(401, request_id, "Access is denied")]
            client.token = token
            return [reply(200, request_id)]
        if client.token is None:
            return [reply(401, request_id, "Not authorized")]
        refused = self._over_limit(client.token)
        if refused is not None:
            status, text = refused
            # Tradovate's partner docs show a refused socket request as {"s":429,"i":id}
            return [reply(status, request_id, None if status == 429 else text)]
        try:
            parsed = bodies.parse(body.encode()) if body.strip() else {}
        except bodies.Malformed as malformed:
            return [reply(400, request_id, str(malformed))]
        if not isinstance(parsed, dict):
            return [reply(400, request_id, "A JSON object is required")]
        query = dict(parse_qsl(parts[2] if len(parts) > 2 else ""))
        return self.serve(client, Request(endpoint, request_id, query, parsed))

    def serve(self, client: SocketClient, request: Request) -> list[str]:
        return [reply(404, request.id, f"Unknown endpoint {request.endpoint[:64]}")]
