"""One test per safety rule: the field it points at, and whether Place is blocked."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.rules import FatFingerLimits, RiskSettings, Severity, assess
from ticket.domain.ticket import BracketSpec
from ticket.domain.ticket import DistanceUnit as U
from ticket.domain.ticket import TicketField as F

from .forms import LOOSE, NOW, form


def problems_at(f, field, limits=LOOSE):
    return assess(f, limits, NOW).at(field)


def test_a_good_ticket_has_no_problems():
    assert assess(form(), LOOSE, NOW).problems == ()


@pytest.mark.parametrize("qty", [0, -1])
def test_quantity_must_be_a_positive_whole_number(qty):
    [p] = problems_at(form(qty=qty), F.QTY)
    assert p.severity is Severity.ERROR and "at least 1" in p.message


@pytest.mark.parametrize(
    ("order_type", "price", "stop_price", "field"),
    [
        (OrderType.LIMIT, None, None, F.PRICE),
        (OrderType.MIT, None, None, F.PRICE),
        (OrderType.STOP, None, None, F.STOP_PRICE),
        (OrderType.STOP_LIMIT, "5000.25", None, F.STOP_PRICE),
        (OrderType.STOP_LIMIT, None, "5000.25", F.PRICE),
        (OrderType.MARKET, None, None, F.REFERENCE_PRICE),
        (OrderType.TRAILING_STOP, None, "5000.25", F.REFERENCE_PRICE),
    ],
)
def test_price_fields_are_required_where_the_order_type_needs_them(
    order_type, price, stop_price, field
):
    f = form(order_type=order_type, price=price, stop_price=stop_price)
    found = problems_at(f, field)
    assert found and found[0].severity is Severity.ERROR
    assert not assess(f, LOOSE, NOW).can_place


def test_market_entry_with_a_reference_price_is_fine_and_ignores_a_stray_price():
    f = form(order_type=OrderType.MARKET, price=None, reference_price=D("5000.00"))
    assert assess(f, LOOSE, NOW).can_place


def test_prices_must_be_on_the_tick_grid():
    [p] = problems_at(form(price="5000.30"), F.PRICE)
    assert "use 5000.25 or 5000.50" in p.message


def test_gtd_needs_an_expiry_in_the_future():
    past = form(time_in_force=TimeInForce.GTD, expire_time=NOW - timedelta(minutes=1))
    assert "in the past" in problems_at(past, F.EXPIRE_TIME)[0].message
    missing = form(time_in_force=TimeInForce.GTD)
    assert "needs an expiry" in problems_at(missing, F.EXPIRE_TIME)[0].message
    future = form(time_in_force=TimeInForce.GTD, expire_time=NOW + timedelta(hours=1))
    assert problems_at(future, F.EXPIRE_TIME) == ()


def test_at_least_one_exit_must_be_on():
    [p] = problems_at(form(stop=None, target=None), F.BRACKETS)
    assert p.severity is Severity.ERROR


@pytest.mark.parametrize("action", [Action.BUY, Action.SELL])
def test_stop_on_the_winning_side_is_an_error(action):
    wrong = "5002.25" if action is Action.BUY else "4998.25"
    [p] = problems_at(form(action=action, stop=(wrong, U.PRICE)), F.STOP_LOSS)
    assert "at least one tick" in p.message and p.severity is Severity.ERROR


@pytest.mark.parametrize("action", [Action.BUY, Action.SELL])
def test_target_on_the_losing_side_is_an_error(action):
    wrong = "4998.25" if action is Action.BUY else "5002.25"
    [p] = problems_at(form(action=action, target=(wrong, U.PRICE)), F.TAKE_PROFIT)
    assert "at least one tick" in p.message


def test_exit_order_types_are_limited_to_what_makes_sense():
    f = form(stop_type=OrderType.LIMIT, target_type=OrderType.STOP)
    assert problems_at(f, F.STOP_LOSS_TYPE) and problems_at(f, F.TAKE_PROFIT_TYPE)


def test_an_exit_leg_cannot_be_immediate_or_cancel():
    f = form().model_copy(
        update={
            "stop_loss": BracketSpec(
                order_type=OrderType.STOP, distance=D(8), time_in_force=TimeInForce.IOC
            )
        }
    )
    assert problems_at(f, F.STOP_LOSS_TIF)


def test_max_contracts_blocks_until_overridden():
    limits = FatFingerLimits(max_contracts=5)
    [p] = problems_at(form(qty=6), F.QTY, limits)
    assert p.severity is Severity.ERROR and p.code == "max_contracts"
    [p] = problems_at(form(qty=6, overrides=frozenset({"max_contracts"})), F.QTY, limits)
    assert p.severity is Severity.WARNING


def test_max_risk_counts_the_whole_trade():
    limits = FatFingerLimits(max_risk=D(300))
    assert problems_at(form(qty=3), F.STOP_LOSS, limits) == ()  # 3 x $100
    [p] = problems_at(form(qty=4), F.STOP_LOSS, limits)
    assert "risks 400.00" in p.message and p.code == "max_risk"


def test_entry_far_from_the_last_price_needs_an_override():
    limits = FatFingerLimits(max_ticks_from_last=40)
    near = form(price="4990.00", last_price=D("5000.00"))
    assert problems_at(near, F.PRICE, limits) == ()
    far = form(price="4985.00", last_price=D("5000.00"))  # 60 ticks
    [p] = problems_at(far, F.PRICE, limits)
    assert "60 ticks" in p.message and p.severity is Severity.ERROR


def test_limits_are_per_symbol_with_a_default():
    settings = RiskSettings(per_root={"CL": FatFingerLimits(max_contracts=2)})
    assert settings.for_root("CL").max_contracts == 2
    assert settings.for_root("ES").max_contracts == 10


def test_marketable_limit_and_triggered_stop_are_warned_not_blocked():
    limit = form(price="5005.00", last_price=D("5000.00"))
    [p] = problems_at(limit, F.PRICE)
    assert p.severity is Severity.WARNING and "fills at once" in p.message
    stop = form(
        order_type=OrderType.STOP, price=None, stop_price="4995.00", last_price=D("5000.00")
    )
    assert "triggers at once" in problems_at(stop, F.STOP_PRICE)[0].message


def test_quantity_error_still_shows_the_exits():
    a = assess(form(qty=0), LOOSE, NOW)
    assert a.stop is not None and a.stop.price == D("4998.25")
