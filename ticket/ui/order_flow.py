"""From Place to the outcome: the duplicate and account-switch questions, the confirmation
card, the send, the bookkeeping after the request is on the wire, and the answer.

A ticket that scales out takes the same path as one bracket: one duplicate check for the whole
ticket, one card, one Enter; its parts are then sent as `scaleout_flow` says."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QMessageBox,
)

from ticket.broker.orders import Outcome, Status
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.draft import Evaluation
from ticket.domain.guards import OrderKey
from ticket.domain.orders import PlaceOsoRequest
from ticket.domain.scaleout import guard_key
from ticket.services import Environment
from ticket.ui import theme
from ticket.ui.confirm import ConfirmDialog
from ticket.ui.scaleout_flow import ScaleOutFlow
from ticket.ui.widgets import plain

OUTCOME_COLOURS = {
    Status.PLACED: "buy",
    Status.REJECTED: "error",
    Status.PENALISED: "warning",
    Status.NOT_PLACED: "warning",
    Status.UNKNOWN: "error",
}
AFTER_SEND_MS = 15  # bookkeeping waits until the request is on the wire (loopback: ~1 ms)


class OrderFlow(ScaleOutFlow):
    def place(self) -> None:
        """Check the guards, then open the confirmation card for the ticket as it stands."""
        if not self.place_allowed():
            return
        evaluation = self.vm.evaluation
        assert evaluation.form is not None and self.account is not None
        # a scale-out's parts are one order to the guard: the whole ticket is the key
        key = guard_key(evaluation.form, self.account.id)
        partly = self.partly_placed_question(key)
        if partly is not None:
            self._ask(partly, self._place_after_duplicate_check)
            return
        since = self.guard.seconds_since_same(key, time.monotonic())
        if since is not None:
            self._ask(
                f"You sent this same order {since:.1f} s ago. Send it again?",
                self._place_after_duplicate_check,
            )
            return
        self._place_after_duplicate_check()

    def _place_after_duplicate_check(self) -> None:
        switched = self._switched_at
        if switched is not None and switched >= 0 and time.monotonic() - switched < 10:
            environment = self.session.environment or Environment.CUSTOM
            name = self.account.name if self.account else "?"
            self._switched_at = -1.0  # ask once
            self._ask(
                f"You changed the account or environment {time.monotonic() - switched:.0f}"
                f" s ago. This order goes to account {name} on {environment.value}. "
                "Continue?",
                self._open_confirmation,
            )
            return
        self._open_confirmation()

    def _ask(self, text: str, then: Callable[[], None]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Check before sending",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.question = box

        def finished(result: int) -> None:
            self.question = None
            self._update_place()
            if result == QMessageBox.StandardButton.Yes:
                then()

        box.finished.connect(finished)
        self._update_place()
        box.open()

    def _open_confirmation(self) -> None:
        if self.account is None or not self.vm.evaluation.can_place:
            return
        evaluation = self.vm.evaluation
        assert evaluation.form is not None and self.account is not None
        environment = self.session.environment or Environment.CUSTOM
        scaleout = self.vm.scaleout
        if scaleout is not None:
            self._open_scaleout_card(scaleout, environment)
            return
        request = build_place_oso(
            evaluation.form,
            AccountRef(id=self.account.id, name=self.account.name),
            limits=self.vm.limits,
            now=datetime.now(UTC),
            cl_ord_id=new_cl_ord_id(),
            is_automated=False,
            assessment=evaluation.assessment,
        )
        self.confirm = ConfirmDialog(evaluation, environment, self.account.name, self)
        self._card_for = self._card_key()
        self._card_sent = False
        self.confirm.confirmed.connect(lambda: self._send(request, evaluation))
        self.confirm.finished.connect(self._on_confirm_closed)
        self._update_place()
        self.confirm.open()
        # While the trader reads the card, a cheap call makes sure the pooled connection is
        # alive, so the order itself never pays a new TCP/TLS handshake.
        self.session.keep_warm()

    def _on_confirm_closed(self) -> None:
        self.confirm = None
        self._card_for = None
        self._update_place()

    def _send(self, request: PlaceOsoRequest, evaluation: Evaluation) -> None:
        p_ticket = None
        if self._penalty is not None:
            penalised, ticket, _ = self._penalty
            if penalised.model_copy(update={"cl_ord_id": None}) == request.model_copy(
                update={"cl_ord_id": None}
            ):
                request, p_ticket = penalised, ticket  # the same order: resend with its ticket
            self._penalty = None
        self.in_flight = True
        contract_id = self.contract.contract.id if self.contract else 0
        self._pending = (request, evaluation, contract_id)
        self._bookkeeping = (request, evaluation, p_ticket)
        # The order leaves first; the journal, the table and the labels follow a moment later
        # (they would otherwise hold the GIL the worker needs to put the request on the wire).
        self._card_sent = True
        self.session.place(request, p_ticket)
        QTimer.singleShot(AFTER_SEND_MS, self._after_send)

    def _after_send(self) -> None:
        if self._bookkeeping is None:
            return
        request, evaluation, p_ticket = self._bookkeeping
        self._bookkeeping = None
        entry_price = request.price if request.order_type.needs_price else request.stop_price
        self._guard_key = OrderKey(
            account_id=request.account_id or 0,
            symbol=request.symbol,
            action=request.action,
            qty=request.order_qty,
            price=entry_price,
        )
        self.guard.record(self._guard_key, time.monotonic())
        self.journal.order_sent(
            request,
            summary=evaluation.summary,
            environment=(self.session.environment or Environment.CUSTOM).value,
            source="window",
            p_ticket_resend=p_ticket is not None,
        )
        self.orders.add(request, evaluation)
        self.reset_overrides()  # an override is given for one order, never the next
        if self.in_flight:
            self.outcome.setText("Sending…")
        self._update_place()

    def _on_order_done(self, outcome: Outcome) -> None:
        self._after_send()  # in case the answer came back before the bookkeeping ran
        self.in_flight = False
        request, evaluation, contract_id = self._pending
        self.journal.order_outcome(outcome, source="window")
        if outcome.status in (Status.REJECTED, Status.PENALISED, Status.NOT_PLACED):
            self.guard.forget(self._guard_key)
        colour = getattr(theme.text, OUTCOME_COLOURS[outcome.status])
        text = f"<b style='color:{colour}'>{outcome.status.value.replace('_', ' ').upper()}</b> "
        if outcome.status is Status.PLACED:
            legs = " · ".join(
                f"{name} {i}"
                for name, i in (("leg 1", outcome.oso1_id), ("leg 2", outcome.oso2_id))
                if i
            )
            text += f"order {outcome.order_id} · {legs}"
            if outcome.reconciled:
                text += f"<br>{plain(outcome.message)}"
        else:
            text += plain(outcome.message)
        if outcome.latency_ms is not None:
            text += f" <span style='color:{theme.text.muted}'>({outcome.latency_ms:.0f} ms)</span>"
        self.outcome.setText(text)
        self.orders.show_outcome(outcome)
        # after the outcome's word: the bracket's state, when the stream already told it, wins
        self.safety.track(request, outcome, evaluation, contract_id)
        if outcome.status is Status.UNKNOWN:
            self.safety.watch_unknown(request, evaluation, contract_id)
        if outcome.status is Status.PENALISED:
            ready = time.monotonic() + (outcome.penalty_seconds or 0)
            self._penalty = (request, outcome.p_ticket, ready)
            self._penalty_timer.start()
        self._update_place()
