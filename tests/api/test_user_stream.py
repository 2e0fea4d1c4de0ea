"""The user stream against a scripted user socket on 127.0.0.1: authorize, one sync, the
props events of each frame, events that arrive before the sync reply, shutdown and close frames,
a refused token, heartbeats, and frames no server should send."""

import json
import queue
import threading

import pytest

from ticket.broker.replica import AccountReplica
from ticket.broker.userstream import (
    SYNC_ENTITY_TYPES,
    StreamState,
    UserStream,
    sync_request_body,
    user_ws_url,
)

from ..unit.frames import (
    ACCOUNT,
    ES,
    USER,
    bracket,
    event,
    fill,
    order,
    position,
    props,
    sync_reply,
)
from .userws import GOOD_TOKEN, UserSocketServer


class Recorder:
    def __init__(self):
        self.replicas: list[AccountReplica] = []
        self.batches: list[list[dict]] = []
        self.states: list[tuple[StreamState, str]] = []
        self.threads: set[str] = set()
        self.changed = threading.Condition()

    def _note(self, what, item):
        with self.changed:
            self.threads.add(threading.current_thread().name)
            what.append(item)
            self.changed.notify_all()

    def on_sync(self, replica):
        self._note(self.replicas, replica)

    def on_events(self, events):
        self.replicas[-1].apply_all(events)
        self._note(self.batches, events)

    def on_state(self, state, detail):
        self._note(self.states, (state, detail))

    def wait(self, predicate, timeout=5.0):
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), (self.states, self.batches)

    def wait_state(self, state, count=1):
        self.wait(lambda: sum(s is state for s, _ in self.states) >= count)


@pytest.fixture
def server():
    made = UserSocketServer()
    yield made
    made.close()


@pytest.fixture
def stream(server):
    made = []

    def make(token=lambda: GOOD_TOKEN, start=True, **options):
        seen = Recorder()
        options.setdefault("backoff", (0.05,))
        user = UserStream(
            server.url,
            token,
            USER,
            [ACCOUNT],
            seen.on_sync,
            seen.on_events,
            seen.on_state,
            **options,
        )
        made.append(user)
        if start:
            user.start()
        return user, seen

    yield make
    for user in made:
        user.stop()


def test_the_user_socket_goes_with_the_rest_url():
    none: dict[str, str] = {}
    assert (
        user_ws_url("https://demo.tradovateapi.com/v1", none)
        == "wss://demo.tradovateapi.com/v1/websocket"
    )
    assert (
        user_ws_url("https://live.tradovateapi.com/v1/", none)
        == "wss://live.tradovateapi.com/v1/websocket"
    )
    assert user_ws_url("http://127.0.0.1:8123/v1", none) == "ws://127.0.0.1:8123/v1/websocket"
    assert user_ws_url("https://proxy.example/api", none) == "wss://proxy.example/api/websocket"
    chosen = {"TICKET_USER_WS_URL": "ws://127.0.0.1:9/x"}
    assert user_ws_url("https://demo.tradovateapi.com/v1", chosen) == "ws://127.0.0.1:9/x"


def test_the_sync_request_names_the_user_the_accounts_and_the_entity_types():
    body = sync_request_body(USER, [ACCOUNT])
    assert body == {"users": [USER], "accounts": [ACCOUNT], "entityTypes": list(SYNC_ENTITY_TYPES)}
    assert "accounts" not in sync_request_body(USER, [])
    for needed in ("order", "orderVersion", "fill", "position", "cashBalance", "command"):
        assert needed in SYNC_ENTITY_TYPES


