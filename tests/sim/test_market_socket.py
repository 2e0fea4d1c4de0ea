"""The market-data socket shares the REST port and never holds up the order routes: a client
that subscribes to everything and never reads is closed with a close frame, and orders go on."""

from __future__ import annotations

import json
import threading

import pytest

from tests.api.helpers import es_request, wait_for
from ticket.broker.client import TradovateClient, make_http_client
from ticket.services import SIM_CREDENTIALS
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator

from .wire import RawSocket


@pytest.fixture
def busy():
    """A simulator whose price process moves every contract every 5 ms. Its client subscribes
    to every contract and places a hundred orders in a burst, past the request limits on
    purpose: they are not what these tests are about."""
    with Simulator(seed=5, tick_interval=0.005, rate_limits=RateLimits.off()) as sim:
        http = make_http_client()
        client = TradovateClient(http, sim.base_url, device_id="test-device")
        client.sign_in(SIM_CREDENTIALS)
        yield sim, client
        http.close()


def subscribe_everything(sim, client, socket: RawSocket) -> None:
    socket.send(f"authorize\n0\n\n{client.session.md_token.get_secret_value()}")
    for n, name in enumerate(sim.catalog.by_name, start=1):
        socket.send(f"md/subscribeQuote\n{n}\n\n{json.dumps({'symbol': name})}")


def place(sim, client, count: int) -> list[tuple[int | None, bool]]:
    """Place `count` orders; each answer must arrive within the client's read timeout."""
    answers = []
    body = es_request(sim, client).to_wire()  # built once: the look-ups it needs are not the point
    for _ in range(count):
        reply = client.send_order("/order/placeOSO", body)
        answers.append((reply.status, "orderId" in json.loads(reply.body or b"{}")))
    return answers


@pytest.mark.slow
def test_a_client_that_never_reads_is_closed_and_orders_go_on(busy):
    sim, client = busy
    slow = RawSocket(sim.md_url, receive_buffer=4096)
    try:
        subscribe_everything(sim, client, slow)
        assert place(sim, client, 50) == [(200, True)] * 50  # while its backlog builds up
        wait_for(lambda: sim.market_data.closed_slow == 1, timeout=30, what="the slow close")
        # its buffers are full and it is still connected: it has read nothing, not even the
        # close frame
        assert place(sim, client, 50) == [(200, True)] * 50
        close = slow.read_until_closed()  # all it was sent, then the close frame
    finally:
        slow.close()
    code = int.from_bytes(close.data[:2], "big")
    assert code == 1008 and b"does not read" in close.data[2:]
    wait_for(lambda: sim.market_data.sockets == 0, what="the socket to be gone")


@pytest.mark.slow
def test_a_reading_client_keeps_its_quotes_while_another_falls_behind(busy):
    sim, client = busy
    from ticket.broker.marketdata import MarketDataClient

    quotes = []
    seen = threading.Event()

    def on_quote(quote) -> None:
        quotes.append(quote)
        if len(quotes) >= 200:
            seen.set()

    es = client.find_contract(sim.front("ES"))
    md = MarketDataClient(
        sim.md_url, lambda: client.session.md_token.get_secret_value(), on_quote, lambda *a: None
    )
    md.start()
    md.subscribe(es.name, es.id)
    slow = RawSocket(sim.md_url, receive_buffer=4096)
    try:
        subscribe_everything(sim, client, slow)
        wait_for(lambda: sim.market_data.closed_slow == 1, timeout=30, what="the slow close")
        count = len(quotes)
        wait_for(lambda: len(quotes) > count + 50, what="quotes after the slow close")
    finally:
        slow.close()
        md.stop()
    assert sim.market_data.closed_slow == 1  # the reading client was never taken for slow


def test_a_malformed_market_data_request_is_answered(sim, client):
    socket = RawSocket(sim.md_url)
    try:
        socket.send(f"authorize\n0\n\n{client.session.md_token.get_secret_value()}")
        socket.send("md/subscribeQuote\n1\n\n[1, 2]")
        socket.send('md/subscribeQuote\n2\n\n{"symbol": ')
        socket.send(f"md/subscribeQuote\n3\n\n{json.dumps({'symbol': sim.catalog.front('ES').id})}")
        answers = socket.read_answers(4)
    finally:
        socket.close()
    assert [(a["i"], a["s"]) for a in answers] == [(0, 200), (1, 400), (2, 400), (3, 200)]
