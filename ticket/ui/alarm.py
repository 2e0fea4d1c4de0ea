"""The unprotected-position banner, and what the window remembers of each bracket it placed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action
from ticket.ui import theme


@dataclass
class Tracked:
    """A bracket this window placed: enough to name it, price its slippage and protect it."""

    cl_ord_id: str
    entry_id: int
    symbol: str
    contract_id: int
    action: Action
    instrument: Instrument
    planned_entry: Decimal | None
    planned_stop: Decimal | None
    market: bool


class AlarmBanner(QFrame):
    """Red, across the window, while a position is not covered by a working stop."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("alarm")
        self.setStyleSheet(
            f"QFrame#alarm {{ background: {theme.ALARM_FILL}; }}"
            "QFrame#alarm QLabel { color: white; font-weight: bold; }"
        )
        self.text = QLabel("")
        self.text.setAccessibleName("Alarm")
        self.text.setWordWrap(True)
        self.protect = QPushButton("Protect now")
        self.protect.setAccessibleName("Protect now")
        self.flatten = QPushButton("Flatten")
        self.flatten.setAccessibleName("Flatten position")
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.protect)
        layout.addWidget(self.flatten)
        self.setVisible(False)