def test_authorize_then_one_sync_then_each_frames_events_in_order(server, stream):
    server.reply = sync_reply(bracket(10))
    user, seen = stream()
    seen.wait_state(StreamState.LIVE)
    assert [s for s, _ in seen.states][:3] == [
        StreamState.CONNECTING,
        StreamState.SYNCING,
        StreamState.LIVE,
    ]
    assert user.state is StreamState.LIVE
    connection = server.all[0]
    (authorize, sync) = connection.requests
    assert authorize == ("authorize", 0, "", GOOD_TOKEN)
    assert sync[0] == "user/syncrequest" and json.loads(sync[3]) == sync_request_body(
        USER, [ACCOUNT]
    )
    (replica,) = seen.replicas
    assert replica.brackets(10) is not None and len(replica) == 3
    connection.send(
        "a"
        + json.dumps(
            [
                event(props("fill", fill(1000, 10, qty=2))),
                {"e": "md", "d": {"quotes": []}},
                event(props("order", order(10, status="Filled"), "Updated")),
            ]
        )
    )
    seen.wait(lambda: seen.batches)
    (batch,) = seen.batches
    assert [e["entityType"] for e in batch] == ["fill", "order"]
    assert replica.order(10).filled == 2 and replica.order(10).status.value == "Filled"
    assert seen.threads == {"user-stream"}  # every callback on the socket thread


def test_events_before_the_sync_reply_are_in_the_replica_and_not_passed_on(server, stream):
    server.hold_sync = True
    server.reply = sync_reply(bracket(10))
    user, seen = stream()
    connection = server.next()
    assert connection.synced.wait(5)
    assert user.state is StreamState.SYNCING
    connection.send("a" + json.dumps([event(props("fill", fill(1000, 10, qty=1)))]))
    connection.answer_sync(
        server.reply,
        event(props("fill", fill(1001, 10, qty=1))),
        after=(event(props("position", position(5, 2))),),
    )
    seen.wait(lambda: seen.batches)
    (replica,) = seen.replicas
    assert [f.id for f in replica.fills_of(10)] == [1000, 1001]
    assert replica.order(10).filled == 2
    (batch,) = seen.batches  # only what came after the reply
    assert [e["entityType"] for e in batch] == ["position"]
    assert replica.positions() == {ES: 2}


def test_a_shutdown_event_reconnects_and_syncs_a_new_replica(server, stream):
    server.reply = sync_reply(bracket(10))
    user, seen = stream()
    seen.wait_state(StreamState.LIVE)
    first = server.next()
    first.send('a[{"e":"shutdown","d":{"reasonCode":"Maintenance","reason":"back soon"}}]')
    seen.wait_state(StreamState.LIVE, count=2)
    reasons = [d for s, d in seen.states if s is StreamState.RECONNECTING and d]
    assert any("maintenance" in d and "back soon" in d for d in reasons), reasons
    assert len(seen.replicas) == 2 and seen.replicas[0] is not seen.replicas[1]
    assert user.syncs == 2


def test_a_fill_during_a_reconnect_is_in_the_new_replica(server, stream):
    server.reply = sync_reply(bracket(10))
    _user, seen = stream()
    seen.wait_state(StreamState.LIVE)
    first = server.next()
    server.reply = sync_reply(bracket(10, filled=True), positions=[position(5, 2)])
    first.send('c[3000,"Go away!"]')
    seen.wait_state(StreamState.LIVE, count=2)
    assert any("Go away!" in d for s, d in seen.states if s is StreamState.RECONNECTING)
    old, new = seen.replicas
    assert old.order(10).filled == 0
    assert new.order(10).filled == 2 and new.positions() == {ES: 2}
    assert new.exposures() == []  # the legs work now


def test_a_refused_token_closes_with_words_then_retries_with_the_current_token(server, stream):
    tokens = iter(["expired-token", "expired-token"])
    _user, seen = stream(token=lambda: next(tokens, GOOD_TOKEN))
    seen.wait_state(StreamState.LIVE)
    closed = [d for s, d in seen.states if s is StreamState.CLOSED]
    assert closed and "refused" in closed[0] and "401" in closed[0]
    assert "Access is denied" in closed[0]
    used = [c.requests[0][3] for c in server.all]
    assert used == ["expired-token", "expired-token", GOOD_TOKEN]


