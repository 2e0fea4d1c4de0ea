"""Every request the simulator gets is answered, however malformed, within a bound, and the
server still takes a normal order afterwards. Over real sockets, byte for byte."""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import socket
import threading
import tracemalloc

import pytest

from tests.api.helpers import wait_for
from ticket.sim import server as sim_server
from ticket.sim import transport
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_ACCOUNT_NAME
from ticket.sim.exchange import MAX_ORDER_QTY
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator

from .wire import Answered, exchange, request, sign_in

PLACE = "/v1/order/placeOSO"
ORDER_ROUTES = [
    "/v1/order/placeOSO",
    "/v1/order/placeOrder",
    "/v1/order/cancelOrder",
    "/v1/order/modifyOrder",
    "/v1/order/liquidatePosition",
]
ITEM_ROUTES = [
    "account/item",
    "contract/item",
    "contractmaturity/item",
    "product/item",
    "order/item",
]
DEPS_ROUTES = ["order/deps", "orderversion/deps", "command/deps", "position/deps", "fill/deps"]


# These tests send hundreds of requests a second from one user on purpose: the request limits,
# tested in test_limits.py, would answer them 429 instead of what they are about.
NO_LIMITS = RateLimits.off()


@pytest.fixture
def sim_limits():
    return NO_LIMITS


@pytest.fixture(scope="module")
def tough():
    """One simulator for the whole set, with a short body read timeout."""
    with Simulator(seed=11, read_timeout=0.5, rate_limits=NO_LIMITS) as sim:
        yield sim, sign_in(sim.port)


def oso(sim, **change) -> dict:
    body = {
        "accountSpec": SIM_ACCOUNT_NAME,
        "accountId": SIM_ACCOUNT_ID,
        "clOrdId": "robust-1",
        "action": "Buy",
        "symbol": sim.front("ES"),
        "orderQty": 1,
        "orderType": "Limit",
        "price": 5990.0,
        "isAutomated": False,
        "bracket1": {"action": "Sell", "orderType": "Stop", "stopPrice": 5988.0},
        "bracket2": {"action": "Sell", "orderType": "Limit", "price": 5994.0},
    }
    for key, value in change.items():
        path = key.split(".")
        target = body
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return body


# -- the generated set: (name, bytes, expected status, JSON errorText expected) --

BAD_JSON = [
    b"{",
    b"}",
    b'{"a":}',
    b'{"a":1,}',
    b"[1,2",
    b"{'a': 1}",
    b'{"a": 01}',
    b'{"a": .5}',
    b'{"a": 1e}',
    b'{"a": tru}',
    b"nul",
    b'{"a": "\x01"}',
    b'{"a": 1} {"b": 2}',
    b'"unterminated',
    b'{"a": 1}}',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{}",
    b'{"a": "\xc3"}',
    b'{"a": -}',
    b'{"a": +1}',
    b'{"a": 0x10}',
    b'{"price": NaN}',
    b'{"price": Infinity}',
    b'{"price": -Infinity}',
    b'{"price": 1e999}',
    b'{"price": -1e400}',
    b'{"orderQty": ' + b"9" * 5000 + b"}",
    b"[" * 33 + b"]" * 33,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b"[" * 1000 + b"]" * 1000,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"bracket1": ' + b"[" * 5000 + b"]" * 5000 + b"}",
]

WRONG_TYPES = {
    "accountSpec": [123, [], {}],
    "accountId": ["700001", 1.5, True, []],
    "clOrdId": [1, {}, []],
    "action": [1, [], True],
    "symbol": [5, {}, ["ESZ6"]],
    "orderQty": ["1", 1.5, True, [], {}],
    "orderType": [1, ["Limit"]],
    "price": ["6000", True, [], {}],
    "stopPrice": ["x", False],
    "pegDifference": ["2"],
    "maxShow": [1.5, "1"],
    "timeInForce": [1, []],
    "text": [{}, 5],
    "isAutomated": ["yes", 1, []],
    "bracket1": ["Stop 5988", 5, [], True],
    "bracket2": ["Limit 5994", [], 1, False],
    "bracket1.price": ["x"],
    "bracket1.stopPrice": [[], "5988"],
    "bracket2.action": [1],
    "bracket2.orderType": [{}],
}

