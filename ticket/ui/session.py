"""The window's link to the broker: connection, sign-in, accounts, contracts, and the order runner.

All broker calls go through `TaskRunner`s; results come back as signals on the GUI thread.
Orders have their own single-thread runner, so two orders can never be in flight at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from ticket.broker.contracts import ResolvedContract, resolve_contract
from ticket.broker.errors import describe_error
from ticket.broker.models import Account, Contract
from ticket.broker.orders import Outcome, Status, submit_oso
from ticket.credentials import Credentials
from ticket.domain.orders import PlaceOsoRequest
from ticket.services import Connection, Environment, market_data_url, open_connection
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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection: Connection | None = None
        self.accounts: list[Account] = []
        self.tasks = TaskRunner(threads=2, parent=self)
        self.opener: Callable[[str | None], Connection] = open_connection
        self.feed = QuoteFeed(self)
        self._generation = 0
        self._lookups = 0
        self.resolving: str | None = None  # the text being looked up, while it is
        self.stale_answers = 0  # look-up answers dropped because a newer question was asked
        self.orders = TaskRunner(threads=1, parent=self)
        self.reconcile_delays: tuple[float, ...] = (0.0, 0.5, 1.5)  # look-ups after a lost answer

    @property
    def environment(self) -> Environment | None:
        return self.connection.environment if self.connection else None

    @property
    def token_expires(self) -> datetime | None:
        session = self.connection.client.session if self.connection else None
        return session.expires_at if session else None

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
        self.feed.stop()
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
            try:
                connection.client.sign_in(credentials)
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
            self.feed.start(market_data_url(connection), self._md_token)
            self.connected.emit(connection.environment, accounts)

        self._run(work, done)

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

    def keep_warm(self) -> None:
        connection = self.connection
        if connection is not None and connection.client.session is not None:
            self._run(connection.client.me, lambda _: None, lambda exc: None)

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

        self.orders.run(
            lambda: submit_oso(
                connection.client,
                request,
                p_ticket=p_ticket,
                reconcile_delays=self.reconcile_delays,
            ),
            self.order_done.emit,
            fail,
        )

    def close(self) -> None:
        self.feed.stop()
        self.tasks.wait(5000)
        self.orders.wait(15000)
        if self.connection is not None:
            self.connection.close()
            self.connection = None
