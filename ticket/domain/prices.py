"""Prices on a tick grid: snapping, tick arithmetic, and the two display formats.

Everything here is `Decimal`. A price that reaches the wire has been through `snap` or has been
checked with `is_on_grid`; nothing in the program turns user text into a float.

Treasury notation. CBOT treasuries trade in points and 32nds of a point, the 32nd cut into
halves (ZN), quarters (ZF) or eighths (ZT); ZB trades whole 32nds. The ticket writes one form,
the part of a 32nd as decimals: 118'16, 110'16.5, 108'16.25, 103'16.125. It has no table to
learn and cannot be taken for another 32nd. It reads every form traders type or see elsewhere:

- `110'16.5` or `110-16.5`: the 32nds with a decimal part;
- `110'16+` or `110-16+`: `+` is half a 32nd;
- `110'165` or `110-165`: CME's third digit, the first decimal of the part of a 32nd, cut rather
  than rounded: 0 = 0, 2 = 1/4, 5 = 1/2, 7 = 3/4, and in eighths (ZT) also 1 = 1/8, 3 = 3/8,
  6 = 5/8, 8 = 7/8. This is the futures convention, not the cash market's, where 6 is 6/8. A
  digit that names no tick of the contract (2 for ZN, 1 for ZF, anything but 0 for ZB) is
  refused, never rounded;
- `110.515625`: the price as a decimal.

An apostrophe (' or ’) or a dash separates the points from the 32nds. A price off the grid is
refused with the two nearest ticks, written in the ticket's form.
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
    `sub32` is how many parts a 32nd is cut into (ZB 1, ZN 2, ZF 4, ZT 8), so the tick of a
    fractional product is 1/(32 * sub32) and its prices are checked against that grid when read.
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
        """A price, or a distance in points, the way this product writes it (ZN 0'04 is 4/32)."""
        if self.kind == "fractional":
            return _format_32nds(price)
        text = f"{price:.{self.places}f}"
        if Decimal(text) != price:
            # Off the grid (an average fill, a typo): every digit, never a rounded price.
            text = f"{price.normalize():f}"
        return text

    def format_tick(self, tick: Decimal) -> str:
        """The tick in words a trader of the product uses: 0.25, 0.0000005, 1/32, 1/2 of 1/32."""
        if self.kind == "fractional":
            parts = 1 / (tick * 32)
            if parts == parts.to_integral_value():
                return "1/32" if parts == 1 else f"1/{parts:f} of 1/32"
        return self.format(tick)

    def off_grid(self, price: Decimal, tick: Decimal, root: str = "") -> PriceError:
        """The error for a price between two ticks, naming both in this product's notation."""
        low = snap(price, tick, Rounding.DOWN)
        grid = f"the {root} tick grid" if root else "the tick grid"
        return PriceError(
            f"{self.format(price)} is not on {grid} ({self.format_tick(tick)}): "
            f"use {self.format(low)} or {self.format(low + tick)}."
        )

    def parse(self, text: str, *, check_grid: bool = True) -> Decimal:
        """Read a typed price. A fractional product's price must be on its grid of
        1/(32 * sub32) unless `check_grid` is False (a stepper snaps it itself)."""
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
            value = self._parse_fractional(cleaned)
            if check_grid:
                tick = Decimal(1) / (32 * self.sub32)
                if not is_on_grid(value, tick):
                    raise self.off_grid(value, tick)
            return value
        return _parse_decimal(cleaned, "5000.25")

    def _parse_fractional(self, cleaned: str) -> Decimal:
        match = _FRACTIONAL.match(cleaned)
        if match is None:
            if _LOOKS_FRACTIONAL.search(cleaned):
                raise PriceError(f"'{cleaned}' is not a price (for example {self._examples()}).")
            return _parse_decimal(cleaned, self._examples())
        sign, whole, digits, tail, plus = match.groups()
        if len(digits) > 3 or (len(digits) == 3 and (tail or plus)):
            raise PriceError(
                f"'{cleaned}': write two digits of 32nds, then the part of a 32nd "
                f"(for example {self._examples()})."
            )
        n32 = int(digits[:2])
        if n32 >= 32:
            raise PriceError(f"'{cleaned}': the 32nds must be below 32 (for example 110'31).")
        if len(digits) == 3:
            part = self._third_digit(cleaned, digits[2])
        elif plus:
            part = Decimal("0.5")
        else:
            part = check_magnitude(Decimal(tail), f"'{cleaned}'") if tail else Decimal(0)
        value = Decimal(whole) + (n32 + part) / 32
        return check_magnitude(-value if sign else value, f"'{cleaned}'")

    def _third_digit(self, cleaned: str, digit: str) -> Decimal:
        parts = third_digits(self.sub32)
        if digit in parts:
            return parts[digit]
        if self.sub32 == 1:
            raise PriceError(f"'{cleaned}': this contract trades whole 32nds (for example 110'16).")
        digits = sorted(parts)
        raise PriceError(
            f"'{cleaned}': the third digit is the part of a 32nd and must be {_either(digits)} "
            f"({_either([_fraction(parts[d]) for d in digits])} of a 32nd)."
        )

    def _examples(self) -> str:
        """The smallest step of the product in both notations: 110'16.5 or 110'165 (ZN)."""
        if self.sub32 == 1:
            return "110'16"
        step = Decimal(1) / self.sub32
        digit = next(d for d, part in third_digits(self.sub32).items() if part == step)
        return f"{_format_32nds(110 + (16 + step) / 32)} or 110'16{digit}"


def third_digits(sub32: int) -> dict[str, Decimal]:
    """CME's third digit for each part of a 32nd on a grid of `sub32` parts: the first decimal
    of the part, cut (ZF: 0, 2, 5, 7 for 0, 1/4, 1/2, 3/4). Parts are at least 1/8 apart, so
    no two share a digit."""
    parts = (Decimal(k) / sub32 for k in range(sub32))
    return {str(int(part * 10)): part for part in parts}


_FRACTIONAL = re.compile(r"^(-?)(\d+)\s*['’\-]\s*(\d+)(?:(\.\d+)|(\+))?$")
_LOOKS_FRACTIONAL = re.compile(r"['’+]|\d\s*-")


def _either(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _fraction(part: Decimal) -> str:
    if part == 0:
        return "0"
    numerator, denominator = part.as_integer_ratio()
    return f"{numerator}/{denominator}"


def _parse_decimal(cleaned: str, example: str) -> Decimal:
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PriceError(f"'{cleaned}' is not a price (for example {example}).") from None
    if not value.is_finite():
        raise PriceError(f"'{cleaned}' is not a price.")
    return check_magnitude(value, f"'{cleaned}'")


def _format_32nds(price: Decimal) -> str:
    sign = "-" if price < 0 else ""
    magnitude = abs(price)
    whole = int(magnitude)
    thirty_seconds = (magnitude - whole) * 32
    units = int(thirty_seconds)
    rest = thirty_seconds - units
    tail = "" if rest == 0 else f"{rest.normalize():f}"[1:]  # ".5", ".25", ".125"
    return f"{sign}{whole}'{units:02d}{tail}"
