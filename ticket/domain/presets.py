"""Presets: the brackets a trader repeats all day, by name, per product.

A preset holds distances, never prices (a price is only right for one moment): the stop in ticks
or money, one target or up to three scale-out targets in ticks, money or R, the size as a
quantity or a risk budget (money, or a percent of the balance), the time in force, and the
break-even and trailing rules, kept as data for the trade manager. Anything a preset leaves out
stays as the ticket has it.

`PresetBook` is the ordered list the window's buttons show (Alt+1..Alt+9 are a product's first
nine); every change returns a new book. `apply_preset` writes a preset into a `Draft` and
remembers what it wrote, so the window can say when the ticket has been changed from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.draft import Draft
from ticket.domain.instruments import Instrument
from ticket.domain.orders import TimeInForce
from ticket.domain.plan import budget_from_percent, size_from_risk
from ticket.domain.prices import PriceError, parse_number
from ticket.domain.scaleout import MAX_TARGETS, TargetRow
from ticket.domain.ticket import DistanceUnit

MAX_NAME = 40
MAX_CONTRACTS = 100_000
BUTTONS = 9  # Alt+1 .. Alt+9
STOP_UNITS = (DistanceUnit.TICKS, DistanceUnit.MONEY)
TARGET_UNITS = (DistanceUnit.TICKS, DistanceUnit.MONEY, DistanceUnit.R)
PRESET_TIFS = (TimeInForce.DAY, TimeInForce.GTC)
_PRODUCT = re.compile(r"^[A-Z0-9]{1,8}$")


class PresetError(ValueError):
    """A preset that cannot be; `field` names the part of it that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Distance(Frozen):
    """A stop distance: whole ticks, or money per contract."""

    unit: DistanceUnit
    value: Decimal


class PresetTarget(Frozen):
    """One target. `qty` None: the contracts left over by the other targets (the last only)."""

    unit: DistanceUnit
    value: Decimal
    qty: int | None = None


class SizeKind(StrEnum):
    QTY = "qty"  # a fixed number of contracts
    RISK_MONEY = "risk_money"  # as many contracts as a money budget allows at the stop
    RISK_PERCENT = "risk_percent"  # the same, the budget a percent of the account's balance


class Size(Frozen):
    kind: SizeKind
    amount: Decimal


class BreakEven(Frozen):
    """Move the stop to the entry (plus `plus_ticks` in profit) once price has gone
    `after_ticks` the trade's way."""

    after_ticks: int
    plus_ticks: int = 0


class Trailing(Frozen):
    """Trail the stop `distance_ticks` behind price once it has gone `after_ticks` the trade's
    way (0: from the fill)."""

    after_ticks: int = 0
    distance_ticks: int


class Preset(Frozen):
    name: str
    product: str  # the product's root: ES, MNQ, 6E
    default: bool = False
    stop: Distance | None = None
    targets: tuple[PresetTarget, ...] = ()
    size: Size | None = None
    time_in_force: TimeInForce | None = None
    break_even: BreakEven | None = None
    trailing: Trailing | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.product, name_key(self.name)


def name_key(name: str) -> str:
    """Names are compared as a trader reads them: case and surrounding spaces do not count."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    """The name as kept: surrounding spaces gone, inner runs of spaces made one. Raises
    PresetError."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise PresetError("name", "must not be empty")
    if len(cleaned) > MAX_NAME:
        raise PresetError("name", f"must be at most {MAX_NAME} characters, got {len(cleaned)}")
    return cleaned


def clean_product(product: str) -> str:
    root = product.strip().upper()
    if not _PRODUCT.match(root):
        raise PresetError(
            "product", f'must be a product root such as "ES" or "MNQ", got "{product}"'
        )
    return root


def _whole_ticks(field: str, value: Decimal, allow_zero: bool = False) -> None:
    if value != value.to_integral_value() or value < (0 if allow_zero else 1):
        least = "0 or more" if allow_zero else "above 0"
        raise PresetError(field, f"must be a whole number of ticks {least}, got {value}")


def _distance(
    field: str, unit: DistanceUnit, value: Decimal, units: Sequence[DistanceUnit]
) -> None:
    if unit not in units:
        raise PresetError(field, f"cannot be in {unit.value}")
    if not value.is_finite() or value <= 0:
        raise PresetError(field, f"must be above 0, got {value}")
    if unit is DistanceUnit.TICKS:
        _whole_ticks(field, value)


