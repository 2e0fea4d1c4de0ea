"""The edges of the rules: the first value on each side of every limit a trader can reach."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from ticket.domain.brackets import ResolvedExit, resolve_target, trailing_peg_difference
from ticket.domain.guards import DuplicateGuard, OrderKey
from ticket.domain.instruments import (
    BUILT_IN,
    RollRule,
    instrument_for_symbol,
    parse_symbol,
    roll_date,
)
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.plan import budget_from_percent, size_from_risk
from ticket.domain.prices import PriceError, PriceFormat, parse_number, snap
from ticket.domain.protection import OrderView, Snapshot, bracket_state, bracket_states, exposures
from ticket.domain.rules import OVERRIDE_UNCHECKED, FatFingerLimits, Severity, assess
from ticket.domain.ticket import DistanceUnit as U
from ticket.domain.ticket import TicketField as F

from .forms import LOOSE, NOW, form

ES_TICK = D("0.25")


# Prices


def test_a_price_exactly_between_two_ticks_rounds_up_not_to_the_even_tick():
    assert snap(D("5000.125"), ES_TICK) == D("5000.25")  # 20000.5 ticks: half-even says 20000
    assert snap(D("5000.375"), ES_TICK) == D("5000.50")
    assert snap(D("5000.124"), ES_TICK) == D("5000.00")


def test_negative_treasury_prices_keep_their_sign_both_ways():
    zn = PriceFormat.fractional(2)
    assert zn.parse("-1'16") == D("-1.5")
    assert zn.parse("-0'08.5") == D("-0.265625")
    assert zn.format(D("-1.5")) == "-1'16"
    assert zn.format(D("0")) == "0'00"


def test_format_constructors_keep_their_settings():
    assert PriceFormat.decimal(3).format(D("1.5")) == "1.500"
    assert PriceFormat.decimal(0).format(D("44123")) == "44123"
    assert PriceFormat.fractional(4).sub32 == 4


# Plan and sizing


def test_sizing_from_a_negative_budget_is_zero_contracts_not_a_negative_order():
    sizing = size_from_risk(D("-50"), D("100"))
    assert (sizing.contracts, sizing.risk_used, sizing.leftover) == (0, D("0"), D("-50"))


def test_sizing_takes_a_risk_below_one_unit_of_money():
    assert size_from_risk(D("10"), D("0.50")).contracts == 20


def test_a_risk_budget_from_percent_is_floored_to_the_cent():
    assert budget_from_percent(D("12345.67"), D("1")) == D("123.45")  # 123.4567


def test_reward_to_risk_is_given_when_the_risk_is_below_one_unit_of_money():
    # MYM: one tick is 0.50 USD, so a 1-tick stop risks half a dollar.
    a = assess(form("MYM", price="44000", stop=("1", U.TICKS), target=("2", U.TICKS)), LOOSE, NOW)
    assert a.plan.risk.per_contract == D("0.5")
    assert a.plan.reward_to_risk == D("2.00")


def test_money_for_several_contracts():
    assert BUILT_IN["ES"].ticks_to_money(D(8), contracts=3) == D("300.00")


def test_a_quantity_of_zero_plans_zero_contracts():
    a = assess(form(qty=0), LOOSE, NOW)
    assert a.plan.qty == 0 and a.plan.risk.total == 0


# Exits


@pytest.mark.parametrize("action", [Action.BUY, Action.SELL])
def test_a_take_profit_at_the_entry_price_is_refused(action):
    a = assess(form(action=action, target=("5000.25", U.PRICE)), LOOSE, NOW)
    [p] = a.at(F.TAKE_PROFIT)
    assert p.severity is Severity.ERROR and "at least one tick" in p.message
    assert a.target is None and not a.can_place


@pytest.mark.parametrize("action", [Action.BUY, Action.SELL])
def test_a_stop_one_tick_from_the_entry_is_accepted(action):
    stop = "5000.00" if action is Action.BUY else "5000.50"
    a = assess(form(action=action, stop=(stop, U.PRICE)), LOOSE, NOW)
    assert a.can_place and a.stop.ticks == -1


def test_a_stop_at_price_zero_is_refused():
    a = assess(form(price="2.00", stop=("8", U.TICKS)), LOOSE, NOW)
    [p] = a.at(F.STOP_LOSS)
    assert p.message == "The stop-loss would be at or below zero."
    assert a.stop is None and not a.can_place


def test_a_stop_one_tick_above_zero_is_accepted():
    a = assess(form(price="2.25", stop=("8", U.TICKS)), LOOSE, NOW)
    assert a.can_place and a.stop.price == D("0.25")


def test_a_take_profit_at_price_zero_is_refused():
    a = assess(form(action=Action.SELL, price="4.00", target=("16", U.TICKS)), LOOSE, NOW)
    [p] = a.at(F.TAKE_PROFIT)
    assert p.message == "The take-profit would be at or below zero."
    assert a.target is None and not a.can_place


def test_a_take_profit_one_tick_above_zero_is_accepted():
    a = assess(form(action=Action.SELL, price="4.25", target=("16", U.TICKS)), LOOSE, NOW)
    assert a.can_place and a.target.price == D("0.25")


@pytest.mark.parametrize(
    ("root", "stop"),
    [("ES", ("1", U.TICKS)), ("ES", ("12.50", U.MONEY)), ("MNQ", ("0.50", U.MONEY))],
)
def test_an_exit_of_exactly_one_tick_is_accepted(root, stop):
    a = assess(form(root, price="5000.25", stop=stop, target=stop), LOOSE, NOW)
    assert a.can_place and a.stop.ticks == -1 and a.target.ticks == 1


def test_an_r_target_of_exactly_one_tick_is_accepted():
    a = assess(form(stop=("2", U.TICKS), target=("0.5", U.R)), LOOSE, NOW)
    assert a.can_place and a.target.ticks == 1


def test_an_r_target_needs_a_stop_on_the_losing_side():
    f = form(target=("2", U.R))
    for ticks in (D(0), D(1)):
        with pytest.raises(ValueError, match="needs a valid stop-loss"):
            resolve_target(f, D("5000.25"), ResolvedExit(price=D("5000.25"), ticks=ticks))


def test_a_trailing_stop_trails_below_a_long_and_above_a_short():
    assert trailing_peg_difference(Action.SELL, D("2")) == D("-2")
    assert trailing_peg_difference(Action.BUY, D("2")) == D("2")


def test_without_good_exits_there_is_no_plan():
    a = assess(form(stop=("5001.00", U.PRICE), target=("4999.00", U.PRICE)), LOOSE, NOW)
    assert a.entry == D("5000.25") and a.plan is None


# Entry checks


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "0"}, F.PRICE),
        ({"price": "5000.30"}, F.PRICE),
        (
            {"order_type": OrderType.STOP_LIMIT, "price": "5000.30", "stop_price": "5000.00"},
            F.PRICE,
        ),
        (
            {"order_type": OrderType.STOP_LIMIT, "price": "5000.25", "stop_price": "5000.10"},
            F.STOP_PRICE,
        ),
        (
            {
                "order_type": OrderType.TRAILING_STOP,
                "price": None,
                "stop_price": "5000.10",
                "reference_price": D("5000.00"),
            },
            F.STOP_PRICE,
        ),
        (
            {"order_type": OrderType.TRAILING_STOP, "price": None, "stop_price": "5002.00"},
            F.REFERENCE_PRICE,
        ),
        (
            {"order_type": OrderType.MARKET, "price": None, "reference_price": D("5000.10")},
            F.REFERENCE_PRICE,
        ),
    ],
)
def test_exits_are_not_measured_from_an_entry_price_that_failed(changes, field):
    a = assess(form(**changes), LOOSE, NOW)
    assert a.at(field) and not a.can_place
    assert (a.entry, a.stop, a.target, a.plan) == (None, None, None, None)
    assert {p.field for p in a.problems} == {field}


def test_an_expiry_at_this_very_moment_is_already_past():
    f = form(time_in_force="GTD", expire_time=NOW)
    assert assess(f, LOOSE, NOW).at(F.EXPIRE_TIME)[0].message == "The expiry time is in the past."
    later = form(time_in_force="GTD", expire_time=NOW + timedelta(milliseconds=1))
    assert assess(later, LOOSE, NOW).at(F.EXPIRE_TIME) == ()


def test_order_text_may_be_64_characters_and_no_more():
    assert assess(form(text="x" * 64), LOOSE, NOW).at(F.TEXT) == ()
    [p] = assess(form(text="x" * 65), LOOSE, NOW).at(F.TEXT)
    assert p.message == "The order text can be at most 64 characters."
    assert p.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("action", "price", "stop_price", "warned"),
    [
        (Action.BUY, "4999.75", "5000.00", "below"),
        (Action.BUY, "5000.00", "5000.00", None),
        (Action.BUY, "5000.25", "5000.00", None),
        (Action.SELL, "5000.25", "5000.00", "above"),
        (Action.SELL, "5000.00", "5000.00", None),
        (Action.SELL, "4999.75", "5000.00", None),
    ],
)
def test_a_stop_limit_whose_limit_is_beyond_the_stop_is_warned(action, price, stop_price, warned):
    f = form(action=action, order_type=OrderType.STOP_LIMIT, price=price, stop_price=stop_price)
    a = assess(f, LOOSE, NOW)
    found = a.at(F.PRICE)
    if warned is None:
        assert found == ()
    else:
        [p] = found
        assert p.severity is Severity.WARNING and a.can_place
        assert p.message == (
            f"The limit is {warned} the stop: once triggered the order may not fill."
        )


def test_a_stray_stop_price_on_a_limit_entry_is_ignored():
    f = form(price="5000.25", stop_price="5001.00", last_price=D("5002.00"))
    a = assess(f, LOOSE, NOW)
    assert a.problems == () and a.entry == D("5000.25")


@pytest.mark.parametrize(
    ("action", "price", "warned"),
    [
        (Action.BUY, "5000.00", False),
        (Action.BUY, "5000.25", True),
        (Action.SELL, "5000.00", False),
        (Action.SELL, "4999.75", True),
    ],
)
def test_a_limit_is_marketable_only_once_it_crosses_the_last_price(action, price, warned):
    a = assess(form(action=action, price=price, last_price=D("5000.00")), LOOSE, NOW)
    assert bool(a.at(F.PRICE)) is warned


@pytest.mark.parametrize(
    ("action", "stop_price", "warned"),
    [
        (Action.BUY, "5000.00", True),
        (Action.BUY, "5000.25", False),
        (Action.SELL, "5000.00", True),
        (Action.SELL, "4999.75", False),
    ],
)
def test_a_stop_entry_at_the_last_price_triggers_at_once(action, stop_price, warned):
    f = form(
        action=action,
        order_type=OrderType.STOP,
        price=None,
        stop_price=stop_price,
        last_price=D("5000.00"),
    )
    assert bool(assess(f, LOOSE, NOW).at(F.STOP_PRICE)) is warned


def test_a_negative_stop_limit_offset_is_refused_and_zero_is_fine():
    zero = form(stop_type=OrderType.STOP_LIMIT)
    assert assess(zero, LOOSE, NOW).can_place
    negative = zero.model_copy(
        update={"stop_loss": zero.stop_loss.model_copy(update={"limit_offset_ticks": -1})}
    )
    [p] = assess(negative, LOOSE, NOW).at(F.STOP_LOSS_LIMIT)
    assert p.message == "The stop-limit offset cannot be negative."


# Fat-finger limits


def test_one_override_waives_only_its_own_limit():
    limits = FatFingerLimits(max_contracts=5, max_risk=D(300))
    a = assess(form(qty=6, overrides=frozenset({"max_contracts"})), limits, NOW)
    [qty] = a.at(F.QTY)
    [risk] = a.at(F.STOP_LOSS)
    assert qty.severity is Severity.WARNING
    assert (risk.severity, risk.code) == (Severity.ERROR, "max_risk")
    assert not a.can_place


def test_each_limit_allows_exactly_its_value():
    limits = FatFingerLimits(max_contracts=4, max_risk=D(400), max_ticks_from_last=20)
    at_limits = form(qty=4, price="5000.00", last_price=D("5005.00"))  # 4 x $100, 20 ticks
    assert assess(at_limits, limits, NOW).problems == ()
    over = form(qty=5, price="4999.75", last_price=D("5005.00"))
    assert {p.code for p in assess(over, limits, NOW).errors} == {
        "max_contracts",
        "max_risk",
        "max_ticks_from_last",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "4900.00"}, F.PRICE),
        ({"order_type": OrderType.STOP, "price": None, "stop_price": "5100.00"}, F.STOP_PRICE),
        (
            {"order_type": OrderType.STOP_LIMIT, "price": "5100.00", "stop_price": "5099.00"},
            F.PRICE,
        ),
        (
            {"order_type": OrderType.MARKET, "price": None, "reference_price": D("4900.00")},
            F.REFERENCE_PRICE,
        ),
    ],
)
def test_an_entry_far_from_the_market_is_flagged_at_the_price_the_trader_typed(changes, field):
    limits = FatFingerLimits(max_ticks_from_last=200)
    a = assess(form(last_price=D("5000.00"), **changes), limits, NOW)
    [p] = [p for p in a.problems if p.code == "max_ticks_from_last"]
    assert p.field == field


# Contract months


def test_roll_dates_by_rule():
    # March 2024 starts on a Friday, June 2024 on a Saturday: the 3rd Friday counts the 1st.
    assert roll_date(RollRule.EQUITY_INDEX, 2024, 3) == date(2024, 3, 7)
    assert roll_date(RollRule.EQUITY_INDEX, 2024, 6) == date(2024, 6, 13)
    assert roll_date(RollRule.CURRENCY, 2027, 3) == date(2027, 3, 10)
    assert roll_date(RollRule.CURRENCY, 2026, 7) == date(2026, 7, 8)
    assert roll_date(RollRule.ENERGY, 2027, 1) == date(2026, 12, 15)
    assert roll_date(RollRule.METALS, 2027, 2) == date(2027, 1, 20)
    assert roll_date(RollRule.TREASURY, 2027, 3) == date(2027, 2, 22)
    assert roll_date(RollRule.GRAINS, 2027, 3) == date(2027, 2, 14)


def test_symbols_with_two_year_digits_and_the_decade_boundary():
    today = date(2026, 11, 25)
    assert parse_symbol("ESZ26", today).year == 2026
    assert parse_symbol("ESH31", today).year == 2031
    assert parse_symbol("ESH5", today).year == 2025  # within a year in the past: this decade
    assert parse_symbol("ESZ4", today).year == 2034  # two years past: the next decade
    assert instrument_for_symbol("mnqz6", today) is BUILT_IN["MNQ"]


# The duplicate guard


def key(qty: int = 1) -> OrderKey:
    return OrderKey(account_id=1, symbol="ESZ6", action=Action.BUY, qty=qty, price=D("5000"))


def test_the_duplicate_guard_remembers_five_seconds_inclusive():
    guard = DuplicateGuard()
    guard.record(key(), 100.0)
    assert guard.seconds_since_same(key(), 105.0) == 5.0
    assert guard.seconds_since_same(key(), 105.5) is None


# Protection


def order(id, action, status, kind, qty, parent=None, filled=0, contract=1):
    return OrderView(
        id=id,
        contract_id=contract,
        action=action,
        status=status,
        order_type=kind,
        qty=qty,
        parent_id=parent,
        filled=filled,
    )


def test_one_contract_long_is_covered_by_one_sell_stop():
    orders = {1: order(1, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 1)}
    assert exposures(Snapshot(orders=orders, positions={1: 1})) == []
    [short] = exposures(Snapshot(orders=orders, positions={1: -1}))
    assert (short.uncovered, short.closing_action) == (1, Action.BUY)


def test_a_partly_filled_stop_covers_only_what_is_left():
    orders = {1: order(1, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 3, filled=1)}
    [exposure] = exposures(Snapshot(orders=orders, positions={1: 3}))
    assert (exposure.covered, exposure.uncovered) == (2, 1)


def test_a_flat_contract_does_not_hide_the_next_ones():
    snapshot = Snapshot(orders={}, positions={1: 0, 2: 1, 3: -2})
    assert [(e.contract_id, e.uncovered) for e in exposures(snapshot)] == [(2, 1), (3, 2)]


def test_a_working_leg_for_a_different_quantity_shows_its_quantity():
    orders = {
        1: order(1, Action.BUY, OrdStatus.WORKING, OrderType.LIMIT, 3),
        2: order(2, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 2, parent=1),
        3: order(3, Action.SELL, OrdStatus.SUSPENDED, OrderType.LIMIT, 2, parent=1),
        4: order(4, Action.SELL, OrdStatus.WORKING, OrderType.LIMIT, 3, parent=1),
    }
    words = bracket_state(Snapshot(orders=orders, positions={}), 1).words()
    assert words == "entry working · stop working (2) · target suspended · target working"


def test_many_brackets_in_one_pass_match_one_at_a_time():
    orders = {
        1: order(1, Action.BUY, OrdStatus.FILLED, OrderType.LIMIT, 1, filled=1),
        3: order(3, Action.SELL, OrdStatus.WORKING, OrderType.LIMIT, 1, parent=1),
        2: order(2, Action.SELL, OrdStatus.WORKING, OrderType.STOP, 1, parent=1),
        5: order(5, Action.SELL, OrdStatus.WORKING, OrderType.LIMIT, 1),
        6: order(6, Action.BUY, OrdStatus.WORKING, OrderType.STOP, 1, parent=5),
        7: order(7, Action.BUY, OrdStatus.WORKING, OrderType.STOP, 1, parent=8),
    }
    snapshot = Snapshot(orders=orders, positions={})
    states = bracket_states(snapshot, [1, 5, 9])
    assert set(states) == {1, 5}  # 9 is not an order (yet)
    for entry_id, state in states.items():
        assert state == bracket_state(snapshot, entry_id)
    assert [leg.id for leg in states[1].legs] == [2, 3]
    assert [leg.id for leg in states[5].legs] == [6]


def test_prices_below_one_are_prices():
    # The yen future trades near 0.0066: "above zero" must not mean "at least one".
    a = assess(
        form("6J", price="0.0066435", stop=("20", U.TICKS), target=("40", U.TICKS)), LOOSE, NOW
    )
    assert a.can_place and a.stop.price == D("0.0066335")


# A market price the trader typed, with nothing to check it against


UNCHECKED = OVERRIDE_UNCHECKED


def unchecked(a):
    return [p for p in a.problems if p.code == UNCHECKED]


@pytest.mark.parametrize(
    "entry",
    [
        {"order_type": OrderType.MARKET, "price": None},
        {"order_type": OrderType.TRAILING_STOP, "price": None, "stop_price": "5002.00"},
    ],
)
def test_a_typed_market_price_without_a_last_price_needs_an_override(entry):
    f = form(**entry, reference_price=D("5000.00"), reference_typed=True)
    a = assess(f, LOOSE, NOW)
    [p] = unchecked(a)
    assert p.severity is Severity.ERROR and not a.can_place
    assert p.message.startswith("There is no last price to check the market price ")
    assert p.message.endswith(" against. Override to send it anyway.")
    passed = assess(f.model_copy(update={"overrides": frozenset({UNCHECKED})}), LOOSE, NOW)
    assert passed.can_place and unchecked(passed)[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    "changes",
    [
        {"last_price": D("5000.00")},  # there is something to check it against
        {"reference_typed": False},  # taken from a live quote
        {"order_type": OrderType.LIMIT, "price": "5000.25"},  # exits measured from the limit
    ],
)
def test_a_market_price_is_unchecked_only_when_typed_with_no_last_price(changes):
    entry = {"order_type": OrderType.MARKET, "price": None, "reference_typed": True}
    f = form(**{**entry, "reference_price": D("5000.00"), **changes})
    assert unchecked(assess(f, LOOSE, NOW)) == []


# Numbers a person typed: no comma guessing, and bounds that catch a typo


@pytest.mark.parametrize(
    ("root", "text"), [("ES", "5,000.25"), ("6E", "1,08500"), ("ZN", "110,16")]
)
def test_a_comma_in_a_price_is_refused_rather_than_guessed(root, text):
    with pytest.raises(PriceError) as info:
        BUILT_IN[root].parse_price(f" {text} ")
    assert str(info.value) == (
        f"'{text}': use a dot for decimals and no thousands separator (for example 6000.25)."
    )


def test_a_comma_in_a_number_is_refused_rather_than_guessed():
    with pytest.raises(PriceError) as info:
        parse_number("1,5", "a multiple of R")
    assert str(info.value) == (
        "'1,5': use a dot for decimals and no thousands separator (for example 12.5)."
    )


@pytest.mark.parametrize(
    "text", ["999999999.75", "-999999999", "0.000000000001", "1.0000000000000"]
)
def test_numbers_up_to_a_billion_and_twelve_decimals_are_read(text):
    assert parse_number(f" {text} ", "a number") == D(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1000000000", "'1000000000' is too large."),
        ("-1000000000", "'-1000000000' is too large."),
        ("1e999999999", "'1e999999999' is too large."),
        ("0.0000000000001", "'0.0000000000001' has more than 12 decimals."),
        ("1.0000000000001", "'1.0000000000001' has more than 12 decimals."),
    ],
)
def test_a_number_past_the_bounds_is_refused_in_words(text, message):
    with pytest.raises(PriceError) as info:
        parse_number(text, "a number")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("root", "text", "message"),
    [
        ("ES", "1000000000", "'1000000000' is too large."),
        ("ZN", "1000000000'00", "'1000000000'00' is too large."),
        ("ES", "5000.2500000000001", "'5000.2500000000001' has more than 12 decimals."),
    ],
)
def test_a_price_past_the_bounds_is_refused_in_words(root, text, message):
    with pytest.raises(PriceError) as info:
        BUILT_IN[root].parse_price(text)
    assert str(info.value) == message


def test_without_a_quote_in_view_every_entry_needs_an_override():
    f = form(needs_last_price=True)
    [p] = unchecked(assess(f, LOOSE, NOW))
    assert (p.field, p.severity) == (F.PRICE, Severity.ERROR)
    assert p.message == (
        "There is no last price to check the entry 5000.25 against. Override to send it anyway."
    )
    assert unchecked(assess(form(needs_last_price=True, last_price=D(5000)), LOOSE, NOW)) == []
