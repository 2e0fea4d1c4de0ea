"""A plain client of the simulator's user socket for tests: Tradovate's frames as they come,
requests by hand, answers matched by id, props events kept in order."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from websockets.sync.client import ClientConnection, connect

from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_USER_ID

WAIT = 10.0  # seconds a test waits for a frame before it fails


class UserSocket:
    def __init__(self, url: str, max_queue: int | None = 16) -> None:
        self._stack = contextlib.ExitStack()
        # a sync answer of a few thousand orders is megabytes: no size limit here
        self.ws: ClientConnection = self._stack.enter_context(
            connect(url, open_timeout=WAIT, max_queue=max_queue, max_size=None)
        )
        self.events: list[dict[str, Any]] = []  # every props event's d, in order
        self.batches: list[list[dict[str, Any]]] = []  # the props events of each frame
        self.frames: list[str] = []  # every frame, as received
        self._answers: dict[int, dict[str, Any]] = {}
        self._next_id = 0
        assert self.recv() == "o"

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> UserSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def recv(self, timeout: float = WAIT) -> str:
        frame = self.ws.recv(timeout=timeout)
        assert isinstance(frame, str)
        self.frames.append(frame)
        if frame.startswith("a"):
            props = []
            for message in json.loads(frame[1:]):
                if "i" in message:
                    self._answers[message["i"]] = message
                elif message.get("e") == "props":
                    props.append(message["d"])
            if props:
                self.events += props
                self.batches.append(props)
        return frame

    def send(self, text: str) -> None:
        self.ws.send(text)

    def request(self, endpoint: str, body: object = None, query: str = "") -> dict[str, Any]:
        """Send one request and read frames until its answer arrives."""
        self._next_id += 1
        request_id = self._next_id
        payload = "" if body is None else json.dumps(body)
        self.send(f"{endpoint}\n{request_id}\n{query}\n{payload}")
        return self.answer(request_id)

    def answer(self, request_id: int) -> dict[str, Any]:
        while request_id not in self._answers:
            self.recv()
        return self._answers.pop(request_id)

    def authorize(self, token: str) -> dict[str, Any]:
        self._next_id += 1
        self.send(f"authorize\n{self._next_id}\n\n{token}")
        return self.answer(self._next_id)

    def sync(self, **extra: object) -> dict[str, Any]:
        body = {"users": [SIM_USER_ID], "accounts": [SIM_ACCOUNT_ID], **extra}
        answer = self.request("user/syncrequest", body)
        assert answer["s"] == 200, answer
        return dict(answer["d"])

    def next_batch(self) -> list[dict[str, Any]]:
        """Read until the next frame of props events, and return its events."""
        count = len(self.batches)
        while len(self.batches) == count:
            self.recv()
        return self.batches[count]

    def wait_for_event(self, entity_type: str, match: dict[str, Any]) -> dict[str, Any]:
        """Read until a props event of `entity_type` whose entity has the `match` fields."""
        seen = 0
        while True:
            for event in self.events[seen:]:
                entity = event["entity"]
                if event["entityType"] == entity_type and all(
                    entity.get(k) == v for k, v in match.items()
                ):
                    return event
            seen = len(self.events)
            self.recv()


def signed_in(sim: Any, client: Any, max_queue: int | None = 16) -> UserSocket:
    """A user socket authorized with the client's token (not yet synced)."""
    socket = UserSocket(sim.user_ws_url, max_queue)
    assert socket.authorize(client.session.token.get_secret_value())["s"] == 200
    return socket
