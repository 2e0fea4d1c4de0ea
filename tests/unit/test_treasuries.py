"""Treasury prices in every notation a trader types or sees elsewhere, refused in their own words
when malformed or off the grid, and shown back in the contract's own notation."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.draft import Draft, evaluate
from ticket.domain.instruments import BUILT_IN
from ticket.domain.prices import PriceError, is_on_grid
from ticket.domain.rules import assess
from ticket.domain.summary import plan_lines
from ticket.domain.ticket import DistanceUnit
from ticket.domain.ticket import TicketField as F

from .forms import LOOSE, NOW, form

TREASURIES = ("ZB", "ZN", "ZF", "ZT")
# CME's third digit for each part of a 32nd, written out rather than derived, so the tests do
# not share the program's rule: 2 = 1/4, 5 = 1/2, 7 = 3/4; ZT's eighths add 1, 3, 6 and 8.
THIRD_DIGITS = {
    "ZB": {D(0): "0"},
    "ZN": {D(0): "0", D("0.5"): "5"},
    "ZF": {D(0): "0", D("0.25"): "2", D("0.5"): "5", D("0.75"): "7"},
    "ZT": {
        D(0): "0",
        D("0.125"): "1",
        D("0.25"): "2",
        D("0.375"): "3",
        D("0.5"): "5",
        D("0.625"): "6",
        D("0.75"): "7",
        D("0.875"): "8",
    },
}


def price(whole: int, thirty_seconds: str) -> D:
    return whole + D(thirty_seconds) / 32


def refusal(root: str, text: str) -> str:
    with pytest.raises(PriceError) as info:
        BUILT_IN[root].parse_price(text)
    return str(info.value)


@pytest.mark.parametrize("root", TREASURIES)
def test_the_tick_of_each_treasury_is_its_part_of_a_32nd(root):
    instrument = BUILT_IN[root]
    assert instrument.tick_size == D(1) / (32 * instrument.price_format.sub32)
    assert sorted(THIRD_DIGITS[root]) == [
        D(k) / instrument.price_format.sub32 for k in range(instrument.price_format.sub32)
    ]


@pytest.mark.parametrize(
    ("root", "text", "thirty_seconds"),
    [
        ("ZN", "110'16.5", "16.5"),
        ("ZN", "110-16.5", "16.5"),
        ("ZN", "110'165", "16.5"),
        ("ZN", "110-165", "16.5"),
        ("ZN", "110'16+", "16.5"),
        ("ZN", "110-16+", "16.5"),
        ("ZN", "110’16.5", "16.5"),  # the typographic apostrophe of a pasted quote
        ("ZN", "110'160", "16"),
        ("ZN", " 110 ' 16 ", "16"),
        ("ZN", "110'16.50", "16.5"),
        ("ZF", "110'162", "16.25"),
        ("ZF", "110'165", "16.5"),
        ("ZF", "110'167", "16.75"),
        ("ZF", "110-167", "16.75"),
        ("ZF", "110-16.75", "16.75"),
        ("ZF", "110'16+", "16.5"),
        ("ZT", "110'162", "16.25"),
        ("ZT", "110'167", "16.75"),
        ("ZT", "110'161", "16.125"),
        ("ZT", "110'163", "16.375"),
        ("ZT", "110'166", "16.625"),
        ("ZT", "110'168", "16.875"),
        ("ZT", "110'16.875", "16.875"),
        ("ZT", "110-00+", "0.5"),
        ("ZB", "110'16", "16"),
        ("ZB", "110-05", "5"),
        ("ZB", "110'5", "5"),
        ("ZB", "110'160", "16"),
        ("ZN", "110.515625", "16.5"),
    ],
)
def test_every_notation_traders_use_reads_as_the_same_price(root, text, thirty_seconds):
    assert BUILT_IN[root].parse_price(text) == price(110, thirty_seconds)


@pytest.mark.parametrize(
    ("root", "text", "message"),
    [
        (
            "ZN",
            "110'162",
            "'110'162': the third digit is the part of a 32nd and must be 0 or 5 "
            "(0 or 1/2 of a 32nd).",
        ),
        ("ZN", "110'167", "must be 0 or 5 (0 or 1/2 of a 32nd)"),
        ("ZF", "110'161", "must be 0, 2, 5 or 7 (0, 1/4, 1/2 or 3/4 of a 32nd)."),
        ("ZF", "110'164", "must be 0, 2, 5 or 7"),
        ("ZT", "110'164", "must be 0, 1, 2, 3, 5, 6, 7 or 8 (0, 1/8, 1/4, 3/8, 1/2, 5/8"),
        ("ZT", "110'169", "must be 0, 1, 2, 3, 5, 6, 7 or 8"),
        ("ZB", "110'165", "'110'165': this contract trades whole 32nds (for example 110'16)."),
        ("ZN", "110'32", "'110'32': the 32nds must be below 32 (for example 110'31)."),
        ("ZN", "110'325", "the 32nds must be below 32"),
        (
            "ZN",
            "110'1655",
            "'110'1655': write two digits of 32nds, then the part of a 32nd "
            "(for example 110'16.5 or 110'165).",
        ),
        ("ZN", "110'165+", "write two digits of 32nds"),
        ("ZN", "110'165.5", "write two digits of 32nds"),
        ("ZN", "110'16.5.5", "'110'16.5.5' is not a price (for example 110'16.5 or 110'165)."),
        ("ZN", "110'", "is not a price (for example 110'16.5 or 110'165)"),
        ("ZN", "'16", "is not a price"),
        ("ZN", "110'+", "is not a price"),
        ("ZN", "110''16", "is not a price"),
        ("ZN", "110-16-5", "is not a price"),
        ("ZN", "110'16,5", "use a dot for decimals"),
        ("ZT", "abc", "'abc' is not a price (for example 110'16.125 or 110'161)."),
        ("ZF", "108'16.25.", "is not a price (for example 110'16.25 or 110'162)"),
        ("ZB", "12x", "'12x' is not a price (for example 110'16)."),
    ],
)
def test_malformed_treasury_prices_are_refused_in_their_own_notation(root, text, message):
    assert message in refusal(root, text)


@pytest.mark.parametrize(
    ("root", "text", "message"),
    [
        (
            "ZN",
            "110'16.25",
            "110'16.25 is not on the tick grid (1/2 of 1/32): use 110'16 or 110'16.5.",
        ),
        (
            "ZN",
            "110.5078125",
            "110'16.25 is not on the tick grid (1/2 of 1/32): use 110'16 or 110'16.5.",
        ),
        ("ZB", "110'16+", "110'16.5 is not on the tick grid (1/32): use 110'16 or 110'17."),
        ("ZB", "110-16.5", "110'16.5 is not on the tick grid (1/32): use 110'16 or 110'17."),
        (
            "ZF",
            "110'16.3",
            "110'16.3 is not on the tick grid (1/4 of 1/32): use 110'16.25 or 110'16.5.",
        ),
        (
            "ZT",
            "110'31.9",
            "110'31.9 is not on the tick grid (1/8 of 1/32): use 110'31.875 or 111'00.",
        ),
        (
            "ZN",
            "110.51",
            "110'16.32 is not on the tick grid (1/2 of 1/32): use 110'16 or 110'16.5.",
        ),
    ],
)
def test_an_off_grid_treasury_price_is_named_with_its_neighbours_in_32nds(root, text, message):
    assert refusal(root, text) == message


@pytest.mark.parametrize("root", TREASURIES)
def test_every_tick_from_100_to_130_formats_and_reads_back_in_every_notation(root):
    instrument = BUILT_IN[root]
    sub32 = instrument.price_format.sub32
    tick = instrument.tick_size
    for step in range(30 * 32 * sub32 + 1):
        value = 100 + step * tick
        shown = instrument.format_price(value)
        assert instrument.parse_price(shown) == value, shown
        whole, rest = divmod(step, 32 * sub32)
        n32, k = divmod(rest, sub32)
        part = D(k) / sub32
        assert shown == f"{100 + whole}'{n32:02d}" + (f"{part:f}"[1:] if k else "")
        cme = f"{100 + whole}-{n32:02d}{THIRD_DIGITS[root][part]}"
        assert instrument.parse_price(cme) == value, cme
        if part == D("0.5"):
            assert instrument.parse_price(f"{100 + whole}'{n32:02d}+") == value


@st.composite
def typed_prices(draw):
    """A treasury price on its grid and one way a trader might type it."""
    root = draw(st.sampled_from(TREASURIES))
    sub32 = BUILT_IN[root].price_format.sub32
    whole = draw(st.integers(0, 999))
    n32 = draw(st.integers(0, 31))
    part = D(draw(st.integers(0, sub32 - 1))) / sub32
    separator = draw(st.sampled_from(["'", "-", "’", " ' ", " - "]))
    thirty_seconds = draw(st.sampled_from([f"{n32:02d}", str(n32)]))
    forms = [_with_part(thirty_seconds, part)]
    forms.append(f"{n32:02d}{THIRD_DIGITS[root][part]}")
    if part == D("0.5"):
        forms.append(f"{thirty_seconds}+")
    if part == 0:
        forms.append(f"{thirty_seconds}.0")
    typed = f"{whole}{separator}{draw(st.sampled_from(forms))}"
    return root, typed, whole + (n32 + part) / 32


def _with_part(thirty_seconds: str, part: D) -> str:
    return thirty_seconds + (f"{part:f}"[1:] if part else "")


@given(typed_prices())
def test_any_notation_of_a_grid_price_reads_as_that_price(case):
    root, typed, value = case
    instrument = BUILT_IN[root]
    assert instrument.parse_price(typed) == value
    assert instrument.parse_price(instrument.format_price(value)) == value


@given(
    st.sampled_from(TREASURIES),
    st.text(alphabet="0123456789'’-+. e", max_size=12),
)
def test_any_typed_text_is_a_grid_price_or_refused_in_words(root, text):
    instrument = BUILT_IN[root]
    try:
        value = instrument.price_format.parse(text)
    except PriceError as exc:
        assert str(exc)
    else:
        assert is_on_grid(value, instrument.tick_size)
        assert instrument.parse_price(instrument.format_price(value)) == value


def test_distances_in_the_plan_card_are_in_32nds():
    f = form("ZF", price="108.5", stop=("10", DistanceUnit.TICKS), target=None)
    lines = plan_lines(f, assess(f, LOOSE, NOW))
    assert lines[0] == "ZFZ6  5-Year U.S. Treasury Note: tick 1/4 of 1/32 = 7.8125 USD"
    assert "108'13.5     10 ticks      0'02.5 pts" in lines[2]


def test_an_off_grid_treasury_price_is_refused_at_its_field_in_32nds():
    draft = Draft(
        symbol="ZNZ6", price="110'16.25", sl_unit=DistanceUnit.PRICE, sl_distance="110'123"
    )
    evaluation = evaluate(draft, BUILT_IN["ZN"], LOOSE, NOW)
    assert [p.message for p in evaluation.at(F.PRICE)] == [
        "110'16.25 is not on the tick grid (1/2 of 1/32): use 110'16 or 110'16.5."
    ]
    assert [p.message for p in evaluation.at(F.STOP_LOSS)] == [
        "'110'123': the third digit is the part of a 32nd and must be 0 or 5 (0 or 1/2 of a 32nd)."
    ]
