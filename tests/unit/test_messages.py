"""The exact words a trader reads at each field, for every problem the rules can find."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.rules import FatFingerLimits, Severity, assess
from ticket.domain.ticket import DistanceUnit as U
from ticket.domain.ticket import TicketField as F
from ticket.domain.ticket import TicketForm

from .forms import LOOSE, NOW, form


def legs(f: TicketForm, stop: dict | None = None, target: dict | None = None) -> TicketForm:
    return f.model_copy(
        update={
            "stop_loss": f.stop_loss.model_copy(update=stop or {}),
            "take_profit": f.take_profit.model_copy(update=target or {}),
        }
    )


MARKET = {"order_type": OrderType.MARKET, "price": None}
TRAILING = {"order_type": OrderType.TRAILING_STOP, "price": None, "stop_price": "5002.00"}
ERROR, WARNING = Severity.ERROR, Severity.WARNING

CASES = [
    (form(qty=0), F.QTY, "Quantity must be at least 1 contract."),
    (form(order_type=OrderType.QTS), F.ORDER_TYPE, "QTS entries are not supported."),
    (form(price=None), F.PRICE, "Enter the limit price."),
    (form(price="0"), F.PRICE, "The limit price must be above zero."),
    (
        form(price="5000.30"),
        F.PRICE,
        "5000.30 is not on the ES tick grid (0.25): use 5000.25 or 5000.50.",
    ),
    (form(order_type=OrderType.STOP, price=None), F.STOP_PRICE, "Enter the stop price."),
    (
        form(order_type=OrderType.STOP, price=None, stop_price="-1"),
        F.STOP_PRICE,
        "The stop price must be above zero.",
    ),
    (
        form(**MARKET),
        F.REFERENCE_PRICE,
        "Enter the market price: the exits of a Market entry are measured from it.",
    ),
    (
        form(**TRAILING),
        F.REFERENCE_PRICE,
        "Enter the market price: the exits of a trailing entry are measured from it.",
    ),
    (
        form(**MARKET, reference_price=D(0)),
        F.REFERENCE_PRICE,
        "The market price must be above zero.",
    ),
    (
        form(time_in_force=TimeInForce.GTD),
        F.EXPIRE_TIME,
        "Good-till-date needs an expiry time.",
    ),
    (
        form(time_in_force=TimeInForce.GTD, expire_time=NOW - timedelta(seconds=1)),
        F.EXPIRE_TIME,
        "The expiry time is in the past.",
    ),
    (
        form(stop=None, target=None),
        F.BRACKETS,
        "Turn on a stop-loss or a take-profit (or both).",
    ),
    (
        form(stop_type=OrderType.LIMIT),
        F.STOP_LOSS_TYPE,
        "A stop-loss cannot be a Limit order.",
    ),
    (
        form(target_type=OrderType.STOP),
        F.TAKE_PROFIT_TYPE,
        "A take-profit cannot be a Stop order.",
    ),
    (
        legs(form(), stop={"time_in_force": TimeInForce.IOC}),
        F.STOP_LOSS_TIF,
        "An exit leg cannot be IOC: use Day or GTC.",
    ),
    (
        legs(form(), target={"time_in_force": TimeInForce.FOK}),
        F.TAKE_PROFIT_TIF,
        "An exit leg cannot be FOK: use Day or GTC.",
    ),
    (
        legs(form(), target={"time_in_force": TimeInForce.GTD}),
        F.TAKE_PROFIT_TIF,
        "An exit leg cannot be GTD: use Day or GTC.",
    ),
    (
        form(stop=("5002.25", U.PRICE)),
        F.STOP_LOSS,
        "The stop-loss 5002.25 must be at least one tick below the entry 5000.25 for a buy.",
    ),
    (
        form(action=Action.SELL, stop=("4998.25", U.PRICE)),
        F.STOP_LOSS,
        "The stop-loss 4998.25 must be at least one tick above the entry 5000.25 for a sell.",
    ),
    (
        form(target=("4998.25", U.PRICE)),
        F.TAKE_PROFIT,
        "The take-profit 4998.25 must be at least one tick above the entry 5000.25 for a buy.",
    ),
    (
        form(action=Action.SELL, target=("5002.25", U.PRICE)),
        F.TAKE_PROFIT,
        "The take-profit 5002.25 must be at least one tick below the entry 5000.25 for a sell.",
    ),
    (legs(form(), stop={"distance": None}), F.STOP_LOSS, "Enter the stop-loss distance."),
    (form(stop=("0", U.TICKS)), F.STOP_LOSS, "The stop-loss distance must be more than zero."),
    (
        form(stop=("2.5", U.TICKS)),
        F.STOP_LOSS,
        "The stop-loss distance must be a whole number of ticks.",
    ),
    (
        form(stop=("10", U.MONEY)),
        F.STOP_LOSS,
        "10 per contract is less than one ES tick (12.50).",
    ),
    (
        form(stop=("2", U.R)),
        F.STOP_LOSS,
        "A stop-loss cannot be given in R: R is measured from the stop.",
    ),
    (
        legs(form(stop=("1", U.PRICE)), stop={"distance": None}),
        F.STOP_LOSS,
        "Enter the stop-loss price.",
    ),
    (
        form(stop=("4998.30", U.PRICE)),
        F.STOP_LOSS,
        "4998.30 is not on the ES tick grid (0.25): use 4998.25 or 4998.50.",
    ),
    (legs(form(), target={"distance": None}), F.TAKE_PROFIT, "Enter the take-profit distance."),
    (
        form(target=("-4", U.MONEY)),
        F.TAKE_PROFIT,
        "The take-profit distance must be more than zero.",
    ),
    (
        legs(form(target=("1", U.PRICE)), target={"distance": None}),
        F.TAKE_PROFIT,
        "Enter the take-profit price.",
    ),
    (
        form(stop=None, target=("2", U.R)),
        F.TAKE_PROFIT,
        "A take-profit in R needs a valid stop-loss to measure R from.",
    ),
    (
        form(target=("0", U.R)),
        F.TAKE_PROFIT,
        "The take-profit R multiple must be more than zero.",
    ),
    (
        legs(form(target=("1", U.R)), target={"distance": None}),
        F.TAKE_PROFIT,
        "The take-profit R multiple must be more than zero.",
    ),
    (
        form(stop=("1", U.TICKS), target=("0.5", U.R)),
        F.TAKE_PROFIT,
        "That R multiple is less than one tick from the entry.",
    ),
]


@pytest.mark.parametrize(("f", "field", "message"), CASES)
def test_each_error_in_the_traders_words_at_its_field(f, field, message):
    a = assess(f, LOOSE, NOW)
    assert [(p.message, p.severity) for p in a.at(field)] == [(message, ERROR)]


@pytest.mark.parametrize(
    ("f", "field", "message"),
    [
        (form(stop=None), F.STOP_LOSS, "No stop-loss: the loss on this trade is not limited."),
        (
            form(price="5000.25", last_price=D("5000.00")),
            F.PRICE,
            "This limit is through the market (5000.00): it fills at once.",
        ),
        (
            form(order_type=OrderType.STOP, price=None, stop_price="4999.75", last_price=D(5000)),
            F.STOP_PRICE,
            "This stop is already through the market (5000.00): it triggers at once.",
        ),
    ],
)
def test_each_warning_in_the_traders_words_at_its_field(f, field, message):
    a = assess(f, LOOSE, NOW)
    assert [(p.message, p.severity) for p in a.at(field)] == [(message, WARNING)]
    assert a.can_place


def test_an_unchecked_market_price_is_named_in_its_message():
    f = form(
        order_type=OrderType.MARKET, price=None, reference_price=D("5000.00"), reference_typed=True
    )
    assert [p.message for p in assess(f, LOOSE, NOW).at(F.REFERENCE_PRICE)] == [
        "There is no last price to check the market price 5000.00 against. "
        "Override to send it anyway."
    ]


def test_limit_messages_say_the_figures_and_how_to_pass():
    limits = FatFingerLimits(max_contracts=10, max_risk=D(1000), max_ticks_from_last=40)
    f = form(qty=12, price="4985.00", last_price=D("5000.00"))
    a = assess(f, limits, NOW)
    assert [(p.field, p.message, p.code) for p in a.errors] == [
        (
            F.QTY,
            "12 contracts is above your limit of 10. Override to send it anyway.",
            "max_contracts",
        ),
        (
            F.STOP_LOSS,
            "This trade risks 1,200.00, above your limit of 1,000.00. Override to send it anyway.",
            "max_risk",
        ),
        (
            F.PRICE,
            "The entry is 60 ticks from the last price 5000.00 (limit 40). "
            "Override to send it anyway.",
            "max_ticks_from_last",
        ),
    ]
    passed = assess(f.model_copy(update={"overrides": frozenset({"max_contracts"})}), limits, NOW)
    [p] = passed.at(F.QTY)
    assert (p.message, p.severity, p.code) == (
        "12 contracts is above your limit of 10. (limit overridden)",
        WARNING,
        "max_contracts",
    )


@pytest.mark.parametrize(
    ("root", "example"),
    [("ES", "5000.25"), ("ZN", "110'16.5 or 110'165"), ("CL", "5000.25")],
)
def test_a_typed_price_that_does_not_read_shows_an_example_in_the_instruments_format(root, example):
    with pytest.raises(ValueError) as info:
        BUILT_IN[root].parse_price(" 12x ")
    assert str(info.value) == f"'12x' is not a price (for example {example})."
    with pytest.raises(ValueError) as info:
        BUILT_IN[root].parse_price("  ")
    assert str(info.value) == "Enter a price."
