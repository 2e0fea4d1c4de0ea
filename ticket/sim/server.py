"""The simulator's HTTP face: Tradovate's REST paths, bodies and status codes on 127.0.0.1.

`Simulator` runs the server (`transport.py`: REST, the user socket and the market-data socket
on one port) and the price process on background threads. It is the app's practice environment
and every integration test's server; its fault switchboard (`faults`) and its request record
(`requests`, the last `RECORD_REQUESTS`) are for tests. Its products are the exchange's
(`products.py`); a test may pass others to serve a venue whose figures differ from the
client's table. Request limits (`limits.py`) are on unless a `RateLimits` that turns them
off is passed; `rate_limits` can be changed while it runs.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ticket.sim.auth import AuthRules, SimAuth
from ticket.sim.catalog import Catalog
from ticket.sim.constants import (
    SIM_PASSWORD,
    SIM_USERNAME,
)
from ticket.sim.exchange import Exchange
from ticket.sim.faults import Faults
from ticket.sim.limits import ALMOST_TOO_MANY, TOO_MANY, RateLimiter, RateLimits, Verdict
from ticket.sim.marketdata import MarketDataServer
from ticket.sim.products import CME_PRODUCTS, ProductSpec
from ticket.sim.routes import Route, route_table
from ticket.sim.transport import MD_PATH, READ_TIMEOUT, USER_SOCKET_PATH, HttpServer
from ticket.sim.usersocket import UserSocketServer

RECORD_REQUESTS = 10_000  # the record keeps the last ones only
RECORD_BODY_BYTES = 8 * 1024  # a larger body is counted, not kept


@dataclass(frozen=True)
class Recorded:
    """One request as the simulator received it (the Authorization header is left out).

    The body is kept as received, up to `RECORD_BODY_BYTES`, and read as JSON on access."""

    method: str
    path: str
    query: dict[str, str]
    raw: bytes | None  # None: no body, or one too large to keep (then `size` says how large)
    size: int
    received_at: float  # time.perf_counter() when the whole request had been read

    @property
    def body(self) -> Any:
        """The JSON body; the text of one that is not JSON; None if none was kept."""
        if not self.raw:
            return None
        try:
            return json.loads(self.raw)
        except (ValueError, RecursionError):
            return self.raw.decode(errors="replace")


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
        read_timeout: float = READ_TIMEOUT,
        products: Iterable[ProductSpec] = CME_PRODUCTS,
        rate_limits: RateLimits | None = None,
        limits_clock: Callable[[], float] | None = None,
    ) -> None:
        self.faults = Faults()
        self.catalog = Catalog(today or datetime.now(UTC).date(), products=products)
        self.exchange = Exchange(self.catalog, self.faults, seed=seed)
        self.token_lifetime = token_lifetime
        rules = auth_rules or AuthRules(token_lifetime=token_lifetime)
        self.auth = SimAuth(rules, auth_clock)  # sign-in limits, sessions, token lifetime
        self.users: dict[str, str] = {SIM_USERNAME: SIM_PASSWORD}  # tests may add logins
        # the limits count in the simulator's time: a test that runs the sign-in rules on a
        # fake clock runs the request limits on it too, unless it gives them their own
        if limits_clock is None and auth_clock is not None:
            limits_clock = _seconds_of(auth_clock)
        self.limiter = RateLimiter(rate_limits or RateLimits(), limits_clock or time.monotonic)
        self._tick_interval = tick_interval
        self._tokens: dict[str, datetime] = self.auth.tokens  # every token issued
        self._penalties: dict[str, float] = {}
        self._requests: deque[Recorded] = deque(maxlen=RECORD_REQUESTS)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Tradovate serves market data from another host (tradovate-api.md 1): its requests do
        # not count towards the REST host's limits
        self.market_data = MarketDataServer(self.exchange, self._socket_token, _unlimited)
        self.user_socket = UserSocketServer(self.exchange, self._socket_token, self._socket_limit)
        # idle_timeout: close keep-alive connections idle that long, as load balancers do
        self._server = HttpServer(
            self,
            self.market_data,
            self.user_socket,
            host,
            port,
            idle_timeout=idle_timeout,
            read_timeout=read_timeout,
        )
        self._host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        self.routes: dict[str, Route] = route_table(self)

    # -- life cycle --

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/v1"

    @property
    def md_url(self) -> str:
        """The market-data socket, on the REST port."""
        return f"ws://{self._host}:{self.port}{MD_PATH}"

    @property
    def user_ws_url(self) -> str:
        """The user-data socket, on the REST port as on Tradovate's hosts."""
        return f"ws://{self._host}:{self.port}{USER_SOCKET_PATH}"

    def start(self) -> Simulator:
        self._server.start()
        if self._tick_interval:
            prices = threading.Thread(target=self._run_prices, name="sim-prices", daemon=True)
            prices.start()
            self._threads.append(prices)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.stop()
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

    @property
    def rate_limits(self) -> RateLimits:
        return self.limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits) -> None:
        """New limits apply from the next request; counts and lockouts so far are kept."""
        self.limiter.limits = limits

    def request_count(self, since: float = 0.0, path: str | None = None) -> int:
        """REST requests received at or after `since` (a time.perf_counter() value), among
        the last `RECORD_REQUESTS`."""
        return sum(1 for r in self.requests(path) if r.received_at >= since)

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

    def record(
        self,
        method: str,
        route: str,
        query: dict[str, str],
        raw: bytes | None,
        declared: int | None,
        received_at: float,
    ) -> None:
        size = len(raw) if raw is not None else (declared or 0)
        kept = raw if raw and len(raw) <= RECORD_BODY_BYTES else None
        with self._lock:
            self._requests.append(Recorded(method, route, query, kept, size, received_at))

    def token_valid(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        return self.auth.valid(header[7:])

    def over_limit(self, header: str | None) -> tuple[int, str] | None:
        """Count one request of the token's user: (status, text) when it must not be
        processed (429 during a lockout, 423 once near the hourly limit), else None."""
        token = header[7:] if header and header.startswith("Bearer ") else header or ""
        verdict = self.limiter.check(self.auth.user_of(token) or token)
        if verdict is Verdict.LOCKED:
            return 429, TOO_MANY
        if verdict is Verdict.WARN:
            return 423, ALMOST_TOO_MANY
        return None

    def _socket_token(self, token: str) -> bool:
        return self.token_valid(f"Bearer {token}")

    def _socket_limit(self, token: str) -> tuple[int, str] | None:
        return self.over_limit(f"Bearer {token}")

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


def _seconds_of(clock: Callable[[], datetime]) -> Callable[[], float]:
    return lambda: clock().timestamp()


def _unlimited(token: str) -> None:
    return None