OTHER_SHAPES = [
    ("/v1/order/cancelOrder", {"orderId": "8000001"}),
    ("/v1/order/cancelOrder", {"orderId": 1.5}),
    ("/v1/order/cancelOrder", {"orderId": [8000001]}),
    ("/v1/order/cancelOrder", {"orderId": 8000001, "isAutomated": "no"}),
    ("/v1/order/modifyOrder", {"orderId": "x", "orderQty": 1, "orderType": "Limit"}),
    ("/v1/order/modifyOrder", {"orderId": 8000001, "orderQty": "2", "orderType": "Limit"}),
    ("/v1/order/modifyOrder", {"orderId": 8000001, "orderQty": 1, "price": "6000"}),
    ("/v1/order/liquidatePosition", {"accountId": SIM_ACCOUNT_ID, "contractId": "ESZ6"}),
    ("/v1/order/liquidatePosition", {"accountId": SIM_ACCOUNT_ID, "contractId": [1]}),
    ("/v1/order/liquidatePosition", {"accountId": "SIM1", "contractId": 1}),
    ("/v1/order/liquidatePosition", {"accountId": SIM_ACCOUNT_ID, "admin": "false"}),
    ("/v1/order/placeOrder", {"symbol": 1}),
    ("/v1/cashBalance/getCashBalanceSnapshot", {"accountId": "700001"}),
    ("/v1/cashBalance/getCashBalanceSnapshot", {"accountId": [SIM_ACCOUNT_ID]}),
    ("/v1/cashBalance/getCashBalanceSnapshot", []),
]

NOT_OBJECTS = [b"[]", b'"order"', b"5", b"true", b"null", b"[{}]"]
BAD_IDS = ["ES", "", "1.5", "0x10", "1e3", "--1", "9" * 5000, "1%202"]

PROTOCOL = [  # what aiohttp refuses before any route sees it: any 4xx
    b"GARBAGE\r\n\r\n",
    b"GET /v1/account/list HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /v1/account/list\r\n\r\n",
    b"GET /v1/account/list HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
    b"GET /v1/account/list HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
    b"GET /v1/account/list HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
    b"GET /v1/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/account/list HTTP/1.1\r\nHost: x\r\nX: \x00\r\n\r\n",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 1.5\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 0x2\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 2 2\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Content-Length: 3\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"zz\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    b"POST /v1/order/placeOSO HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999"
    b"\r\n\r\n{}",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
]


