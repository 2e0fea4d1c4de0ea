"""The trade plan: what the ticket risks and stands to make, and sizing from a risk budget."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.brackets import ResolvedExit
from ticket.domain.instruments import Instrument


class Side(BaseModel):
    """One exit seen from the entry: always a positive distance."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    price: Decimal
    ticks: Decimal
    points: Decimal
    per_contract: Decimal  # money, commission included (added to a loss, taken from a gain)
    total: Decimal


class TradePlan(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    entry: Decimal
    qty: int
    commission_per_contract: Decimal
    risk: Side | None  # None: no stop-loss, the loss is not limited
    reward: Side | None
    reward_to_risk: Decimal | None


def _side(
    instrument: Instrument, exit_: ResolvedExit, qty: int, commission: Decimal, loss: bool
) -> Side:
    ticks = abs(exit_.ticks)
    gross = instrument.ticks_to_money(ticks)
    per_contract = gross + commission if loss else gross - commission
    return Side(
        price=exit_.price,
        ticks=ticks,
        points=instrument.ticks_to_points(ticks),
        per_contract=per_contract,
        total=per_contract * qty,
    )


def make_plan(
    instrument: Instrument,
    entry: Decimal,
    qty: int,
    stop: ResolvedExit | None,
    target: ResolvedExit | None,
    commission_per_contract: Decimal = Decimal(0),
) -> TradePlan:
    risk = _side(instrument, stop, qty, commission_per_contract, True) if stop else None
    reward = _side(instrument, target, qty, commission_per_contract, False) if target else None
    ratio = None
    if risk and reward and risk.per_contract > 0:
        ratio = (reward.per_contract / risk.per_contract).quantize(Decimal("0.01"))
    return TradePlan(
        entry=entry,
        qty=qty,
        commission_per_contract=commission_per_contract,
        risk=risk,
        reward=reward,
        reward_to_risk=ratio,
    )


class Sizing(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    budget: Decimal
    contracts: int
    risk_used: Decimal
    leftover: Decimal


def budget_from_percent(balance: Decimal, percent: Decimal) -> Decimal:
    return (balance * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def size_from_risk(budget: Decimal, risk_per_contract: Decimal) -> Sizing:
    """Whole contracts whose risk fits in `budget`, never above it, and what is left over."""
    if risk_per_contract <= 0:
        raise ValueError("risk per contract must be positive")
    contracts = int((budget / risk_per_contract).to_integral_value(rounding=ROUND_FLOOR))
    contracts = max(contracts, 0)
    used = risk_per_contract * contracts
    return Sizing(budget=budget, contracts=contracts, risk_used=used, leftover=budget - used)
