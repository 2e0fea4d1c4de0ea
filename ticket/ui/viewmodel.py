"""The ticket's view-model: the draft, its evaluation, and whether Place is allowed.

Widgets write edits into it with `set`; it re-evaluates (rules and plan, tens of microseconds)
and publishes `evaluated`. When it changes a field itself (sizing, the contract switch, an exit's
distance rewritten in the unit the trader switched to) it says so with `field_changed` and the
binder refreshes that widget. Lives on the GUI thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from ticket.domain.brackets import Leg
from ticket.domain.draft import Draft, Evaluation, MarketView, evaluate, switch_unit
from ticket.domain.instruments import Instrument
from ticket.domain.rules import FatFingerLimits, RiskSettings
from ticket.domain.ticket import DistanceUnit

LEG_FIELDS = {
    Leg.STOP_LOSS: ("sl_unit", "sl_distance"),
    Leg.TAKE_PROFIT: ("tp_unit", "tp_distance"),
}
UNIT_LEGS = {unit: leg for leg, (unit, _) in LEG_FIELDS.items()}


class TicketViewModel(QObject):
    evaluated = Signal(object)  # Evaluation
    field_changed = Signal(str)  # a Draft attribute the view-model changed itself
    instrument_changed = Signal(object)  # Instrument | None

    def __init__(self, risk: RiskSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.risk = risk or RiskSettings()
        self.draft = Draft()
        self.touched = False  # the trader has edited something
        self.instrument: Instrument | None = None
        self.market = MarketView()
        # An exit a unit switch had to clear (a price with no entry yet), kept until the distance
        # is edited: stepping through the units with the keyboard must not lose it on the way.
        self._held: dict[Leg, tuple[DistanceUnit, str]] = {}
        self.evaluation = evaluate(self.draft, None, self.limits, datetime.now(UTC))

    def set_risk(self, risk: RiskSettings) -> None:
        """New limits (the trader saved Settings): the ticket is checked against them at once."""
        self.risk = risk
        self.refresh()

    @property
    def limits(self) -> FatFingerLimits:
        return self.risk.for_root(self.instrument.root) if self.instrument else self.risk.default

    def set(self, name: str, value: object) -> None:
        """An edit from a widget. A new exit unit rewrites the distance so the exit stays put."""
        if getattr(self.draft, name) == value:
            return
        self.touched = True
        leg = UNIT_LEGS.get(name)
        if leg is not None and isinstance(value, DistanceUnit):
            self._switch_unit(leg, value)
            return
        self._forget_held(name)
        self.draft = self.draft.with_(**{name: value})
        self.refresh()

    def update(self, **changes: object) -> None:
        """A change made by the program: widgets showing these fields are refreshed. Units set
        here are taken as they come, with the distance given alongside."""
        for name in changes:
            self._forget_held(name)
        self.draft = self.draft.with_(**changes)
        for name in changes:
            self.field_changed.emit(name)
        self.refresh()

    def _switch_unit(self, leg: Leg, unit: DistanceUnit) -> None:
        unit_name, distance = LEG_FIELDS[leg]
        old_unit, old_text = getattr(self.draft, unit_name), getattr(self.draft, distance)
        held = self._held.pop(leg, None)
        source = held if held and not old_text.strip() else None
        self.draft = switch_unit(self.draft, self.evaluation, leg, unit, source)
        if not getattr(self.draft, distance):
            kept = source or ((old_unit, old_text) if old_text.strip() else None)
            if kept:
                self._held[leg] = kept
        self.field_changed.emit(distance)
        self.refresh()

    def _forget_held(self, name: str) -> None:
        for leg, (_, distance) in LEG_FIELDS.items():
            if name == distance:
                self._held.pop(leg, None)

    def set_contract(self, symbol: str, instrument: Instrument | None) -> None:
        self.instrument = instrument
        self._held.clear()
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
