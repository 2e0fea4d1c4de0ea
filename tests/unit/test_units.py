"""Switching an exit's unit rewrites its distance so the exit stays where it was."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.brackets import (
    BracketError,
    Leg,
    ResolvedExit,
    convert_exit,
    resolve_stop,
    resolve_target,
)
from ticket.domain.draft import Draft, evaluate, switch_unit
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType
from ticket.domain.prices import PriceError, parse_number
from ticket.domain.ticket import DistanceUnit as U
from ticket.domain.ticket import TicketForm

from .forms import LOOSE, NOW, form

SL, TP = Leg.STOP_LOSS, Leg.TAKE_PROFIT


def spec_of(f: TicketForm, leg: Leg):
    return f.stop_loss if leg is SL else f.take_profit


def converted(f: TicketForm, leg: Leg, to: U, entry: D | None = D("5000.25")) -> str:
    spec = spec_of(f, leg)
    return convert_exit(f, entry, leg, spec.unit, spec.distance, to)


@pytest.mark.parametrize(
    ("leg", "to", "text"),
    [
        (SL, U.PRICE, "4998.25"),  # not a price of 8: 8 ticks below the entry
        (SL, U.MONEY, "100.00"),
        (SL, U.TICKS, "8"),
        (TP, U.PRICE, "5004.25"),
        (TP, U.MONEY, "200.00"),
        (TP, U.R, "2"),
    ],
)
def test_an_es_buy_exit_keeps_its_place_in_every_unit(leg, to, text):
    f = form("ES", price="5000.25", stop=("8", U.TICKS), target=("16", U.TICKS))
    assert converted(f, leg, to) == text


def test_a_sell_puts_the_stop_price_above_and_the_target_below():
    f = form("ES", action=Action.SELL, stop=("8", U.TICKS), target=("2", U.R))
    assert converted(f, SL, U.PRICE) == "5002.25"
    assert converted(f, TP, U.PRICE) == "4996.25"
    assert converted(f, TP, U.TICKS) == "16"


def test_a_treasury_exit_is_written_in_32nds_and_its_money_to_the_last_digit():
    f = form("ZN", price="110.5", stop=("8", U.TICKS), target=("1", U.TICKS))
    assert converted(f, SL, U.PRICE, D("110.5")) == "110'12"
    assert converted(f, SL, U.MONEY, D("110.5")) == "125.00"
    assert converted(f, TP, U.MONEY, D("110.5")) == "15.625"  # 15.62 would be less than a tick
    assert converted(f, TP, U.PRICE, D("110.5")) == "110'16.5"


def test_money_rounds_to_whole_ticks_towards_the_entry_as_the_order_would():
    # MNQ: $20.40 is 40.8 ticks of $0.50; the stop is placed 40 ticks away, and stays there.
    f = form("MNQ", price="21000.00", stop=("20.40", U.MONEY), target=("30.10", U.MONEY))
    assert converted(f, SL, U.TICKS, D("21000.00")) == "40"
    assert converted(f, SL, U.PRICE, D("21000.00")) == "20990.00"
    assert converted(f, TP, U.TICKS, D("21000.00")) == "60"


def test_r_takes_the_fewest_decimals_that_land_on_the_same_tick():
    # 10 ticks over a 3-tick stop is 3.33...R: 3.3R resolves to 9.9, so 9 ticks; 3.4R to 10.
    f = form("ES", stop=("3", U.TICKS), target=("10", U.TICKS))
    assert converted(f, TP, U.R) == "3.4"
    f = form("ES", stop=("300", U.TICKS), target=("1000", U.TICKS))
    assert converted(f, TP, U.R) == "3.334"  # 3.333R would be 999.9 ticks
    f = form("ES", stop=("8", U.TICKS), target=("12", U.TICKS))
    assert converted(f, TP, U.R) == "1.5"
    f = form("ES", stop=("8", U.TICKS), target=("2.6", U.R))  # 20.8 ticks: the order uses 20
    assert converted(f, TP, U.TICKS) == "20"


def test_a_price_on_the_wrong_side_stays_there_as_a_negative_distance():
    f = form("ES", stop=("5001.25", U.PRICE), target=("4999.25", U.PRICE))
    assert converted(f, SL, U.TICKS) == "-4"
    assert converted(f, TP, U.MONEY) == "-50.00"


def test_without_an_entry_ticks_and_money_convert_but_a_price_is_cleared():
    f = form("ES", price=None, stop=("8", U.TICKS), target=("2", U.R))
    assert converted(f, SL, U.MONEY, None) == "100.00"
    assert converted(f, TP, U.TICKS, None) == "16"  # R needs the stop, not the entry
    assert converted(f, SL, U.PRICE, None) == ""  # 8 is no price
    f = form("ES", price=None, stop=("4998.25", U.PRICE), target=("5004.25", U.PRICE))
    assert converted(f, SL, U.TICKS, None) == ""  # 4998.25 is no number of ticks
    assert converted(f, TP, U.R, None) == ""


@pytest.mark.parametrize(
    ("stop", "target", "leg", "to"),
    [
        (("8.5", U.TICKS), ("16", U.TICKS), SL, U.MONEY),  # not whole ticks
        (("10", U.MONEY), ("16", U.TICKS), SL, U.TICKS),  # less than one ES tick
        (("-8", U.TICKS), ("16", U.TICKS), SL, U.PRICE),
        (("8", U.TICKS), ("0", U.R), TP, U.TICKS),
        (("8", U.TICKS), ("0.01", U.R), TP, U.TICKS),  # under one tick
        (("8", U.TICKS), ("16", U.TICKS), SL, U.R),  # a stop is never in R
        (None, ("16", U.TICKS), TP, U.R),  # no stop: R has no size
        (None, ("2", U.R), TP, U.TICKS),
        (("5000.30", U.PRICE), ("16", U.TICKS), SL, U.TICKS),  # off the grid
    ],
)
def test_what_makes_no_exit_is_cleared_never_reinterpreted(stop, target, leg, to):
    assert converted(form("ES", stop=stop, target=target), leg, to) == ""


def test_an_empty_distance_stays_empty():
    f = form("ES")
    assert convert_exit(f, D("5000.25"), SL, U.TICKS, None, U.PRICE) == ""


# -- the draft, as the window switches a unit -------------------------------------------------


def switched(draft: Draft, leg: Leg, to: U, source=None) -> Draft:
    evaluation = evaluate(draft, BUILT_IN[draft.symbol[:2]], LOOSE, NOW)
    return switch_unit(draft, evaluation, leg, to, source)


def test_switching_the_stop_to_price_no_longer_risks_the_whole_contract():
    draft = Draft(symbol="ESZ6", price="5000.25", sl_unit=U.TICKS, sl_distance="8")
    after = switched(draft, SL, U.PRICE)
    assert (after.sl_unit, after.sl_distance) == (U.PRICE, "4998.25")
    plan = evaluate(after, BUILT_IN["ES"], LOOSE, NOW).assessment.plan
    assert plan.risk.total == D("100.00")


def test_a_typed_treasury_distance_is_read_in_its_own_notation_before_converting():
    draft = Draft(symbol="ZNZ6", price="110-16", sl_unit=U.PRICE, sl_distance="110-125")
    after = switched(draft, SL, U.TICKS)
    assert (after.sl_unit, after.sl_distance) == (U.TICKS, "7")


def test_a_distance_that_does_not_read_is_cleared():
    draft = Draft(symbol="ESZ6", price="5000.25", sl_distance="8x")
    assert switched(draft, SL, U.MONEY).sl_distance == ""


def test_a_market_entry_converts_from_the_price_its_exits_are_measured_from():
    draft = Draft(symbol="ESZ6", order_type=OrderType.MARKET, reference_price="5000.00")
    assert switched(draft, SL, U.PRICE).sl_distance == "4998.00"


def test_a_held_source_converts_instead_of_the_empty_field():
    draft = Draft(symbol="ESZ6", sl_unit=U.PRICE, sl_distance="")
    after = switched(draft, SL, U.MONEY, source=(U.TICKS, "8"))
    assert (after.sl_unit, after.sl_distance) == (U.MONEY, "100.00")


def test_without_a_contract_nothing_can_be_converted():
    draft = Draft(sl_distance="8")
    evaluation = evaluate(draft, None, LOOSE, NOW)
    assert switch_unit(draft, evaluation, SL, U.MONEY).sl_distance == ""


# -- generated: any exit, any unit, the same place ----------------------------------------------

ROOTS = sorted(BUILT_IN)


def _read(f: TicketForm, unit: U, text: str) -> D:
    if unit is U.PRICE:
        return f.instrument.price_format.parse(text)
    return parse_number(text, "a number")


def _resolved(f: TicketForm, entry: D, leg: Leg) -> ResolvedExit | None:
    """The exit as the rules resolve it: a target in R is measured from a valid stop."""
    try:
        stop = resolve_stop(f, entry) if f.stop_loss.enabled else None
    except BracketError:
        stop = None
    if stop is not None and stop.ticks >= 0:
        stop = None
    if leg is SL:
        return stop
    try:
        target = resolve_target(f, entry, stop)
    except BracketError:
        return None
    return target if target.ticks > 0 else None


@st.composite
def exits(draw):
    instrument = BUILT_IN[draw(st.sampled_from(ROOTS))]
    tick = instrument.tick_size
    entry = tick * draw(st.integers(2000, 10**6))

    def distance(unit: U, losing: bool) -> D:
        if unit is U.TICKS:
            return D(draw(st.integers(1, 400)))
        if unit is U.MONEY:
            return draw(st.decimals(D("0.01"), D(50000), places=2))
        if unit is U.R:
            return draw(st.decimals(D("0.1"), D(10), places=2))
        steps = draw(st.integers(-20, 400))  # now and then on the wrong side
        return entry + (-steps if losing else steps) * tick * action.sign

    action = draw(st.sampled_from([Action.BUY, Action.SELL]))
    stop_unit = draw(st.sampled_from([U.TICKS, U.PRICE, U.MONEY]))
    target_unit = draw(st.sampled_from([U.TICKS, U.PRICE, U.MONEY, U.R]))
    f = form(
        instrument.root,
        action=action,
        price=str(entry),
        stop=(str(distance(stop_unit, True)), stop_unit),
        target=(str(distance(target_unit, False)), target_unit),
    )
    return f, entry


@given(exits(), st.sampled_from([SL, TP]), st.sampled_from(list(U)))
def test_a_converted_exit_resolves_to_the_same_price(case, leg, to):
    f, entry = case
    before = _resolved(f, entry, leg)
    spec = spec_of(f, leg)
    text = convert_exit(f, entry, leg, spec.unit, spec.distance, to)
    needs_stop = to is U.R and _resolved(f, entry, SL) is None
    if before is None or (leg is SL and to is U.R) or needs_stop:
        if text:  # a wrong-side price kept as a negative distance, refused again
            assert _resolved(_with(f, leg, to, text), entry, leg) is None
        return
    assert text
    after = _resolved(_with(f, leg, to, text), entry, leg)
    assert after == before


def _with(f: TicketForm, leg: Leg, unit: U, text: str) -> TicketForm:
    try:
        value = _read(f, unit, text)
    except PriceError as exc:
        raise AssertionError(f"{text!r} does not read back: {exc}") from None
    field = "stop_loss" if leg is SL else "take_profit"
    spec = spec_of(f, leg).model_copy(update={"unit": unit, "distance": value})
    return f.model_copy(update={field: spec})