def generated(sim, token) -> list[tuple[str, bytes, int, bool]]:
    cases: list[tuple[str, bytes, int, bool]] = []
    for route in ORDER_ROUTES:
        for n, raw in enumerate(BAD_JSON):
            cases.append(
                (f"bad JSON {n} to {route}", request("POST", route, raw, token), 400, True)
            )
        for raw in NOT_OBJECTS:
            cases.append((f"{raw!r} to {route}", request("POST", route, raw, token), 400, True))
    for field, values in WRONG_TYPES.items():
        for value in values:
            raw = json.dumps(oso(sim, **{field: value})).encode()
            cases.append((f"{field}={value!r}", request("POST", PLACE, raw, token), 400, True))
    for route, body in OTHER_SHAPES:
        raw = json.dumps(body).encode()
        cases.append((f"{route} {body!r}", request("POST", route, raw, token), 400, True))
    for route in ITEM_ROUTES:
        for bad in BAD_IDS:
            path = f"/v1/{route}?id={bad}"
            cases.append((path[:80], request("GET", path, token=token), 400, True))
    for route in DEPS_ROUTES:
        for bad in BAD_IDS:
            path = f"/v1/{route}?masterid={bad}"
            cases.append((path[:80], request("GET", path, token=token), 400, True))
    for path in ("/v1/contract/items?ids=1,x", "/v1/contract/suggest?t=ES&l=x"):
        cases.append((path, request("GET", path, token=token), 400, True))
    for method in ("PUT", "DELETE", "PATCH"):
        body = json.dumps(oso(sim)).encode()
        cases.append((f"{method} {PLACE}", request(method, PLACE, body, token), 405, True))
    too_big = b'{"text": "' + b"x" * (transport.MAX_BODY + 10) + b'"}'
    cases.append(("a body over 1 MB", request("POST", PLACE, too_big, token), 413, True))
    chunked = (
        (
            f"POST {PLACE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        + (b"100000\r\n" + b"x" * 0x100000 + b"\r\n") * 2
        + b"0\r\n\r\n"
    )
    cases.append(("a chunked body over 1 MB", chunked, 413, True))
    bomb = gzip.compress(b'{"text": "' + b"x" * 20_000_000 + b'"}')  # 20 MB when inflated
    gzipped = request("POST", PLACE, bomb, token, {"Content-Encoding": "gzip"})
    cases.append(("a gzip body that inflates past every limit", gzipped, 400, True))
    for n, raw in enumerate(PROTOCOL):
        cases.append((f"protocol error {n}: {raw[:40]!r}", raw, 0, False))
    for short in (b'{"orderQty"', b"", b"{}"):
        data = request("POST", PLACE, short, token).replace(
            f"Content-Length: {len(short)}".encode(), b"Content-Length: 100"
        )
        cases.append((f"a body shorter than its Content-Length: {short!r}", data, 408, True))
    return cases


@pytest.mark.slow
def test_three_hundred_and_thirty_three_malformed_requests_are_all_answered(tough):
    sim, token = tough
    cases = generated(sim, token)
    assert len(cases) >= 333
    wrong = []
    for name, data, expected, json_error in cases:
        answered = exchange(sim.port, data, timeout=10)  # the bound: a hang fails here
        ok = 400 <= answered.status < 500 if expected == 0 else answered.status == expected
        if ok and json_error:
            answered.error_text()
        if not ok:
            wrong.append((name, answered.status, answered.body[:120]))
    assert wrong == []
    assert sim.entry_orders() == 0  # none of them placed anything
    placed = exchange(sim.port, request("POST", PLACE, json.dumps(oso(sim)).encode(), token))
    assert placed.status == 200 and "orderId" in json.loads(placed.body)
    assert sim.entry_orders() == 1


def answer(sim, token, path: str, body: dict) -> Answered:
    return exchange(sim.port, request("POST", path, json.dumps(body).encode(), token))


def test_a_non_object_bracket_is_malformed_and_leaves_nothing_behind(tough):
    sim, token = tough
    orders = len(sim.exchange.orders)
    refused = answer(sim, token, PLACE, oso(sim, bracket2="Limit 5994"))
    assert refused.status == 400
    assert refused.error_text().startswith("bracket2:")
    assert len(sim.exchange.orders) == orders


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"orderQty": 10**30}, "MaxOrderQtyLimitReached"),
        ({"orderQty": MAX_ORDER_QTY + 1}, "MaxOrderQtyLimitReached"),
        ({"price": 1e20}, "InvalidPrice"),
        ({"price": -5990.0}, "InvalidPrice"),
        ({"price": 0}, "InvalidPrice"),
        ({"bracket1.stopPrice": 1e20}, "InvalidPrice"),
        ({"bracket2.price": -1e20}, "InvalidPrice"),
    ],
)
def test_absurd_quantities_and_prices_are_refused_with_tradovates_reasons(tough, change, reason):
    sim, token = tough
    orders = len(sim.exchange.orders)
    refused = answer(sim, token, PLACE, oso(sim, **change))
    assert refused.status == 200
    assert json.loads(refused.body)["failureReason"] == reason
    assert len(sim.exchange.orders) == orders


def test_the_largest_quantity_allowed_is_placed(tough):
    sim, token = tough
    placed = answer(sim, token, PLACE, oso(sim, orderQty=MAX_ORDER_QTY, clOrdId="largest"))
    assert "orderId" in json.loads(placed.body)


def test_an_absurd_modify_is_refused_and_changes_nothing(tough):
    sim, token = tough
    order_id = json.loads(answer(sim, token, PLACE, oso(sim, clOrdId="to-modify")).body)["orderId"]
    modify = {"orderId": order_id, "orderQty": 10**30, "orderType": "Limit", "price": 5990.0}
    refused = answer(sim, token, "/v1/order/modifyOrder", modify)
    assert json.loads(refused.body)["failureReason"] == "MaxOrderQtyLimitReached"
    assert sim.exchange.orders[order_id].qty == 1


@pytest.mark.slow
def test_a_body_shorter_than_its_length_is_answered_after_the_read_timeout(sim):
    token = sign_in(sim.port)
    data = request("POST", PLACE, b"{}", token).replace(b"Content-Length: 2", b"Content-Length: 50")
    # the bound is the socket's: the default read timeout plus room
    answered = exchange(sim.port, data, timeout=transport.READ_TIMEOUT + 5)
    assert answered.status == 408
    assert "did not arrive" in answered.error_text()
    assert sim.entry_orders() == 0


