from datetime import date
from decimal import Decimal as D

import pytest

from ticket.domain.instruments import (
    BUILT_IN,
    front_month,
    front_symbol,
    parse_symbol,
    roll_date,
)

# Tick size and tick value from the CME Group contract specifications, checked by hand.
TICKS = {
    "ES": ("0.25", "12.50"),
    "MES": ("0.25", "1.25"),
    "NQ": ("0.25", "5.00"),
    "MNQ": ("0.25", "0.50"),
    "RTY": ("0.1", "5.0"),
    "M2K": ("0.1", "0.5"),
    "YM": ("1", "5"),
    "MYM": ("1", "0.5"),
    "CL": ("0.01", "10.00"),
    "MCL": ("0.01", "1.00"),
    "NG": ("0.001", "10.000"),
    "GC": ("0.1", "10.0"),
    "MGC": ("0.1", "1.0"),
    "SI": ("0.005", "25.000"),
    "HG": ("0.0005", "12.5000"),
    "ZB": ("0.03125", "31.25"),
    "ZN": ("0.015625", "15.625"),
    "ZF": ("0.0078125", "7.8125"),
    "ZT": ("0.00390625", "7.8125"),
    "6E": ("0.00005", "6.25"),
    "6J": ("0.0000005", "6.25"),
    "6B": ("0.0001", "6.25"),
    "ZC": ("0.25", "12.50"),
    "ZS": ("0.25", "12.50"),
    "ZW": ("0.25", "12.50"),
}


@pytest.mark.parametrize(("root", "tick", "value"), [(r, *v) for r, v in TICKS.items()])
def test_built_in_table_has_the_exchange_tick_and_its_value(root, tick, value):
    instrument = BUILT_IN[root]
    assert instrument.tick_size == D(tick)
    assert instrument.tick_value == D(value)


def test_the_table_covers_every_product_the_ticket_promises():
    assert set(TICKS) <= set(BUILT_IN)


@pytest.mark.parametrize(
    ("root", "on", "symbol"),
    [
        ("ES", date(2026, 11, 25), "ESZ6"),
        ("ES", date(2026, 12, 9), "ESZ6"),
        ("ES", date(2026, 12, 10), "ESH7"),  # roll Thursday, 8 days before the 3rd Friday
        ("MNQ", date(2026, 3, 1), "MNQH6"),
        ("CL", date(2026, 11, 25), "CLF7"),
        ("CL", date(2026, 11, 10), "CLZ6"),
        ("GC", date(2026, 11, 25), "GCG7"),
        ("GC", date(2026, 11, 19), "GCZ6"),
        ("ZN", date(2026, 11, 25), "ZNH7"),
        ("ZN", date(2026, 11, 21), "ZNZ6"),
        ("6E", date(2026, 11, 25), "6EZ6"),
        ("ZS", date(2026, 11, 25), "ZSF7"),
        ("ZC", date(2026, 11, 25), "ZCH7"),
        ("ES", date(2029, 12, 20), "ESH0"),
    ],
)
def test_front_month_follows_each_listing_cycle(root, on, symbol):
    assert front_symbol(root, on) == symbol


def test_front_month_is_never_a_month_outside_the_cycle():
    for instrument in BUILT_IN.values():
        for day in range(1, 365, 7):
            on = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + day)
            contract = front_month(instrument, on)
            assert "FGHJKMNQUVXZ"[contract.month - 1] in instrument.months
            assert on < roll_date(instrument.roll, contract.year, contract.month)


def test_parse_symbol_finds_root_month_and_decade():
    today = date(2026, 11, 25)
    assert parse_symbol("MESZ6", today).model_dump() == {"root": "MES", "year": 2026, "month": 12}
    assert parse_symbol("6EH7", today).model_dump() == {"root": "6E", "year": 2027, "month": 3}
    assert parse_symbol("esh0", today).year == 2030
    assert parse_symbol("ESZ5", today).year == 2025


@pytest.mark.parametrize("bad", ["", "ES", "XXZ6", "ESA6", "ES Z6"])
def test_parse_symbol_refuses_what_it_does_not_know(bad):
    with pytest.raises(ValueError, match="not a contract"):
        parse_symbol(bad, date(2026, 11, 25))
