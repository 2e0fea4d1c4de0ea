"""A misbehaving gateway in front of the simulator: it forwards every request, and for the
paths it is told about it answers what it likes instead of what the simulator said, or answers
at once and forwards the request later (the way a proxy answers 504 while Tradovate still works).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class Lie:
    status: int
    body: bytes
    forward: bool = True  # pass the request on to the simulator before lying
    forward_after: float = 0.0  # > 0: answer first, forward this many seconds later


class Gateway:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.lies: dict[str, Lie] = {}
        self.late = threading.Event()  # set once a late-forwarded request has been handled
        self._http = httpx.Client(timeout=10.0)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                gateway._handle(self, "GET")

            def do_POST(self) -> None:
                gateway._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> Gateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        return self._http.request(method, self.upstream + path, headers=headers, content=body)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path.removeprefix("/v1")
        headers = {
            k: v
            for k, v in handler.headers.items()
            if k.lower() in ("authorization", "content-type")
        }
        lie = self.lies.pop(path.partition("?")[0].lstrip("/").lower(), None)
        if lie is None:
            upstream = self._forward(method, path, headers, body)
            self._answer(handler, upstream.status_code, upstream.content)
            return
        if lie.forward_after > 0:

            def later() -> None:
                threading.Event().wait(lie.forward_after)
                self._forward(method, path, headers, body)
                self.late.set()

            threading.Thread(target=later, daemon=True).start()
        elif lie.forward:
            self._forward(method, path, headers, body)
        self._answer(handler, lie.status, lie.body)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
