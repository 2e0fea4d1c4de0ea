"""The ticket's view-model: the draft, its evaluation, and whether Place is allowed.

Widgets write edits into it with `set`; it re-evaluates (rules and plan, tens of microseconds)
and publishes `evaluated`. When it changes a field itself (sizing, the contract switch) it says
so with `field_changed` and the binder refreshes that widget. Lives on the GUI thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from ticket.domain.draft import Draft, Evaluation, MarketView, evaluate
from ticket.domain.instruments import Instrument
from ticket.domain.rules import FatFingerLimits, RiskSettings


class TicketViewModel(QObject):
    evaluated = Signal(object)  # Evaluation
    field_changed = Signal(str)  # a Draft attribute the view-model changed itself
    instrument_changed = Signal(object)  # Instrument | None

    def __init__(self, risk: RiskSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.risk = risk or RiskSettings()
        self.draft = Draft()
        self.instrument: Instrument | None = None
        self.market = MarketView()
        self.evaluation = evaluate(self.draft, None, self.limits, datetime.now(UTC))

    @property
    def limits(self) -> FatFingerLimits:
        return self.risk.for_root(self.instrument.root) if self.instrument else self.risk.default

    def set(self, name: str, value: object) -> None:
        """An edit from a widget."""
        if getattr(self.draft, name) == value:
            return
        self.draft = self.draft.with_(**{name: value})
        self.refresh()

    def update(self, **changes: object) -> None:
        """A change made by the program: widgets showing these fields are refreshed."""
        self.draft = self.draft.with_(**changes)
        for name in changes:
            self.field_changed.emit(name)
        self.refresh()

    def set_contract(self, symbol: str, instrument: Instrument | None) -> None:
        self.instrument = instrument
        self.update(symbol=symbol)
        self.instrument_changed.emit(instrument)

    @property
    def last_price(self) -> Decimal | None:
        return self.market.last

    def set_market(self, market: MarketView) -> None:
        """A new quote (or its going stale). Re-evaluates only when it can change the ticket."""
        if market == self.market:
            return
        self.market = market
        self.refresh()

    def refresh(self) -> Evaluation:
        self.evaluation = evaluate(
            self.draft, self.instrument, self.limits, datetime.now(UTC), self.market
        )
        self.evaluated.emit(self.evaluation)
        return self.evaluation
