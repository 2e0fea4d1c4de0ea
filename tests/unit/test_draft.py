"""The ticket as typed: reading the text of each field, the live market price, and one list of
problems for the window."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from ticket.domain.draft import Draft, MarketView, evaluate, read_draft
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.rules import Severity
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec
from ticket.domain.ticket import TicketField as F

from .forms import LOOSE, NOW

ES = BUILT_IN["ES"]
DRAFT = Draft(symbol="ESZ6", price="5000.25")


def messages(evaluation, field):
    return [p.message for p in evaluation.at(field)]


def test_every_field_is_read_into_the_form():
    draft = Draft(
        symbol="ESZ6",
        action=Action.SELL,
        qty=3,
        order_type=OrderType.STOP_LIMIT,
        price="4999.75",
        stop_price="5000.00",
        time_in_force=TimeInForce.GTD,
        expire_time=NOW,
        text="breakout",
        reference_price="5001.00",
        sl_enabled=True,
        sl_type=OrderType.STOP_LIMIT,
        sl_unit=DistanceUnit.MONEY,
        sl_distance="100",
        sl_limit_offset=2,
        tp_enabled=False,
        tp_type=OrderType.MIT,
        tp_unit=DistanceUnit.PRICE,
        tp_distance="4990.00",
        commission="4.50",
        overrides=frozenset({"max_risk"}),
    )
    form, problems = read_draft(draft, ES)
    assert problems == []
    assert form.instrument is ES and form.symbol == "ESZ6"
    assert form.entry == EntrySpec(
        action=Action.SELL,
        qty=3,
        order_type=OrderType.STOP_LIMIT,
        price=D("4999.75"),
        stop_price=D("5000.00"),
        time_in_force=TimeInForce.GTD,
        expire_time=NOW,
        text="breakout",
    )
    assert form.stop_loss == BracketSpec(
        enabled=True,
        order_type=OrderType.STOP_LIMIT,
        unit=DistanceUnit.MONEY,
        distance=D("100"),
        limit_offset_ticks=2,
    )
    assert form.take_profit == BracketSpec(
        enabled=False,
        order_type=OrderType.MIT,
        unit=DistanceUnit.PRICE,
        distance=D("4990.00"),
    )
    assert form.reference_price == D("5001.00")
    assert form.commission_per_contract == D("4.50")
    assert form.overrides == frozenset({"max_risk"})


def test_a_new_draft_is_a_buy_limit_with_an_8_tick_stop_and_a_2r_target():
    form, _ = read_draft(DRAFT, ES)
    assert (form.entry.action, form.entry.qty, form.entry.order_type) == (
        Action.BUY,
        1,
        OrderType.LIMIT,
    )
    assert form.entry.time_in_force is TimeInForce.DAY and form.entry.text is None
    sl, tp = form.stop_loss, form.take_profit
    assert (sl.enabled, sl.order_type, sl.unit, sl.distance, sl.limit_offset_ticks) == (
        True,
        OrderType.STOP,
        DistanceUnit.TICKS,
        D(8),
        4,
    )
    assert (tp.enabled, tp.order_type, tp.unit, tp.distance) == (
        True,
        OrderType.LIMIT,
        DistanceUnit.R,
        D(2),
    )
    assert form.commission_per_contract == 0 and form.overrides == frozenset()
    assert evaluate(DRAFT, ES, LOOSE, NOW).can_place


def test_blank_fields_are_missing_not_zero():
    form, problems = read_draft(
        DRAFT.with_(price="  ", sl_distance="", reference_price="", commission=" "), ES
    )
    assert problems == []
    assert (form.entry.price, form.stop_loss.distance, form.reference_price) == (None, None, None)
    assert form.commission_per_contract == D(0)


def test_a_negative_commission_counts_as_none():
    form, problems = read_draft(DRAFT.with_(commission="-3"), ES)
    assert problems == [] and form.commission_per_contract == D(0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "5000.3x"}, F.PRICE, "'5000.3x' is not a price (for example 5000.25)."),
        (
            {"order_type": OrderType.STOP, "stop_price": "abc"},
            F.STOP_PRICE,
            "'abc' is not a price (for example 5000.25).",
        ),
        (
            {"order_type": OrderType.MARKET, "reference_price": "x"},
            F.REFERENCE_PRICE,
            "'x' is not a price (for example 5000.25).",
        ),
        ({"sl_distance": "eight"}, F.STOP_LOSS, "'eight' is not a number of ticks."),
        (
            {"sl_unit": DistanceUnit.MONEY, "sl_distance": "$100"},
            F.STOP_LOSS,
            "'$100' is not a money amount.",
        ),
        (
            {"sl_unit": DistanceUnit.PRICE, "sl_distance": "low"},
            F.STOP_LOSS,
            "'low' is not a price (for example 5000.25).",
        ),
        ({"tp_distance": "2R"}, F.TAKE_PROFIT, "'2R' is not a multiple of R."),
        ({"tp_distance": "inf"}, F.TAKE_PROFIT, "'inf' is not a multiple of R."),
        ({"commission": "nan"}, F.COMMISSION, "'nan' is not a commission."),
    ],
)
def test_text_that_does_not_read_is_a_problem_at_its_field(changes, field, message):
    evaluation = evaluate(DRAFT.with_(**changes), ES, LOOSE, NOW)
    assert messages(evaluation, field) == [message]
    [problem] = evaluation.at(field)
    assert problem.severity is Severity.ERROR
    assert not evaluation.can_place


def test_a_parse_problem_is_not_repeated_by_the_rules_but_other_fields_are_still_checked():
    evaluation = evaluate(DRAFT.with_(price="5000.3x", qty=0), ES, LOOSE, NOW)
    assert messages(evaluation, F.PRICE) == ["'5000.3x' is not a price (for example 5000.25)."]
    assert messages(evaluation, F.QTY) == ["Quantity must be at least 1 contract."]
    # The rules did see the missing price: it is only their message that is left out.
    assert evaluation.assessment.at(F.PRICE)[0].message == "Enter the limit price."


def test_a_parse_problem_blocks_place_even_where_the_rules_see_nothing_wrong():
    evaluation = evaluate(DRAFT.with_(commission="abc"), ES, LOOSE, NOW)
    assert evaluation.assessment.can_place
    assert not evaluation.can_place


def test_no_contract_chosen():
    for instrument, symbol in ((None, "ESZ6"), (ES, "")):
        evaluation = evaluate(DRAFT.with_(symbol=symbol), instrument, LOOSE, NOW)
        assert messages(evaluation, F.SYMBOL) == ["Choose a contract, e.g. ES or ESZ6."]
        assert (evaluation.form, evaluation.assessment, evaluation.summary) == (None, None, "")
        assert not evaluation.can_place


def test_the_summary_is_the_one_line_order():
    evaluation = evaluate(DRAFT.with_(qty=2), ES, LOOSE, NOW)
    assert evaluation.summary == "Buy 2 ESZ6 Limit 5000.25 - SL 4998.25 / TP 5004.25"
    assert evaluation.reference_note == ""


def test_the_last_price_feeds_the_distance_check():
    market = MarketView(bid=D("5100.00"), ask=D("5100.25"), last=D("5100.00"), fresh=True)
    limits = LOOSE.model_copy(update={"max_ticks_from_last": 50})
    evaluation = evaluate(DRAFT, ES, limits, NOW, market)
    assert evaluation.form.last_price == D("5100.00")
    assert [p.code for p in evaluation.at(F.PRICE)] == ["max_ticks_from_last"]


def test_the_market_anchor_is_the_ask_for_a_buy_and_the_bid_for_a_sell():
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"))
    assert market.anchor(Action.BUY) == ("ask", D("5000.25"))
    assert market.anchor(Action.SELL) == ("bid", D("5000.00"))
    assert MarketView(bid=D("5000.00")).anchor(Action.BUY) is None
    assert MarketView(ask=D("5000.25")).anchor(Action.SELL) is None


MARKET_DRAFT = DRAFT.with_(order_type=OrderType.MARKET, price="")


@pytest.mark.parametrize(
    ("action", "side", "price"), [(Action.BUY, "ask", "5000.25"), (Action.SELL, "bid", "5000.00")]
)
def test_a_market_entry_measures_its_exits_from_a_fresh_quote(action, side, price):
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"), fresh=True)
    evaluation = evaluate(MARKET_DRAFT.with_(action=action), ES, LOOSE, NOW, market)
    assert evaluation.form.reference_price == D(price)
    assert evaluation.assessment.entry == D(price)
    assert evaluation.reference_note == f"Exits measured from the live {side} {price}"
    assert evaluation.can_place


def test_a_trailing_entry_takes_the_live_price_too():
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"), fresh=True)
    draft = DRAFT.with_(order_type=OrderType.TRAILING_STOP, price="", stop_price="5002.00")
    evaluation = evaluate(draft, ES, LOOSE, NOW, market)
    assert evaluation.form.reference_price == D("5000.25")
    assert evaluation.can_place


def test_a_stale_quote_must_be_confirmed_by_the_trader():
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"), fresh=False)
    evaluation = evaluate(MARKET_DRAFT, ES, LOOSE, NOW, market)
    assert evaluation.form.reference_price is None
    assert messages(evaluation, F.REFERENCE_PRICE) == [
        "The quote is stale (ask 5000.25): type the market price or click a quote price to "
        "confirm it."
    ]
    assert evaluation.reference_note == ""
    assert not evaluation.can_place


def test_a_typed_market_price_wins_over_the_quote():
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"), fresh=True)
    evaluation = evaluate(MARKET_DRAFT.with_(reference_price="4999.00"), ES, LOOSE, NOW, market)
    assert evaluation.form.reference_price == D("4999.00")
    assert evaluation.reference_note == "Exits measured from the market price you typed, 4999.00"


def test_a_market_entry_without_any_quote_asks_for_the_market_price():
    evaluation = evaluate(MARKET_DRAFT, ES, LOOSE, NOW, MarketView(fresh=True))
    assert evaluation.reference_note == ""
    assert messages(evaluation, F.REFERENCE_PRICE) == [
        "Enter the market price: the exits of a Market entry are measured from it."
    ]


def test_a_limit_entry_ignores_the_quote_for_its_exits():
    market = MarketView(bid=D("4000.00"), ask=D("4000.25"), fresh=True)
    evaluation = evaluate(DRAFT, ES, LOOSE, NOW, market)
    assert evaluation.form.reference_price is None and evaluation.reference_note == ""
    assert evaluation.assessment.entry == D("5000.25")


def test_a_typed_market_price_is_marked_as_typed():
    typed, _ = read_draft(MARKET_DRAFT.with_(reference_price="5000.00"), ES)
    blank, _ = read_draft(MARKET_DRAFT.with_(reference_price=" "), ES)
    assert (typed.reference_typed, blank.reference_typed) == (True, False)


def test_a_stop_loss_can_be_switched_off():
    form, _ = read_draft(DRAFT.with_(sl_enabled=False), ES)
    assert form.stop_loss.enabled is False and form.take_profit.enabled is True


@pytest.mark.parametrize(("action", "price"), [(Action.BUY, "5000.25"), (Action.SELL, "5000.00")])
def test_before_any_trade_a_fresh_bid_or_ask_stands_in_for_the_last_price(action, price):
    market = MarketView(bid=D("5000.00"), ask=D("5000.25"), fresh=True)
    evaluation = evaluate(DRAFT.with_(action=action), ES, LOOSE, NOW, market)
    assert evaluation.form.last_price == D(price)
    stale = evaluate(DRAFT.with_(action=action), ES, LOOSE, NOW, market.__class__(bid=D(1)))
    assert stale.form.last_price is None


def test_the_expiry_is_checked_against_the_time_given():
    draft = DRAFT.with_(time_in_force=TimeInForce.GTD, expire_time=NOW)
    assert messages(evaluate(draft, ES, LOOSE, NOW), F.EXPIRE_TIME) == [
        "The expiry time is in the past."
    ]
    later = evaluate(draft, ES, LOOSE, NOW - timedelta(seconds=1))
    assert messages(later, F.EXPIRE_TIME) == []
