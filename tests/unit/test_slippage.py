"""Slippage in words: worse or better, the ticks, and what it did to the trader's money."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action
from ticket.domain.protection import slippage_ticks, slippage_words

ES = BUILT_IN["ES"]


def words(action, planned, filled, contracts=1, instrument=ES):
    ticks = slippage_ticks(action, D(planned), D(filled), instrument.tick_size)
    return slippage_words(ticks, instrument.ticks_to_money(ticks, contracts))


@pytest.mark.parametrize(
    ("action", "planned", "filled", "contracts", "text"),
    [
        (Action.BUY, "5000.00", "5000.25", 1, "1 tick worse, -12.50"),
        (Action.SELL, "5000.00", "4999.75", 1, "1 tick worse, -12.50"),
        (Action.BUY, "5000.00", "4999.50", 1, "2 ticks better, +25.00"),
        (Action.SELL, "5000.00", "5000.50", 2, "2 ticks better, +50.00"),
        (Action.BUY, "5000.00", "5000.00", 3, "no slippage"),
        (Action.BUY, "5000.00", "5025.00", 1, "100 ticks worse, -1,250.00"),
        # An average of two fills a tick apart lands between ticks.
        (Action.BUY, "5000.00", "5000.125", 2, "0.5 ticks worse, -12.50"),
    ],
)
def test_slippage_reads_as_worse_or_better_with_the_money_it_cost_or_made(
    action, planned, filled, contracts, text
):
    assert words(action, planned, filled, contracts) == text


def test_the_brief_examples_read_as_written():
    assert slippage_words(D(1), D(5)) == "1 tick worse, -5.00"
    assert slippage_words(D(-2), D(-10)) == "2 ticks better, +10.00"
    assert slippage_words(D(0), D(0)) == "no slippage"


def test_a_treasury_fill_is_counted_in_its_own_ticks():
    # ZN: half a 32nd = 15.625; bought 110'16, filled 110'17 = two ticks worse.
    zn = BUILT_IN["ZN"]
    assert words(Action.BUY, "110.5", "110.53125", instrument=zn) == "2 ticks worse, -31.25"


@given(
    st.sampled_from([Action.BUY, Action.SELL]),
    st.integers(-500, 500),
    st.integers(1, 50),
)
def test_the_words_and_the_sign_of_the_money_always_agree(action, steps, contracts):
    filled = D("5000.00") + steps * ES.tick_size
    text = words(action, "5000.00", str(filled), contracts)
    ticks = steps * action.sign
    if ticks == 0:
        assert text == "no slippage"
        return
    count, noun, word, money = text.replace(",", "").split(" ", 3)
    assert D(count) == abs(ticks)
    assert noun == ("tick" if abs(ticks) == 1 else "ticks")
    assert word == ("worse" if ticks > 0 else "better")
    assert money.startswith("-" if ticks > 0 else "+")
    assert abs(D(money)) == abs(ticks) * ES.tick_value * contracts
