"""The simulator's HTTP face: Tradovate's REST paths, bodies and status codes on 127.0.0.1.

`Simulator` runs the server and the price process on background threads. It is the app's
practice environment and every integration test's server; its fault switchboard (`faults`) and
its request record (`requests`) are for tests. Its products are the exchange's (`products.py`);
a test may pass others to serve a venue whose figures differ from the client's table.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ticket.sim.auth import AuthRules, SimAuth
from ticket.sim.catalog import Catalog
from ticket.sim.constants import (
    SIM_PASSWORD,
    SIM_USERNAME,
)
from ticket.sim.exchange import Exchange
from ticket.sim.faults import Faults
from ticket.sim.marketdata import MarketDataServer
from ticket.sim.products import CME_PRODUCTS, ProductSpec
from ticket.sim.routes import Route, route_table

ORDER_ROUTES = {
    "order/placeoso",
    "order/placeorder",
    "order/cancelorder",
    "order/modifyorder",
    "order/liquidateposition",
}


@dataclass(frozen=True)
class Recorded:
    """One request as the simulator received it (the Authorization header is left out)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    received_at: float  # time.perf_counter() when the whole request had been read


class Simulator:
    def __init__(
        self,
        *,
        today: date | None = None,
        seed: int | None = None,
        tick_interval: float | None = None,
        token_lifetime: timedelta = timedelta(minutes=90),
        auth_rules: AuthRules | None = None,
        auth_clock: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_timeout: float | None = None,
        products: Iterable[ProductSpec] = CME_PRODUCTS,
    ) -> None:
        self.faults = Faults()
        self.catalog = Catalog(today or datetime.now(UTC).date(), products=products)
        self.exchange = Exchange(self.catalog, self.faults, seed=seed)
        self.token_lifetime = token_lifetime
        rules = auth_rules or AuthRules(token_lifetime=token_lifetime)
        self.auth = SimAuth(rules, auth_clock)  # sign-in limits, sessions, token lifetime
        self.users: dict[str, str] = {SIM_USERNAME: SIM_PASSWORD}  # tests may add logins
        self._tick_interval = tick_interval
        self._tokens: dict[str, datetime] = self.auth.tokens  # every token issued
        self._penalties: dict[str, float] = {}
        self._requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # idle_timeout: close keep-alive connections idle that long, as load balancers do
        handler = type("Handler", (_Handler,), {"timeout": idle_timeout})
        self._server = _HttpServer((host, port), handler, self)
        self.market_data = MarketDataServer(
            self.exchange,
            lambda token: self.token_valid(f"Bearer {token}"),
            host,
            port + 1 if port else 0,
        )
        self.routes: dict[str, Route] = route_table(self)

    # -- life cycle --

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def md_url(self) -> str:
        return self.market_data.url

    def start(self) -> Simulator:
        serve = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sim-http", daemon=True
        )
        serve.start()
        self._threads.append(serve)
        self.market_data.start()
        if self._tick_interval:
            prices = threading.Thread(target=self._run_prices, name="sim-prices", daemon=True)
            prices.start()
            self._threads.append(prices)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.market_data.stop()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until `stop` is called (or `timeout` passes)."""
        return self._stop.wait(timeout)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run_prices(self) -> None:
        assert self._tick_interval
        while not self._stop.wait(self._tick_interval):
            self.exchange.step()

    # -- for tests --

    def requests(self, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path.lower().strip("/")]

    def expire_tokens(self) -> None:
        """Every token issued so far is expired from now on."""
        self.auth.expire_all()

    def set_price(self, symbol: str, price: Decimal | str) -> None:
        self.exchange.set_price(symbol, Decimal(price))

    def entry_orders(self) -> int:
        """How many entry orders (not bracket legs) the simulator holds."""
        with self.exchange.lock:
            return sum(1 for o in self.exchange.orders.values() if o.parent_id is None)

    @property
    def connections(self) -> int:
        return self._server.connections

    def front(self, product: str) -> str:
        """The name of the front-month contract of `product` (ESZ6 for ES)."""
        return self.catalog.front(product).name

    # -- request handling --

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self._requests.append(entry)

    def token_valid(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        return self.auth.valid(header[7:])

    def penalty(self, route: str, body: Any) -> dict[str, object] | None:
        """A p-ticket answer if one is due; a resend with a ripe ticket passes."""
        if route == "auth/accesstokenrequest":
            return self.auth.sign_in_penalty(body, self.faults.take("penalty", route)) or None
        ticket = body.get("p-ticket") if isinstance(body, dict) else None
        if ticket is not None:
            with self._lock:
                ripe_at = self._penalties.get(str(ticket))
            if ripe_at is not None and ripe_at <= time.monotonic():
                with self._lock:
                    self._penalties.pop(str(ticket), None)
                return None
            if ripe_at is not None:
                return {
                    "p-ticket": ticket,
                    "p-time": round(ripe_at - time.monotonic(), 1),
                    "p-captcha": False,
                }
        fault = self.faults.take("penalty", route)
        if fault is None:
            return None
        ticket = secrets.token_hex(12)
        seconds = float(fault["seconds"])  # type: ignore[arg-type]
        with self._lock:
            self._penalties[ticket] = time.monotonic() + seconds
        return {"p-ticket": ticket, "p-time": seconds, "p-captcha": bool(fault["captcha"])}

    def issue_token(self, user: str = SIM_USERNAME) -> dict[str, object]:
        """A new session for `user` (a sign-in that passed)."""
        return self.auth.start_session(user)

    # -- the routes --

    def sign_in(self, body: Any) -> dict[str, object]:
        if not isinstance(body, dict) or not body.get("name") or not body.get("password"):
            return {"errorText": "Incorrect username or password. Please try again."}
        if self.users.get(str(body.get("name"))) != body.get("password"):
            return {"errorText": "Incorrect username or password. Please try again."}
        return self.issue_token(str(body["name"]))


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, sim: Simulator) -> None:
        super().__init__(address, handler)
        self.sim = sim
        self.connections = 0  # TCP connections accepted: each new one is a handshake

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # without it keep-alive requests stall ~40 ms each
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and the app read the request record instead

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        sim = self.server.sim
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        received = time.perf_counter()
        if not parts.path.lower().startswith("/v1/"):
            self._reply(404, "Not found")
            return
        route = parts.path[4:].strip("/").lower()
        query = dict(parse_qsl(parts.query))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            sim.record(Recorded(self.command, route, query, raw.decode(errors="replace"), received))
            self._reply(400, "Malformed JSON")
            return
        sim.record(Recorded(self.command, route, query, body, received))
        delay = sim.faults.delay_for(route)
        if delay:
            time.sleep(delay)
        failing = sim.faults.take("status", route)
        if failing:
            self._reply(int(failing["status"]), "Internal Server Error")  # type: ignore[call-overload]
            return
        canned = sim.faults.take("answer", route)
        if canned:
            self._reply(int(canned["status"]), canned["body"])  # type: ignore[call-overload]
            return
        if sim.faults.take("drop_before", route) is not None:
            self._drop()
            return
        handler = sim.routes.get(route)
        if handler is None:
            self._reply(404, "Not found")
            return
        if route != "auth/accesstokenrequest" and not sim.token_valid(
            self.headers.get("Authorization")
        ):
            self._reply(401, "Access is denied")
            return
        penalty = sim.penalty(route, body)
        if penalty:
            self._reply(200, penalty)
            return
        reject = sim.faults.take("reject", route) if route in ORDER_ROUTES else None
        if reject:
            status, payload = (
                200,
                {"failureReason": reject["reason"], "failureText": reject["text"]},
            )
        else:
            status, payload = handler(query, body)
        if sim.faults.take("drop_after", route) is not None:
            self._drop()
            return
        self._reply(status, payload)

    def _reply(self, status: int, payload: Any) -> None:
        data = (json.dumps(payload) if not isinstance(payload, str) else payload).encode()
        self.send_response(status)
        kind = "application/json" if not isinstance(payload, str) else "text/plain"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
