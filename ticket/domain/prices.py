"""Prices on a tick grid: snapping, tick arithmetic, and the two display formats.

Everything here is `Decimal`. A price that reaches the wire has been through `snap` or has been
checked with `is_on_grid`; nothing in the program turns user text into a float.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PriceError(ValueError):
    """Text that is not a price, or a price that is not on the instrument's tick grid."""


class Rounding(StrEnum):
    NEAREST = "nearest"
    DOWN = "down"
    UP = "up"


_ROUNDING = {
    Rounding.NEAREST: ROUND_HALF_UP,
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.UP: ROUND_CEILING,
}


def snap(price: Decimal, tick: Decimal, rounding: Rounding = Rounding.NEAREST) -> Decimal:
    """The grid price next to `price`: nearest, or the one below/above it."""
    steps = (price / tick).quantize(Decimal(1), rounding=_ROUNDING[rounding])
    return steps * tick


def snap_toward(price: Decimal, reference: Decimal, tick: Decimal) -> Decimal:
    """Snap `price` towards `reference`.

    Used for stops and targets measured from an entry: the snapped stop is never further from the
    entry than asked (never riskier), the snapped target never promises more than asked.
    """
    if price < reference:
        return snap(price, tick, Rounding.UP)
    return snap(price, tick, Rounding.DOWN)


def is_on_grid(price: Decimal, tick: Decimal) -> bool:
    return (price / tick) % 1 == 0


MAX_MAGNITUDE = Decimal(10**9)
MAX_DECIMALS = 12


def check_magnitude(value: Decimal, what: str) -> Decimal:
    """A number a price or distance can be: at most 10^9 and 12 decimals. Beyond that a value
    is a typo, and would only make Decimal arithmetic slow or fail further on."""
    if value.copy_abs() >= MAX_MAGNITUDE:  # abs() would round, and overflow on 1e999999999
        raise PriceError(f"{what} is too large.")
    exponent = value.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -MAX_DECIMALS
        and value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    ):
        raise PriceError(f"{what} has more than {MAX_DECIMALS} decimals.")
    return value


def parse_number(text: str, what: str) -> Decimal:
    """A plain number a person typed (a distance, an amount, a multiple): a dot for decimals,
    finite, and within the bounds of `check_magnitude`."""
    cleaned = text.strip()
    if "," in cleaned:
        raise PriceError(
            f"'{cleaned}': use a dot for decimals and no thousands separator (for example 12.5)."
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PriceError(f"'{cleaned}' is not {what}.") from None
    if not value.is_finite():
        raise PriceError(f"'{cleaned}' is not {what}.")
    return check_magnitude(value, f"'{cleaned}'")


def ticks_between(start: Decimal, end: Decimal, tick: Decimal) -> Decimal:
    """Signed number of ticks from `start` to `end` (positive when `end` is higher)."""
    return (end - start) / tick


class PriceFormat(BaseModel):
    """How a product's prices are written.

    `decimal`: a plain number with `places` decimals (ES 5000.25, 6E 1.08765).
    `fractional`: points and 32nds, the way CBOT treasuries trade: `110'16.5` is 110 + 16.5/32.
    `sub32` is how many parts a 32nd is cut into (ZB 1, ZN 2, ZF 4, ZT 8).
    """

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    kind: Literal["decimal", "fractional"]
    places: int = Field(default=2, ge=0, le=10)
    sub32: int = Field(default=1, ge=1, le=8)

    @classmethod
    def decimal(cls, places: int) -> PriceFormat:
        return cls(kind="decimal", places=places)

    @classmethod
    def fractional(cls, sub32: int) -> PriceFormat:
        return cls(kind="fractional", sub32=sub32)

    def format(self, price: Decimal) -> str:
        if self.kind == "decimal":
            return f"{price:.{self.places}f}"
        return _format_32nds(price)

    def parse(self, text: str) -> Decimal:
        cleaned = text.strip()
        if not cleaned:
            raise PriceError("Enter a price.")
        if "," in cleaned:
            # 1,08500 is a decimal comma in most of Europe and 6,000.25 a thousands separator
            # elsewhere: guessing either way could send a price a thousand times off.
            raise PriceError(
                f"'{cleaned}': use a dot for decimals and no thousands separator "
                "(for example 6000.25)."
            )
        if self.kind == "fractional":
            match = _FRACTIONAL.match(cleaned)
            if match:
                return check_magnitude(_parse_32nds(match), f"'{cleaned}'")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            example = "110'16.5" if self.kind == "fractional" else "5000.25"
            raise PriceError(f"'{text.strip()}' is not a price (for example {example}).") from None
        if not value.is_finite():
            raise PriceError(f"'{text.strip()}' is not a price.")
        return check_magnitude(value, f"'{text.strip()}'")


_FRACTIONAL = re.compile(r"^(-?)(\d+)\s*['\-]\s*(\d{1,2}(?:\.\d+)?)$")


def _format_32nds(price: Decimal) -> str:
    sign = "-" if price < 0 else ""
    magnitude = abs(price)
    whole = int(magnitude)
    thirty_seconds = (magnitude - whole) * 32
    units = int(thirty_seconds)
    rest = thirty_seconds - units
    tail = "" if rest == 0 else str(rest.normalize())[1:]  # ".5", ".25", ".125"
    return f"{sign}{whole}'{units:02d}{tail}"


def _parse_32nds(match: re.Match[str]) -> Decimal:
    sign, whole, thirty_seconds = match.groups()
    n32 = Decimal(thirty_seconds)
    if n32 >= 32:
        raise PriceError(f"{thirty_seconds} is not a number of 32nds (it must be below 32).")
    value = Decimal(whole) + n32 / 32
    return -value if sign else value
