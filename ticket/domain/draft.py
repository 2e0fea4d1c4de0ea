"""The ticket as the window holds it: text as typed, read into a `TicketForm` on every edit.

Reading text is where a typo becomes a problem at its field ("5000.3x is not a price"), so the
window shows one list of problems whether they come from parsing or from the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from ticket.domain.brackets import Leg, convert_exit
from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.prices import PriceError, parse_number
from ticket.domain.rules import Assessment, FatFingerLimits, Problem, assess
from ticket.domain.scaleout import (
    ScaleOutAssessment,
    TargetRow,
    TargetSpec,
    assess_scaleout,
    scaleout_line,
    scaleout_lines,
)
from ticket.domain.summary import order_line
from ticket.domain.ticket import (
    BracketSpec,
    DistanceUnit,
    EntrySpec,
    TicketField,
    TicketForm,
)


@dataclass(frozen=True)
class Draft:
    symbol: str = ""
    action: Action = Action.BUY
    qty: int = 1
    order_type: OrderType = OrderType.LIMIT
    price: str = ""
    stop_price: str = ""
    time_in_force: TimeInForce = TimeInForce.DAY
    expire_time: datetime | None = None
    text: str = ""
    reference_price: str = ""
    sl_enabled: bool = True
    sl_type: OrderType = OrderType.STOP
    sl_unit: DistanceUnit = DistanceUnit.TICKS
    sl_distance: str = "8"
    sl_limit_offset: int = 4
    tp_enabled: bool = True
    tp_type: OrderType = OrderType.LIMIT
    tp_unit: DistanceUnit = DistanceUnit.R
    tp_distance: str = "2"
    commission: str = ""
    overrides: frozenset[str] = field(default_factory=frozenset)
    # Scale-out: two or three targets, each with its quantity, in place of the take-profit
    # above (which then shows the first). Empty: one target, the take-profit.
    targets: tuple[TargetRow, ...] = ()

    def with_(self, **changes: object) -> Draft:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class MarketView:
    """The live quote as far as the ticket cares: `fresh` is False once it is older than a few
    seconds, or when there is no feed at all."""

    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    fresh: bool = False

    def anchor(self, action: Action) -> tuple[str, Decimal] | None:
        """Where a market order would fill: the ask for a buy, the bid for a sell."""
        side, price = ("ask", self.ask) if action is Action.BUY else ("bid", self.bid)
        return (side, price) if price is not None else None


@dataclass(frozen=True)
class Evaluation:
    form: TicketForm | None
    assessment: Assessment | None
    problems: tuple[Problem, ...]
    summary: str
    reference_note: str = ""  # where a Market entry's exits are measured from, in words

    @property
    def can_place(self) -> bool:
        return (
            self.assessment is not None
            and self.assessment.can_place
            and not any(p.severity == "error" for p in self.problems)
        )

    def at(self, field: TicketField) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.field == field)


class _Reader:
    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.problems: list[Problem] = []

    def price(self, text: str, field: TicketField) -> Decimal | None:
        if not text.strip():
            return None
        try:
            return self.instrument.price_format.parse(text)
        except PriceError as exc:
            self.problems.append(Problem(field=field, message=str(exc)))
            return None

    def number(self, text: str, field: TicketField, label: str) -> Decimal | None:
        if not text.strip():
            return None
        try:
            return parse_number(text, f"a {label}")
        except PriceError as exc:
            self.problems.append(Problem(field=field, message=str(exc)))
            return None

    def distance(self, text: str, unit: DistanceUnit, field: TicketField) -> Decimal | None:
        if unit is DistanceUnit.PRICE:
            return self.price(text, field)
        label = {
            DistanceUnit.TICKS: "number of ticks",
            DistanceUnit.MONEY: "money amount",
            DistanceUnit.R: "multiple of R",
        }[unit]
        return self.number(text, field, label)


def read_draft(draft: Draft, instrument: Instrument) -> tuple[TicketForm, list[Problem]]:
    reader = _Reader(instrument)
    commission = reader.number(draft.commission, TicketField.COMMISSION, "commission")
    form = TicketForm(
        instrument=instrument,
        symbol=draft.symbol,
        entry=EntrySpec(
            action=draft.action,
            qty=draft.qty,
            order_type=draft.order_type,
            price=reader.price(draft.price, TicketField.PRICE),
            stop_price=reader.price(draft.stop_price, TicketField.STOP_PRICE),
            time_in_force=draft.time_in_force,
            expire_time=draft.expire_time,
            text=draft.text or None,
        ),
        stop_loss=BracketSpec(
            enabled=draft.sl_enabled,
            order_type=draft.sl_type,
            unit=draft.sl_unit,
            distance=reader.distance(draft.sl_distance, draft.sl_unit, TicketField.STOP_LOSS),
            limit_offset_ticks=draft.sl_limit_offset,
        ),
        take_profit=BracketSpec(
            enabled=draft.tp_enabled,
            order_type=draft.tp_type,
            unit=draft.tp_unit,
            distance=reader.distance(draft.tp_distance, draft.tp_unit, TicketField.TAKE_PROFIT),
        ),
        reference_price=reader.price(draft.reference_price, TicketField.REFERENCE_PRICE),
        reference_typed=bool(draft.reference_price.strip()),
        commission_per_contract=max(commission or Decimal(0), Decimal(0)),
        overrides=draft.overrides,
    )
    return form, reader.problems


_TARGET_FIELDS = (
    TicketField.TAKE_PROFIT,
    TicketField.TAKE_PROFIT_TYPE,
    TicketField.TAKE_PROFIT_TIF,
)

_LEG_FIELDS = {
    Leg.STOP_LOSS: ("sl_unit", "sl_distance", TicketField.STOP_LOSS),
    Leg.TAKE_PROFIT: ("tp_unit", "tp_distance", TicketField.TAKE_PROFIT),
}


def switch_unit(
    draft: Draft,
    evaluation: Evaluation,
    leg: Leg,
    unit: DistanceUnit,
    source: tuple[DistanceUnit, str] | None = None,
) -> Draft:
    """`draft` with `leg` in `unit` and its distance rewritten so the exit stays where it was
    (`convert_exit`; what cannot be carried over is cleared). `evaluation` is the draft's own.
    `source` is the (unit, text) to convert from instead of the leg's current one."""
    unit_name, distance_name, field = _LEG_FIELDS[leg]
    old_unit, text = source or (getattr(draft, unit_name), getattr(draft, distance_name))
    converted = ""
    form, assessment = evaluation.form, evaluation.assessment
    if form is not None and text.strip():
        value = _Reader(form.instrument).distance(text, old_unit, field)
        entry = assessment.entry if assessment else None
        converted = convert_exit(form, entry, leg, old_unit, value, unit)
    return draft.with_(**{unit_name: unit, distance_name: converted})


