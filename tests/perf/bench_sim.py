"""The simulator under load: placeOSO throughput on an empty book and on a book of 15,000
orders, paired round by round in one run; resident memory before and after five 50 MB posts;
the user socket's sync answer (time and size) for 100, 1,000 and 5,000 orders, and the time
from an order placed to its events read by a socket client, on 100 and on 5,000 orders.

Run: .venv/bin/python tests/perf/bench_sim.py [--quick]
Each round places orders for one second on a fresh empty simulator, then for one second on one
that already holds 15,000 orders (5,000 bracketed entries, none of them filled); the ratio of
the medians is the figure. Orders go over real HTTP from one warm keep-alive connection. A
step of the price process is timed the same way, empty and full, in process. The request
limits are off: these loops go past them on purpose.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import connect

from ticket.sim.constants import (
    SIM_ACCOUNT_ID,
    SIM_ACCOUNT_NAME,
    SIM_PASSWORD,
    SIM_USER_ID,
    SIM_USERNAME,
)
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator

QUICK = "--quick" in sys.argv
SYNC_BOOKS = (100, 1_000, 5_000)
EVENT_SAMPLES = 100 if QUICK else 300


def unlimited(**options: Any) -> Simulator:
    return Simulator(rate_limits=RateLimits.off(), **options)


BOOK = 15_000
ROUNDS = 3 if QUICK else 5
SECONDS = 0.5 if QUICK else 1.0


def oso(symbol: str, n: int) -> dict[str, Any]:
    """A bracketed Buy Limit below the market: it works and never fills, nor do its legs."""
    return {
        "accountSpec": SIM_ACCOUNT_NAME,
        "accountId": SIM_ACCOUNT_ID,
        "clOrdId": f"bench-{n}",
        "action": "Buy",
        "symbol": symbol,
        "orderQty": 1,
        "orderType": "Limit",
        "price": 5990.0 - 0.25 * (n % 40),
        "isAutomated": True,
        "bracket1": {"action": "Sell", "orderType": "Stop", "stopPrice": 5970.0},
        "bracket2": {"action": "Sell", "orderType": "Limit", "price": 6020.0},
    }


@contextmanager
def signed_in(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=30) as http:
        token = http.post(
            "/auth/accesstokenrequest", json={"name": SIM_USERNAME, "password": SIM_PASSWORD}
        ).json()["accessToken"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


def rate(sim: Simulator, http: httpx.Client, seconds: float) -> float:
    symbol = sim.front("ES")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        answer = http.post("/order/placeoso", json=oso(symbol, count)).json()
        assert "orderId" in answer, answer
        count += 1
    return count / (time.perf_counter() - started)


def fill(sim: Simulator, orders: int) -> None:
    """Fill the book in process: the figure is about placing on a full book, not filling it."""
    symbol = sim.front("ES")
    for n in range(orders // 3):
        sim.exchange.place_oso(oso(symbol, n))


def throughput() -> None:
    empty: list[float] = []
    full: list[float] = []
    with unlimited(seed=1) as big:
        started = time.perf_counter()
        fill(big, BOOK)
        print(
            f"  book filled with {len(big.exchange.orders):,} orders in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        with signed_in(big) as big_http:
            rate(big, big_http, 0.2)  # warm-up
            for _ in range(ROUNDS):
                with unlimited(seed=1) as small, signed_in(small) as small_http:
                    rate(small, small_http, 0.2)
                    empty.append(rate(small, small_http, SECONDS))
                full.append(rate(big, big_http, SECONDS))
        held = len(big.exchange.orders)
    ratio = statistics.median(empty) / statistics.median(full)
    print(f"  placeOSO, empty book:      {fmt(empty)} orders/s")
    print(f"  placeOSO, {BOOK:,}+ orders: {fmt(full)} orders/s (book ends at {held:,})")
    print(f"  empty / full: {ratio:.2f}x (target <= 1.5x)")


def moves() -> None:
    """One step of the price process (every contract moves), on an empty book and on a full
    one, in process: the exchange lock is held that long, and orders wait behind it."""
    timings: dict[int, list[float]] = {0: [], BOOK: []}
    with unlimited(seed=1) as empty, unlimited(seed=1) as full:
        fill(full, BOOK)
        for _ in range(ROUNDS):
            for orders, sim in ((0, empty), (BOOK, full)):
                started = time.perf_counter()
                for _ in range(20):
                    sim.exchange.step()
                timings[orders].append((time.perf_counter() - started) / 20 * 1000)
    print(f"  one price step, empty book:      {fmt(timings[0], 2)} ms")
    print(f"  one price step, {BOOK:,} orders: {fmt(timings[BOOK], 2)} ms")


def fmt(samples: list[float], digits: int = 0) -> str:
    median, low, high = statistics.median(samples), min(samples), max(samples)
    return f"median {median:.{digits}f} [{low:.{digits}f}-{high:.{digits}f}]"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def big_posts() -> None:
    body = json.dumps(oso("ESZ6", 0) | {"text": "x" * 50 * 1024 * 1024}).encode()  # 50 MB
    with unlimited(seed=1) as sim, signed_in(sim) as http:
        gc.collect()
        before = rss_mb()
        answers = []
        for _ in range(5):
            try:
                reply = http.post(
                    "/order/placeoso", content=body, headers={"Content-Type": "application/json"}
                )
                answers.append(str(reply.status_code))
            except httpx.TransportError as exc:  # a server may close before the body is sent
                answers.append(type(exc).__name__)
        gc.collect()
        after = rss_mb()
        kept = len(sim.requests())
    print(f"  five 50 MB posts: answers {', '.join(answers)}; requests recorded {kept}")
    print(
        f"  resident memory: {before:.0f} MB before, {after:.0f} MB after "
        f"(+{after - before:.0f} MB)"
    )


@contextmanager
def user_socket(sim: Simulator, token: str) -> Iterator[Any]:
    with connect(sim.user_ws_url, max_size=None, max_queue=None) as ws:
        assert ws.recv(timeout=10) == "o"
        ws.send(f"authorize\n1\n\n{token}")
        assert json.loads(str(ws.recv(timeout=10))[1:])[0]["s"] == 200
        yield ws


def sync_once(ws: Any, request_id: int) -> tuple[float, int]:
    """(seconds from sending the sync request to its whole answer read, answer bytes)"""
    started = time.perf_counter()
    ws.send(f'user/syncrequest\n{request_id}\n\n{{"users": [{SIM_USER_ID}]}}')
    while True:
        frame = str(ws.recv(timeout=60))
        if frame.startswith("a") and f'"i":{request_id}' in frame[:40]:
            return time.perf_counter() - started, len(frame.encode())


def syncs() -> None:
    for orders in SYNC_BOOKS:
        with unlimited(seed=1) as sim, signed_in(sim) as http:
            fill(sim, orders)
            token = http.headers["Authorization"][7:]
            with user_socket(sim, token) as ws:
                samples, size = [], 0
                for n in range(ROUNDS):
                    seconds, size = sync_once(ws, 10 + n)
                    samples.append(seconds * 1000)
        print(
            f"  user/syncrequest, {len(sim.exchange.orders):>5,} orders: "
            f"{fmt(samples, 1)} ms, {size / 1024:,.0f} KiB"
        )


def event_latency(sim: Simulator, ws: Any, samples: int) -> tuple[list[float], list[float]]:
    """Per order placed in process: (ms the placement held the exchange lock, ms from the
    call to its event frame read by the socket client)."""
    body = oso(sim.front("ES"), 0)
    held, delivered = [], []
    for _ in range(samples):
        started = time.perf_counter()
        sim.exchange.place_oso(body)
        placed = time.perf_counter()
        while '"props"' not in str(ws.recv(timeout=10)):
            pass
        done = time.perf_counter()
        held.append((placed - started) * 1000)
        delivered.append((done - started) * 1000)
    return held, delivered


def events() -> None:
    results: dict[int, tuple[list[float], list[float]]] = {}
    for orders in (100, 5_000):
        with unlimited(seed=1) as sim, signed_in(sim) as http:
            fill(sim, orders)
            with user_socket(sim, http.headers["Authorization"][7:]) as ws:
                sync_once(ws, 2)
                event_latency(sim, ws, 20)  # warm-up
                results[orders] = event_latency(sim, ws, EVENT_SAMPLES)
    for orders, (held, delivered) in results.items():
        print(
            f"  one placeOSO's events, {orders:>5,} orders: {fmt(held, 3)} ms in the exchange, "
            f"{fmt(delivered, 3)} ms to the socket client"
        )
    ratio = statistics.median(results[5_000][1]) / statistics.median(results[100][1])
    print(f"  5,000 / 100 orders, placement to event read: {ratio:.2f}x")


def main() -> None:
    print(f"simulator benchmarks ({'quick' if QUICK else 'full'})", flush=True)
    throughput()
    moves()
    big_posts()
    syncs()
    events()


if __name__ == "__main__":
    main()
