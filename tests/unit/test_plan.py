from decimal import Decimal as D

import pytest

from ticket.domain.plan import budget_from_percent, size_from_risk
from ticket.domain.rules import assess
from ticket.domain.ticket import DistanceUnit as U

from .forms import LOOSE, NOW, form


def test_plan_totals_and_commission_for_es():
    # 2 ES, stop 8 ticks ($100), target 16 ticks ($200), $4.50 round turn per contract.
    a = assess(form("ES", qty=2, commission_per_contract=D("4.50")), LOOSE, NOW)
    risk, reward = a.plan.risk, a.plan.reward
    assert (risk.ticks, risk.points, risk.per_contract, risk.total) == (
        8,
        D("2.00"),
        D("104.50"),
        D("209.00"),
    )
    assert (reward.ticks, reward.points, reward.per_contract, reward.total) == (
        16,
        D("4.00"),
        D("195.50"),
        D("391.00"),
    )
    assert a.plan.reward_to_risk == D("1.87")


def test_plan_without_a_stop_has_no_risk_figure_and_no_ratio():
    a = assess(form("ES", stop=None), LOOSE, NOW)
    assert a.plan.risk is None and a.plan.reward_to_risk is None
    assert a.can_place  # a target-only bracket is allowed, with a warning
    assert any("not limited" in p.message for p in a.problems)


def test_size_from_risk_floors_and_reports_the_leftover():
    sizing = size_from_risk(D("500"), D("104.50"))
    assert (sizing.contracts, sizing.risk_used, sizing.leftover) == (4, D("418.00"), D("82.00"))


def test_size_from_percent_of_balance():
    budget = budget_from_percent(D("50000"), D("0.5"))
    assert budget == D("250.00")
    assert size_from_risk(budget, D("100")).contracts == 2
    assert size_from_risk(D("99"), D("100")).contracts == 0


def test_size_from_risk_needs_a_positive_risk():
    with pytest.raises(ValueError):
        size_from_risk(D("500"), D("0"))


def test_money_stop_plan_never_exceeds_the_money_asked():
    a = assess(form("CL", price="75.50", stop=("155", U.MONEY)), LOOSE, NOW)
    assert a.plan.risk.per_contract == D("150.00")
