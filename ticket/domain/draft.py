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
from ticket.domain.scaleout import TargetRow
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
