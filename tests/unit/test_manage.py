"""Managing an open trade in the domain: open P&L, the rules for moving exits, break-even, and
the auto break-even and trailing machine."""

from decimal import Decimal as D

import pytest

from ticket.domain.exit_moves import (
    ExitKind,
    ExitMove,
    MoveField,
    break_even_price,
    check_entry_change,
    check_exit_move,
    nudge,
    reanchor,
)
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action
from ticket.domain.pnl import Position, Quote, mark_price, open_pnl, risk_to_stop
from ticket.domain.trailing import AutoStopRule, AutoStopState, Why, auto_stop_step

ES = BUILT_IN["ES"]  # tick 0.25, 12.50 USD a tick
ZN = BUILT_IN["ZN"]
LONG = Position(net=2, avg_price=D("6000.00"))
SHORT = Position(net=-1, avg_price=D("6000.00"))


def quote(bid, ask=None, last=None):
    return Quote(
        bid=D(bid) if bid is not None else None,
        ask=D(ask) if ask is not None else (D(bid) + D("0.25") if bid is not None else None),
        last=D(last) if last is not None else None,
    )


# -- open P&L --


def test_a_long_is_valued_at_the_bid_in_ticks_money_and_r():
    pnl = open_pnl(LONG, quote("6002.00", "6002.25"), ES, planned_stop_ticks=D(8))
    assert pnl.mark == D("6002.00")
    assert pnl.ticks == 8 and pnl.money == D("200.00") and pnl.r == 1


def test_a_short_is_valued_at_the_ask_and_a_loss_is_negative():
    pnl = open_pnl(SHORT, quote("6000.75", "6001.00"), ES, planned_stop_ticks=D(8))
    assert pnl.ticks == -4 and pnl.money == D("-50.00") and pnl.r == D("-0.5")


def test_without_a_planned_stop_there_is_no_r_and_flat_or_no_price_gives_nothing():
    assert open_pnl(LONG, quote("6001.00"), ES).r is None
    assert open_pnl(Position(net=0, avg_price=D(1)), quote("6001.00"), ES) is None
    assert open_pnl(LONG, Quote(), ES) is None


def test_the_last_price_stands_in_for_an_empty_side():
    assert mark_price(LONG, Quote(ask=D("6001"), last=D("5999.50"))) == D("5999.50")


def test_risk_to_the_stop_is_negative_once_the_stop_locks_in_profit():
    assert risk_to_stop(LONG, D("5998.00"), ES) == D("200.00")
    assert risk_to_stop(LONG, D("6001.00"), ES) == D("-100.00")
    assert risk_to_stop(SHORT, D("6002.00"), ES) == D("100.00")


# -- moving the exits --


def move(kind, closing, current, new):
    return ExitMove(kind=kind, closing=closing, current=D(current), new=D(new))


def test_a_longs_stop_must_stay_below_the_bid_and_the_message_names_the_field():
    check = check_exit_move(
        move(ExitKind.STOP, Action.SELL, "5998.00", "6001.00"), quote("6001.00"), ES
    )
    assert not check.allowed
    (problem,) = check.problems
    assert problem.field is MoveField.STOP_PRICE
    assert "A long's stop must be below the bid 6001.00" in problem.message
    assert check_exit_move(
        move(ExitKind.STOP, Action.SELL, "5998.00", "6000.75"), quote("6001.00"), ES
    ).allowed


def test_a_shorts_stop_must_stay_above_the_ask():
    refused = check_exit_move(
        move(ExitKind.STOP, Action.BUY, "6002.00", "6001.25"), quote("6001.00", "6001.25"), ES
    )
    assert "A short's stop must be above the ask 6001.25" in refused.problems[0].message
    assert check_exit_move(
        move(ExitKind.STOP, Action.BUY, "6002.00", "6001.50"), quote("6001.00", "6001.25"), ES
    ).allowed


def test_a_target_stays_on_the_winning_side():
    long_target = move(ExitKind.TARGET, Action.SELL, "6004.00", "6000.75")
    refused = check_exit_move(long_target, quote("6001.00"), ES)
    assert refused.problems[0].field is MoveField.TARGET_PRICE
    assert "A long's target must be above the bid 6001.00" in refused.problems[0].message
    short_target = move(ExitKind.TARGET, Action.BUY, "5996.00", "6001.25")
    assert not check_exit_move(short_target, quote("6001.00", "6001.25"), ES).allowed
    fine = move(ExitKind.TARGET, Action.BUY, "5996.00", "6001.00")
    assert check_exit_move(fine, quote("6001.00", "6001.25"), ES).allowed