def check_preset(preset: Preset) -> Preset:
    """The preset if it makes sense as a whole; raises PresetError naming the part that does
    not. Names and products are cleaned."""
    name = clean_name(preset.name)
    product = clean_product(preset.product)
    stop, targets, size = preset.stop, preset.targets, preset.size
    if stop is None and not targets:
        raise PresetError("stop", "a preset needs a stop, a target, or both")
    if stop is not None:
        _distance("stop", stop.unit, stop.value, STOP_UNITS)
    if len(targets) > MAX_TARGETS:
        raise PresetError("targets", f"at most {MAX_TARGETS}, got {len(targets)}")
    for n, target in enumerate(targets, 1):
        field = "target" if len(targets) == 1 else f"targets[{n}]"
        _distance(field, target.unit, target.value, TARGET_UNITS)
        if target.unit is DistanceUnit.R and stop is None:
            raise PresetError(field, "a target in R needs a stop to measure R from")
        if target.qty is not None and not 1 <= target.qty <= MAX_CONTRACTS:
            raise PresetError(f"{field}.qty", f"must be a whole number from 1, got {target.qty}")
        if target.qty is None and len(targets) > 1 and n < len(targets):
            raise PresetError(
                f"{field}.qty", "only the last target may leave out its quantity (the rest)"
            )
    if size is not None:
        _check_size(size, stop, targets)
    if preset.time_in_force is not None and preset.time_in_force not in PRESET_TIFS:
        raise PresetError("tif", "must be Day or GTC")
    if preset.break_even is not None:
        if stop is None:
            raise PresetError("break_even", "moves the stop: the preset needs a stop")
        _whole_ticks("break_even.after_ticks", Decimal(preset.break_even.after_ticks))
        _whole_ticks("break_even.plus_ticks", Decimal(preset.break_even.plus_ticks), True)
        if preset.break_even.plus_ticks >= preset.break_even.after_ticks:
            raise PresetError(
                "break_even.plus_ticks",
                "must be less than after_ticks, or the stop would pass the price",
            )
    if preset.trailing is not None:
        if stop is None:
            raise PresetError("trailing", "moves the stop: the preset needs a stop")
        _whole_ticks("trailing.after_ticks", Decimal(preset.trailing.after_ticks), True)
        _whole_ticks("trailing.distance_ticks", Decimal(preset.trailing.distance_ticks))
    return preset.model_copy(update={"name": name, "product": product})


def _check_size(size: Size, stop: Distance | None, targets: Sequence[PresetTarget]) -> None:
    amount = size.amount
    if not amount.is_finite() or amount <= 0:
        raise PresetError(size.kind.value, f"must be above 0, got {amount}")
    if size.kind is SizeKind.QTY:
        if amount != amount.to_integral_value() or amount > MAX_CONTRACTS:
            raise PresetError("qty", f"must be a whole number from 1 to {MAX_CONTRACTS:,}")
        given = [t.qty for t in targets if t.qty is not None]
        if len(targets) > 1 and given:
            rest = len(given) < len(targets)
            total = sum(given)
            if (rest and total >= amount) or (not rest and total != amount):
                what = "leave none for the last" if rest else f"add up to {total}"
                raise PresetError("targets", f"the targets' quantities {what}, not qty {amount}")
        return
    if stop is None:
        raise PresetError(size.kind.value, "sizing from risk needs a stop")
    if size.kind is SizeKind.RISK_PERCENT and amount > 100:
        raise PresetError("risk_percent", f"must be a percent from above 0 to 100, got {amount}")


def _distance_text(unit: DistanceUnit, value: Decimal) -> str:
    number = f"{value.normalize():f}"
    if unit is DistanceUnit.R:
        return f"{number}R"
    return f"{number} {'ticks' if unit is DistanceUnit.TICKS else 'a contract'}"


