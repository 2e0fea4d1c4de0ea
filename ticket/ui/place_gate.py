"""Whether Place may be pressed, and what it says: the evaluation, the overrides given for one
order, the confirmation card that closes when what it shows changed, the penalty wait."""

from __future__ import annotations

import time

from PySide6.QtCore import QSignalBlocker

from ticket.domain.draft import Evaluation
from ticket.domain.orders import Action
from ticket.domain.ticket import TicketField
from ticket.ui import theme
from ticket.ui.window_parts import WindowParts


class PlaceGate(WindowParts):
    def _on_evaluated(self, evaluation: Evaluation) -> None:
        draft = self.vm.draft
        shape = (draft.symbol, draft.action, draft.qty)
        if shape != self._shape:
            # an override was given for one order: a new contract, side or size is another
            self._shape = shape
            if draft.overrides:
                self.reset_overrides()
                return  # the update above evaluates again
        self._close_card_if_changed()
        self.brackets_note.show_problems(evaluation.at(TicketField.BRACKETS))
        codes = {p.code for p in evaluation.problems if p.code}
        for code, box in self.override_boxes.items():
            box.setVisible(code in codes or box.isChecked())
        self._update_place()

    def reset_overrides(self) -> None:
        for box in self.override_boxes.values():
            with QSignalBlocker(box):
                box.setChecked(False)
        if self.vm.draft.overrides:
            self.vm.update(overrides=frozenset())

    def _card_key(self) -> tuple[object, ...]:
        """What the confirmation card was built from: if any of it changes while the card is
        open, the card no longer shows what would be sent."""
        return (
            self.session.environment,
            self.account.id if self.account else None,
            self.contract.contract.name if self.contract else None,
            self.vm.draft,
        )

    def _close_card_if_changed(self) -> None:
        if self.confirm is None or self._card_for is None or self._card_sent:
            return
        before, now = self._card_for, self._card_key()
        if before == now:
            return
        what = [
            name
            for name, a, b in zip(
                ("environment", "account", "contract", "ticket"), before, now, strict=True
            )
            if a != b
        ]
        self.confirm.reject()
        self.outcome.setText(
            f"<span style='color:{theme.text.warning}'>The {' and '.join(what)} changed while the "
            "confirmation was open: nothing was sent. Check the ticket and place again.</span>"
        )

    def _on_override_toggled(self) -> None:
        chosen = frozenset(c for c, box in self.override_boxes.items() if box.isChecked())
        self.vm.set("overrides", chosen)

    def place_allowed(self) -> bool:
        return (
            self.account is not None
            and self.session.rest_ok
            and self.question is None
            and self.contract is not None
            and self.session.resolving is None
            and self._symbol_matches_contract()
            and self.vm.evaluation.can_place
            and not self.in_flight
            and self._penalty_left() <= 0
            and self.confirm is None
        )

    def _update_place(self) -> None:
        evaluation = self.vm.evaluation
        allowed = self.place_allowed()
        self.place_button.setEnabled(allowed)
        side = theme.BUY_FILL if self.vm.draft.action is Action.BUY else theme.SELL_FILL
        style = f"QPushButton#place:enabled {{ background: {side}; }}"
        if self.place_button.styleSheet() != style:  # re-styling is costly: only on a change
            self.place_button.setStyleSheet(style)
        if self.in_flight:
            text = "Sending…"
        elif self.session.resolving is not None:
            text = f"Looking up {self.session.resolving}…"
        elif self._typed_symbol() and self.contract and not self._symbol_matches_contract():
            text = "Press Enter in Contract to look it up"
        elif self._penalty_left() > 0:
            text = f"Wait {self._penalty_left():.0f} s (Tradovate penalty)"
        elif evaluation.summary:
            text = evaluation.summary
        else:
            text = "Place"
        if self.place_button.text() != text:
            self.place_button.setText(text)

    def _penalty_left(self) -> float:
        return self._penalty[2] - time.monotonic() if self._penalty else 0.0

    def _on_penalty_tick(self) -> None:
        if self._penalty_left() <= 0:
            self._penalty_timer.stop()
        self._update_place()
