"""The market-data websocket client against the simulator's socket: quotes, heartbeats,
reconnection with resubscription, stale quotes and a login without market data."""

import itertools
import queue
import threading
from decimal import Decimal

import pytest

from ticket.broker.marketdata import (
    HEARTBEAT_SECONDS,
    FeedState,
    MarketDataClient,
    parse_frame,
)

from .helpers import wait_for


class Recorder:
    def __init__(self):
        self.quotes = []
        self.states = []
        self.changed = threading.Condition()

    def on_quote(self, quote):
        with self.changed:
            self.quotes.append(quote)
            self.changed.notify_all()

    def on_state(self, state, detail):
        with self.changed:
            self.states.append((state, detail))
            self.changed.notify_all()

    def wait(self, predicate, timeout=5.0):
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), (self.quotes[-3:], self.states)


@pytest.fixture
def feed(sim, client):
    recorder = Recorder()
    made = []

    def make(start=True, **options):
        md = MarketDataClient(
            sim.md_url,
            lambda: client.session.md_token.get_secret_value(),
            recorder.on_quote,
            recorder.on_state,
            **options,
        )
        made.append(md)
        if start:
            md.start()
        return md, recorder

    yield make
    for md in made:
        md.stop()


def test_subscribe_gives_a_snapshot_then_every_move(sim, client, feed):
    md, seen = feed()
    contract = client.find_contract(sim.front("ES"))
    md.subscribe(contract.name, contract.id)
    seen.wait(lambda: seen.quotes)
    first = seen.quotes[0]
    assert (first.bid, first.ask, first.last) == (
        Decimal("6000.0"),
        Decimal("6000.25"),
        Decimal("6000.0"),
    )
    assert first.bid_size and first.ask_size and first.symbol == contract.name
    sim.set_price(contract.name, "6003.50")
    seen.wait(lambda: seen.quotes[-1].last == Decimal("6003.5"))
    assert seen.states[-1][0] is FeedState.LIVE


def test_heartbeats_are_sent_on_time_and_the_default_is_tradovates(sim, client, feed):
    assert HEARTBEAT_SECONDS == 2.5
    _md, _ = feed(heartbeat=0.2)
    beats = sim.market_data.client_heartbeats
    wait_for(lambda: len(beats) >= 5, what="five heartbeats")
    gaps = [b - a for a, b in itertools.pairwise(beats[:5])]
    assert max(gaps) < 1.0  # never silent for long: the server would close the socket


def test_a_dropped_connection_reconnects_and_resubscribes(sim, client, feed):
    md, seen = feed(backoff=(0.1,))
    contract = client.find_contract(sim.front("NQ"))
    md.subscribe(contract.name, contract.id)
    seen.wait(lambda: seen.quotes)
    before = len(seen.quotes)
    sim.market_data.drop()
    seen.wait(lambda: any(s is FeedState.RECONNECTING for s, _ in seen.states))
    seen.wait(lambda: seen.states[-1][0] is FeedState.LIVE)
    # Resubscribed: a new snapshot. Only then does a move have one way to arrive; before it,
    # the older snapshot could be delivered after the move.
    seen.wait(lambda: len(seen.quotes) > before)
    sim.set_price(contract.name, "21010.00")
    seen.wait(lambda: seen.quotes[-1].last == Decimal("21010.0"))


def test_a_stalled_feed_is_reported_stale_then_live_again(sim, client, feed):
    md, seen = feed(stale_after=0.5)
    contract = client.find_contract(sim.front("CL"))
    md.subscribe(contract.name, contract.id)
    seen.wait(lambda: seen.quotes)
    sim.market_data.stall = True
    sim.set_price(contract.name, "70.50")  # not published
    seen.wait(lambda: seen.states[-1][0] is FeedState.STALE)
    assert seen.quotes[-1].last == Decimal("70.0")
    sim.market_data.stall = False
    sim.set_price(contract.name, "70.51")
    seen.wait(
        lambda: seen.states[-1][0] is FeedState.LIVE and seen.quotes[-1].last == Decimal("70.51")
    )


class PauseLog(threading.Event):
    """A stop event that also tells the test each pause the socket thread takes on it."""

    def __init__(self):
        super().__init__()
        self.pauses = queue.Queue()

    def wait(self, timeout=None):
        self.pauses.put(timeout)
        return super().wait(timeout)


def test_a_login_without_market_data_is_told_not_entitled_once(sim, client, feed):
    sim.market_data.refuse = True
    md, seen = feed(start=False, backoff=(0.05,))
    md.socket._stop = paused = PauseLog()
    md.start()
    contract = client.find_contract(sim.front("ES"))
    md.subscribe(contract.name, contract.id)
    seen.wait(lambda: any(s is FeedState.NOT_ENTITLED for s, _ in seen.states))
    # Refused, the socket thread parks itself for long instead of asking again in 0.05 s.
    assert paused.pauses.get(timeout=5) >= 10
    refusals = [d for s, d in seen.states if s is FeedState.NOT_ENTITLED]
    assert len(refusals) == 1 and "no market data subscription" in refusals[0]
    assert seen.quotes == []


def test_a_bad_token_is_refused(sim, feed):
    refused = threading.Event()
    states = []

    def on_state(state, detail):
        states.append((state, detail))
        if "refused" in detail:
            refused.set()

    md = MarketDataClient(
        sim.md_url, lambda: "not-a-token", lambda q: None, on_state, backoff=(5.0,)
    )
    md.start()
    try:
        assert refused.wait(5), states
    finally:
        md.stop()
    assert any("sign-in refused" in d for _, d in states)


def test_unsubscribe_stops_the_quotes(sim, client, feed):
    md, seen = feed()
    gold, stocks = (client.find_contract(sim.front(root)) for root in ("GC", "ES"))
    md.subscribe(gold.name, gold.id)
    seen.wait(lambda: seen.quotes)
    md.unsubscribe(gold.name)
    md.subscribe(stocks.name, stocks.id)  # sent after the unsubscribe, on the same socket
    seen.wait(lambda: seen.quotes[-1].symbol == stocks.name)
    count = len(seen.quotes)
    sim.set_price(gold.name, "2710.0")
    sim.set_price(stocks.name, "6001.00")  # published after gold's move, on the same socket
    seen.wait(lambda: seen.quotes[-1].last == Decimal("6001.0"))
    assert [q.symbol for q in seen.quotes[count:]] == [stocks.name]


def test_frames_are_read_as_tradovate_writes_them():
    assert parse_frame("o") == ("o", None)
    assert parse_frame("h") == ("h", None)
    assert parse_frame('a[{"s":200,"i":1}]') == ("a", [{"s": 200, "i": 1}])
    assert parse_frame('c[3000,"Go away!"]') == ("c", [3000, "Go away!"])
