"""The window's keyboard: one table of shortcuts, installed on the window and shown to the trader
by the Keys button, so the list a trader reads is the list that works."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ticket.domain.orders import Action
from ticket.ui.preset_flow import PRESET_KEYS
from ticket.ui.trade_flow import TRADE_KEYS

if TYPE_CHECKING:
    from ticket.ui.window import TicketWindow

# (keys, what they do); keys a widget handles itself are listed with an empty action below
KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+K", "go to Contract (type a symbol, Enter looks it up)"),
    ("Enter", "Place (opens the confirmation card); in Contract, look the contract up"),
    ("Enter / Esc on the card", "send / do not send"),
    ("Ctrl+B / Ctrl+S", "Buy / Sell"),
    ("Ctrl+Up / Ctrl+Down", "one contract more / less"),
    ("Alt+B / Alt+A / Alt+L", "put the bid / ask / last price in the price field"),
    ("Up / Down in a price", "one tick up / down (mouse wheel too)"),
    *TRADE_KEYS,
    *PRESET_KEYS,
)


def install(window: TicketWindow) -> None:
    vm = window.vm
    actions: dict[str, Callable[[], None]] = {
        "Ctrl+K": window.focus_contract,
        "Return": window.on_enter,
        "Enter": window.on_enter,
        "Ctrl+B": lambda: vm.update(action=Action.BUY),
        "Ctrl+S": lambda: vm.update(action=Action.SELL),
        "Ctrl+Up": lambda: vm.update(qty=vm.draft.qty + 1),
        "Ctrl+Down": lambda: vm.update(qty=max(vm.draft.qty - 1, 0)),
        "Alt+B": lambda: window.use_quote("bid"),
        "Alt+A": lambda: window.use_quote("ask"),
        "Alt+L": lambda: window.use_quote("last"),
    }
    for key, action in actions.items():
        QShortcut(QKeySequence(key), window, action)


class KeysDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys")
        self.setAccessibleName("Keys")
        rows = "".join(
            f"<tr><td style='padding-right:16px'><b>{keys}</b></td><td>{what}</td></tr>"
            for keys, what in KEYS
        )
        text = QLabel(f"<table>{rows}</table>")
        text.setAccessibleName("Shortcut list")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
