"""The window's view of the account stream: its state in the session bar and, while it is not
live, what cannot be trusted; the cash balance as the stream tells it; Tradovate refusing
requests; whether REST answers (Place needs it, the stream does not)."""

from __future__ import annotations

import time

from ticket.broker.replica import Change
from ticket.broker.userstream import StreamState
from ticket.ui import theme
from ticket.ui.status_area import feed_words, wall_clock
from ticket.ui.window_parts import WindowParts


class AccountView(WindowParts):
    def _on_account_change(self, change: Change) -> None:
        """Only the cash here: orders and positions are the safety controller's."""
        if change.cash or change.reset:
            replica = self.session.account_feed.replica
            cash = replica.cash if replica is not None else None
            # the stream's entity has its amount; the REST snapshot its total cash value
            total = (cash.total_cash_value or cash.amount) if cash is not None else None
            self.cash.setText(f"cash {total:,.2f}" if total is not None else "")
            if total is not None:
                self.plan.balance = total

    def _on_account_stream_state(self, state: str, detail: str) -> None:
        feed = self.session.account_feed
        stream_state = StreamState(state)
        since = wall_clock(feed.since, time.monotonic())
        short, warning = feed_words(stream_state, since, detail)
        self.feed_state.setText(short)
        live = stream_state is StreamState.LIVE
        self.feed_state.setStyleSheet("" if live or not short else f"color: {theme.text.warning};")
        self.status_area.show_feed_warning(warning, detail)
        self.feed_state.setToolTip(detail)
        if live != self._feed_was_live and (live or self._feed_was_live):
            self.journal.write(
                "account stream live" if live else "account stream down", detail=detail
            )
        self._feed_was_live = live
        if live and not self.session.rest_ok:
            self.session.keep_warm()  # the server is back for the socket: ask REST too, once

    def _on_refusal(self, text: str) -> None:
        self.status_area.show_refusal(text)
        self.journal.write("requests refused" if text else "requests accepted again", detail=text)
        self._update_place()

    def on_connection_health(self, ok: bool, message: str) -> None:
        """REST answers again, or not: the journal and the bar say so; Place follows."""
        self.journal.write("connection restored" if ok else "connection lost", detail=message)
        if ok:
            self._on_connected_state()  # also shows a renewed token's new expiry
        else:
            self.state.setText(f"Connection lost: {message}")
            self.state.setStyleSheet(f"color: {theme.text.error}; font-weight: bold;")
        self._update_place()
