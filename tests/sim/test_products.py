"""The simulator's product table against the client's, and both against the exchange.

The two tables are written independently (ticket/sim/products.py from the simulator's side,
ticket/domain/instruments.py from the client's), so a typo on either side shows here instead of
agreeing with itself in every other test.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from tests.schema import errors as schema_errors
from ticket.broker.contracts import instrument_from_product
from ticket.broker.models import Product
from ticket.domain.instruments import BUILT_IN, Instrument
from ticket.sim.catalog import Catalog
from ticket.sim.expiry import Expiry, first_notice_day, last_trading_day
from ticket.sim.products import PRODUCTS, ProductSpec

SHARED = sorted(set(BUILT_IN) & set(PRODUCTS))

# Dollars per contract for one minimum price fluctuation, as CME Group's spec sheets state them:
# a third source, in other units than either table.
CME_TICK_VALUES = {
    "ES": "12.50", "MES": "1.25", "NQ": "5.00", "MNQ": "0.50", "RTY": "5.00", "M2K": "0.50",
    "YM": "5.00", "MYM": "0.50", "CL": "10.00", "MCL": "1.00", "NG": "10.00", "GC": "10.00",
    "MGC": "1.00", "SI": "25.00", "HG": "12.50", "ZB": "31.25", "ZN": "15.625", "ZF": "7.8125",
    "ZT": "7.8125", "6E": "6.25", "6J": "6.25", "6B": "6.25", "ZC": "12.50", "ZS": "12.50",
    "ZW": "12.50", "6A": "5.00", "6C": "5.00", "PL": "5.00",
}  # fmt: skip


def sim_facts(spec: ProductSpec) -> dict[str, object]:
    if spec.price_format_type == "Fractional":
        price_format = ("fractional", spec.parts_of_32nd)
    else:
        price_format = ("decimal", spec.decimals)
    return {
        "tick size": spec.tick_size,
        "value per point": spec.value_per_point,
        "tick value": spec.tick_value,
        "price format": price_format,
        "months": spec.months,
        "exchange": spec.exchange,
        "currency": spec.currency,
    }


def client_facts(instrument: Instrument) -> dict[str, object]:
    fmt = instrument.price_format
    return {
        "tick size": instrument.tick_size,
        "value per point": instrument.value_per_point,
        "tick value": instrument.tick_value,
        "price format": (fmt.kind, fmt.sub32 if fmt.kind == "fractional" else fmt.places),
        "months": instrument.months,
        "exchange": instrument.exchange,
        "currency": instrument.currency,
    }


def test_the_simulator_knows_every_product_the_client_knows():
    assert set(BUILT_IN) - set(PRODUCTS) == set()
    assert set(PRODUCTS) - set(BUILT_IN), "a product unknown to the client exercises its fallback"


@pytest.mark.parametrize("name", SHARED)
def test_simulator_and_client_tables_agree(name):
    assert sim_facts(PRODUCTS[name]) == client_facts(BUILT_IN[name])


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_tick_values_are_the_exchanges(name):
    assert PRODUCTS[name].tick_value == D(CME_TICK_VALUES[name])


@pytest.mark.parametrize("name", SHARED)
def test_the_product_on_the_wire_reads_back_as_the_client_table(name):
    catalog = Catalog(date(2026, 11, 25))
    wire = catalog.products_by_name[name].to_wire()
    read = instrument_from_product(Product.model_validate(wire))
    table = BUILT_IN[name]
    assert (read.tick_size, read.value_per_point, read.price_format) == (
        table.tick_size,
        table.value_per_point,
        table.price_format,
    )


def test_every_product_is_a_tradovate_product_by_the_spec(openapi):
    catalog = Catalog(date(2026, 11, 25))
    problems = {
        p.spec.name: schema_errors(openapi, "Product", p.to_wire())
        for p in catalog.products.values()
    }
    assert {name: found for name, found in problems.items() if found} == {}


def test_decimal_price_format_is_minus_the_decimals_as_in_tradovates_example():
    nq = Catalog(date(2026, 11, 25)).products_by_name["NQ"].to_wire()
    assert (nq["priceFormatType"], nq["priceFormat"], nq["tickSize"]) == ("Decimal", -2, 0.25)


@pytest.mark.parametrize(
    ("expiry", "year", "month", "day"),
    [
        (Expiry.EQUITY_INDEX, 2026, 12, date(2026, 12, 18)),  # third Friday
        (Expiry.FX, 2026, 12, date(2026, 12, 14)),  # Monday before the third Wednesday
        (Expiry.CRUDE, 2027, 2, date(2027, 1, 20)),  # 25 Jan is a Monday: 3 days before
        (Expiry.CRUDE, 2026, 11, date(2026, 10, 20)),  # 25 Oct is a Sunday: 4 days before
        (Expiry.MICRO_CRUDE, 2027, 2, date(2027, 1, 19)),  # a day before the big contract
        (Expiry.NATURAL_GAS, 2027, 1, date(2026, 12, 29)),  # third-last business day before
        (Expiry.METALS, 2026, 12, date(2026, 12, 29)),  # third-last business day of the month
        (Expiry.LONG_TREASURY, 2027, 6, date(2027, 6, 21)),  # 7 days before 30 June
        (Expiry.SHORT_TREASURY, 2026, 12, date(2026, 12, 31)),
        (Expiry.GRAINS, 2027, 3, date(2027, 3, 12)),  # 15 March is a Monday
    ],
)
def test_last_trading_days_follow_the_rulebook(expiry, year, month, day):
    assert last_trading_day(expiry, year, month) == day


def test_first_notice_is_the_last_business_day_of_the_month_before_for_delivered_products():
    assert first_notice_day(Expiry.METALS, 2027, 2) == date(2027, 1, 29)  # 31 Jan is a Sunday
    assert first_notice_day(Expiry.LONG_TREASURY, 2026, 12) == date(2026, 11, 30)
    assert first_notice_day(Expiry.EQUITY_INDEX, 2026, 12) is None


def test_front_months_roll_before_notice_and_on_the_equity_roll_date():
    fronts = {c.name for c in Catalog(date(2026, 11, 25)).contracts.values() if c.is_front}
    # gold, treasuries and corn have left December a week before 30 November's first notice
    assert {"ESZ6", "CLF7", "NGF7", "GCG7", "ZNH7", "ZCH7", "6EZ6", "SIH7"} <= fronts
    before, on = Catalog(date(2026, 12, 9)), Catalog(date(2026, 12, 10))
    assert before.front("ES").name == "ESZ6" and on.front("ES").name == "ESH7"


def test_each_product_lists_its_front_and_the_next_months_of_its_cycle():
    catalog = Catalog(date(2026, 11, 25))
    gold = sorted((c.year, c.month) for c in catalog.contracts.values() if c.name[:2] == "GC")
    assert gold == [(2027, 2), (2027, 4), (2027, 6)]
    assert catalog.by_name["ZSF7"].is_front and "ZSH7" in catalog.by_name
