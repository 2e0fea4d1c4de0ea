"""The ticket's view-model: the draft, its evaluation, and whether Place is allowed.

Widgets write edits into it with `set`; it re-evaluates (rules and plan, tens of microseconds)
and publishes `evaluated`. When it changes a field itself (sizing, the contract switch, an exit's
distance rewritten in the unit the trader switched to, a preset) it says so with `field_changed`
and the binder refreshes that widget. Lives on the GUI thread.

A ticket that scales out (`Draft.targets`, two or three rows) is judged as one: `scaleout` holds
its parts and blended figures, and `evaluation` the same judgement in the shape every widget
reads, each target's problem at the take-profit. The first row is the take-profit's own fields
(`tp_unit`, `tp_distance`) plus a quantity; a new row takes the take-profit's unit, and
switching that unit converts every row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from ticket.domain.brackets import Leg
from ticket.domain.draft import (
    Draft,
    Evaluation,
    MarketView,
    ScaleOutEvaluation,
    evaluate,
    evaluate_scaleout,
    switch_unit,
)
from ticket.domain.instruments import Instrument
from ticket.domain.presets import ActivePreset, Preset, apply_preset
from ticket.domain.rules import FatFingerLimits, RiskSettings
from ticket.domain.scaleout import MAX_TARGETS, TargetRow
from ticket.domain.ticket import DistanceUnit, TicketField

LEG_FIELDS = {
    Leg.STOP_LOSS: ("sl_unit", "sl_distance"),
    Leg.TAKE_PROFIT: ("tp_unit", "tp_distance"),
}
UNIT_LEGS = {unit: leg for leg, (unit, _) in LEG_FIELDS.items()}


class TicketViewModel(QObject):
    evaluated = Signal(object)  # Evaluation
    field_changed = Signal(str)  # a Draft attribute the view-model changed itself
    instrument_changed = Signal(object)  # Instrument | None
    preset_changed = Signal()  # another preset applied, or none any more

    def __init__(self, risk: RiskSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.risk = risk or RiskSettings()
        self.draft = Draft()
        self.touched = False  # the trader has edited something
        self.instrument: Instrument | None = None
        self.market = MarketView()
        self.scaleout: ScaleOutEvaluation | None = None  # set while the ticket scales out
        self.active: ActivePreset | None = None  # the preset last applied
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
        self.draft = _synced(self.draft.with_(**{name: value}))
        self.refresh()

    def update(self, **changes: object) -> None:
        """A change made by the program: widgets showing these fields are refreshed. Units set
        here are taken as they come, with the distance given alongside."""
        for name in changes:
            self._forget_held(name)
        self.draft = _synced(self.draft.with_(**changes))
        for name in changes:
            self.field_changed.emit(name)
        self.refresh()

    def _switch_unit(self, leg: Leg, unit: DistanceUnit) -> None:
        unit_name, distance = LEG_FIELDS[leg]
        old_unit, old_text = getattr(self.draft, unit_name), getattr(self.draft, distance)
        held = self._held.pop(leg, None)
        source = held if held and not old_text.strip() else None
        before = self.draft
        self.draft = switch_unit(before, self.evaluation, leg, unit, source)
        if leg is Leg.TAKE_PROFIT and before.targets:
            # every target keeps its price: each row is converted as the first one is
            rows = [self.draft.targets[0]]
            for row in before.targets[1:]:
                moved = switch_unit(before, self.evaluation, leg, unit, (row.unit, row.distance))
                rows.append(replace(row, unit=unit, distance=moved.tp_distance))
            self.draft = self.draft.with_(targets=tuple(rows))
        self.draft = _synced(self.draft)
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
        if self.active is not None and (
            instrument is None or instrument.root != self.active.product
        ):
            self.active = None  # another product's preset does not describe this ticket
            self.preset_changed.emit()
        self.update(symbol=symbol)
        self.instrument_changed.emit(instrument)

    # -- scale-out --

    def set_target(
        self, index: int, *, qty: str | None = None, distance: str | None = None
    ) -> None:
        """An edit of target row `index` (0: the take-profit's own row, whose distance is
        `tp_distance`)."""
        rows = list(self.draft.targets)
        if not 0 <= index < len(rows):
            return
        row = rows[index]
        rows[index] = replace(
            row,
            qty=row.qty if qty is None else qty,
            distance=row.distance if distance is None else distance,
        )
        if index == 0 and distance is not None:
            self.set("tp_distance", distance)
            return
        self.set("targets", tuple(rows))

    def add_target(self) -> None:
        """One more target, its distance as far again as the first and the contracts shared
        out evenly (the first targets take what does not divide), for the trader to edit."""
        draft = self.draft
        rows = list(draft.targets) or [
            TargetRow(unit=draft.tp_unit, distance=draft.tp_distance, qty=str(draft.qty))
        ]
        if len(rows) >= MAX_TARGETS:
            return
        rows.append(TargetRow(unit=draft.tp_unit, distance=_further(rows, draft.tp_unit), qty=""))
        shares = _shares(draft.qty, len(rows))
        if shares is not None:
            rows = [replace(r, qty=str(q)) for r, q in zip(rows, shares, strict=True)]
        self.touched = True
        self.update(targets=tuple(rows))

    def remove_target(self, index: int) -> None:
        """Target row `index` goes; its contracts go to the first target. One left: no scale-out."""
        rows = list(self.draft.targets)
        if not 0 <= index < len(rows):
            return
        gone = rows.pop(index)
        self.touched = True
        if len(rows) < 2:
            only = rows[0]
            self.update(targets=(), tp_unit=only.unit, tp_distance=only.distance)
            return
        rows[0] = replace(rows[0], qty=_added(rows[0].qty, gone.qty))
        changes: dict[str, object] = {"targets": tuple(rows)}
        if index == 0:
            changes.update(tp_unit=rows[0].unit, tp_distance=rows[0].distance)
        self.update(**changes)

    # -- presets --

    def apply_preset(self, preset: Preset, balance: Decimal | None = None) -> None:
        """Write `preset` into the ticket as any program change is written; what it leaves out
        stays. Remembered as the active preset, until another is applied."""
        if self.instrument is None:
            return
        applied = apply_preset(self.draft, preset, self.instrument, balance)
        self.active = applied.active
        changes = {
            name: getattr(applied.draft, name)
            for name in Draft.__dataclass_fields__
            if getattr(applied.draft, name) != getattr(self.draft, name)
        }
        self.preset_changed.emit()
        if changes:
            self.update(**changes)
        else:
            self.refresh()

    def preset_label(self) -> str:
        """'Scalp', or 'changed from Scalp' once a field the preset set was edited; '' when no
        preset was applied."""
        active = self.active
        if active is None:
            return ""
        return f"changed from {active.name}" if active.changes(self.draft) else active.name

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
        draft, now = self.draft, datetime.now(UTC)
        if draft.targets and draft.tp_enabled:
            self.scaleout = evaluate_scaleout(draft, self.instrument, self.limits, now, self.market)
            self.evaluation = _as_evaluation(self.scaleout)
        else:
            self.scaleout = None
            self.evaluation = evaluate(draft, self.instrument, self.limits, now, self.market)
        self.evaluated.emit(self.evaluation)
        return self.evaluation


def _synced(draft: Draft) -> Draft:
    """The first target row is the take-profit's distance, in its unit. The others keep theirs
    (a preset may give 8 ticks, 16 ticks, then 3R) until the trader switches the unit."""
    if not draft.targets:
        return draft
    first = replace(draft.targets[0], unit=draft.tp_unit, distance=draft.tp_distance)
    if first == draft.targets[0]:
        return draft
    return draft.with_(targets=(first, *draft.targets[1:]))


def _as_evaluation(scaleout: ScaleOutEvaluation) -> Evaluation:
    """A scale-out judged, as the widgets read a ticket: every target's problem, and the
    quantities that do not add up, at the take-profit where the targets are typed."""
    judged = scaleout.judged
    split = judged.split if judged is not None else None
    problems = tuple(
        p.model_copy(update={"field": TicketField.TAKE_PROFIT})
        if p == split or p.message.startswith("Target")
        else p
        for p in scaleout.problems
    )
    return Evaluation(
        form=scaleout.form,
        assessment=judged.whole if judged is not None else None,
        problems=problems,
        summary=scaleout.summary,
        reference_note=scaleout.reference_note,
    )


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def _further(rows: list[TargetRow], unit: DistanceUnit) -> str:
    """A new target as far beyond the last as the first is from the entry: 8, 16, 24 (left
    empty when the targets are not all in `unit`, or in prices)."""
    if unit is DistanceUnit.PRICE or any(r.unit is not unit for r in (rows[0], rows[-1])):
        return ""
    first, last = _number(rows[0].distance), _number(rows[-1].distance)
    if first is None or last is None or first <= 0:
        return ""
    return f"{(last + first).normalize():f}"


def _shares(qty: int, count: int) -> list[int] | None:
    if qty < count:
        return None  # too few contracts to share: the trader sees why at the targets
    share, left = divmod(qty, count)
    return [share + (1 if n < left else 0) for n in range(count)]


def _added(a: str, b: str) -> str:
    x, y = _number(a), _number(b)
    return f"{(x + y).normalize():f}" if x is not None and y is not None else a
