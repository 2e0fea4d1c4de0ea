"""Raw bytes to and from the simulator's port, for requests no well-behaved client would send
and a market-data client that stops reading."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from dataclasses import dataclass

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from ticket.sim.constants import SIM_PASSWORD, SIM_USERNAME


@dataclass(frozen=True)
class Answered:
    status: int
    content_type: str
    body: bytes

    def error_text(self) -> str:
        """The errorText of a JSON error answer (fails the test if it is none)."""
        assert self.content_type.startswith("application/json"), (self.status, self.body[:200])
        data = json.loads(self.body)
        assert isinstance(data.get("errorText"), str) and data["errorText"], data
        return str(data["errorText"])


def exchange(port: int, data: bytes, timeout: float = 10.0) -> Answered:
    """Send `data` on a fresh connection and read one HTTP answer. A server that never answers
    fails here after `timeout` seconds; one that closes without an answer fails too."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # the server may answer before it has read everything: its answer is still there
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return Answered(response.status, response.getheader("Content-Type") or "", body)


def request(
    method: str,
    path: str,
    body: bytes | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def sign_in(port: int) -> str:
    body = json.dumps({"name": SIM_USERNAME, "password": SIM_PASSWORD}).encode()
    answered = exchange(port, request("POST", "/v1/auth/accesstokenrequest", body))
    return str(json.loads(answered.body)["accessToken"])


class RawSocket:
    """A websocket client on a plain socket that reads only when told to."""

    def __init__(self, url: str, receive_buffer: int | None = None) -> None:
        self.protocol = ClientProtocol(parse_uri(url))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:  # set before connect, so the window the server sees is small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        port = int(url.split(":")[2].split("/")[0])
        self.sock.connect(("127.0.0.1", port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.frames: list[Frame] = []
        while not any(isinstance(e, Response) for e in self._read()):
            pass

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def read_answers(self, count: int) -> list[dict]:
        """The next `count` answers to requests (`a[{"s":..,"i":..}]`), quotes left aside."""
        answers: list[dict] = []
        while len(answers) < count:
            for event in self._read():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    text = event.data.decode()
                    if text.startswith("a"):
                        answers += [m for m in json.loads(text[1:]) if "s" in m]
        return answers

    def read_until_closed(self) -> Frame:
        """Read everything the server sent up to its close frame, and return that frame."""
        while True:
            for event in self._read():
                if isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    return event

    def close(self) -> None:
        self.sock.close()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _read(self) -> list[object]:
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
            assert self.protocol.close_rcvd is not None, "closed without a close frame"
        events = self.protocol.events_received()
        self._flush()  # the close handshake's answer, when there is one
        return events
