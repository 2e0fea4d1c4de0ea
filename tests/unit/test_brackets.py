"""Exits typed in ticks, price, money or R, checked by hand for ES, MNQ, CL, GC, ZN and 6E."""

from decimal import Decimal as D

import pytest

from ticket.domain.orders import Action, OrderType
from ticket.domain.rules import assess
from ticket.domain.ticket import DistanceUnit as U

from .forms import LOOSE, NOW, form


def exits(f):
    a = assess(f, LOOSE, NOW)
    assert a.can_place, a.errors
    return a


def test_es_buy_limit_8_ticks_stop_and_2r_target():
    a = exits(form("ES", price="5000.25", stop=("8", U.TICKS), target=("2", U.R)))
    assert a.stop.price == D("4998.25")
    assert a.target.price == D("5004.25")
    assert a.plan.risk.per_contract == D("100.00")
    assert a.plan.reward.per_contract == D("200.00")


def test_es_sell_puts_the_stop_above_and_the_target_below():
    a = exits(
        form("ES", action=Action.SELL, price="5000.25", stop=("8", U.TICKS), target=("12", U.TICKS))
    )
    assert a.stop.price == D("5002.25")
    assert a.target.price == D("4997.25")


def test_mnq_money_stop_rounds_down_to_whole_ticks():
    # MNQ tick = 0.25 pt = $0.50. $20.40 -> 40 ticks (40.8 rounded down: never riskier).
    a = exits(form("MNQ", price="21000.00", stop=("20.40", U.MONEY), target=("30", U.MONEY)))
    assert a.stop.price == D("20990.00")
    assert a.plan.risk.ticks == 40
    assert a.plan.risk.per_contract == D("20.00")
    assert a.target.price == D("21015.00")  # $30 = 60 ticks = 15 points


def test_cl_buy_stop_entry_with_ticks():
    # CL tick 0.01 = $10. Buy stop at 75.50, stop 20 ticks -> 75.30 ($200), target 35 -> 75.85.
    a = exits(
        form(
            "CL",
            order_type=OrderType.STOP,
            price=None,
            stop_price="75.50",
            stop=("20", U.TICKS),
            target=("35", U.TICKS),
        )
    )
    assert (a.entry, a.stop.price, a.target.price) == (D("75.50"), D("75.30"), D("75.85"))
    assert a.plan.risk.per_contract == D("200.00")
    assert a.plan.reward.per_contract == D("350.00")


def test_gc_sell_with_money_stop_and_absolute_target():
    # GC tick 0.1 = $10. $150 -> 15 ticks above 2650.0 = 2651.5.
    a = exits(
        form(
            "GC",
            action=Action.SELL,
            price="2650.0",
            stop=("150", U.MONEY),
            target=("2641.0", U.PRICE),
        )
    )
    assert a.stop.price == D("2651.5")
    assert a.target.ticks == 90
    assert a.plan.reward.per_contract == D("900.0")


def test_zn_in_32nds():
    # ZN tick = half a 32nd = $15.625. Buy 110'16, stop 8 ticks = 4/32 -> 110'12.
    a = exits(form("ZN", price="110.5", stop=("8", U.TICKS), target=("1.5", U.R)))
    assert a.stop.price == D("110.375")  # 110'12
    assert a.plan.risk.per_contract == D("125")
    assert a.target.price == D("110.6875")  # 12 ticks = 6/32 -> 110'22


def test_6e_sell_market_with_reference_price():
    # 6E tick 0.00005 = $6.25. Sell at market 1.08500, stop 20 ticks -> 1.08600 ($125).
    a = exits(
        form(
            "6E",
            action=Action.SELL,
            order_type=OrderType.MARKET,
            price=None,
            reference_price=D("1.08500"),
            stop=("20", U.TICKS),
            target=("3", U.R),
        )
    )
    assert a.stop.price == D("1.08600")
    assert a.target.price == D("1.08200")
    assert a.plan.risk.per_contract == D("125.00")


def test_r_target_rounds_down_to_whole_ticks():
    a = exits(form("ES", stop=("7", U.TICKS), target=("1.5", U.R)))
    assert a.target.ticks == 10  # 10.5 ticks asked, 10 given: never promises more


def test_stop_limit_entry_measures_exits_from_the_limit():
    a = exits(
        form(
            "ES",
            order_type=OrderType.STOP_LIMIT,
            price="5001.00",
            stop_price="5000.00",
            stop=("8", U.TICKS),
            target=("8", U.TICKS),
        )
    )
    assert a.entry == D("5001.00")
    assert a.stop.price == D("4999.00")


@pytest.mark.parametrize(
    ("stop", "fragment"),
    [
        (("0", U.TICKS), "more than zero"),
        (("2.5", U.TICKS), "whole number of ticks"),
        (("10", U.MONEY), "less than one ES tick"),
        (("2", U.R), "cannot be given in R"),
        (("4998.30", U.PRICE), "not on the ES tick grid"),
        (("5000.25", U.PRICE), "at least one tick below"),
        (("5001.00", U.PRICE), "at least one tick below"),
    ],
)
def test_bad_stop_distances_are_explained_at_the_stop_field(stop, fragment):
    a = assess(form("ES", stop=stop), LOOSE, NOW)
    messages = [p.message for p in a.at("stop_loss.distance")]
    assert any(fragment in m for m in messages), messages
    assert not a.can_place
