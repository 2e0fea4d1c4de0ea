"""The window's link to the broker: connection, sign-in, accounts, contracts, and the order runner.

All broker calls go through `TaskRunner`s; results come back as signals on the GUI thread.
Orders have their own single-thread runner, so two orders can never be in flight at once.
The session is renewed on the schedule the client keeps: a timer asks whether it is due, which
costs no request, and renews off the GUI thread when it is. The account is followed by push
(`AccountFeed`, a user socket); REST is asked only for what the trader does, plus one warm-up
request every 30 s at most, which is also how a lost REST connection is noticed and its return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ticket.broker.budget import Refusal
from ticket.broker.contracts import ResolvedContract, resolve_contract
from ticket.broker.errors import (
    BadAnswer,
    ConnectionLost,
    NotSent,
    RateLimited,
    ServerError,
    describe_error,
)
from ticket.broker.models import Account, Contract
from ticket.broker.orders import Outcome, Status, submit_oso
from ticket.broker.session import EventKind, SessionEvent
from ticket.broker.userstream import user_ws_url
from ticket.credentials import Credentials
from ticket.domain.orders import PlaceOsoRequest
from ticket.services import (
    Connection,
    Environment,
    market_data_url,
    open_connection,
    start_session,
)
from ticket.ui.account_feed import AccountFeed
from ticket.ui.quotes import QuoteFeed
from ticket.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class SessionController(QObject):
    connecting = Signal(str)  # what is happening, in words
    connected = Signal(object, list)  # Environment, list[Account]
    failed = Signal(str)  # a connection-level failure, in words
    balance = Signal(object, object)  # Account, CashBalance
    contract_resolved = Signal(str, object)  # text typed, ResolvedContract
    contract_failed = Signal(str, str)  # text typed, message
    suggestions = Signal(str, list)  # text typed, list[Contract]
    order_done = Signal(object)  # Outcome
    # The session, for the window to show:
    token_changed = Signal(object)  # datetime: the token's end on the local clock, after a
    #   sign-in, a renewal, or taking up the session the command line shares
    session_note = Signal(str)  # a renewal did not extend the token: what happens instead
    sign_in_wait = Signal(float)  # seconds left of a sign-in penalty, each second; 0: resending
    sign_in_stopped = Signal(str)  # a captcha stopped sign-ins: what the trader must do
    rest_health = Signal(bool, str)  # whether REST answers, and why not, when that changes
    refusal = Signal(str)  # Tradovate refuses requests (429/423), in words; "" when it ended
    _refusal_seen = Signal(int, object)  # generation, Refusal | None (from a worker thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection: Connection | None = None
        self.accounts: list[Account] = []
        self.tasks = TaskRunner(threads=2, parent=self)
        self.opener: Callable[[str | None], Connection] = open_connection
        self.feed = QuoteFeed(self)
        self.account_feed = AccountFeed(self)
        self.rest_ok = True
        self.refused = ""  # the refusal in words while Tradovate refuses requests
        self._refusal_seen.connect(self._on_refusal_seen)
        self._generation = 0
        self._lookups = 0
        self.resolving: str | None = None  # the text being looked up, while it is
        self.stale_answers = 0  # look-up answers dropped because a newer question was asked
        self.orders = TaskRunner(threads=1, parent=self)
        self.reconcile_delays: tuple[float, ...] = (0.0, 0.5, 1.5)  # look-ups after a lost answer
        self.renewal_timer = QTimer(self, interval=5_000)
        self.renewal_timer.timeout.connect(self._check_renewal)
        self.renewing = False
        self.renewal_checks = 0  # timer ticks handled, renewal or not

    @property
    def environment(self) -> Environment | None:
        return self.connection.environment if self.connection else None

    @property
    def token_expires(self) -> datetime | None:
        """The token's end on the local clock (the server's expiry, less the clocks' offset)."""
        return self.connection.client.auth.expires_local() if self.connection else None

    def _run(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None],
        fail: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.tasks.run(fn, done, fail or (lambda exc: self.failed.emit(describe_error(exc))))

    def connect_with_url(self, url: str | None, credentials: Credentials) -> None:
        """Open a connection (None: start the embedded simulator) and sign in, off the GUI
        thread. Replaces the current connection; the old one is closed on the worker."""
        old, self.connection = self.connection, None
        self.renewal_timer.stop()
        self.feed.stop()
        self.account_feed.stop()
        self.accounts = []
        self.resolving = None
        self._generation += 1
        generation = self._generation
        where = "the simulator" if url is None else url
        self.connecting.emit(f"Connecting to {where}…")

        def work() -> tuple[Connection, list[Account]]:
            if old is not None:
                old.close()
            connection = self.opener(url)
            connection.client.auth.on_event = lambda event: self._relay(event, generation)
            connection.client.on_refusal = lambda seen: self._refusal_seen.emit(generation, seen)
            try:
                start_session(connection, credentials.username, lambda: credentials)
                return connection, connection.client.accounts()
            except BaseException:
                connection.close()
                raise

        def done(result: tuple[Connection, list[Account]]) -> None:
            connection, accounts = result
            if generation != self._generation:
                connection.close()  # a newer connection was asked for meanwhile
                return
            self.connection = connection
            self.accounts = accounts
            self.orders.prestart()  # the first order then finds its thread waiting
            self._set_rest(True, "")
            self._show_refusal("")
            self.feed.start(market_data_url(connection), self._md_token)
            self.renewal_timer.start()
            self.connected.emit(connection.environment, accounts)

        self._run(work, done)

    def _relay(self, event: SessionEvent, generation: int) -> None:
        """On the thread that made the call: signals reach the window on the GUI thread."""
        if generation != self._generation:
            return  # a connection being replaced
        if event.kind is EventKind.WAITING:
            self.sign_in_wait.emit(event.seconds)
        elif event.kind is EventKind.CAPTCHA:
            self.sign_in_stopped.emit(event.message)
        else:
            if event.kind is EventKind.NOT_EXTENDED:
                self.session_note.emit(event.message)
            self.token_changed.emit(event.expires_local)

    def _check_renewal(self) -> None:
        connection = self.connection
        if connection is None or self.renewing or not connection.client.auth.renewal_due():
            self.renewal_checks += 1
            return
        self.renewing = True

        def finish(_: object = None) -> None:
            self.renewing = False
            self.renewal_checks += 1

        def fail(exc: BaseException) -> None:
            finish()
            if connection is self.connection:
                self.failed.emit(f"The session could not be renewed: {describe_error(exc)}")

        self._run(connection.client.auth.ensure_fresh, finish, fail)

    def _md_token(self) -> str | None:
        """Read on the socket thread at each connect, so a renewed token is used."""
        connection = self.connection
        session = connection.client.session if connection else None
        return session.market_data_token() if session else None

    def load_balance(self, account: Account) -> None:
        connection = self.connection
        if connection is None:
            return

        def fail(exc: BaseException) -> None:  # a missing balance is no connection failure
            log.warning("cash balance of %s not read: %s", account.name, describe_error(exc))

        self._run(
            lambda: connection.client.cash_balance(account.id),
            lambda cash: self.balance.emit(account, cash),
            fail,
        )

    def resolve(self, text: str) -> None:
        """Look a contract up. Only the answer to the latest look-up on the current connection
        counts: an earlier one that arrives late (another symbol typed since, or another
        environment) is dropped."""
        connection = self.connection
        if connection is None:
            return
        self._lookups += 1
        asked = (self._lookups, self._generation)
        self.resolving = text

        def current() -> bool:
            if asked != (self._lookups, self._generation):
                self.stale_answers += 1
                log.info("dropped a late contract look-up answer for %s", text)
                return False
            self.resolving = None
            return True

        def done(resolved: ResolvedContract) -> None:
            if current():
                self.contract_resolved.emit(text, resolved)

        def fail(exc: BaseException) -> None:
            if current():
                self.contract_failed.emit(text, describe_error(exc))

        self._run(
            lambda: resolve_contract(connection.client, text, datetime.now(UTC).date()), done, fail
        )

    def suggest(self, text: str) -> None:
        connection = self.connection
        if connection is None or not text.strip():
            return

        def done(contracts: list[Contract]) -> None:
            self.suggestions.emit(text, contracts)

        self._run(
            lambda: connection.client.suggest_contracts(text.strip().upper(), 8),
            done,
            lambda exc: None,
        )

    def follow_account(self, account: Account | None) -> None:
        """Follow this account by push from now on (None: none)."""
        connection = self.connection
        if connection is None or account is None:
            self.account_feed.stop()
            return
        session = connection.client.session
        user_id = (session.user_id if session else None) or account.user_id or 0

        def token() -> str | None:  # read on the socket thread at each connect
            current = connection.client.session
            return current.token.get_secret_value() if current else None

        self.account_feed.follow(user_ws_url(connection.base_url), token, user_id, [account.id])

    def keep_warm(self) -> None:
        """One cheap request: keeps the pooled connection alive for the next order, and tells
        whether REST answers."""
        connection = self.connection
        if connection is None or connection.client.session is None:
            return

        def done(_: object) -> None:
            if connection is self.connection:
                self._set_rest(True, "")

        def fail(exc: BaseException) -> None:
            transport = (NotSent, ConnectionLost, BadAnswer, ServerError)
            if connection is self.connection and isinstance(exc, transport):
                self._set_rest(False, describe_error(exc))

        self._run(connection.client.me, done, fail)

    def _set_rest(self, ok: bool, why: str) -> None:
        if ok != self.rest_ok:
            self.rest_ok = ok
            self.rest_health.emit(ok, why)

    def _on_refusal_seen(self, generation: int, refusal: Refusal | None) -> None:
        if generation == self._generation:
            self._show_refusal(refusal_words(refusal) if refusal is not None else "")

    def _show_refusal(self, text: str) -> None:
        if text != self.refused:
            self.refused = text
            self.refusal.emit(text)

    def place(self, request: PlaceOsoRequest, p_ticket: str | None = None) -> None:
        connection = self.connection
        assert connection is not None

        def fail(exc: BaseException) -> None:
            # submit_oso reports every broker outcome itself; anything else happened after the
            # request may have left, so it is unknown, never "failed".
            log.error("placeOSO %s ended in %r", request.cl_ord_id, exc)
            self.order_done.emit(
                Outcome(
                    status=Status.UNKNOWN,
                    cl_ord_id=request.cl_ord_id,
                    message=f"{describe_error(exc)} The order may have been placed: check your "
                    "orders before placing again.",
                )
            )

        def done(outcome: Outcome) -> None:
            self.order_done.emit(outcome)
            if outcome.status is Status.NOT_PLACED:
                # one query after a refusal: a session the server ended is replaced now (and
                # its new token proven), not at the next order, and REST health is current
                self.keep_warm()

        self.orders.run(
            lambda: submit_oso(
                connection.client,
                request,
                p_ticket=p_ticket,
                reconcile_delays=self.reconcile_delays,
            ),
            done,
            fail,
        )

    def close(self) -> None:
        self._generation += 1  # a connect still on its way is closed when it arrives
        self.renewal_timer.stop()
        self.feed.stop()
        self.account_feed.stop()
        self.tasks.close(5000)
        self.orders.close(15000)
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def refusal_words(refusal: Refusal) -> str:
    """As the broker words it: "Tradovate is refusing requests (429): it may last up to an
    hour." """
    return refusal.message or describe_error(RateLimited(refusal.status, ""))
