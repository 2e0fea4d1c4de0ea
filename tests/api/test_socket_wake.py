"""A request on a quiet connection goes out at once: the socket thread waits for a frame and
for a new request together, instead of sending only when its read times out."""

import threading

from ticket.broker.wsocket import TradovateSocket

from .helpers import wait_for
from .userws import GOOD_TOKEN, UserSocketServer


class Ticks:
    """The socket's handler: counts the read timeouts (on_tick) and tells when authorized."""

    def __init__(self):
        self.ticks = 0
        self.authorized = threading.Event()

    def on_connecting(self, retry):
        pass

    def on_open(self, link):
        pass

    def on_authorized(self, link):
        self.authorized.set()

    def on_refused(self, status, text):
        pass

    def on_events(self, link, events):
        pass

    def on_tick(self, link, now):
        self.ticks += 1

    def on_lost(self, reason):
        pass


def test_a_request_on_a_quiet_connection_is_sent_before_the_next_read_timeout():
    server = UserSocketServer()
    handler = Ticks()
    socket = TradovateSocket(server.url, lambda: GOOD_TOKEN, handler, heartbeat=60.0)
    try:
        socket.start()
        assert handler.authorized.wait(5)
        connection = server.all[0]
        at_once = 0
        for n in range(3):
            # the connection is quiet: the server sends nothing until asked
            wait_for(lambda: handler.ticks > 0, what="a first read timeout")
            before = handler.ticks
            socket.request("account/list")
            wait_for(lambda n=n: len(connection.requests) == 2 + n, what="the request sent")
            at_once += handler.ticks == before  # no read timeout came between
        # each read timeout is 250 ms: one may fall between by chance, never all of them
        assert at_once >= 2
    finally:
        socket.stop()
        server.close()
    assert not socket.running
