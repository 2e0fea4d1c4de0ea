"""The one socket layer on its own, against the scripted user socket: requests answered by id
through their callbacks, answers lost with their connection, the authorize first, frames read
as Tradovate writes them, and stop() that joins."""

import json
import queue

from ticket.broker.wsocket import (
    NOT_ANSWERED,
    ServerClosed,
    ServerShutdown,
    TradovateSocket,
    encode_request,
    parse_frame,
)

from .helpers import wait_for
from .userws import GOOD_TOKEN, UserSocketServer


class Handler:
    """Records every hook the socket calls, in order."""

    def __init__(self):
        self.calls = queue.Queue()

    def on_connecting(self, retry):
        self.calls.put(("connecting", retry))

    def on_open(self, link):
        self.calls.put(("open",))

    def on_authorized(self, link):
        self.calls.put(("authorized",))

    def on_refused(self, status, text):
        self.calls.put(("refused", status, text))

    def on_events(self, link, events):
        self.calls.put(("events", events))

    def on_tick(self, link, now):
        pass

    def on_lost(self, reason):
        self.calls.put(("lost", reason))

    def next(self, kind):
        while True:
            call = self.calls.get(timeout=5)
            if call[0] == kind:
                return call


def test_requests_are_framed_and_frames_are_read_as_tradovate_writes_them():
    assert encode_request("authorize", 0, "tok") == "authorize\n0\n\ntok"
    assert encode_request("md/subscribeQuote", 3, {"symbol": "ESZ6"}) == (
        'md/subscribeQuote\n3\n\n{"symbol": "ESZ6"}'
    )
    assert encode_request("tradingPermission/ldeps", 8, query="masterids=1") == (
        "tradingPermission/ldeps\n8\nmasterids=1\n"
    )
    assert parse_frame('c[3000,"Go away!"]') == ("c", [3000, "Go away!"])
    assert str(ServerClosed([3000, "Go away!"])).endswith("3000 Go away!")
    assert "too many connections for this user" in str(
        ServerShutdown({"reasonCode": "ConnectionQuotaReached"})
    )
    assert "unknown" in str(ServerShutdown("garbage"))


def test_answers_reach_their_callbacks_by_id_and_a_lost_connection_answers_the_rest():
    server = UserSocketServer()
    handler = Handler()
    socket = TradovateSocket(server.url, lambda: GOOD_TOKEN, handler, backoff=(0.05,))
    answers = queue.Queue()
    try:
        socket.start()
        assert handler.next("connecting") == ("connecting", False)
        handler.next("authorized")
        socket.request(
            "user/syncrequest", {"users": [1]}, on_reply=lambda s, d: answers.put(("sync", s, d))
        )
        socket.request("account/list", on_reply=lambda s, d: answers.put(("list", s, d)))
        name, status, data = answers.get(timeout=5)
        assert (name, status) == ("sync", 200) and "orders" in data
        connection = server.all[0]
        wait_for(lambda: len(connection.requests) == 3, what="the list request to arrive")
        endpoints = [r[0] for r in connection.requests]
        assert endpoints == ["authorize", "user/syncrequest", "account/list"]
        assert [r[1] for r in connection.requests] == [0, 1, 2]  # ids unique on the connection
        connection.send('a[{"e":"props","d":{}},{"s":200,"i":77},{"e":"clock","d":1}]')
        # the events before an answer are handed over before it, in their own batch
        assert handler.next("events")[1] == [{"e": "props", "d": {}}]
        assert handler.next("events")[1] == [{"e": "clock", "d": 1}]
        connection.send('c[1000,"bye"]')
        assert answers.get(timeout=5) == ("list", NOT_ANSWERED, "connection lost")
        assert "1000 bye" in handler.next("lost")[1]
        assert handler.next("connecting") == ("connecting", True)
        handler.next("authorized")
        second = server.all[1]
        wait_for(lambda: second.requests, what="the second authorize")
        assert [r[1] for r in second.requests] == [0]  # ids start again on a new connection
        assert json.loads(connection.requests[1][3]) == {"users": [1]}
    finally:
        socket.stop()
        server.close()
    assert not socket.running


def test_a_refused_token_is_told_once_per_connection_without_a_lost_reason():
    server = UserSocketServer()
    handler = Handler()
    socket = TradovateSocket(server.url, lambda: "wrong", handler, backoff=(0.05,))
    try:
        socket.start()
        assert handler.next("refused") == ("refused", 401, "Access is denied")
        call = handler.calls.get(timeout=5)
        assert call == ("connecting", True)  # straight to the next attempt: no "lost" between
    finally:
        socket.stop()
        server.close()
