"""Futures products, their tick economics, and contract months.

The built-in table is the fallback when the broker cannot tell us a product's tick (the live
source is Tradovate's `/product/find`). Figures are CME Group's contract specifications.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ticket.domain.prices import PriceFormat, is_on_grid

MONTH_CODES = "FGHJKMNQUVXZ"  # January .. December


class RollRule(StrEnum):
    """When a contract month stops being the one traders call the front month."""

    EQUITY_INDEX = "equity_index"  # 8 days before expiry on the 3rd Friday (the roll Thursday)
    CURRENCY = "currency"  # a week before expiry on the 3rd Wednesday
    ENERGY = "energy"  # mid-month before the contract month (expiry is late that month)
    METALS = "metals"  # the 20th of the month before, ahead of first notice day
    TREASURY = "treasury"  # the 22nd of the month before, ahead of first notice day
    GRAINS = "grains"  # mid-month before, ahead of first notice day


class Instrument(BaseModel):
    """A futures product (root), e.g. ES: what one tick is worth and how prices are written."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    root: str
    description: str
    exchange: str
    currency: str = "USD"
    tick_size: Decimal
    value_per_point: Decimal
    price_format: PriceFormat
    months: str  # the listing cycle traders trade, as month codes (ES: "HMUZ")
    roll: RollRule

    @property
    def tick_value(self) -> Decimal:
        return self.tick_size * self.value_per_point

    def format_price(self, price: Decimal) -> str:
        return self.price_format.format(price)

    def parse_price(self, text: str) -> Decimal:
        """Read a price typed by a trader; refuse one that is not on the tick grid."""
        value = self.price_format.parse(text)
        self.require_on_grid(value)
        return value

    def require_on_grid(self, price: Decimal) -> None:
        if not is_on_grid(price, self.tick_size):
            raise self.price_format.off_grid(price, self.tick_size, self.root)

    def ticks_to_points(self, ticks: Decimal) -> Decimal:
        return ticks * self.tick_size

    def ticks_to_money(self, ticks: Decimal, contracts: int = 1) -> Decimal:
        return ticks * self.tick_value * contracts


def _dec(places: int) -> PriceFormat:
    return PriceFormat.decimal(places)


def _instrument(
    root: str,
    description: str,
    exchange: str,
    tick: str,
    per_point: str,
    fmt: PriceFormat,
    months: str,
    roll: RollRule,
) -> Instrument:
    return Instrument(
        root=root,
        description=description,
        exchange=exchange,
        tick_size=Decimal(tick),
        value_per_point=Decimal(per_point),
        price_format=fmt,
        months=months,
        roll=roll,
    )


_QUARTERLY = "HMUZ"
_ALL_MONTHS = MONTH_CODES
_E, _C, _N, _M, _T, _G = (
    RollRule.EQUITY_INDEX,
    RollRule.CURRENCY,
    RollRule.ENERGY,
    RollRule.METALS,
    RollRule.TREASURY,
    RollRule.GRAINS,
)