def test_heartbeats_are_sent_while_the_server_is_quiet(server, stream):
    user, seen = stream(heartbeat=0.1)
    seen.wait_state(StreamState.LIVE)
    connection = server.all[0]
    for _ in range(3):
        assert connection.received.get(timeout=5)
    beats = 0
    while beats < 3:
        beats += connection.received.get(timeout=5) == "[]"
    assert user.socket.heartbeats_sent >= 3


def test_frames_no_server_should_send_cause_no_traceback(server, stream):
    server.reply = sync_reply(bracket(10))
    user, seen = stream()
    seen.wait_state(StreamState.LIVE)
    connection = server.next()
    for text in (
        "h",
        "x",
        "a{}",
        'a[1, "two", null, []]',
        'a[{"s":"200","i":"1"}, {"s":200,"i":999}, {"e":"props"}]',
        'a[{"e":"props","d":"text"}, {"e":"props","d":{"entityType":"order"}}]',
        "a" + json.dumps([event(props("order", {"id": "x"}))]),
        "o",
    ):
        connection.send(text)
    connection.send("a" + json.dumps([event(props("order", order(10, status="Canceled")))]))
    seen.wait(lambda: seen.replicas[0].order(10).status.value == "Canceled")
    assert user.state is StreamState.LIVE and user.syncs == 1
    connection.send("a[not json")
    seen.wait_state(StreamState.LIVE, count=2)
    assert any("unreadable" in d for s, d in seen.states if s is StreamState.RECONNECTING)
    second = server.next()
    second.send("a" + "[" * 100_000 + "]" * 100_000)
    seen.wait_state(StreamState.LIVE, count=3)


def test_a_refused_sync_reconnects_with_words(server, stream):
    server.hold_sync = True
    _user, seen = stream()
    connection = server.next()
    assert connection.synced.wait(5)
    connection.send("a" + json.dumps([{"s": 500, "i": connection.sync_id, "d": "busy"}]))
    seen.wait(lambda: any("sync was refused (busy)" in d for _, d in seen.states))
    server.hold_sync = False
    seen.wait_state(StreamState.LIVE)


def test_stop_joins_the_thread_and_ends_closed(server, stream):
    user, seen = stream()
    seen.wait_state(StreamState.LIVE)
    since = user.since
    user.stop()
    assert not user.socket.running
    assert user.state is StreamState.CLOSED and user.since >= since
    assert seen.states[-1] == (StreamState.CLOSED, "stopped")


class PauseLog(threading.Event):
    """A stop event that also tells the test each pause the socket thread takes on it."""

    def __init__(self):
        super().__init__()
        self.pauses = queue.Queue()

    def wait(self, timeout=None):
        self.pauses.put(timeout)
        return super().wait(timeout)


def test_a_sync_refused_for_too_many_requests_waits_a_minute_before_asking_again(server, stream):
    server.hold_sync = True
    user, seen = stream(start=False)
    user.socket._stop = paused = PauseLog()
    user.start()
    connection = server.next()
    assert connection.synced.wait(5)
    connection.send("a" + json.dumps([{"s": 429, "i": connection.sync_id, "d": "slow down"}]))
    seen.wait(lambda: any("refusing requests (429)" in d for _, d in seen.states))
    assert paused.pauses.get(timeout=5) >= 60
    assert len(server.all) == 1  # no second connection meanwhile


def test_the_backoff_grows_while_connections_fail_and_starts_again_after_a_sync(server, stream):
    server.token = "another-token"  # every authorize is refused
    user, seen = stream(start=False, backoff=(0.01, 0.02, 0.04))
    user.socket._stop = paused = PauseLog()
    user.start()
    delays = [paused.pauses.get(timeout=5) for _ in range(4)]
    assert delays == [0.01, 0.02, 0.04, 0.04]
    server.token = GOOD_TOKEN
    seen.wait_state(StreamState.LIVE)
    while True:
        try:
            paused.pauses.get_nowait()
        except queue.Empty:
            break
    server.all[-1].send('c[3000,"Go away!"]')
    assert paused.pauses.get(timeout=5) == 0.01
