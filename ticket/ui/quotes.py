"""Live quotes in the window: the feed bridge (socket thread -> GUI thread) and the quote bar."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ticket.broker.marketdata import STALE_SECONDS, FeedState, MarketDataClient, Quote
from ticket.domain.draft import MarketView
from ticket.domain.instruments import Instrument
from ticket.ui import theme


class QuoteFeed(QObject):
    """Owns the market-data client. Its signals are emitted on the socket thread and delivered
    queued to receivers on the GUI thread."""

    quote = Signal(object)  # Quote
    state = Signal(str, str)  # FeedState value, detail

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client: MarketDataClient | None = None
        self._symbol: str | None = None

    def start(self, url: str, token: Callable[[], str | None]) -> None:
        self.stop()

        def on_quote(quote: Quote) -> None:
            with contextlib.suppress(RuntimeError):  # the window is gone: nobody to tell
                self.quote.emit(quote)

        def on_state(state: FeedState, detail: str) -> None:
            with contextlib.suppress(RuntimeError):
                self.state.emit(state.value, detail)

        self.client = MarketDataClient(url, token, on_quote, on_state)
        self.client.start()
        if self._symbol is not None:
            self._symbol = None

    def watch(self, symbol: str, contract_id: int) -> None:
        if self.client is None:
            return
        if self._symbol and self._symbol != symbol:
            self.client.unsubscribe(self._symbol)
        self._symbol = symbol
        self.client.subscribe(symbol, contract_id)

    def stop(self) -> None:
        if self.client is not None:
            self.client.stop()
            self.client = None


class QuoteBar(QWidget):
    """Bid, ask and last with sizes and the quote's age. Click a price to use it."""

    picked = Signal(object)  # Decimal

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quote: Quote | None = None
        self.instrument: Instrument | None = None
        self.feed_state = FeedState.CLOSED
        self.detail = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bid = self._price_button("Bid")
        self.ask = self._price_button("Ask")
        self.last = self._price_button("Last")
        self.age = QLabel("")
        self.age.setAccessibleName("Quote age")
        self.status = QLabel("")
        self.status.setAccessibleName("Market data")
        self.status.setWordWrap(True)
        for widget in (self.bid, self.ask, self.last):
            layout.addWidget(widget)
        layout.addWidget(self.age)
        layout.addWidget(self.status, 1)
        self.bid.clicked.connect(lambda: self._pick(self.quote.bid if self.quote else None))
        self.ask.clicked.connect(lambda: self._pick(self.quote.ask if self.quote else None))
        self.last.clicked.connect(lambda: self._pick(self.quote.last if self.quote else None))
        self.show_quote(None)
        self.restyle()

    def restyle(self) -> None:
        for button, colour in (
            (self.bid, theme.text.sell),
            (self.ask, theme.text.buy),
            (self.last, "palette(text)"),
        ):
            button.setStyleSheet(
                f"QPushButton {{ color: {colour}; font-weight: bold; "
                "padding: 2px 6px; text-align: left; }"
            )
        self.tick()

    def _price_button(self, name: str) -> QPushButton:
        button = QPushButton(f"{name} –")
        button.setAccessibleName(name)
        button.setFlat(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click or Alt+B/A/L, not a Tab stop
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(f"Use the {name.lower()} price")
        return button

    def _pick(self, price: Decimal | None) -> None:
        if price is not None:
            self.picked.emit(price)

    def set_instrument(self, instrument: Instrument | None) -> None:
        self.instrument = instrument
        self.show_quote(None)

    def show_quote(self, quote: Quote | None) -> None:
        self.quote = quote
        rows: list[tuple[QPushButton, str, Decimal | None, int | None]] = [
            (self.bid, "Bid", quote.bid if quote else None, quote.bid_size if quote else None),
            (self.ask, "Ask", quote.ask if quote else None, quote.ask_size if quote else None),
            (self.last, "Last", quote.last if quote else None, quote.last_size if quote else None),
        ]
        for button, name, price, size in rows:
            if price is None:
                shown = "–"
            elif self.instrument is not None:
                shown = self.instrument.format_price(price)
            else:
                shown = str(price)
            button.setText(f"{name} {shown}" + (f" ×{size}" if size else ""))
            button.setEnabled(price is not None)
        self.tick()

    def set_state(self, state: FeedState, detail: str) -> None:
        self.feed_state = state
        self.detail = detail
        self.tick()

    def fresh(self) -> bool:
        return (
            self.quote is not None
            and self.feed_state is FeedState.LIVE
            and self.quote.age() <= STALE_SECONDS
        )

    def market_view(self) -> MarketView:
        q = self.quote
        if q is None:
            return MarketView()
        return MarketView(bid=q.bid, ask=q.ask, last=q.last, fresh=self.fresh())

    def tick(self, now: float | None = None) -> None:
        """Refresh the age and the feed's state, in words and colour."""
        now = time.monotonic() if now is None else now
        age = self.quote.age(now) if self.quote else None
        self.age.setText(f"{age:.1f} s" if age is not None else "")
        if self.feed_state is FeedState.NOT_ENTITLED:
            text = "No market data for this login: type the market price yourself."
            colour = theme.text.warning
        elif self.quote is not None and not self.fresh():
            text = f"STALE quote ({age:.0f} s old)" if age is not None else "STALE"
            colour = theme.text.warning
        elif self.feed_state in (FeedState.RECONNECTING, FeedState.CONNECTING, FeedState.CLOSED):
            text = f"Market data {self.feed_state.value}" + (
                f": {self.detail}" if self.detail else ""
            )
            colour = theme.text.warning
        else:
            text, colour = "live", theme.text.muted
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};")