BUILT_IN: dict[str, Instrument] = {
    i.root: i
    for i in (
        _instrument("ES", "E-mini S&P 500", "CME", "0.25", "50", _dec(2), _QUARTERLY, _E),
        _instrument("MES", "Micro E-mini S&P 500", "CME", "0.25", "5", _dec(2), _QUARTERLY, _E),
        _instrument("NQ", "E-mini Nasdaq-100", "CME", "0.25", "20", _dec(2), _QUARTERLY, _E),
        _instrument("MNQ", "Micro E-mini Nasdaq-100", "CME", "0.25", "2", _dec(2), _QUARTERLY, _E),
        _instrument("RTY", "E-mini Russell 2000", "CME", "0.1", "50", _dec(1), _QUARTERLY, _E),
        _instrument("M2K", "Micro E-mini Russell 2000", "CME", "0.1", "5", _dec(1), _QUARTERLY, _E),
        _instrument("YM", "E-mini Dow ($5)", "CBOT", "1", "5", _dec(0), _QUARTERLY, _E),
        _instrument("MYM", "Micro E-mini Dow", "CBOT", "1", "0.5", _dec(0), _QUARTERLY, _E),
        _instrument("CL", "Crude Oil", "NYMEX", "0.01", "1000", _dec(2), _ALL_MONTHS, _N),
        _instrument("MCL", "Micro WTI Crude Oil", "NYMEX", "0.01", "100", _dec(2), _ALL_MONTHS, _N),
        _instrument(
            "NG", "Henry Hub Natural Gas", "NYMEX", "0.001", "10000", _dec(3), _ALL_MONTHS, _N
        ),
        _instrument("GC", "Gold", "COMEX", "0.1", "100", _dec(1), "GJMQVZ", _M),
        _instrument("MGC", "Micro Gold", "COMEX", "0.1", "10", _dec(1), "GJMQVZ", _M),
        _instrument("SI", "Silver", "COMEX", "0.005", "5000", _dec(3), "HKNUZ", _M),
        _instrument("HG", "Copper", "COMEX", "0.0005", "25000", _dec(4), "HKNUZ", _M),
        _instrument(
            "ZB",
            "30-Year U.S. Treasury Bond",
            "CBOT",
            "0.03125",
            "1000",
            PriceFormat.fractional(1),
            _QUARTERLY,
            _T,
        ),
        _instrument(
            "ZN",
            "10-Year U.S. Treasury Note",
            "CBOT",
            "0.015625",
            "1000",
            PriceFormat.fractional(2),
            _QUARTERLY,
            _T,
        ),
        _instrument(
            "ZF",
            "5-Year U.S. Treasury Note",
            "CBOT",
            "0.0078125",
            "1000",
            PriceFormat.fractional(4),
            _QUARTERLY,
            _T,
        ),
        _instrument(
            "ZT",
            "2-Year U.S. Treasury Note",
            "CBOT",
            "0.00390625",
            "2000",
            PriceFormat.fractional(8),
            _QUARTERLY,
            _T,
        ),
        _instrument("6E", "Euro FX", "CME", "0.00005", "125000", _dec(5), _QUARTERLY, _C),
        _instrument("6J", "Japanese Yen", "CME", "0.0000005", "12500000", _dec(7), _QUARTERLY, _C),
        _instrument("6B", "British Pound", "CME", "0.0001", "62500", _dec(4), _QUARTERLY, _C),
        _instrument("ZC", "Corn (cents/bu)", "CBOT", "0.25", "50", _dec(2), "HKNUZ", _G),
        _instrument("ZS", "Soybeans (cents/bu)", "CBOT", "0.25", "50", _dec(2), "FHKNQUX", _G),
        _instrument(
            "ZW", "Chicago SRW Wheat (cents/bu)", "CBOT", "0.25", "50", _dec(2), "HKNUZ", _G
        ),
    )
}


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def roll_date(rule: RollRule, year: int, month: int) -> date:
    """The first day on which the `year`/`month` contract is no longer the front month."""
    if rule is RollRule.EQUITY_INDEX:
        return _nth_weekday(year, month, calendar.FRIDAY, 3) - timedelta(days=8)
    if rule is RollRule.CURRENCY:
        return _nth_weekday(year, month, calendar.WEDNESDAY, 3) - timedelta(days=7)
    prev_year, prev_month = _month_before(year, month)
    day = {RollRule.ENERGY: 15, RollRule.METALS: 20, RollRule.TREASURY: 22, RollRule.GRAINS: 14}
    return date(prev_year, prev_month, day[rule])


class ContractMonth(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    root: str
    year: int
    month: int

    @property
    def symbol(self) -> str:
        """Tradovate's contract name: root, month code, last digit of the year (ESZ6)."""
        return f"{self.root}{MONTH_CODES[self.month - 1]}{self.year % 10}"


def front_month(instrument: Instrument, on: date) -> ContractMonth:
    """The contract month traders call the front month on `on`, from the listing cycle."""
    year, month = on.year, on.month
    for _ in range(36):
        if MONTH_CODES[month - 1] in instrument.months and on < roll_date(
            instrument.roll, year, month
        ):
            return ContractMonth(root=instrument.root, year=year, month=month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(f"{instrument.root} has no listed month")  # pragma: no cover


def front_symbol(root: str, on: date) -> str:
    return front_month(BUILT_IN[root], on).symbol


_SYMBOL = re.compile(r"^([A-Z0-9]+?)([FGHJKMNQUVXZ])(\d{1,2})$")


def parse_symbol(symbol: str, today: date) -> ContractMonth:
    """Split a contract name such as `MESZ6` into root and month; the decade is the nearest
    one that does not put the contract more than a year in the past."""
    match = _SYMBOL.match(symbol.strip().upper())
    if not match or match.group(1) not in BUILT_IN:
        raise ValueError(f"'{symbol}' is not a contract this ticket knows (for example ESZ6).")
    root, code, digits = match.groups()
    month = MONTH_CODES.index(code) + 1
    if len(digits) == 2:
        year = 2000 + int(digits)
    else:
        year = today.year - today.year % 10 + int(digits)
        if year < today.year - 1:
            year += 10
    return ContractMonth(root=root, year=year, month=month)


def instrument_for_symbol(symbol: str, today: date) -> Instrument:
    return BUILT_IN[parse_symbol(symbol, today).root]
