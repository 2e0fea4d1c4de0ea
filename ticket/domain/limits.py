"""Fat-finger limits per product: the built-in defaults, and reading one limit as a trader wrote it.

The defaults live here and nowhere else. A full-size product has its own row; a micro takes its
full-size sibling's row: the same money at risk and the same distance in ticks (the tick is the
same), and half the sibling's exposure in contracts, so that ten times a usual micro order
(10 becoming 100) is still caught. Distances are written in the product's price units and turned
into ticks with the product's tick size.

A trader's own limits (the limits file, the Settings dialog) come as partial rows, one per
product and a `default` row. For a product, what its own row says wins. Then money limits (at
risk, notional) come from the trader's default row, since an amount means the same in every
product; contracts and ticks, which are in the product's own units, from the product's built-in
row. Whatever is still open comes from the built-in row, then the built-in default. No built-in
row sets `max_notional`: it is off unless the trader sets it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.instruments import BUILT_IN, Instrument
from ticket.domain.rules import FatFingerLimits, RiskSettings

DEFAULT_ROW = "default"
LimitValue = int | Decimal | None  # None: no limit (max_notional only)


class Kind(StrEnum):
    COUNT = "count"  # a whole number: contracts, ticks
    MONEY = "money"  # an amount in the product's currency, to the cent


class LimitSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    name: str
    label: str
    kind: Kind
    most: int
    can_be_off: bool = False
    help: str


SPECS: dict[str, LimitSpec] = {
    s.name: s
    for s in (
        LimitSpec(
            name="max_contracts",
            label="Max contracts",
            kind=Kind.COUNT,
            most=100_000,
            help="the largest order quantity",
        ),
        LimitSpec(
            name="max_risk",
            label="Max money at risk",
            kind=Kind.MONEY,
            most=10**9,
            help="entry to stop-loss, all contracts, commission included",
        ),
        LimitSpec(
            name="max_ticks_from_last",
            label="Max ticks from the last price",
            kind=Kind.COUNT,
            most=1_000_000,
            help="how far the entry may be from the last traded price",
        ),
        LimitSpec(
            name="max_notional",
            label="Max notional",
            kind=Kind.MONEY,
            most=10**12,
            can_be_off=True,
            help="contracts × entry price × value per point; false or empty for none",
        ),
    )
}
PRODUCT_FIELDS = ("max_contracts", "max_risk", "max_ticks_from_last")


class LimitError(ValueError):
    """A value that cannot be a limit; the message says why in words, without the field name."""


# -- the built-in defaults ----------------------------------------------------------------------


class _Row(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    contracts: int
    risk: Decimal
    distance: Decimal  # in price units: ES 50 points, CL 2.00 dollars, ZC 10 cents


def _row(contracts: int, risk: int, distance: str) -> _Row:
    return _Row(contracts=contracts, risk=Decimal(risk), distance=Decimal(distance))


# Sized so that a usual one-lot with a usual stop passes (NQ, gold, silver and copper stops cost
# more than $1,000), and an entry about 1% (index, FX) to 2-3% (energy, metals, bonds, grains)
# from the last price is the furthest allowed.
FULL_SIZE: dict[str, _Row] = {
    "ES": _row(10, 1000, "50"),
    "NQ": _row(10, 2000, "200"),
    "RTY": _row(10, 1000, "25"),
    "YM": _row(10, 1000, "400"),
    "CL": _row(10, 1000, "2"),
    "NG": _row(10, 1000, "0.2"),
    "GC": _row(10, 2000, "30"),
    "SI": _row(10, 2000, "1"),
    "HG": _row(10, 2000, "0.1"),
    "ZB": _row(10, 1000, "2"),
    "ZN": _row(10, 1000, "1"),
    "ZF": _row(10, 1000, "0.75"),
    "ZT": _row(10, 1000, "0.25"),
    "6E": _row(10, 1000, "0.01"),
    "6J": _row(10, 1000, "0.0001"),
    "6B": _row(10, 1000, "0.015"),
    "ZC": _row(10, 1000, "10"),
    "ZS": _row(10, 1000, "20"),
    "ZW": _row(10, 1000, "15"),
}
MICRO_OF: dict[str, str] = {
    "MES": "ES",
    "MNQ": "NQ",
    "M2K": "RTY",
    "MYM": "YM",
    "MCL": "CL",
    "MGC": "GC",
}
MICRO_EXPOSURE = Decimal("0.5")  # of the full-size limit, in contracts of the same value


def micro_ratio(micro: Instrument, full: Instrument) -> int:
    """How many micros make one full-size contract (10 for every micro in the table)."""
    ratio = full.value_per_point / micro.value_per_point
    if micro.tick_size != full.tick_size or ratio != ratio.to_integral_value():
        raise ValueError(f"{micro.root} is not a fraction of {full.root}")
    return int(ratio)


def _limits(root: str) -> FatFingerLimits:
    if root in MICRO_OF:
        full = MICRO_OF[root]
        sibling = _limits(full)
        ratio = micro_ratio(BUILT_IN[root], BUILT_IN[full])
        return sibling.model_copy(
            update={"max_contracts": int(sibling.max_contracts * ratio * MICRO_EXPOSURE)}
        )
    row = FULL_SIZE[root]
    ticks = row.distance / BUILT_IN[root].tick_size
    if ticks != ticks.to_integral_value():
        raise ValueError(f"{root}: {row.distance} is not a whole number of ticks")
    return FatFingerLimits(
        max_contracts=row.contracts, max_risk=row.risk, max_ticks_from_last=int(ticks)
    )


FALLBACK = FatFingerLimits()  # a product the table does not list
BUILT_IN_LIMITS: dict[str, FatFingerLimits] = {
    root: _limits(root) for root in BUILT_IN if root in FULL_SIZE or root in MICRO_OF
}


def built_in_settings() -> RiskSettings:
    return settle({})


def settle(rows: Mapping[str, Mapping[str, LimitValue]]) -> RiskSettings:
    """The limits in force, from the trader's partial rows (keyed by product root, or
    `DEFAULT_ROW`) laid over the built-in ones. The values must have been read already."""
    mine = rows.get(DEFAULT_ROW, {})
    default = FatFingerLimits.model_validate({**FALLBACK.model_dump(), **mine})
    # the built-in product fields that the trader's default row does not outrank
    product_fields = {
        name for name in PRODUCT_FIELDS if SPECS[name].kind is Kind.COUNT or name not in mine
    }
    per_root: dict[str, FatFingerLimits] = {}
    for root in sorted({*BUILT_IN_LIMITS, *rows} - {DEFAULT_ROW}):
        built_in = BUILT_IN_LIMITS.get(root)
        own = built_in.model_dump(include=product_fields) if built_in else {}
        per_root[root] = FatFingerLimits.model_validate(
            {**default.model_dump(), **own, **rows.get(root, {})}
        )
    return RiskSettings(default=default, per_root=per_root)


# -- reading one value --------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A value as the trader wrote it, short enough for a message."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = "a list"
    elif isinstance(value, Decimal):
        text = "inf" if value.is_infinite() else "nan" if value.is_nan() else f"{value}"
    else:
        text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _expected(spec: LimitSpec, off: str) -> str:
    what = "a whole number above 0" if spec.kind is Kind.COUNT else "an amount above 0"
    return f"{what}, or {off} for no limit" if spec.can_be_off else what


def _check(spec: LimitSpec, number: Decimal, shown: str, off: str) -> int | Decimal:
    if not number.is_finite() or number <= 0:
        raise LimitError(f"must be {_expected(spec, off)}, got {shown}")
    if spec.kind is Kind.COUNT and number != number.to_integral_value():
        raise LimitError(f"must be {_expected(spec, off)}, got {shown}")
    if number > spec.most:
        raise LimitError(f"must be at most {spec.most:,}, got {shown}")
    if spec.kind is Kind.COUNT:
        return int(number)
    if number != number.quantize(Decimal("0.01")):
        raise LimitError(f"must be in whole cents, got {shown}")
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def read_value(name: str, value: object) -> LimitValue:
    """A limit as a TOML file holds it (floats read as Decimal). Raises LimitError."""
    spec = SPECS[name]
    shown = _shown(value)
    off = "false"
    if isinstance(value, bool):
        if spec.can_be_off and value is False:
            return None
        raise LimitError(f"must be {_expected(spec, off)}, got {shown}")
    if isinstance(value, int):
        return _check(spec, Decimal(value), shown, off)
    if isinstance(value, Decimal):
        return _check(spec, value, shown, off)
    if isinstance(value, str):
        raise LimitError(f"must be {_expected(spec, off)}, written without quotes, got {shown}")
    raise LimitError(f"must be {_expected(spec, off)}, got {shown}")


def read_text(name: str, text: str) -> LimitValue:
    """A limit as a trader typed it in a field. Empty turns `max_notional` off."""
    spec = SPECS[name]
    typed = text.strip()
    shown = typed if len(typed) <= 24 else typed[:21] + "..."
    off = "empty"
    if not typed:
        if spec.can_be_off:
            return None
        raise LimitError(f"must be {_expected(spec, off)}")
    if "," in typed:
        raise LimitError(f"must be written without separators, such as 1000, got {shown}")
    allowed = "0123456789" if spec.kind is Kind.COUNT else "0123456789."
    number = None
    if all(c in allowed for c in typed.removeprefix("-")):
        with contextlib.suppress(InvalidOperation):
            number = Decimal(typed)
    if number is None:
        raise LimitError(f"must be {_expected(spec, off)}, got {shown}")
    return _check(spec, number, shown, off)


def write_text(name: str, value: LimitValue) -> str:
    """A limit as a field shows it: 1000, 1000.50, empty for none."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"
    return str(value)
