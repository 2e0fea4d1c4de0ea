"""Contract months as the exchange defines them: month codes, last trading days, first notice
days, and from those the month the simulator lists first (its front month).

Business days are weekdays; exchange holidays are not modelled, which can move a date by a day.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

MONTH_CODES = "FGHJKMNQUVXZ"  # CME month codes, January .. December

_WEEKEND = (calendar.SATURDAY, calendar.SUNDAY)


class Expiry(StrEnum):
    """How a contract month's last trading day falls, from each product's CME rulebook chapter."""

    EQUITY_INDEX = "third Friday of the contract month"
    FX = "second business day before the third Wednesday of the contract month"
    CRUDE = "third business day before the 25th of the month before (fourth if the 25th is not)"
    MICRO_CRUDE = "fourth business day before the 25th of the month before (fifth if not)"
    NATURAL_GAS = "third business day before the first day of the contract month"
    METALS = "third-last business day of the contract month"
    LONG_TREASURY = "seventh business day before the last business day of the contract month"
    SHORT_TREASURY = "last business day of the contract month"
    GRAINS = "business day before the 15th of the contract month"


# Physically delivered products whose holders get delivery notices from the last business day of
# the month before: traders leave the month before that day.
_NOTICE_BEFORE_MONTH = {Expiry.METALS, Expiry.LONG_TREASURY, Expiry.SHORT_TREASURY, Expiry.GRAINS}
ROLL_BUSINESS_DAYS = 5  # how long before first notice (or the last trading day) traders roll
EQUITY_ROLL_DAYS = 8  # CME's equity index roll date: the Thursday 8 days before expiration


def _business(day: date) -> bool:
    return day.weekday() not in _WEEKEND


def _business_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        count -= _business(day)
    return day


def _last_business_day(year: int, month: int) -> date:
    day = date(year, month, calendar.monthrange(year, month)[1])
    return day if _business(day) else _business_days_before(day, 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _before_the_25th(year: int, month: int, count: int) -> date:
    prev_year, prev_month = _month_before(year, month)
    the_25th = date(prev_year, prev_month, 25)
    return _business_days_before(the_25th, count + (not _business(the_25th)))


def last_trading_day(expiry: Expiry, year: int, month: int) -> date:
    if expiry is Expiry.EQUITY_INDEX:
        return _nth_weekday(year, month, calendar.FRIDAY, 3)
    if expiry is Expiry.FX:
        return _business_days_before(_nth_weekday(year, month, calendar.WEDNESDAY, 3), 2)
    if expiry is Expiry.CRUDE:
        return _before_the_25th(year, month, 3)
    if expiry is Expiry.MICRO_CRUDE:
        return _before_the_25th(year, month, 4)
    if expiry is Expiry.NATURAL_GAS:
        return _business_days_before(date(year, month, 1), 3)
    if expiry is Expiry.METALS:
        return _business_days_before(_last_business_day(year, month), 2)
    if expiry is Expiry.LONG_TREASURY:
        return _business_days_before(_last_business_day(year, month), 7)
    if expiry is Expiry.SHORT_TREASURY:
        return _last_business_day(year, month)
    return _business_days_before(date(year, month, 15), 1)


def first_notice_day(expiry: Expiry, year: int, month: int) -> date | None:
    if expiry not in _NOTICE_BEFORE_MONTH:
        return None
    return _last_business_day(*_month_before(year, month))


def roll_day(expiry: Expiry, year: int, month: int) -> date:
    """The first day on which traders no longer trade the `year`/`month` contract."""
    if expiry is Expiry.EQUITY_INDEX:
        return last_trading_day(expiry, year, month) - timedelta(days=EQUITY_ROLL_DAYS)
    notice = first_notice_day(expiry, year, month)
    anchor = notice if notice is not None else last_trading_day(expiry, year, month)
    return _business_days_before(anchor, ROLL_BUSINESS_DAYS)


def listed_months(months: str, expiry: Expiry, today: date, count: int) -> list[tuple[int, int]]:
    """(year, month) of the front month on `today` and the listed months after it."""
    if not any(code in MONTH_CODES for code in months):
        raise ValueError(f"no listed month in {months!r}")
    found: list[tuple[int, int]] = []
    year, month = today.year, today.month
    while len(found) < count:
        if MONTH_CODES[month - 1] in months and (found or today < roll_day(expiry, year, month)):
            found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def contract_name(product: str, year: int, month: int) -> str:
    """Tradovate's contract name: product, month code, last digit of the year (ESZ6)."""
    return f"{product}{MONTH_CODES[month - 1]}{year % 10}"
