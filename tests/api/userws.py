"""A small Tradovate-style user socket on 127.0.0.1 that the test scripts frame by frame: it
answers `authorize` and (unless held) `user/syncrequest`, and lets the test send any frame."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from ..unit.frames import sync_reply

GOOD_TOKEN = "fake-token-for-tests"


class Connection:
    def __init__(self, socket: ServerConnection) -> None:
        self.socket = socket
        self.received: queue.Queue[str] = queue.Queue()
        self.requests: list[tuple[str, int, str, str]] = []
        self.heartbeats = 0
        self.sync_id: int | None = None
        self.synced = threading.Event()  # the sync request arrived

    def send(self, text: str) -> None:
        self.socket.send(text)

    def answer_sync(self, reply: dict[str, Any], *before: dict, after: tuple = ()) -> None:
        """The sync reply as one frame, with event messages before and after it."""
        message = {"s": 200, "i": self.sync_id, "d": reply}
        self.send("a" + json.dumps([*before, message, *after]))


class UserSocketServer:
    def __init__(self) -> None:
        self.reply: dict[str, Any] = sync_reply()
        self.hold_sync = False
        self.token = GOOD_TOKEN
        self.connections: queue.Queue[Connection] = queue.Queue()
        self.all: list[Connection] = []
        self._server: Server = serve(self._handle, "127.0.0.1", 0, compression=None)
        port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/v1/websocket"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def next(self, timeout: float = 5.0) -> Connection:
        return self.connections.get(timeout=timeout)

    def _handle(self, socket: ServerConnection) -> None:
        connection = Connection(socket)
        self.all.append(connection)
        try:
            socket.send("o")
            self.connections.put(connection)
            for message in socket:
                self._request(connection, str(message))
        except ConnectionClosed:
            pass

    def _request(self, connection: Connection, message: str) -> None:
        connection.received.put(message)
        if message == "[]":
            connection.heartbeats += 1
            return
        endpoint, request_id, query, body = ([*message.split("\n", 3), "", "", ""])[:4]
        connection.requests.append((endpoint, int(request_id), query, body))
        if endpoint == "authorize":
            ok = body == self.token
            answer = {"s": 200 if ok else 401, "i": int(request_id)}
            if not ok:
                answer["d"] = "Access is denied"
            connection.send("a" + json.dumps([answer]))
        elif endpoint == "user/syncrequest":
            connection.sync_id = int(request_id)
            connection.synced.set()
            if not self.hold_sync:
                connection.answer_sync(self.reply)
