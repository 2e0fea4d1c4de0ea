"""Small widgets the panels are made of: a field that steps by one tick, the note under a field,
and the Buy/Sell toggle."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ticket.domain.orders import Action
from ticket.domain.rules import Problem, Severity
from ticket.ui import theme

Stepper = Callable[[str, int], str | None]


def plain(text: str) -> str:
    """Text for a rich-text label: <, > and & escaped; quotes left as they are, since Qt shows a
    hex entity such as &#x27; literally (110'16.5 must not read 110&#x27;16.5)."""
    return html.escape(text, quote=False)


class StepEdit(QLineEdit):
    """A text field that Up/Down and the mouse wheel step by one unit (a tick, for prices).

    `stepper(text, +1|-1)` returns the new text, or None when it cannot step (no contract yet).
    """

    def __init__(self, stepper: Stepper | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def step(self, direction: int) -> None:
        if self.stepper is None:
            return
        new = self.stepper(self.text(), direction)
        if new is not None:
            self.setText(new)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up:
            self.step(+1)
        elif event.key() == Qt.Key.Key_Down:
            self.step(-1)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus() and event.angleDelta().y():
            self.step(+1 if event.angleDelta().y() > 0 else -1)
            event.accept()
        else:
            super().wheelEvent(event)


class FieldNote(QLabel):
    """The message under a field: red for an error, amber for a warning, hidden when clear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self.setObjectName("fieldNote")
        # True while nobody has typed anything: what is missing is a hint, not a red error
        self.quiet: Callable[[], bool] = lambda: False

    def show_problems(self, problems: tuple[Problem, ...]) -> None:
        if not problems:
            self.clear()
            self.setVisible(False)
            return
        worst = (
            Severity.ERROR
            if any(p.severity is Severity.ERROR for p in problems)
            else (Severity.WARNING)
        )
        colour = theme.text.error if worst is Severity.ERROR else theme.text.warning
        if worst is Severity.ERROR and self.quiet():
            colour = theme.text.muted
        self.setStyleSheet(f"color: {colour};")
        self.setText("\n".join(p.message for p in problems))
        self.setProperty("severity", worst.value)
        self.setVisible(True)


class SideToggle(QWidget):
    """Buy | Sell, one of them always on, each in its colour."""

    changed = Signal(object)  # Action

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Side")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.buy = QPushButton("BUY")
        self.sell = QPushButton("SELL")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        for button, colour, name in (
            (self.buy, theme.BUY_FILL, "Buy"),
            (self.sell, theme.SELL_FILL, "Sell"),
        ):
            button.setCheckable(True)
            button.setAccessibleName(name)
            button.setMinimumWidth(84)
            button.setMinimumHeight(30)
            button.setStyleSheet(
                "QPushButton { font-weight: bold; border: 1px solid #888; padding: 4px 14px; }"
                f"QPushButton:checked {{ background: {colour}; color: white;"
                f" border-color: {colour}; }}"
            )
            self.group.addButton(button)
            layout.addWidget(button)
        self.buy.setChecked(True)
        self.buy.toggled.connect(self._on_toggled)

    def _on_toggled(self) -> None:
        self.changed.emit(self.action())

    def set_action(self, action: Action) -> None:
        (self.buy if action is Action.BUY else self.sell).setChecked(True)

    def action(self) -> Action:
        return Action.BUY if self.buy.isChecked() else Action.SELL
