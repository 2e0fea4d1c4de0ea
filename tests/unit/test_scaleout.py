"""Splitting a ticket over up to three targets: quantities, the grid, the blended figures, and
the limits judged on the whole ticket, never per part."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.build import AccountRef, TicketInvalid
from ticket.domain.draft import Draft, MarketView, evaluate_scaleout
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType
from ticket.domain.rules import FatFingerLimits, Severity
from ticket.domain.scaleout import (
    ScaleOutError,
    TargetRow,
    TargetSpec,
    assess_scaleout,
    build_parts,
    guard_key,
    scaleout_lines,
    split_quantities,
)
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketField, TicketForm

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
LOOSE = FatFingerLimits(max_contracts=1000, max_risk=Decimal(10**7), max_ticks_from_last=10**5)
ACCOUNT = AccountRef(id=7, name="SIM1")
TICKS = DistanceUnit.TICKS


def es_form(qty=3, action=Action.BUY, price="5990.25", stop_ticks="8", root="ES", last=None):
    instrument = BUILT_IN[root]
    return TicketForm(
        instrument=instrument,
        symbol=f"{root}Z6",
        entry=EntrySpec(action=action, qty=qty, price=Decimal(price)),
        stop_loss=BracketSpec(order_type=OrderType.STOP, distance=Decimal(stop_ticks)),
        take_profit=BracketSpec(order_type=OrderType.LIMIT, enabled=False),
        last_price=Decimal(last) if last else Decimal(price),
    )


def ticks(distance, qty=None, unit=DistanceUnit.TICKS):
    return TargetSpec(unit=unit, distance=Decimal(distance), qty=qty)


# -- quantities ---------------------------------------------------------------------------------


def test_quantities_as_given_must_add_up_to_the_order():
    assert split_quantities(3, [1, 2]) == (1, 2)
    with pytest.raises(ScaleOutError, match=r"1, 1 add up to 2, not the 3 contracts"):
        split_quantities(3, [1, 1])


def test_the_last_target_may_take_the_rest():
    assert split_quantities(5, [1, 1, None]) == (1, 1, 3)
    with pytest.raises(ScaleOutError, match="leaving none of the 2 contracts"):
        split_quantities(2, [1, 1, None])


def test_only_the_last_target_may_leave_out_its_quantity():
    with pytest.raises(ScaleOutError, match="Only the last target"):
        split_quantities(3, [None, 1])


def test_every_target_takes_at_least_one_contract_and_there_are_at_most_three():
    with pytest.raises(ScaleOutError, match="Target 2 must take at least 1 contract, not 0"):
        split_quantities(2, [2, 0])
    with pytest.raises(ScaleOutError, match="from 1 to 3 targets, not 4"):
        split_quantities(4, [1, 1, 1, 1])
    with pytest.raises(ScaleOutError, match="not 0"):
        split_quantities(4, [])


@given(st.lists(st.integers(1, 40), min_size=1, max_size=3), st.booleans())
def test_split_gives_each_target_its_share_and_the_rest_to_the_last(shares, rest_last):
    total = sum(shares)
    wanted = [*shares[:-1], None] if rest_last else shares
    assert split_quantities(total, wanted) == tuple(shares)
    if not rest_last:
        with pytest.raises(ScaleOutError):
            split_quantities(total + 1, wanted)


# -- judging and blending -----------------------------------------------------------------------


def test_three_targets_share_the_stop_and_blend_to_one_plan():
    judged = assess_scaleout(
        es_form(), [ticks(8, 1), ticks(16, 1), ticks(3, None, DistanceUnit.R)], LOOSE, NOW
    )
    assert judged.can_place and judged.problems == ()
    assert [p.target_price for p in judged.parts] == [
        Decimal("5992.25"),
        Decimal("5994.25"),
        Decimal("5996.25"),
    ]
    assert [p.qty for p in judged.parts] == [1, 1, 1]
    assert all(p.assessment.stop.price == Decimal("5988.25") for p in judged.parts)
    blended = judged.blended
    assert (blended.qty, blended.risk, blended.reward) == (3, Decimal(300), Decimal(600))
    assert blended.reward_to_risk == Decimal("2.00") and blended.average_ticks == Decimal(16)


def test_money_and_r_targets_round_to_whole_ticks_towards_the_entry():
    form = es_form(qty=2, stop_ticks="7")  # 87.50 a contract at the stop
    judged = assess_scaleout(
        form,
        [ticks("110", 1, DistanceUnit.MONEY), ticks("1.5", 1, DistanceUnit.R)],
        LOOSE,
        NOW,
    )
    # 110 money is 8.8 ticks -> 8; 1.5 R of 7 ticks is 10.5 -> 10: never more than asked
    assert [p.assessment.target.ticks for p in judged.parts] == [Decimal(8), Decimal(10)]
    assert [p.target_price for p in judged.parts] == [Decimal("5992.25"), Decimal("5992.75")]
    assert judged.blended.reward == Decimal(100) + Decimal(125)
    assert judged.blended.risk == Decimal("175.0")


def test_a_sell_places_targets_below_and_the_stop_above():
    judged = assess_scaleout(
        es_form(qty=2, action=Action.SELL), [ticks(4, 1), ticks(12, 1)], LOOSE, NOW
    )
    assert [p.target_price for p in judged.parts] == [Decimal("5989.25"), Decimal("5987.25")]
    assert judged.whole.stop.price == Decimal("5992.25")


def test_limits_judge_the_whole_ticket_so_splitting_passes_none():
    limits = FatFingerLimits(max_contracts=2, max_risk=Decimal(250))
    judged = assess_scaleout(es_form(qty=3), [ticks(8, 1), ticks(16, 1), ticks(24, 1)], limits, NOW)
    codes = {p.code for p in judged.errors}
    assert codes == {"max_contracts", "max_risk"} and not judged.can_place
    assert "3 contracts is above your limit of 2" in judged.errors[0].message


def test_a_target_on_the_wrong_side_is_named_by_its_number():
    form = es_form(qty=2)
    wrong = TargetSpec(unit=DistanceUnit.PRICE, distance=Decimal("5989.00"), qty=1)
    judged = assess_scaleout(form, [ticks(8, 1), wrong], LOOSE, NOW)
    assert not judged.can_place
    [problem] = judged.errors
    assert problem.field is TicketField.TAKE_PROFIT
    assert problem.message.startswith("Target 2: The take-profit 5989.00 must be at least one tick")
    assert judged.part_problems[0] == () and len(judged.part_problems[1]) == 1
    assert judged.blended is None


def test_targets_at_one_price_are_a_warning():
    judged = assess_scaleout(
        es_form(qty=2), [ticks(8, 1), ticks("100", 1, DistanceUnit.MONEY)], LOOSE, NOW
    )
    [warning] = judged.problems
    assert warning.severity is Severity.WARNING and "Targets 1 and 2 are both at 5992.25" in (
        warning.message
    )
    assert judged.can_place


def test_quantities_that_do_not_add_up_block_the_ticket_at_the_quantity():
    judged = assess_scaleout(es_form(qty=3), [ticks(8, 1), ticks(16, 1)], LOOSE, NOW)
    assert judged.parts == () and not judged.can_place
    assert [p.field for p in judged.errors] == [TicketField.QTY]


def test_no_stop_is_warned_once_and_r_targets_need_one():
    form = es_form(qty=2).model_copy(
        update={"stop_loss": BracketSpec(order_type=OrderType.STOP, enabled=False)}
    )
    judged = assess_scaleout(form, [ticks(8, 1), ticks(2, 1, DistanceUnit.R)], LOOSE, NOW)
    assert [p.message for p in judged.problems if p.field is TicketField.STOP_LOSS] == [
        "No stop-loss: the loss on this trade is not limited."
    ]
    assert [p.message for p in judged.errors] == [
        "Target 2: A take-profit in R needs a valid stop-loss to measure R from."
    ]


# -- what goes out ------------------------------------------------------------------------------


def test_each_part_is_its_own_oso_with_its_own_client_order_id():
    judged = assess_scaleout(es_form(qty=4), [ticks(8, 1), ticks(16, None)], LOOSE, NOW)
    requests = build_parts(
        judged, ACCOUNT, limits=LOOSE, now=NOW, cl_ord_id="tkt-abc", is_automated=False
    )
    bodies = [r.to_wire() for r in requests]
    assert [b["clOrdId"] for b in bodies] == ["tkt-abc-1", "tkt-abc-2"]
    assert [b["orderQty"] for b in bodies] == [1, 3]
    assert [b["bracket1"]["stopPrice"] for b in bodies] == [5988.25, 5988.25]
    assert [b["bracket2"]["price"] for b in bodies] == [5992.25, 5994.25]
    assert all(b["price"] == 5990.25 and b["accountId"] == 7 for b in bodies)


def test_nothing_is_built_from_a_ticket_with_errors():
    judged = assess_scaleout(es_form(qty=3), [ticks(8, 1), ticks(16, 1)], LOOSE, NOW)
    with pytest.raises(TicketInvalid):
        build_parts(judged, ACCOUNT, limits=LOOSE, now=NOW, cl_ord_id="x", is_automated=False)


def test_the_duplicate_guard_sees_the_parts_as_one_ticket():
    key = guard_key(es_form(qty=3), ACCOUNT.id)
    assert (key.qty, key.price, key.symbol) == (3, Decimal("5990.25"), "ESZ6")


def test_the_confirmation_shows_every_part_and_the_blended_figures():
    form = es_form()
    judged = assess_scaleout(form, [ticks(8, 1), ticks(16, 1), ticks(24, 1)], LOOSE, NOW)
    text = "\n".join(scaleout_lines(form, judged))
    assert "Buy 3 ESZ6 Limit 5990.25 - SL 5988.25 / TP 5992.25 x1, 5994.25 x1, 5996.25 x1" in text
    for n, price in ((1, "5992.25"), (2, "5994.25"), (3, "5996.25")):
        assert f"Target {n} x1" in text and price in text
    assert "Blended     3 contracts: risk 300.00 USD, reward 600.00 USD, reward:risk 2.00" in text
    assert "Sent as 3 placeOSO orders" in text


@given(
    st.sampled_from(["ES", "ZN", "CL", "6E"]),
    st.sampled_from([Action.BUY, Action.SELL]),
    st.integers(1, 40),
    st.lists(
        st.tuples(
            st.sampled_from([DistanceUnit.TICKS, DistanceUnit.MONEY, DistanceUnit.R]),
            st.integers(1, 400),
            st.integers(1, 5),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_parts_are_on_the_grid_and_add_up_to_the_whole(root, action, stop, targets):
    instrument = BUILT_IN[root]
    entry = instrument.tick_size * 100_000
    form = es_form(
        qty=sum(q for _, _, q in targets),
        action=action,
        price=str(entry),
        stop_ticks=str(stop),
        root=root,
    )
    specs = [
        TargetSpec(
            unit=unit,
            distance=Decimal(d) * (instrument.tick_value if unit is DistanceUnit.MONEY else 1)
            if unit is not DistanceUnit.R
            else Decimal(d) / 10,
            qty=q,
        )
        for unit, d, q in targets
    ]
    judged = assess_scaleout(form, specs, LOOSE, NOW)
    if not judged.can_place:  # an R under one tick: refused, never rounded up
        assert all(p.message.startswith("Target ") for p in judged.errors)
        return
    assert sum(p.qty for p in judged.parts) == form.entry.qty
    risks = [p.assessment.plan.risk.total for p in judged.parts]
    assert sum(risks) == judged.blended.risk
    rewards = [p.assessment.plan.reward.total for p in judged.parts]
    assert sum(rewards) == judged.blended.reward
    for part in judged.parts:
        target = part.target_price
        instrument.require_on_grid(target)
        assert (target - Decimal(entry)) * action.sign >= instrument.tick_size


# -- the window's draft -------------------------------------------------------------------------


def draft(*rows, price="5990.25", qty=3):
    return Draft(
        symbol="ESZ6",
        qty=qty,
        price=price,
        sl_distance="8",
        targets=tuple(TargetRow(unit=u, distance=d, qty=q) for u, d, q in rows),
    )


def test_a_draft_with_target_rows_is_judged_as_a_scale_out():
    evaluation = evaluate_scaleout(
        draft((TICKS, "8", "1"), (TICKS, "16", "1"), (DistanceUnit.R, "3", "")),
        BUILT_IN["ES"],
        LOOSE,
        NOW,
        MarketView(bid=Decimal("5990"), ask=Decimal("5990.25"), fresh=True),
    )
    assert evaluation.can_place and evaluation.rows == ((), (), ())
    assert evaluation.summary.endswith("TP 5992.25 x1, 5994.25 x1, 5996.25 x1")
    assert [p.qty for p in evaluation.judged.parts] == [1, 1, 1]
    assert any(line.startswith("Blended     3 contracts") for line in evaluation.lines())


def test_what_a_row_typed_wrong_is_said_once_at_that_row():
    evaluation = evaluate_scaleout(
        draft((TICKS, "8", "1"), (TICKS, "16x", "x"), (TICKS, "24", "")),
        BUILT_IN["ES"],
        LOOSE,
        NOW,
    )
    assert not evaluation.can_place
    messages = [p.message for p in evaluation.problems if p.severity is Severity.ERROR]
    assert messages == [
        "Target 2: '16x' is not a number of ticks.",
        "Target 2: 'x' is not a number of contracts.",
    ]
    assert evaluation.rows[0] == () and len(evaluation.rows[1]) == 2


def test_a_row_without_its_quantity_is_asked_for_it_unless_it_is_the_last():
    evaluation = evaluate_scaleout(
        draft((TICKS, "8", ""), (TICKS, "16", "2")), BUILT_IN["ES"], LOOSE, NOW
    )
    assert [p.message for p in evaluation.errors] == [
        "Target 1: Enter the contracts this target takes."
    ]


def test_a_typo_in_the_entry_is_said_once_for_the_whole_ticket():
    evaluation = evaluate_scaleout(
        draft((TICKS, "8", "1"), (TICKS, "16", "2"), price="5990.3x"), BUILT_IN["ES"], LOOSE, NOW
    )
    assert [p.field for p in evaluation.errors] == [TicketField.PRICE]
    assert evaluation.judged.blended is None


def test_a_row_judged_wrong_by_the_rules_keeps_its_problem_at_the_row():
    evaluation = evaluate_scaleout(
        draft((TICKS, "8", "1"), (DistanceUnit.PRICE, "5989.00", "2")), BUILT_IN["ES"], LOOSE, NOW
    )
    [problem] = evaluation.errors
    assert problem.message.startswith("Target 2: The take-profit 5989.00")
    assert evaluation.rows[1] == (problem,)