def test_two_megabyte_bodies_are_refused_and_not_kept(tough):
    sim, token = tough
    body = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    data = request("POST", PLACE, body, token)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        statuses = [exchange(sim.port, data).status for _ in range(5)]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert statuses == [413] * 5
    assert kept < len(body) // 2  # five bodies came in; not even half of one stayed
    record = sim.requests("order/placeoso")[-1]
    assert (record.size, record.raw, record.body) == (len(body), None, None)


def test_the_request_record_keeps_the_last_requests_only(monkeypatch):
    monkeypatch.setattr(sim_server, "RECORD_REQUESTS", 20)
    with Simulator(seed=1, rate_limits=NO_LIMITS) as sim:
        token = sign_in(sim.port)
        for n in range(30):
            exchange(sim.port, request("GET", f"/v1/contract/find?name=N{n}", token=token))
        names = [r.query["name"] for r in sim.requests("contract/find")]
    assert names == [f"N{n}" for n in range(10, 30)]  # the sign-in was the first to go


def test_large_bodies_are_counted_but_not_kept(tough):
    sim, token = tough
    text = "x" * (sim_server.RECORD_BODY_BYTES + 1)
    answer(sim, token, PLACE, oso(sim, text=text, clOrdId="long-text"))
    record = sim.requests("order/placeoso")[-1]
    assert record.body is None and record.size > sim_server.RECORD_BODY_BYTES


def test_an_idle_keep_alive_connection_is_closed():
    with (
        Simulator(seed=1, idle_timeout=0.2) as sim,
        socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock,
    ):
        sock.sendall(request("GET", "/v1/contract/find?name=ESZ6"))
        received = b""
        while True:  # the answer, then the end of the stream: not a hang
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 401")


def test_a_delayed_order_does_not_hold_up_other_requests(sim):
    token = sign_in(sim.port)
    sim.faults.add_latency(60.0, "order/placeoso")  # far beyond the bounds below
    slow = threading.Thread(
        target=lambda: _ignore_timeout(sim.port, request("POST", PLACE, b"{}", token)),
        daemon=True,
    )
    slow.start()
    _wait(lambda: sim.requests("order/placeoso"))
    quick = exchange(sim.port, request("GET", "/v1/account/list", token=token), timeout=5)
    assert quick.status == 200


def test_handler_threads_are_bounded_and_a_held_route_holds_only_its_own(sim, hold):
    token = sign_in(sim.port)
    held = hold("order/placeoso")
    body = json.dumps(oso(sim)).encode()
    answers: list[int] = []
    senders = [
        threading.Thread(
            target=lambda: answers.append(
                exchange(sim.port, request("POST", PLACE, body, token), timeout=30).status
            ),
            daemon=True,
        )
        for _ in range(transport.HANDLER_THREADS + 4)
    ]
    for sender in senders:
        sender.start()
    _wait(lambda: len(sim.requests("order/placeoso")) == len(senders))
    _wait(lambda: _handler_threads(sim) == transport.HANDLER_THREADS)
    held.release()
    for sender in senders:
        sender.join(30)
    assert answers == [200] * len(senders)
    assert _handler_threads(sim) <= transport.HANDLER_THREADS


def test_connections_over_the_limit_are_answered_503(monkeypatch):
    monkeypatch.setattr(transport, "MAX_CONNECTIONS", 5)
    with Simulator(seed=1) as sim:
        idle = [socket.create_connection(("127.0.0.1", sim.port), timeout=10) for _ in range(5)]
        try:
            _wait(lambda: len(sim._server._runner.server.connections) == 5)
            busy = exchange(sim.port, request("GET", "/v1/account/list"))
        finally:
            for sock in idle:
                sock.close()
        assert busy.status == 503
        _wait(lambda: not sim._server._runner.server.connections)
        assert exchange(sim.port, request("GET", "/v1/account/list")).status == 401


def test_idle_sockets_take_no_threads(sim):
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", sim.port), timeout=10) for _ in range(50)]
    try:
        _wait(lambda: len(sim._server._runner.server.connections) == 50)
        assert threading.active_count() == before
    finally:
        for sock in idle:
            sock.close()


def _handler_threads(sim) -> int:
    prefix = f"sim-handler-{sim.port}"
    return sum(1 for t in threading.enumerate() if t.name.startswith(prefix))


def _ignore_timeout(port: int, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the simulator stops before its latency is over
        exchange(port, data, timeout=30)


def _wait(condition, timeout: float = 10.0) -> None:
    wait_for(condition, timeout=timeout)