def _live_reference(
    draft: Draft, form: TicketForm, market: MarketView, problems: list[Problem]
) -> tuple[TicketForm, str]:
    """A Market (or trailing) entry with no typed market price takes the live anchor, but only
    from a fresh quote; a stale one must be confirmed by the trader."""
    needs_reference = draft.order_type is OrderType.MARKET or draft.order_type.is_trailing
    if not needs_reference:
        return form, ""
    fmt = form.instrument.format_price
    if form.reference_price is not None:
        return form, f"Exits measured from the market price you typed, {fmt(form.reference_price)}"
    anchor = market.anchor(draft.action)
    if anchor is None:
        return form, ""
    side, price = anchor
    if not market.fresh:
        problems.append(
            Problem(
                field=TicketField.REFERENCE_PRICE,
                message=f"The quote is stale ({side} {fmt(price)}): type the market price or click "
                "a quote price to confirm it.",
            )
        )
        return form, ""
    return (
        form.model_copy(update={"reference_price": price}),
        f"Exits measured from the live {side} {fmt(price)}",
    )


def evaluate(
    draft: Draft,
    instrument: Instrument | None,
    limits: FatFingerLimits,
    now: datetime,
    market: MarketView | None = None,
) -> Evaluation:
    if instrument is None or not draft.symbol:
        problem = Problem(field=TicketField.SYMBOL, message="Choose a contract, e.g. ES or ESZ6.")
        return Evaluation(form=None, assessment=None, problems=(problem,), summary="")
    form, parse_problems = read_draft(draft, instrument)
    market = market or MarketView()
    last, anchor = market.last, market.anchor(draft.action)
    if last is None and market.fresh and anchor is not None:
        last = anchor[1]
    if last is not None:  # before any trade, a live bid or ask stands in for the last price
        form = form.model_copy(update={"last_price": last})
    form, reference_note = _live_reference(draft, form, market, parse_problems)
    assessment = assess(form, limits, now)
    # A field that did not parse already has its message; the rule's "enter the price" would
    # only repeat it less precisely.
    parsed_fields = {p.field for p in parse_problems}
    rule_problems = [p for p in assessment.problems if p.field not in parsed_fields]
    problems = (*parse_problems, *rule_problems)
    return Evaluation(
        form=form,
        assessment=assessment,
        problems=problems,
        summary=order_line(form, assessment),
        reference_note=reference_note,
    )


