"""The simulator's one port: Tradovate's REST paths under `/v1/`, the user socket at
`/v1/websocket` (as Tradovate's REST hosts serve it) and the market-data socket at
`/md/v1/websocket`.

aiohttp serves both on an asyncio loop in one background thread. The loop reads requests with
limits (a body above 1 MB is answered 413, one that stops arriving 408 after `read_timeout`,
idle keep-alive sockets are closed after `idle_timeout`, connections beyond a limit are
answered 503), records them, and waits out latency faults without holding a thread. The route
handlers are synchronous and run in a bounded thread pool, so a handler that blocks (a test
holding a route) holds one worker and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ticket.sim import bodies
from ticket.sim.marketdata import MarketDataServer
from ticket.sim.usersocket import UserSocketServer

if TYPE_CHECKING:
    from ticket.sim.server import Simulator

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
READ_TIMEOUT = 5.0  # for the whole body, once the headers are in
IDLE_TIMEOUT = 60.0  # an idle keep-alive connection is closed, as load balancers do
HANDLER_THREADS = 16
MAX_IN_FLIGHT = 64  # requests being read or handled at once; more wait their turn
MAX_CONNECTIONS = 512
MD_PATH = "/md/v1/websocket"
USER_SOCKET_PATH = "/v1/websocket"

ORDER_ROUTES = {
    "order/placeoso",
    "order/placeorder",
    "order/cancelorder",
    "order/modifyorder",
    "order/liquidateposition",
}


@dataclass(frozen=True)
class Answer:
    """What one request gets: a status and a body, or (drop) the connection closed unanswered."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    drop: bool = False


def answer(status: int, payload: Any) -> Answer:
    """A str goes out as text, anything else as JSON."""
    if isinstance(payload, str):
        return Answer(status, payload.encode(), "text/plain")
    return Answer(status, json.dumps(payload, allow_nan=False).encode())


def error(status: int, text: str) -> Answer:
    return answer(status, {"errorText": text})


DROP = Answer(drop=True)


class _Busy(asyncio.Protocol):
    """A connection over the limit: answered 503 at once and closed."""

    BODY = b'{"errorText": "Too many open connections"}'
    REPLY = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(self.REPLY)
        transport.close()


