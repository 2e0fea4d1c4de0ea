"""Every check a trader can fail, with the field it belongs to and words a trader understands.

`assess` is the one entry point: it resolves the exits, computes the plan and lists the problems
in a single pass, so the window can call it on every keystroke.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticket.domain.brackets import (
    BracketError,
    ResolvedExit,
    entry_reference,
    resolve_stop,
    resolve_target,
)
from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.plan import TradePlan, make_plan
from ticket.domain.prices import is_on_grid
from ticket.domain.ticket import (
    ENTRY_TYPES,
    STOP_LOSS_TYPES,
    TAKE_PROFIT_TYPES,
    TicketField,
    TicketForm,
)


class Severity(StrEnum):
    ERROR = "error"  # blocks Place
    WARNING = "warning"  # shown, allows Place


class Problem(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    field: TicketField
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""  # set on fat-finger problems, which the trader may override


class FatFingerLimits(BaseModel):
    """Limits on one trade. Passing one takes an explicit override, never silence."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    max_contracts: int = Field(default=10, gt=0)
    max_risk: Decimal = Field(default=Decimal(1000), gt=0)  # money at risk, whole trade
    max_ticks_from_last: int = Field(default=200, gt=0)
    max_notional: Decimal | None = Field(default=None, gt=0)  # contracts x price x per point


