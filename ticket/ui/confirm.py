"""The confirmation card: the whole plan, where it goes, Enter to send, Esc not to. A scale-out
shows every part and the blended figures on one card: one Enter sends them all."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ticket.domain.draft import Evaluation
from ticket.domain.summary import plan_lines
from ticket.services import Environment
from ticket.ui import theme
from ticket.ui.style import ENV_COLOURS, ENV_TITLES
from ticket.ui.widgets import plain


class ConfirmDialog(QDialog):
    confirmed = Signal()  # the trader said send

    def __init__(
        self,
        evaluation: Evaluation,
        environment: Environment,
        account: str,
        parent: QWidget | None = None,
        lines: list[str] | None = None,
    ) -> None:
        """`lines`: the card's text when it is not the single bracket's plan (a scale-out's
        parts), without the contract and order lines the headline already shows."""
        super().__init__(parent)
        assert evaluation.form is not None and evaluation.assessment is not None
        form = evaluation.form
        self.setWindowTitle(f"Confirm order · {environment.value}")
        self.setAccessibleName("Confirm order")
        colour = ENV_COLOURS[environment]
        side = theme.text.buy if form.entry.action.value == "Buy" else theme.text.sell
        banner = QLabel(f"{ENV_TITLES[environment]} · account {plain(account)}")
        banner.setStyleSheet(f"background:{colour}; color:white; font-weight:bold; padding:6px;")
        headline = QLabel(plain(evaluation.summary))
        headline.setStyleSheet(f"color:{side}; font-size:15px; font-weight:bold;")
        headline.setWordWrap(True)
        if lines is None:
            lines = plan_lines(form, evaluation.assessment)[2:]
        card = QLabel("<pre style='font-size:12px'>" + plain("\n".join(lines)) + "</pre>")
        card.setAccessibleName("Plan card")
        warnings = [p.message for p in evaluation.problems if p.severity == "warning"]
        buttons = QDialogButtonBox()
        self.send = buttons.addButton("Send order", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send.setAccessibleName("Send order")
        self.send.setDefault(True)
        self.send.setAutoDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self._sent = False
        buttons.accepted.connect(self._on_send)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(headline)
        layout.addWidget(card)
        if warnings:
            note = QLabel("⚠ " + "<br>⚠ ".join(plain(w) for w in warnings))
            note.setStyleSheet(f"color:{theme.text.warning};")
            note.setWordWrap(True)
            layout.addWidget(note)
        hint = QLabel("Enter sends · Esc cancels")
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def _on_send(self) -> None:
        if self._sent:
            return  # a second Enter or click cannot send twice
        self._sent = True
        self.confirmed.emit()
        # Repainting (the disabled button, then the window under the closing card) takes the
        # GIL the worker needs: let the order reach the wire first (about a millisecond).
        QTimer.singleShot(15, self._close_after_send)

    def _close_after_send(self) -> None:
        self.send.setEnabled(False)
        self.accept()
