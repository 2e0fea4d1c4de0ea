"""The compact controls beside the position strip: the working stop and target with a one-tick
button each way, stop to break-even, the re-anchor offer after a slipped fill, and the button
that opens the trade's other changes. They only ask; `TradeFlow` judges and sends."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget


def _button(text: str, name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button


class ExitControls(QWidget):
    """On the GUI thread. Hidden while there is nothing to manage."""

    stop_nudged = Signal(int)  # ticks, up when positive
    target_nudged = Signal(int)
    breakeven = Signal()
    reanchor = Signal()
    manage = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.stop_label = QLabel("Stop –")
        self.stop_label.setAccessibleName("Working stop")
        self.stop_down = _button("▼", "Stop down one tick", "Stop one tick down (Alt+Down)")
        self.stop_up = _button("▲", "Stop up one tick", "Stop one tick up (Alt+Up)")
        self.target_label = QLabel("Target –")
        self.target_label.setAccessibleName("Working target")
        self.target_down = _button(
            "▼", "Target down one tick", "Target one tick down (Shift+Alt+Down)"
        )
        self.target_up = _button("▲", "Target up one tick", "Target one tick up (Shift+Alt+Up)")
        self.even = _button("B/E", "Stop to break-even", "Stop to break-even (Alt+E)")
        self.anchor = _button(
            "Re-anchor",
            "Re-anchor exits",
            "Move the stop and target to the planned distances from the fill price",
        )
        self.anchor.setVisible(False)
        self.more = _button(
            "Manage…",
            "Manage trade",
            "Typed or quoted exit prices, the waiting entry, partial profit, auto break-even "
            "and trailing",
        )
        for widget in (self.stop_label, self.stop_down, self.stop_up):
            layout.addWidget(widget)
        layout.addSpacing(6)
        for widget in (self.target_label, self.target_down, self.target_up):
            layout.addWidget(widget)
        layout.addSpacing(6)
        for widget in (self.even, self.anchor, self.more):
            layout.addWidget(widget)
        self.stop_down.clicked.connect(lambda: self.stop_nudged.emit(-1))
        self.stop_up.clicked.connect(lambda: self.stop_nudged.emit(1))
        self.target_down.clicked.connect(lambda: self.target_nudged.emit(-1))
        self.target_up.clicked.connect(lambda: self.target_nudged.emit(1))
        self.even.clicked.connect(self.breakeven.emit)
        self.anchor.clicked.connect(self.reanchor.emit)
        self.more.clicked.connect(self.manage.emit)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # showing it never makes the row taller
        self.setSizePolicy(policy)

    def show_exits(
        self, stop: str | None, target: str | None, stop_busy: bool, target_busy: bool
    ) -> None:
        """The exits as they work now ("5998.25", or None when there is none); a change on
        its way shows as an ellipsis and the exit's buttons say so."""
        for label, name, price, busy, buttons in (
            (self.stop_label, "Stop", stop, stop_busy, (self.stop_down, self.stop_up)),
            (
                self.target_label,
                "Target",
                target,
                target_busy,
                (self.target_down, self.target_up),
            ),
        ):
            label.setText(f"{name} {price or '–'}{' …' if busy else ''}")
            label.setToolTip(f"A change of the {name.lower()} is on its way" if busy else "")
            for button in buttons:
                button.setEnabled(price is not None)
        self.even.setEnabled(stop is not None)
        self.even.setText("B/E…" if stop_busy else "B/E")