def test_an_off_grid_or_non_positive_price_is_refused_before_the_market_is_looked_at():
    off = check_exit_move(move(ExitKind.STOP, Action.SELL, "5998", "5997.10"), Quote(), ES)
    assert off.problems[0].field is MoveField.STOP_PRICE and "5997.10" in off.problems[0].message
    zero = check_exit_move(move(ExitKind.TARGET, Action.SELL, "5998", "0"), quote("1"), ES)
    assert "above zero" in zero.problems[0].message


def test_no_live_price_refuses_the_move_rather_than_guess():
    check = check_exit_move(move(ExitKind.STOP, Action.SELL, "5998", "5997"), Quote(), ES)
    assert "No live price" in check.problems[0].message


def test_a_stop_moved_further_away_asks_once_with_the_new_risk():
    check = check_exit_move(
        move(ExitKind.STOP, Action.SELL, "5998.00", "5996.00"), quote("6001.00"), ES, LONG
    )
    assert check.allowed and check.widens
    assert check.risk_before == D("200.00") and check.risk_after == D("400.00")
    assert check.question(ES.format_price) == (
        "This moves the stop further away: the risk becomes 400.00 USD (it was 200.00). Move it?"
    )
    tighter = check_exit_move(
        move(ExitKind.STOP, Action.SELL, "5998.00", "5999.00"), quote("6001.00"), ES, LONG
    )
    assert not tighter.widens and tighter.question(ES.format_price) is None
    short_wider = move(ExitKind.STOP, Action.BUY, "6002.00", "6003.00")
    assert check_exit_move(short_wider, quote("6000.00"), ES, SHORT).widens


def test_a_target_never_counts_as_widening():
    assert not check_exit_move(
        move(ExitKind.TARGET, Action.SELL, "6004.00", "6008.00"), quote("6001.00"), ES, LONG
    ).widens


def test_one_tick_moves_and_break_even_with_an_offset_in_the_trades_favour():
    assert nudge(D("5998.00"), 1, ES) == D("5998.25")
    assert nudge(D("5998.00"), -2, ES) == D("5997.50")
    assert break_even_price(LONG, 0, ES) == D("6000.00")
    assert break_even_price(LONG, 2, ES) == D("6000.50")
    assert break_even_price(SHORT, 2, ES) == D("5999.50")


def test_break_even_of_an_average_between_ticks_rounds_to_protect_the_trade():
    between = Position(net=3, avg_price=D("6000.0833"))
    assert break_even_price(between, 0, ES) == D("6000.25")
    assert break_even_price(Position(net=-3, avg_price=D("6000.0833")), 0, ES) == D("6000.00")


def test_a_working_entry_change_is_checked_for_grid_and_size():
    assert check_entry_change(D("6000.25"), 2, ES, MoveField.ENTRY_PRICE) == ()
    problems = check_entry_change(D("6000.10"), 0, ES, MoveField.ENTRY_PRICE)
    assert [p.field for p in problems] == [MoveField.ENTRY_PRICE, MoveField.QTY]


def test_reanchoring_puts_the_exits_at_the_planned_distances_from_the_fill():
    assert reanchor(Action.BUY, D("6001.25"), D(8), D(16), ES) == (D("5999.25"), D("6005.25"))
    assert reanchor(Action.SELL, D("6001.25"), D(8), None, ES) == (D("6003.25"), None)


# -- auto break-even and trailing --


def step(rule, state, stop, bid, *, position=LONG, now=0.0, live=True, ask=None):
    return auto_stop_step(
        rule,
        state,
        position=position,
        stop=D(stop),
        quote=quote(bid, ask),
        instrument=ES,
        now=now,
        live=live,
    )


BE = AutoStopRule(breakeven_after_ticks=8, breakeven_offset_ticks=1)