def describe(preset: Preset) -> str:
    """The preset in one line, for a list or a button's tooltip: 'stop 8 ticks, target 16
    ticks, 2 contracts, Day'."""
    parts = []
    if preset.stop is not None:
        parts.append(f"stop {_distance_text(preset.stop.unit, preset.stop.value)}")
    if len(preset.targets) == 1:
        only = preset.targets[0]
        parts.append(f"target {_distance_text(only.unit, only.value)}")
    elif preset.targets:
        listed = ", ".join(
            _distance_text(t.unit, t.value) + (f" x{t.qty}" if t.qty is not None else " the rest")
            for t in preset.targets
        )
        parts.append(f"targets {listed}")
    size = preset.size
    if size is not None:
        amount = f"{size.amount.normalize():f}"
        parts.append(
            {
                SizeKind.QTY: f"{amount} contracts",
                SizeKind.RISK_MONEY: f"risk {amount} a trade",
                SizeKind.RISK_PERCENT: f"risk {amount}% of the balance",
            }[size.kind]
        )
    if preset.time_in_force is not None:
        parts.append(preset.time_in_force.value)
    if preset.break_even is not None:
        be = preset.break_even
        plus = f" +{be.plus_ticks}" if be.plus_ticks else ""
        parts.append(f"break-even{plus} after {be.after_ticks} ticks")
    if preset.trailing is not None:
        tr = preset.trailing
        parts.append(f"trail {tr.distance_ticks} ticks after {tr.after_ticks}")
    return ", ".join(parts)


# -- the list -----------------------------------------------------------------------------------


class PresetBook(Frozen):
    """Every preset, in the trader's order. A product's presets keep their order among
    themselves; at most one per product is its default."""

    presets: tuple[Preset, ...] = ()

    def for_product(self, product: str) -> tuple[Preset, ...]:
        root = product.strip().upper()
        return tuple(p for p in self.presets if p.product == root)

    def products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.product for p in self.presets))

    def find(self, product: str, name: str) -> Preset | None:
        key = (product.strip().upper(), name_key(name))
        return next((p for p in self.presets if p.key == key), None)

    def default_for(self, product: str) -> Preset | None:
        return next((p for p in self.for_product(product) if p.default), None)

    def button(self, product: str, number: int) -> Preset | None:
        """The preset on button `number` (1..9, as Alt+1..Alt+9) of `product`."""
        shown = self.for_product(product)[:BUTTONS]
        return shown[number - 1] if 1 <= number <= len(shown) else None

    def _replaced(self, presets: Iterable[Preset]) -> PresetBook:
        return PresetBook(presets=tuple(presets))

    def _require(self, product: str, name: str) -> Preset:
        found = self.find(product, name)
        if found is None:
            raise PresetError("name", f'no preset "{name}" for {product.strip().upper()}')
        return found

    def _with_default(self, presets: Iterable[Preset], chosen: Preset) -> tuple[Preset, ...]:
        """`presets` with `chosen` the only default of its product, if it is one."""
        if not chosen.default:
            return tuple(presets)
        return tuple(
            p.model_copy(update={"default": False})
            if p.product == chosen.product and p.key != chosen.key and p.default
            else p
            for p in presets
        )

    def add(self, preset: Preset) -> PresetBook:
        """The book with `preset` added last for its product; its name must be new there."""
        preset = check_preset(preset)
        same = self.find(preset.product, preset.name)
        if same is not None:
            raise PresetError("name", f'{preset.product} already has a preset "{same.name}"')
        return self._replaced(self._with_default((*self.presets, preset), preset))

    def save(self, preset: Preset) -> PresetBook:
        """`preset` in place of the one of the same name (its button stays put), or added."""
        preset = check_preset(preset)
        if self.find(preset.product, preset.name) is None:
            return self.add(preset)
        swapped = (preset if p.key == preset.key else p for p in self.presets)
        return self._replaced(self._with_default(swapped, preset))

    def rename(self, product: str, name: str, new_name: str) -> PresetBook:
        old = self._require(product, name)
        new = clean_name(new_name)
        clash = self.find(product, new)
        if clash is not None and clash.key != old.key:
            raise PresetError("name", f'{old.product} already has a preset "{clash.name}"')
        renamed = old.model_copy(update={"name": new})
        return self._replaced(renamed if p.key == old.key else p for p in self.presets)

    def delete(self, product: str, name: str) -> PresetBook:
        old = self._require(product, name)
        return self._replaced(p for p in self.presets if p.key != old.key)

    def move(self, product: str, name: str, index: int) -> PresetBook:
        """The book with the preset at `index` (0-based, clamped) among its product's."""
        moving = self._require(product, name)
        own = [p for p in self.for_product(moving.product) if p.key != moving.key]
        own.insert(max(0, min(index, len(own))), moving)
        order = iter(own)
        return self._replaced(
            next(order) if p.product == moving.product else p for p in self.presets
        )

    def set_default(self, product: str, name: str | None) -> PresetBook:
        """`name` becomes the product's one default; None leaves the product without one."""
        root = product.strip().upper()
        key = name_key(name) if name is not None else None
        if name is not None:
            self._require(root, name)
        return self._replaced(
            p.model_copy(update={"default": name_key(p.name) == key}) if p.product == root else p
            for p in self.presets
        )

    def merged(self, other: PresetBook) -> tuple[PresetBook, tuple[str, ...]]:
        """`other`'s presets added to this book (an import), and what had to change on the way:
        a name already taken gets a number, and a default is kept only where there was none."""
        book, notes = self, []
        for preset in other.presets:
            name, n = preset.name, 2
            while book.find(preset.product, name) is not None:
                name, n = f"{preset.name[: MAX_NAME - 5]} ({n})", n + 1
            if name != preset.name:
                notes.append(f'{preset.product} "{preset.name}" was imported as "{name}"')
            standing = book.default_for(preset.product)
            if preset.default and standing is not None:
                notes.append(
                    f'{preset.product} "{name}" is not the default: "{standing.name}" stays'
                )
            default = preset.default and standing is None
            book = book.add(preset.model_copy(update={"name": name, "default": default}))
        return book, tuple(notes)


