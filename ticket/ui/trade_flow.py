"""Managing the open trade from the window: the position strip and the controls beside it."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from ticket.ui.position_strip import PositionStrip
from ticket.ui.window_parts import WindowParts

# (keys, what they do), listed by the Keys dialog
TRADE_KEYS: tuple[tuple[str, str], ...] = ()


class TradeFlow(WindowParts):
    position_strip: PositionStrip

    def _build_trade_row(self) -> QWidget:
        """The row under the outcome: the position strip, fed here rather than by the window's
        quote handler because it values only the watched contract."""
        self.position_strip = PositionStrip(self.session.account_feed, lambda: self.contract)
        self.session.feed.quote.connect(self.position_strip.show_quote)
        self.theme.changed.connect(self.position_strip.refresh)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.position_strip, 1)
        return row
