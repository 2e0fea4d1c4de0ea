"""The account, followed by push: a `UserStream` for the signed-in user and one account, moved
onto the GUI thread.

The stream builds a new `AccountReplica` on its socket thread after each (re)connect and hands it
over whole; from then on only the GUI thread touches it. Events and state changes cross by
queued signal, tagged with the stream they came from, so a stream being replaced can deliver
nothing into its successor's replica. Each batch of events is applied here and `changed` says
what it touched, so the window redraws only that."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from ticket.broker.replica import AccountReplica, Change
from ticket.broker.userstream import StreamState, UserStream

StreamFactory = Callable[..., UserStream]


class AccountFeed(QObject):
    """Lives on the GUI thread. `replica` is the account as last synced plus every event since;
    None until the first sync of the account followed."""

    changed = Signal(object)  # Change: what the last sync (reset) or events touched
    state_changed = Signal(str, str)  # StreamState value, detail in words

    # from the socket thread, tagged with the stream's generation
    _synced = Signal(int, object)  # AccountReplica
    _events = Signal(int, object)  # list of props payloads
    _state = Signal(int, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.factory: StreamFactory = UserStream
        self.replica: AccountReplica | None = None
        self.stream: UserStream | None = None
        self.state = StreamState.CLOSED
        self.detail = ""
        self.since = time.monotonic()  # when the state last changed (monotonic clock)
        self.account_id: int | None = None
        self.events_applied = 0
        self.last_event_at: float | None = None  # perf_counter when the last batch landed
        self._generation = 0
        queued = Qt.ConnectionType.QueuedConnection
        self._synced.connect(self._on_synced, queued)
        self._events.connect(self._on_events, queued)
        self._state.connect(self._on_state, queued)

    @property
    def live(self) -> bool:
        return self.state is StreamState.LIVE and self.replica is not None

    def follow(
        self,
        url: str,
        token: Callable[[], str | None],
        user_id: int,
        account_ids: Sequence[int],
    ) -> None:
        """Follow these accounts from now on, on a new stream; the old one stops first."""
        self.stop()
        self.account_id = account_ids[0] if account_ids else None
        generation = self._generation

        def on_sync(replica: AccountReplica) -> None:
            self._synced.emit(generation, replica)

        def on_events(events: list[dict[str, Any]]) -> None:
            self._events.emit(generation, events)

        def on_state(state: StreamState, detail: str) -> None:
            self._state.emit(generation, state.value, detail)

        self.stream = self.factory(url, token, user_id, account_ids, on_sync, on_events, on_state)
        self.stream.start()

    def stop(self) -> None:
        """Stop the stream (waits for its thread) and forget the account."""
        self._generation += 1  # whatever the old stream still has queued is dropped
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.stop()
        self.account_id = None
        had = self.replica is not None
        self.replica = None
        self._set_state(StreamState.CLOSED, "")
        if had:
            self.changed.emit(Change(reset=True))

    # -- on the GUI thread, from the socket thread's signals --

    def _on_synced(self, generation: int, replica: AccountReplica) -> None:
        if generation != self._generation:
            return
        self.replica = replica  # the new sync replaces all: nothing of the gap is lost
        self.changed.emit(Change(reset=True))

    def _on_events(self, generation: int, events: list[dict[str, Any]]) -> None:
        if generation != self._generation or self.replica is None:
            return
        change = self.replica.apply_all(events)
        self.events_applied += len(events)
        self.last_event_at = time.perf_counter()
        if change:
            self.changed.emit(change)

    def _on_state(self, generation: int, state: str, detail: str) -> None:
        if generation == self._generation:
            self._set_state(StreamState(state), detail)

    def _set_state(self, state: StreamState, detail: str) -> None:
        if state is self.state and detail == self.detail:
            return
        if state is not self.state:
            self.since = time.monotonic()
        self.state, self.detail = state, detail
        self.state_changed.emit(state.value, detail)
