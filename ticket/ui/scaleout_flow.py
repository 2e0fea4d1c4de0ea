"""Sending a scale-out from the window: the card's parts built once, then one placeOSO per part
on the order runner (`submit_scaleout`, one at a time), each part's outcome brought to the GUI
thread as it is known, given its own row, journal line and tracking, and the outcome label
saying which parts are working and which are not (and why)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ticket.broker.errors import describe_error
from ticket.broker.orders import Outcome, Status
from ticket.domain.build import AccountRef, new_cl_ord_id
from ticket.domain.draft import Evaluation, ScaleOutEvaluation
from ticket.domain.guards import OrderKey
from ticket.domain.orders import PlaceOsoRequest
from ticket.domain.scaleout import build_parts, guard_key
from ticket.scaleout import PartOutcome, ScaleOutOutcome, submit_scaleout
from ticket.services import Environment
from ticket.ui import theme
from ticket.ui.confirm import ConfirmDialog
from ticket.ui.widgets import plain
from ticket.ui.window_parts import WindowParts

AFTER_SEND_MS = 15  # bookkeeping waits until the first part is on the wire


class _PartRelay(QObject):
    """Carries each part's outcome from the order runner's thread to the GUI thread."""

    heard = Signal(object)  # PartOutcome


@dataclass
class _Parts:
    """A scale-out on its way: its bodies, each part's ticket for the table and the tracking,
    and whether the bookkeeping after the send has run."""

    requests: tuple[PlaceOsoRequest, ...]
    evaluations: tuple[Evaluation, ...]
    key: OrderKey  # the whole ticket's, for the duplicate guard
    contract_id: int
    relay: _PartRelay
    heard: list[PartOutcome]
    p_ticket: str | None = None  # the first part resent with its penalty's ticket
    booked: bool = False


class ScaleOutFlow(WindowParts):
    _parts: _Parts | None = None  # the scale-out in flight
    # a scale-out whose first part was penalised, nothing placed: its bodies and the ticket
    _penalised_parts: tuple[tuple[PlaceOsoRequest, ...], str | None] | None = None
    # a scale-out left partly placed: its guard key and, in words, the parts that work
    _partly_placed: tuple[OrderKey, str] | None = None

    def partly_placed_question(self, key: OrderKey) -> str | None:
        """Asked before the same ticket goes again after some of its parts were placed, however
        long ago: sending it whole would double the parts that work."""
        if self._partly_placed is None or self._partly_placed[0] != key:
            return None
        return (
            f"Part of this same ticket is working: {self._partly_placed[1]}. Sending it again "
            "sends every part again, those included. Send it again?"
        )

    if TYPE_CHECKING:  # OrderFlow's

        def _on_confirm_closed(self) -> None: ...

    def _open_scaleout_card(self, scaleout: ScaleOutEvaluation, environment: Environment) -> None:
        assert scaleout.judged is not None and scaleout.form is not None and self.account
        requests = build_parts(
            scaleout.judged,
            AccountRef(id=self.account.id, name=self.account.name),
            limits=self.vm.limits,
            now=datetime.now(UTC),
            cl_ord_id=new_cl_ord_id(),
            is_automated=False,
        )
        count = len(requests)
        evaluations = tuple(
            Evaluation(
                form=part.form,
                assessment=part.assessment,
                problems=(),
                summary=f"{scaleout.summary} (part {part.number} of {count})",
            )
            for part in scaleout.judged.parts
        )
        evaluation = self.vm.evaluation
        self.confirm = ConfirmDialog(
            evaluation, environment, self.account.name, self, lines=scaleout.lines()[2:]
        )
        self.confirm.send.setText(f"Send {count} orders")
        self._card_for = self._card_key()
        self._card_sent = False
        key = guard_key(scaleout.form, self.account.id)
        self.confirm.confirmed.connect(lambda: self._send_parts(requests, evaluations, key))
        self.confirm.finished.connect(self._on_confirm_closed)
        self._update_place()
        self.confirm.open()
        self.session.keep_warm()

    def _send_parts(
        self,
        requests: Sequence[PlaceOsoRequest],
        evaluations: Sequence[Evaluation],
        key: OrderKey,
    ) -> None:
        connection = self.session.connection
        if connection is None:
            return
        p_ticket = None
        remembered, self._penalised_parts = self._penalised_parts, None
        if remembered is not None:
            self._penalty = None
            old, ticket = remembered
            if _same_orders(old, requests):
                requests, p_ticket = old, ticket  # the same ticket: its bodies, and the p-ticket
        self.in_flight = True
        self._card_sent = True
        relay = _PartRelay(self)
        parts = _Parts(
            requests=tuple(requests),
            evaluations=tuple(evaluations),
            key=key,
            contract_id=self.contract.contract.id if self.contract else 0,
            relay=relay,
            heard=[],
            p_ticket=p_ticket,
        )
        self._parts = parts
        relay.heard.connect(self._on_part_heard)
        targets = [_target_text(e) for e in evaluations]  # each part named by its target
        client, delays = connection.client, self.session.reconcile_delays
        self.session.orders.run(
            lambda: submit_scaleout(
                client,
                requests,
                targets,
                p_ticket=p_ticket,
                reconcile_delays=delays,
                on_part=relay.heard.emit,
            ),
            lambda result: self._on_parts_done(parts, result),
            lambda exc: self._on_parts_failed(parts, exc),
        )
        QTimer.singleShot(AFTER_SEND_MS, lambda: self._book_parts(parts))

    def _book_parts(self, parts: _Parts) -> None:
        """The guard, the journal and a table row per part, once the first part is on its way."""
        if parts.booked:
            return
        parts.booked = True
        self._guard_key = parts.key
        self.guard.record(parts.key, time.monotonic())
        environment = (self.session.environment or Environment.CUSTOM).value
        for number, (request, evaluation) in enumerate(
            zip(parts.requests, parts.evaluations, strict=True), 1
        ):
            self.journal.order_sent(
                request,
                summary=evaluation.summary,
                environment=environment,
                source="window",
                p_ticket_resend=number == 1 and parts.p_ticket is not None,
            )
            self.orders.add(request, evaluation)
        self.reset_overrides()
        if self.in_flight:
            self.outcome.setText(f"Sending {len(parts.requests)} parts…")
        self._update_place()

    def _on_part_heard(self, part: PartOutcome) -> None:
        parts = self._parts
        if parts is None or not 1 <= part.number <= len(parts.requests):
            return
        self._book_parts(parts)
        parts.heard.append(part)
        request = parts.requests[part.number - 1]
        evaluation = parts.evaluations[part.number - 1]
        outcome = part.outcome
        if part.sent:
            self.journal.order_outcome(outcome, source="window")
        self.orders.show_outcome(outcome)
        self.safety.track(request, outcome, evaluation, parts.contract_id)
        if outcome.status is Status.UNKNOWN:
            self.safety.watch_unknown(request, evaluation, parts.contract_id)
        if self.in_flight and part.number < len(parts.requests):
            self.outcome.setText(f"Part {part.number} {_part_words(part)}; sending the next…")

    def _on_parts_done(self, parts: _Parts, result: ScaleOutOutcome) -> None:
        # every part's own outcome came by the relay, queued before this answer
        self._book_parts(parts)
        self._finish_parts(parts, result)

    def _on_parts_failed(self, parts: _Parts, exc: BaseException) -> None:
        """Something other than a broker outcome ended the sending: the part on its way may be
        placed, and the parts after it never left."""
        self._book_parts(parts)
        heard = {p.number for p in parts.heard}
        found = list(parts.heard)
        for number, request in enumerate(parts.requests, 1):
            if number in heard:
                continue
            on_its_way = number == len(heard) + 1
            outcome = Outcome(
                status=Status.UNKNOWN if on_its_way else Status.NOT_PLACED,
                cl_ord_id=request.cl_ord_id,
                message=f"{describe_error(exc)} It may have been placed: check your orders "
                "before placing again."
                if on_its_way
                else "Not sent: the part before it ended without an answer.",
            )
            part = PartOutcome(
                number=number,
                qty=request.order_qty,
                target=_target_text(parts.evaluations[number - 1]),
                outcome=outcome,
                sent=on_its_way,
            )
            self._on_part_heard(part)
            found.append(part)
        self._finish_parts(parts, ScaleOutOutcome(parts=tuple(found)))

    def _finish_parts(self, parts: _Parts, result: ScaleOutOutcome) -> None:
        self.in_flight = False
        self._parts = None
        if result.nothing_placed:
            self.guard.forget(self._guard_key)  # sending the ticket again is no duplicate
        self.outcome.setText(scaleout_words(result))
        # parts that work, or may: an unknown part counts, as it may have been placed
        working = [p for p in result.parts if p.outcome.status in (Status.PLACED, Status.UNKNOWN)]
        self._partly_placed = (
            (
                parts.key,
                ", ".join(
                    f"part {p.number} ×{p.qty} (order {p.outcome.order_id})"
                    if p.outcome.status is Status.PLACED
                    else f"part {p.number} ×{p.qty} (outcome unknown)"
                    for p in working
                ),
            )
            if working and (len(working) < len(result.parts) or result.unknown)
            else None
        )
        penalised = next(
            (p for p in result.parts if p.outcome.status is Status.PENALISED and p.sent), None
        )
        if penalised is not None:
            request = parts.requests[penalised.number - 1]
            ready = time.monotonic() + (penalised.outcome.penalty_seconds or 0)
            self._penalty = (request, penalised.outcome.p_ticket, ready)
            self._penalty_timer.start()
            if penalised.number == 1 and result.nothing_placed:
                self._penalised_parts = (parts.requests, penalised.outcome.p_ticket)
        self._update_place()


def _same_orders(a: Sequence[PlaceOsoRequest], b: Sequence[PlaceOsoRequest]) -> bool:
    """The same parts, whatever their clOrdIds."""

    def bare(request: PlaceOsoRequest) -> PlaceOsoRequest:
        return request.model_copy(update={"cl_ord_id": None})

    return len(a) == len(b) and all(bare(x) == bare(y) for x, y in zip(a, b, strict=True))


def _target_text(evaluation: Evaluation) -> str:
    target = evaluation.assessment.target if evaluation.assessment else None
    if target is None or evaluation.form is None:
        return "?"
    return evaluation.form.instrument.format_price(target.price)


def _part_words(part: PartOutcome) -> str:
    """'working, order 123', 'not placed: rejected. <why>', 'not sent: <why>'."""
    outcome = part.outcome
    if outcome.status is Status.PLACED:
        return f"×{part.qty} at {part.target} working, order {outcome.order_id}"
    if not part.sent:
        return f"×{part.qty} at {part.target} not sent: {outcome.message}"
    word = outcome.status.value.replace("_", " ")
    if outcome.status is Status.UNKNOWN:
        return f"×{part.qty} at {part.target} UNKNOWN: {outcome.message}"
    return f"×{part.qty} at {part.target} not placed: {word}. {outcome.message}"


def scaleout_words(result: ScaleOutOutcome) -> str:
    """The outcome label after a scale-out: which parts are working, and which are not and why,
    e.g. '2 of 3 parts placed: part 1 ×1 at 5992.25 working, order 7; …; part 3 ×1 at 5996.25
    not placed: rejected. …'."""
    count = len(result.parts)
    placed = len(result.placed)
    if result.unknown:
        head, colour = f"UNKNOWN: {placed} of {count} parts known to be placed", "error"
    elif placed == count:
        # all working: one line, each part's target and entry order
        listed = " · ".join(
            f"×{p.qty} at {p.target} (order {p.outcome.order_id})" for p in result.parts
        )
        return f"<b style='color:{theme.text.buy}'>PLACED: all {count} parts</b>: {plain(listed)}"
    elif placed:
        head, colour = f"{placed} of {count} parts placed", "warning"
    else:
        status = result.parts[0].outcome.status
        head = f"{status.value.replace('_', ' ').upper()}: no part placed"
        colour = "error" if status is Status.REJECTED else "warning"
    parts = "; ".join(f"part {p.number} {plain(_part_words(p))}" for p in result.parts)
    return f"<b style='color:{getattr(theme.text, colour)}'>{head}</b>: {parts}"