class HttpServer:
    """Owns the socket, the event loop thread and the handler pool of one simulator."""

    def __init__(
        self,
        sim: Simulator,
        market_data: MarketDataServer,
        user_socket: UserSocketServer,
        host: str,
        port: int,
        *,
        idle_timeout: float | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.sim = sim
        self.market_data = market_data
        self.user_socket = user_socket
        self.idle_timeout = idle_timeout or IDLE_TIMEOUT
        self.read_timeout = read_timeout
        self.connections = 0  # TCP connections accepted: each new one is a handshake
        self.socket = socket.create_server((host, port), backlog=128)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sim-http", daemon=True)
        self._pool = ThreadPoolExecutor(
            HANDLER_THREADS, thread_name_prefix=f"sim-handler-{self.port}"
        )
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._in_flight: asyncio.Semaphore | None = None

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    # -- life cycle (called from any thread but the loop's) --

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(10)

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.socket.close()
        if not self._loop.is_running():
            self._loop.close()

    async def _open(self) -> None:
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.market_data.attach(self._loop)
        self.user_socket.attach(self._loop)
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get(MD_PATH, self.market_data.handle)
        app.router.add_get(USER_SOCKET_PATH, self.user_socket.handle)
        app.router.add_route("*", "/{tail:.*}", self._http)
        protocol_log = logging.getLogger("ticket.sim.protocol")
        # a request aiohttp cannot parse is answered 400 and is the client's fault, not ours
        protocol_log.setLevel(logging.CRITICAL)
        self._runner = web.AppRunner(
            app,
            access_log=None,
            logger=protocol_log,
            keepalive_timeout=self.idle_timeout,
            auto_decompress=False,  # a compressed body is taken as sent: no zip bombs
            lingering_time=2.0,
            shutdown_timeout=0.5,
        )
        await self._runner.setup()
        self._server = await self._loop.create_server(self._accept, sock=self.socket)

    def _accept(self) -> asyncio.BaseProtocol:
        self.connections += 1
        assert self._runner is not None and self._runner.server is not None
        if len(self._runner.server.connections) >= MAX_CONNECTIONS:
            return _Busy()
        return self._runner.server()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        # no close frame: their clients see the server gone
        await self.market_data.cut()
        await self.user_socket.cut()
        if self._runner is not None:
            await self._runner.cleanup()
        # connections still closing (a lingering read, a close handshake) end here, not with
        # the loop: a held route's thread finishes on its own, its answer unsent
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    # -- one request --

    async def _http(self, request: web.Request) -> web.StreamResponse:
        assert self._in_flight is not None
        async with self._in_flight:
            result = await self._respond(request)
        if result.drop:
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never written: aiohttp sees the connection gone
        response = web.Response(
            status=result.status, body=result.body, content_type=result.content_type
        )
        response.charset = "utf-8"
        if result.status in (408, 413):
            response.force_close()  # the rest of the body is still on its way
        return response

    async def _respond(self, request: web.Request) -> Answer:
        sim = self.sim
        declared = request.content_length
        raw: bytes | None = None
        failure: Answer | None = None
        if declared is not None and declared > MAX_BODY:
            failure = error(413, f"The body is over {MAX_BODY} bytes")
        else:
            try:
                raw = await asyncio.wait_for(request.read(), self.read_timeout)
            except TimeoutError:
                failure = error(408, f"The body did not arrive within {self.read_timeout:g} s")
            except web.HTTPRequestEntityTooLarge:
                failure = error(413, f"The body is over {MAX_BODY} bytes")
        received = time.perf_counter()
        path = request.path
        if not path.lower().startswith("/v1/"):
            return failure or answer(404, "Not found")
        route = path[4:].strip("/").lower()
        query = dict(request.query)
        sim.record(request.method, route, query, raw, declared, received)
        if failure is not None:
            return failure
        if request.method not in ("GET", "POST"):
            return error(405, f"{request.method} is not served; use GET or POST")
        delay = sim.faults.delay_for(route)
        if delay:
            await asyncio.sleep(delay)  # waits here, not in a worker: other requests go on
        authorization = request.headers.get("Authorization")
        return await self._loop.run_in_executor(
            self._pool, self._act, route, query, raw or b"", authorization
        )

    def _act(self, route: str, query: dict[str, str], raw: bytes, auth: str | None) -> Answer:
        """On a worker thread: faults, authorization and the route, in Tradovate's order."""
        try:
            return self._route(route, query, raw, auth)
        except Exception:
            log.exception("simulator route %s failed", route)
            return error(500, "Internal Server Error")

    def _route(self, route: str, query: dict[str, str], raw: bytes, auth: str | None) -> Answer:
        sim = self.sim
        try:
            body = bodies.parse(raw)
        except bodies.Malformed as malformed:
            return error(400, str(malformed))
        failing = sim.faults.take("status", route)
        if failing:
            return answer(int(failing["status"]), "Internal Server Error")  # type: ignore[call-overload]
        canned = sim.faults.take("answer", route)
        if canned:
            return answer(int(canned["status"]), canned["body"])  # type: ignore[call-overload]
        if sim.faults.take("drop_before", route) is not None:
            return DROP
        handler = sim.routes.get(route)
        if handler is None:
            return answer(404, "Not found")
        if route != "auth/accesstokenrequest":
            if not sim.token_valid(auth):
                return answer(401, "Access is denied")
            refused = sim.over_limit(auth)
            if refused is not None:
                return error(*refused)
        penalty = sim.penalty(route, body)
        if penalty:
            return answer(200, penalty)
        reject = sim.faults.take("reject", route) if route in ORDER_ROUTES else None
        if reject:
            result = answer(200, {"failureReason": reject["reason"], "failureText": reject["text"]})
        else:
            result = answer(*handler(query, body))
        if sim.faults.take("drop_after", route) is not None:
            return DROP
        return result