# -- applying a preset to the ticket ------------------------------------------------------------


def preset_quantity(
    preset: Preset,
    instrument: Instrument,
    balance: Decimal | None = None,
    commission: Decimal = Decimal(0),
) -> int | None:
    """The contracts the preset sizes the ticket to; None when it does not set the size.

    A risk budget buys whole contracts at the stop's risk per contract (commission included),
    never above the budget: 0 when the budget does not cover one. Raises PresetError when the
    budget is a percent and the balance is not known."""
    size = preset.size
    if size is None:
        given = [t.qty for t in preset.targets]
        if len(given) > 1 and all(q is not None for q in given):
            return sum(q for q in given if q is not None)
        return None
    if size.kind is SizeKind.QTY:
        return int(size.amount)
    assert preset.stop is not None  # check_preset: sizing from risk needs a stop
    budget = size.amount
    if size.kind is SizeKind.RISK_PERCENT:
        if balance is None:
            raise PresetError(
                "risk_percent", "the account's balance is not known, so the size cannot be set"
            )
        budget = budget_from_percent(balance, size.amount)
    return size_from_risk(budget, stop_risk(preset.stop, instrument) + commission).contracts


def stop_risk(stop: Distance, instrument: Instrument) -> Decimal:
    """Money lost per contract at the stop, as `resolve_stop` places it (money rounds down to
    whole ticks)."""
    if stop.unit is DistanceUnit.TICKS:
        return instrument.ticks_to_money(stop.value)
    ticks = (stop.value / instrument.tick_value).to_integral_value(rounding=ROUND_FLOOR)
    return instrument.ticks_to_money(ticks)


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def target_rows(preset: Preset, qty: int) -> tuple[TargetRow, ...]:
    """The scale-out rows of a preset with several targets, the rest filled in for `qty`."""
    if len(preset.targets) < 2:
        return ()
    given = sum(t.qty or 0 for t in preset.targets)
    return tuple(
        TargetRow(
            unit=t.unit,
            distance=_text(t.value),
            qty=str(t.qty if t.qty is not None else qty - given),
        )
        for t in preset.targets
    )


# The draft fields a preset may set: what "changed from the preset" compares.
_TRACKED = (
    "qty",
    "time_in_force",
    "sl_enabled",
    "sl_unit",
    "sl_distance",
    "tp_enabled",
    "tp_unit",
    "tp_distance",
    "targets",
)


@dataclass(frozen=True)
class ActivePreset:
    """The preset last applied and what it wrote into the ticket."""

    name: str
    product: str
    written: tuple[tuple[str, object], ...]
    notes: tuple[str, ...] = ()  # what could not be applied as the preset says, in words

    def changes(self, draft: Draft) -> tuple[str, ...]:
        """The draft fields edited since the preset was applied."""
        return tuple(
            field for field, value in self.written if not _same(getattr(draft, field), value)
        )

    def label(self, draft: Draft) -> str:
        """'Scalp 8/16', or 'Scalp 8/16 (changed)' once a field it set was edited."""
        return f"{self.name} (changed)" if self.changes(draft) else self.name