@dataclass(frozen=True)
class ScaleOutEvaluation:
    """A scale-out draft judged: the ticket, its parts and every problem, a row's own in
    `rows` (what it typed that did not read, then what the rules say of its target)."""

    form: TicketForm | None
    judged: ScaleOutAssessment | None
    problems: tuple[Problem, ...]
    rows: tuple[tuple[Problem, ...], ...]
    summary: str
    reference_note: str = ""

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def can_place(self) -> bool:
        return self.judged is not None and self.judged.can_place and not self.errors

    def lines(self) -> list[str]:
        """The confirmation card: every part and the blended figures."""
        if self.form is None or self.judged is None:
            return []
        return scaleout_lines(self.form, self.judged)


def _read_row(
    reader: _Reader, row: TargetRow, number: int, last: bool, order_type: OrderType
) -> tuple[TargetSpec, list[Problem]]:
    before = len(reader.problems)
    distance = reader.distance(row.distance, row.unit, TicketField.TAKE_PROFIT)
    if distance is None and not row.distance.strip():
        reader.problems.append(
            Problem(field=TicketField.TAKE_PROFIT, message="Enter the take-profit distance.")
        )
    qty: int | None = None
    typed = row.qty.strip()
    if not typed and not last:
        reader.problems.append(
            Problem(field=TicketField.QTY, message="Enter the contracts this target takes.")
        )
    elif typed:
        count = reader.number(typed, TicketField.QTY, "number of contracts")
        if count is not None and count != count.to_integral_value():
            reader.problems.append(
                Problem(
                    field=TicketField.QTY,
                    message=f"'{typed}' is not a whole number of contracts.",
                )
            )
        elif count is not None:
            qty = int(count)
    own = [
        p.model_copy(update={"message": f"Target {number}: {p.message}"})
        for p in reader.problems[before:]
    ]
    del reader.problems[before:]
    return TargetSpec(unit=row.unit, distance=distance, qty=qty, order_type=order_type), own


def evaluate_scaleout(
    draft: Draft,
    instrument: Instrument | None,
    limits: FatFingerLimits,
    now: datetime,
    market: MarketView | None = None,
) -> ScaleOutEvaluation:
    """`evaluate` for a draft with target rows: the entry, stop and market as for one bracket,
    the targets from the rows (the last row's quantity may be left empty: it takes the rest)."""
    single = evaluate(draft, instrument, limits, now, market)
    form = single.form
    if form is None:
        return ScaleOutEvaluation(None, None, single.problems, (), "")
    # What did not read, outside the take-profit (which stands for the first row only).
    ruled = single.assessment.problems if single.assessment is not None else ()
    unread = [p for p in single.problems if p not in ruled and p.field not in _TARGET_FIELDS]
    reader = _Reader(form.instrument)
    specs: list[TargetSpec] = []
    rows: list[tuple[Problem, ...]] = []
    for number, row in enumerate(draft.targets, 1):
        last = number == len(draft.targets)
        spec, typed_wrong = _read_row(reader, row, number, last, draft.tp_type)
        specs.append(spec)
        rows.append(tuple(typed_wrong))
    judged = assess_scaleout(form, specs, limits, now)
    unread_fields = {p.field for p in unread}
    unread_rows = tuple(f"Target {n}:" for n, own in enumerate(rows, 1) if own)
    # A quantity that did not read is no quantity to add up.
    qty_unread = any(p.field is TicketField.QTY for row in rows for p in row)
    ruled_now = [
        p
        for p in judged.problems
        if p.field not in unread_fields
        and not p.message.startswith(unread_rows)
        and not (qty_unread and p == judged.split)
    ]
    for number, ruled_row in enumerate(judged.part_problems, 1):
        if not rows[number - 1]:
            rows[number - 1] = tuple(
                p.model_copy(update={"message": f"Target {number}: {p.message}"}) for p in ruled_row
            )
    typed = [p for n, own in enumerate(rows, 1) if f"Target {n}:" in unread_rows for p in own]
    return ScaleOutEvaluation(
        form=form,
        judged=judged,
        problems=(*unread, *typed, *ruled_now),
        rows=tuple(rows),
        summary=scaleout_line(form, judged),
        reference_note=single.reference_note,
    )