def test_break_even_waits_for_the_profit_then_moves_the_stop_to_entry_plus_offset():
    held = step(BE, AutoStopState(), "5998.00", "6001.75")  # 7 ticks in profit
    assert held.new_stop is None and held.why is Why.HOLD
    moved = step(BE, held.state, "5998.00", "6002.00")  # 8 ticks
    assert moved.new_stop == D("6000.25") and moved.why is Why.BREAK_EVEN
    assert moved.state.breakeven_armed and moved.state.last_sent_at == 0.0


def test_once_armed_break_even_holds_even_after_a_pullback():
    armed = step(BE, AutoStopState(), "5998.00", "6002.00")
    unsent = armed.state.model_copy(update={"last_sent_at": None})
    again = step(BE, unsent, "5998.00", "6000.75", now=5.0)
    assert again.new_stop == D("6000.25")


def test_the_stop_never_goes_to_or_through_the_market():
    armed = AutoStopState(breakeven_armed=True)
    close = step(
        AutoStopRule(breakeven_after_ticks=1, breakeven_offset_ticks=4), armed, "5998", "6000.75"
    )
    assert close.new_stop == D("6000.50")  # one tick under the bid, not entry + 4


def test_a_stop_already_past_break_even_is_left_alone():
    assert step(BE, AutoStopState(), "6000.50", "6004.00").why is Why.HOLD


TRAIL = AutoStopRule(trail_ticks=8, trail_step_ticks=2)


def test_the_trail_follows_the_market_in_whole_steps_and_never_backs_off():
    first = step(TRAIL, AutoStopState(), "5998.00", "6001.00")  # wants 5999.00: 4 steps of 2
    assert first.new_stop == D("5999.00") and first.why is Why.TRAIL
    one_tick = step(TRAIL, first.state, "5999.00", "6001.25", now=2.0)  # wants 5999.25: < a step
    assert one_tick.new_stop is None
    two = step(TRAIL, first.state, "5999.00", "6001.50", now=2.0)
    assert two.new_stop == D("5999.50")
    back = step(TRAIL, two.state, "5999.50", "6000.00", now=4.0)
    assert back.new_stop is None and back.why is Why.HOLD


def test_a_short_trails_from_above():
    moved = step(TRAIL, AutoStopState(), "6003.00", "5998.75", ask="5999.00", position=SHORT)
    assert moved.new_stop == D("6001.00")


def test_one_order_is_moved_at_most_once_a_second_on_the_given_clock():
    first = step(TRAIL, AutoStopState(), "5998.00", "6001.00", now=100.0)
    soon = step(TRAIL, first.state, "5999.00", "6002.00", now=100.5)
    assert soon.new_stop is None and soon.why is Why.WAIT
    later = step(TRAIL, soon.state, "5999.00", "6002.00", now=101.0)
    assert later.new_stop == D("6000.00")


def test_a_feed_that_is_not_live_pauses_it_and_says_the_stop_stays_on_the_server():
    paused = step(TRAIL, AutoStopState(), "5998.00", "6004.00", live=False)
    assert paused.new_stop is None and paused.why is Why.PAUSED
    assert "stays at 5998.00 on the server" in paused.words
    assert (
        step(TRAIL, AutoStopState(), "5998", "6004", position=Position(net=0, avg_price=D(1))).why
        is Why.FLAT
    )


def test_break_even_and_trail_together_take_the_better_stop():
    both = AutoStopRule(breakeven_after_ticks=4, trail_ticks=12)
    early = step(both, AutoStopState(), "5997.00", "6001.00")  # trail wants 5998.00, BE 6000.00
    assert early.new_stop == D("6000.00") and early.why is Why.BREAK_EVEN
    later = step(both, early.state, "6000.00", "6004.00", now=5.0)  # trail 6001.00
    assert later.new_stop == D("6001.00") and later.why is Why.TRAIL


@pytest.mark.parametrize(
    "bad", [{"trail_ticks": 0}, {"breakeven_after_ticks": -1}, {"trail_step_ticks": 0}]
)
def test_a_rule_with_a_distance_below_one_tick_is_refused(bad):
    with pytest.raises(ValueError):
        AutoStopRule(**bad)


def test_fractional_prices_work_the_same_way():
    position = Position(net=1, avg_price=D("110.5"))
    assert break_even_price(position, 1, ZN) == D("110.5") + ZN.tick_size