class RiskSettings(BaseModel):
    """The limits of each product (by root), and those of a product without its own."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    default: FatFingerLimits = FatFingerLimits()
    per_root: dict[str, FatFingerLimits] = {}

    def for_root(self, root: str) -> FatFingerLimits:
        return self.per_root.get(root, self.default)


OVERRIDE_QTY = "max_contracts"
OVERRIDE_RISK = "max_risk"
OVERRIDE_DISTANCE = "max_ticks_from_last"
OVERRIDE_NOTIONAL = "max_notional"
OVERRIDE_UNCHECKED = "no_last_price"


class Assessment(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    problems: tuple[Problem, ...]
    entry: Decimal | None
    stop: ResolvedExit | None
    target: ResolvedExit | None
    plan: TradePlan | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def can_place(self) -> bool:
        return not self.errors

    def at(self, field: TicketField) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.field == field)


class _Collector:
    def __init__(self, overrides: frozenset[str]) -> None:
        self.problems: list[Problem] = []
        self._overrides = overrides

    def error(self, field: TicketField, message: str) -> None:
        self.problems.append(Problem(field=field, message=message))

    def warning(self, field: TicketField, message: str) -> None:
        self.problems.append(Problem(field=field, message=message, severity=Severity.WARNING))

    def limit(self, field: TicketField, code: str, message: str) -> None:
        if code in self._overrides:
            self.problems.append(
                Problem(
                    field=field,
                    message=f"{message} (limit overridden)",
                    severity=Severity.WARNING,
                    code=code,
                )
            )
        else:
            self.problems.append(
                Problem(field=field, message=f"{message} Override to send it anyway.", code=code)
            )


def _fmt(instrument: Instrument, price: Decimal) -> str:
    return instrument.format_price(price)


def _check_price(
    out: _Collector, instrument: Instrument, field: TicketField, label: str, value: Decimal | None
) -> bool:
    if value is None:
        out.error(field, f"Enter the {label}.")
        return False
    if value <= 0:
        out.error(field, f"The {label} must be above zero.")
        return False
    if not is_on_grid(value, instrument.tick_size):
        try:
            instrument.require_on_grid(value)
        except ValueError as exc:
            out.error(field, str(exc))
        return False
    return True


def _check_entry(out: _Collector, form: TicketForm, now: datetime) -> bool:
    """Check the entry; True when its prices are good enough to measure exits from."""
    entry, instrument = form.entry, form.instrument
    ok = True
    if entry.qty < 1:
        out.error(TicketField.QTY, "Quantity must be at least 1 contract.")
    if entry.order_type not in ENTRY_TYPES:
        out.error(TicketField.ORDER_TYPE, f"{entry.order_type} entries are not supported.")
        return False
    if entry.order_type.needs_price:
        ok &= _check_price(out, instrument, TicketField.PRICE, "limit price", entry.price)
    if entry.order_type.needs_stop_price:
        ok &= _check_price(out, instrument, TicketField.STOP_PRICE, "stop price", entry.stop_price)
    if entry.order_type is OrderType.MARKET or entry.order_type.is_trailing:
        what = "a Market entry" if entry.order_type is OrderType.MARKET else "a trailing entry"
        if form.reference_price is None:
            out.error(
                TicketField.REFERENCE_PRICE,
                f"Enter the market price: the exits of {what} are measured from it.",
            )
            ok = False
        else:
            ok &= _check_price(
                out, instrument, TicketField.REFERENCE_PRICE, "market price", form.reference_price
            )
    if entry.time_in_force is TimeInForce.GTD:
        if entry.expire_time is None:
            out.error(TicketField.EXPIRE_TIME, "Good-till-date needs an expiry time.")
        elif entry.expire_time <= now:
            out.error(TicketField.EXPIRE_TIME, "The expiry time is in the past.")
    if entry.text is not None and len(entry.text) > 64:
        out.error(TicketField.TEXT, "The order text can be at most 64 characters.")
    if ok and entry.order_type is OrderType.STOP_LIMIT and entry.price and entry.stop_price:
        wrong = (entry.price - entry.stop_price) * entry.action.sign < 0
        if wrong:
            side = "below" if entry.action is Action.BUY else "above"
            out.warning(
                TicketField.PRICE,
                f"The limit is {side} the stop: once triggered the order may not fill.",
            )
    _check_marketable(out, form)
    return ok


def _check_marketable(out: _Collector, form: TicketForm) -> None:
    entry, last = form.entry, form.last_price
    if last is None:
        return
    sign = entry.action.sign
    if entry.order_type is OrderType.LIMIT and entry.price and (entry.price - last) * sign > 0:
        out.warning(
            TicketField.PRICE,
            f"This limit is through the market ({_fmt(form.instrument, last)}): it fills at once.",
        )
    if (
        entry.order_type is OrderType.STOP
        and entry.stop_price
        and (entry.stop_price - last) * sign <= 0
    ):
        out.warning(
            TicketField.STOP_PRICE,
            f"This stop is already through the market ({_fmt(form.instrument, last)}): "
            "it triggers at once.",
        )


def _check_exits(
    out: _Collector, form: TicketForm, entry: Decimal | None
) -> tuple[ResolvedExit | None, ResolvedExit | None]:
    sl, tp = form.stop_loss, form.take_profit
    if not sl.enabled and not tp.enabled:
        out.error(TicketField.BRACKETS, "Turn on a stop-loss or a take-profit (or both).")
        return None, None
    if sl.enabled and sl.order_type not in STOP_LOSS_TYPES:
        out.error(TicketField.STOP_LOSS_TYPE, f"A stop-loss cannot be a {sl.order_type} order.")
    if tp.enabled and tp.order_type not in TAKE_PROFIT_TYPES:
        out.error(TicketField.TAKE_PROFIT_TYPE, f"A take-profit cannot be a {tp.order_type} order.")
    for spec, field in ((sl, TicketField.STOP_LOSS_TIF), (tp, TicketField.TAKE_PROFIT_TIF)):
        if spec.enabled and spec.time_in_force in (
            TimeInForce.IOC,
            TimeInForce.FOK,
            TimeInForce.GTD,
        ):
            out.error(field, f"An exit leg cannot be {spec.time_in_force}: use Day or GTC.")
    if sl.enabled and sl.limit_offset_ticks < 0:
        out.error(TicketField.STOP_LOSS_LIMIT, "The stop-limit offset cannot be negative.")
    if entry is None:
        return None, None
    stop = target = None
    if sl.enabled:
        try:
            stop = resolve_stop(form, entry)
        except BracketError as exc:
            out.error(TicketField.STOP_LOSS, str(exc))
        else:
            if stop.ticks >= 0:
                where = "below" if form.entry.action is Action.BUY else "above"
                out.error(
                    TicketField.STOP_LOSS,
                    f"The stop-loss {_fmt(form.instrument, stop.price)} must be at least one "
                    f"tick {where} the entry {_fmt(form.instrument, entry)} for a "
                    f"{form.entry.action.value.lower()}.",
                )
                stop = None
            elif stop.price <= 0:
                out.error(TicketField.STOP_LOSS, "The stop-loss would be at or below zero.")
                stop = None
    else:
        out.warning(TicketField.STOP_LOSS, "No stop-loss: the loss on this trade is not limited.")
    if tp.enabled:
        try:
            target = resolve_target(form, entry, stop)
        except BracketError as exc:
            out.error(TicketField.TAKE_PROFIT, str(exc))
        else:
            if target.ticks <= 0:
                where = "above" if form.entry.action is Action.BUY else "below"
                out.error(
                    TicketField.TAKE_PROFIT,
                    f"The take-profit {_fmt(form.instrument, target.price)} must be at least "
                    f"one tick {where} the entry {_fmt(form.instrument, entry)} for a "
                    f"{form.entry.action.value.lower()}.",
                )
                target = None
            elif target.price <= 0:
                out.error(TicketField.TAKE_PROFIT, "The take-profit would be at or below zero.")
                target = None
    return stop, target


def _check_limits(
    out: _Collector,
    form: TicketForm,
    limits: FatFingerLimits,
    entry: Decimal | None,
    plan: TradePlan | None,
) -> None:
    if form.entry.qty > limits.max_contracts:
        out.limit(
            TicketField.QTY,
            OVERRIDE_QTY,
            f"{form.entry.qty} contracts is above your limit of {limits.max_contracts}.",
        )
    if plan and plan.risk and plan.risk.total > limits.max_risk:
        out.limit(
            TicketField.STOP_LOSS,
            OVERRIDE_RISK,
            f"This trade risks {plan.risk.total:,.2f}, above your limit of {limits.max_risk:,.2f}.",
        )
    if entry is None:
        return
    notional = form.entry.qty * entry * form.instrument.value_per_point
    if limits.max_notional is not None and notional > limits.max_notional:
        out.limit(
            TicketField.QTY,
            OVERRIDE_NOTIONAL,
            f"This order is worth {notional:,.2f} ({form.entry.qty} × "
            f"{_fmt(form.instrument, entry)} × {form.instrument.value_per_point:f}), above your "
            f"limit of {limits.max_notional:,.2f}.",
        )
    order_type = form.entry.order_type
    measured = order_type is OrderType.MARKET or order_type.is_trailing
    field = (
        TicketField.PRICE
        if order_type.needs_price
        else (
            TicketField.STOP_PRICE if order_type.needs_stop_price else TicketField.REFERENCE_PRICE
        )
    )
    if form.last_price is None:
        # A typed market price nobody can check would put the stop and target anywhere; where
        # no quote is in view at all (the command line), every entry must be checked.
        if form.needs_last_price or (measured and form.reference_typed):
            typed = form.reference_price if measured else entry
            out.limit(
                TicketField.REFERENCE_PRICE if measured else field,
                OVERRIDE_UNCHECKED,
                f"There is no last price to check the {'market price' if measured else 'entry'} "
                f"{_fmt(form.instrument, typed or entry)} against.",
            )
        return
    away = abs(entry - form.last_price) / form.instrument.tick_size
    if away > limits.max_ticks_from_last:
        out.limit(
            field,
            OVERRIDE_DISTANCE,
            f"The entry is {away:.0f} ticks from the last price "
            f"{_fmt(form.instrument, form.last_price)} (limit {limits.max_ticks_from_last}).",
        )


def assess(form: TicketForm, limits: FatFingerLimits, now: datetime) -> Assessment:
    out = _Collector(form.overrides)
    entry_ok = _check_entry(out, form, now)
    entry = entry_reference(form.entry, form.reference_price) if entry_ok else None
    stop, target = _check_exits(out, form, entry)
    plan = None
    if entry is not None and (stop or target):
        plan = make_plan(
            form.instrument,
            entry,
            max(form.entry.qty, 0),
            stop,
            target,
            form.commission_per_contract,
        )
    _check_limits(out, form, limits, entry, plan)
    return Assessment(
        problems=tuple(out.problems), entry=entry, stop=stop, target=target, plan=plan
    )