def _same(now: object, then: object) -> bool:
    if isinstance(now, str) and isinstance(then, str):
        try:
            return parse_number(now, "a number") == parse_number(then, "a number")
        except PriceError:
            return now.strip() == then.strip()
    return now == then


@dataclass(frozen=True)
class Applied:
    draft: Draft
    active: ActivePreset


def apply_preset(
    draft: Draft,
    preset: Preset,
    instrument: Instrument,
    balance: Decimal | None = None,
) -> Applied:
    """`draft` with the preset's values written in; what the preset leaves out is kept.

    A risk budget sets the quantity from the stop (0, which the rules refuse, when the budget
    does not cover one contract). With several targets the draft's scale-out rows are set and
    its take-profit shows the first target; with one, the rows are cleared."""
    changes: dict[str, object] = {}
    notes: list[str] = []
    if preset.stop is not None:
        stop = preset.stop
        changes.update(sl_enabled=True, sl_unit=stop.unit, sl_distance=_text(stop.value))
    if preset.targets:
        first = preset.targets[0]
        changes.update(tp_enabled=True, tp_unit=first.unit, tp_distance=_text(first.value))
    if preset.time_in_force is not None:
        changes["time_in_force"] = preset.time_in_force
    try:
        qty = preset_quantity(preset, instrument, balance)
    except PresetError as exc:
        qty = None
        notes.append(f"{exc.message}: the quantity is left at {draft.qty}.")
    if qty is not None:
        changes["qty"] = qty
        if qty == 0:
            notes.append("The risk budget does not cover one contract at this stop.")
    if preset.targets:
        changes["targets"] = target_rows(preset, qty if qty is not None else draft.qty)
    new = draft.with_(**changes)
    written = tuple((f, getattr(new, f)) for f in _TRACKED if f in changes)
    active = ActivePreset(preset.name, preset.product, written, tuple(notes))
    return Applied(draft=new, active=active)


def preset_from_draft(
    draft: Draft,
    name: str,
    product: str,
    *,
    size: Size | None = None,
    default: bool = False,
    keep: Preset | None = None,
) -> Preset:
    """The ticket saved as a preset: its stop, target (or scale-out rows), quantity (unless
    `size` gives a risk budget) and time in force. Break-even and trailing rules come from
    `keep`, the preset saved over, if any. Raises PresetError for what a preset cannot hold."""
    stop = None
    if draft.sl_enabled:
        stop = Distance(unit=draft.sl_unit, value=_number("stop", draft.sl_distance, draft.sl_unit))
    targets: tuple[PresetTarget, ...] = ()
    if draft.targets:
        targets = tuple(
            PresetTarget(
                unit=row.unit,
                value=_number(f"targets[{n}]", row.distance, row.unit),
                qty=_count(f"targets[{n}].qty", row.qty),
            )
            for n, row in enumerate(draft.targets, 1)
        )
    elif draft.tp_enabled:
        targets = (
            PresetTarget(
                unit=draft.tp_unit, value=_number("target", draft.tp_distance, draft.tp_unit)
            ),
        )
    tif = draft.time_in_force
    return check_preset(
        Preset(
            name=name,
            product=product,
            default=default,
            stop=stop,
            targets=targets,
            size=size or Size(kind=SizeKind.QTY, amount=Decimal(draft.qty)),
            time_in_force=tif if tif in PRESET_TIFS else None,
            break_even=keep.break_even if keep else None,
            trailing=keep.trailing if keep else None,
        )
    )


def _number(field: str, text: str, unit: DistanceUnit) -> Decimal:
    if unit is DistanceUnit.PRICE:
        raise PresetError(field, "a preset holds distances, not prices: give it in ticks or money")
    try:
        return parse_number(text, "a number")
    except PriceError as exc:
        raise PresetError(field, str(exc)) from None


def _count(field: str, text: str) -> int:
    try:
        value = parse_number(text, "a number")
    except PriceError as exc:
        raise PresetError(field, str(exc)) from None
    if value != value.to_integral_value():
        raise PresetError(field, f"must be a whole number of contracts, got {text.strip()}")
    return int(value)
