"""The ticket in words: the one-line order, the plan card, and a refusal explained."""

from decimal import Decimal as D

import pytest

from ticket.domain.orders import Action, FailureReason, OrderType
from ticket.domain.reasons import WORDS, describe
from ticket.domain.rules import assess
from ticket.domain.summary import order_line, plan_lines
from ticket.domain.ticket import DistanceUnit as U

from .forms import LOOSE, NOW, form


def card(f):
    a = assess(f, LOOSE, NOW)
    lines = plan_lines(f, a)
    assert lines[1] == order_line(f, a)
    return lines


def test_plan_card_with_both_exits_and_commission():
    # 8 ticks = $100 + $4.50 commission; 16 ticks = $200 - $4.50; 195.50 / 104.50 = 1.87.
    assert card(form("ES", qty=2, commission_per_contract=D("4.50"))) == [
        "ESZ6  E-mini S&P 500: tick 0.25 = 12.50 USD",
        "Buy 2 ESZ6 Limit 5000.25 - SL 4998.25 / TP 5004.25",
        "Stop-loss   Stop              4998.25      8 ticks        2.00 pts  "
        "      104.50 USD/contract        209.00 USD total",
        "Take-profit Limit             5004.25     16 ticks        4.00 pts  "
        "      195.50 USD/contract        391.00 USD total",
        "Reward:risk 1.87",
        "Commission 4.50 USD per contract round turn, included above",
    ]


def test_plan_card_of_a_market_entry_without_a_stop():
    f = form(
        "ES",
        action=Action.SELL,
        order_type=OrderType.MARKET,
        price=None,
        reference_price=D("5000.00"),
        stop=None,
        target=("12", U.TICKS),
    )
    assert card(f) == [
        "ESZ6  E-mini S&P 500: tick 0.25 = 12.50 USD",
        "Sell 1 ESZ6 Market - TP 4997.00",
        "Exits measured from the market price 5000.00",
        "Stop-loss   none: the loss is not limited",
        "Take-profit Limit             4997.00     12 ticks        3.00 pts  "
        "      150.00 USD/contract        150.00 USD total",
    ]


def test_plan_card_of_a_stop_limit_entry_with_a_stop_limit_exit():
    f = form(
        "ES",
        order_type=OrderType.STOP_LIMIT,
        price="5001.00",
        stop_price="5000.00",
        stop_type=OrderType.STOP_LIMIT,
        target=None,
    )
    assert card(f)[1:] == [
        "Buy 1 ESZ6 StopLimit stop 5000.00 5001.00 - SL 4999.00",
        "Stop-loss   StopLimit         4999.00      8 ticks        2.00 pts  "
        "      100.00 USD/contract        100.00 USD total",
    ]


def test_plan_card_in_32nds():
    # Distances in points are written as the contract writes prices: 8 ticks of ZN are 4/32.
    f = form("ZN", order_type=OrderType.STOP, price=None, stop_price="110.5")
    assert card(f) == [
        "ZNZ6  10-Year U.S. Treasury Note: tick 1/2 of 1/32 = 15.625 USD",
        "Buy 1 ZNZ6 Stop 110'16 - SL 110'12 / TP 110'24",
        "Stop-loss   Stop               110'12      8 ticks        0'04 pts  "
        "      125.00 USD/contract        125.00 USD total",
        "Take-profit Limit              110'24     16 ticks        0'08 pts  "
        "      250.00 USD/contract        250.00 USD total",
        "Reward:risk 2.00",
    ]


def test_thousands_are_grouped_in_money():
    lines = card(form("ES", qty=12, stop=("80", U.TICKS), target=None))
    assert lines[2].endswith(" pts      1,000.00 USD/contract     12,000.00 USD total")


def test_an_order_that_cannot_be_measured_has_no_plan_lines():
    assert card(form(order_type=OrderType.MARKET, price=None)) == [
        "ESZ6  E-mini S&P 500: tick 0.25 = 12.50 USD",
        "Buy 1 ESZ6 Market",
    ]
    assert card(form(qty=0, stop=("0", U.TICKS), target=None))[1:] == ["Buy 0 ESZ6 Limit 5000.25"]


def test_order_line_leaves_out_prices_the_order_type_does_not_use():
    f = form(order_type=OrderType.STOP, price="4000.00", stop_price="5000.25", stop=None)
    assert order_line(f, assess(f, LOOSE, NOW)) == "Buy 1 ESZ6 Stop 5000.25 - TP 5004.25"
    f = form(price="5000.25", stop_price="4000.00", target=None)
    assert order_line(f, assess(f, LOOSE, NOW)) == "Buy 1 ESZ6 Limit 5000.25 - SL 4998.25"


def test_a_refusal_says_what_happened_what_the_server_said_and_what_to_do():
    assert describe(FailureReason.NO_QUOTE, "no market") == (
        f'{WORDS[FailureReason.NO_QUOTE][0]} Server said: "no market". '
        f"{WORDS[FailureReason.NO_QUOTE][1]}"
    )
    assert describe(FailureReason.ACCOUNT_CLOSED) == (
        "The account is closed. Choose another account or contact Tradovate."
    )


def test_a_refusal_without_a_reason_code_points_at_the_servers_text():
    assert describe(None, "Access is denied") == (
        "The server refused the order without a reason code. "
        'Server said: "Access is denied". '
        "Read the server's text; 'Access is denied' usually means a wrong account or symbol."
    )


def test_success_has_no_next_step():
    assert describe(FailureReason.SUCCESS) == "Accepted."


@pytest.mark.parametrize("reason", list(FailureReason))
def test_every_failure_reason_has_its_own_words(reason):
    what, step = WORDS[reason]
    assert describe(reason).startswith(what)
    assert what.endswith(".") and (step == "" or step.endswith("."))


def test_money_on_the_card_is_exact_to_the_last_digit():
    # ZF: a tick is 1/4 of 1/32 = 7.8125 USD, so 10 ticks risk 78.125 USD, not 78.12
    lines = card(form("ZF", price="108.5", stop=("10", U.TICKS), target=("20", U.TICKS)))
    [stop] = [line for line in lines if line.startswith("Stop-loss")]
    assert "78.125 USD/contract" in stop
