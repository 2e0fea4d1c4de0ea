from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.instruments import BUILT_IN
from ticket.domain.prices import (
    PriceError,
    PriceFormat,
    Rounding,
    is_on_grid,
    snap,
    snap_toward,
    ticks_between,
)


def test_snap_nearest_down_and_up_on_the_es_grid():
    tick = D("0.25")
    assert snap(D("5000.30"), tick) == D("5000.25")
    assert snap(D("5000.40"), tick) == D("5000.50")
    assert snap(D("5000.30"), tick, Rounding.DOWN) == D("5000.25")
    assert snap(D("5000.30"), tick, Rounding.UP) == D("5000.50")
    assert snap(D("5000.25"), tick, Rounding.UP) == D("5000.25")


def test_snap_toward_the_entry_never_widens_a_stop():
    tick = D("0.25")
    # A long's stop below the entry rounds up (closer), a short's stop above rounds down.
    assert snap_toward(D("4998.10"), D("5000.00"), tick) == D("4998.25")
    assert snap_toward(D("5001.90"), D("5000.00"), tick) == D("5001.75")


def test_ticks_between_is_signed():
    assert ticks_between(D("75.50"), D("75.30"), D("0.01")) == -20
    assert ticks_between(D("1.08500"), D("1.08600"), D("0.00005")) == 20


def test_is_on_grid_for_treasury_fractions():
    assert is_on_grid(D("110.515625"), D("0.015625"))  # ZN 110'16.5
    assert not is_on_grid(D("110.5078125"), D("0.015625"))  # a quarter 32nd is not a ZN tick


@pytest.mark.parametrize(
    ("root", "text", "value", "shown"),
    [
        ("ES", "5000.25", D("5000.25"), "5000.25"),
        ("CL", "75.3", D("75.30"), "75.30"),
        ("6E", "1.08765", D("1.08765"), "1.08765"),
        ("6J", "0.0066435", D("0.0066435"), "0.0066435"),
        ("YM", "44123", D("44123"), "44123"),
        ("ZB", "118'16", D("118.5"), "118'16"),
        ("ZN", "110'16.5", D("110.515625"), "110'16.5"),
        ("ZN", "110-05", D("110.15625"), "110'05"),
        ("ZF", "108'16.25", D("108.5078125"), "108'16.25"),
        ("ZF", "108'16.75", D("108.5234375"), "108'16.75"),
        ("ZT", "103'16.125", D("103.50390625"), "103'16.125"),
        ("ZN", "110.515625", D("110.515625"), "110'16.5"),
    ],
)
def test_parse_and_format_in_the_instruments_own_format(root, text, value, shown):
    instrument = BUILT_IN[root]
    assert instrument.parse_price(text) == value
    assert instrument.format_price(value) == shown


@pytest.mark.parametrize(
    ("root", "text", "fragment"),
    [
        ("ES", "5000.30", "use 5000.25 or 5000.50"),
        ("ZN", "110'16.25", "use 110'16 or 110'16.5"),
        ("ZB", "118'32", "below 32"),
        ("ES", "abc", "is not a price"),
        ("ES", "", "Enter a price"),
        ("CL", "nan", "is not a price"),
    ],
)
def test_parse_refuses_text_that_is_not_a_grid_price(root, text, fragment):
    with pytest.raises(PriceError, match=fragment):
        BUILT_IN[root].parse_price(text)


instruments = st.sampled_from(sorted(BUILT_IN.values(), key=lambda i: i.root))


@given(instruments, st.decimals(min_value=D("0.0001"), max_value=D(200000), places=8))
def test_snapping_is_on_grid_and_idempotent(instrument, price):
    tick = instrument.tick_size
    for rounding in Rounding:
        snapped = snap(price, tick, rounding)
        assert is_on_grid(snapped, tick)
        assert snap(snapped, tick, rounding) == snapped
        assert abs(snapped - price) <= tick


@given(instruments, st.integers(min_value=1, max_value=10**8))
def test_format_then_parse_gives_back_the_same_price(instrument, steps):
    price = instrument.tick_size * steps
    assert instrument.parse_price(instrument.format_price(price)) == price


def test_fractional_format_rejects_32nds_of_32_or_more():
    with pytest.raises(PriceError):
        PriceFormat.fractional(2).parse("110'33")
