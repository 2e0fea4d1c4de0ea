"""Scale-out: one ticket, up to three targets, each with its own quantity, sharing one stop.

The ticket is split into parts, one per target: each part is a whole bracket of its own (entry,
stop, target) sent as its own placeOSO, so every contract stays server-held and one-cancels-other
exactly as `placeOSO` promises. (Tradovate's multibracket `orderStrategy/startorderstrategy`
would hold them as one, but its parameters are undocumented enough that the ticket does not
build on it.)

The whole ticket is judged once, at its full quantity: entry, stop and every fat-finger limit
(splitting 30 contracts into three tens passes no limit of 10). Each part adds only its target's
checks. The blended figures add the parts up: risk, reward, and reward-to-risk over the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ticket.domain.build import AccountRef, TicketInvalid, build_place_oso
from ticket.domain.guards import OrderKey
from ticket.domain.orders import OrderType, PlaceOsoRequest
from ticket.domain.rules import (
    OVERRIDE_DISTANCE,
    OVERRIDE_NOTIONAL,
    OVERRIDE_QTY,
    OVERRIDE_RISK,
    OVERRIDE_UNCHECKED,
    Assessment,
    FatFingerLimits,
    Problem,
    Severity,
    assess,
)
from ticket.domain.summary import _exact_money, _side_line, order_line, plan_lines
from ticket.domain.ticket import BracketSpec, DistanceUnit, TicketField, TicketForm

MAX_TARGETS = 3
_TARGET_FIELDS = (
    TicketField.TAKE_PROFIT,
    TicketField.TAKE_PROFIT_TYPE,
    TicketField.TAKE_PROFIT_TIF,
)
# A part is never judged against the limits: the whole ticket is.
_ALL_LIMITS = frozenset(
    {OVERRIDE_QTY, OVERRIDE_RISK, OVERRIDE_DISTANCE, OVERRIDE_NOTIONAL, OVERRIDE_UNCHECKED}
)


class ScaleOutError(ValueError):
    """Targets whose quantities cannot make the ticket; the message is for the trader."""


@dataclass(frozen=True)
class TargetRow:
    """One scale-out target as the window holds it: text as typed."""

    unit: DistanceUnit = DistanceUnit.TICKS
    distance: str = ""
    qty: str = ""


class TargetSpec(BaseModel):
    """One target: its distance in `unit` (ticks, price, money per contract or R) and the
    contracts that take profit there. `qty` None: the contracts the other targets leave."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    unit: DistanceUnit = DistanceUnit.TICKS
    distance: Decimal | None
    qty: int | None = None
    order_type: OrderType = OrderType.LIMIT


def split_quantities(total: int, wanted: Sequence[int | None]) -> tuple[int, ...]:
    """Each target's contracts: as given, the last one (if left out) taking the rest. They must
    add up to `total`, each at least 1. Raises ScaleOutError."""
    if not 1 <= len(wanted) <= MAX_TARGETS:
        raise ScaleOutError(f"Give from 1 to {MAX_TARGETS} targets, not {len(wanted)}.")
    if any(q is None for q in wanted[:-1]):
        raise ScaleOutError("Only the last target may leave out its quantity (it takes the rest).")
    given = [q for q in wanted if q is not None]
    for n, q in enumerate(given, 1):
        if q < 1:
            raise ScaleOutError(f"Target {n} must take at least 1 contract, not {q}.")
    if wanted[-1] is None:
        rest = total - sum(given)
        if rest < 1:
            raise ScaleOutError(
                f"The targets' quantities add up to {sum(given)}, leaving none of the "
                f"{total} contracts for the last target."
            )
        return (*given, rest)
    if sum(given) != total:
        listed = ", ".join(map(str, given))
        raise ScaleOutError(
            f"The targets' quantities {listed} add up to {sum(given)}, not the {total} "
            "contracts of the order."
        )
    return tuple(given)


class Part(BaseModel):
    """One bracket of the split: `number` from 1, its contracts, and its own judged ticket."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    number: int
    qty: int
    form: TicketForm
    assessment: Assessment

    @property
    def target_price(self) -> Decimal | None:
        target = self.assessment.target
        return target.price if target is not None else None


class Blended(BaseModel):
    """The parts as one trade. Money is in total, commission included."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    qty: int
    entry: Decimal
    risk: Decimal | None  # None: no stop-loss
    reward: Decimal
    reward_to_risk: Decimal | None
    average_ticks: Decimal  # to the targets, weighted by their contracts


class ScaleOutAssessment(BaseModel):
    """The judged ticket: the whole (entry, stop, limits), its parts, and one list of problems,
    a target's prefixed with its number ("Target 2: ...")."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    whole: Assessment
    parts: tuple[Part, ...]
    problems: tuple[Problem, ...]
    part_problems: tuple[tuple[Problem, ...], ...]  # each target's own, unprefixed
    blended: Blended | None
    split: Problem | None = None  # the quantities do not make the order (no parts then)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def can_place(self) -> bool:
        return bool(self.parts) and not self.errors


def _target_spec(form: TicketForm, target: TargetSpec) -> BracketSpec:
    return BracketSpec(
        order_type=target.order_type,
        unit=target.unit,
        distance=target.distance,
        time_in_force=form.take_profit.time_in_force,
    )


def _prefixed(number: int, problem: Problem) -> Problem:
    return problem.model_copy(update={"message": f"Target {number}: {problem.message}"})


def assess_scaleout(
    form: TicketForm, targets: Sequence[TargetSpec], limits: FatFingerLimits, now: datetime
) -> ScaleOutAssessment:
    """Judge `form` (its quantity the whole order's, its take-profit ignored) split over
    `targets`, in one pass, as `assess` judges a single bracket."""
    first = targets[0] if targets else TargetSpec(distance=None)
    whole_form = form.model_copy(update={"take_profit": _target_spec(form, first)})
    whole = assess(whole_form, limits, now)
    problems = [p for p in whole.problems if p.field not in _TARGET_FIELDS]
    try:
        quantities = split_quantities(form.entry.qty, [t.qty for t in targets])
    except ScaleOutError as exc:
        split = Problem(field=TicketField.QTY, message=str(exc))
        return ScaleOutAssessment(
            whole=whole,
            parts=(),
            problems=(*problems, split),
            part_problems=(),
            blended=None,
            split=split,
        )
    parts: list[Part] = []
    part_problems: list[tuple[Problem, ...]] = []
    for number, (target, qty) in enumerate(zip(targets, quantities, strict=True), 1):
        part_form = whole_form.model_copy(
            update={
                "entry": form.entry.model_copy(update={"qty": qty}),
                "take_profit": _target_spec(form, target),
                "overrides": _ALL_LIMITS,
            }
        )
        judged = assess(part_form, limits, now)
        own = tuple(p for p in judged.problems if p.field in _TARGET_FIELDS)
        part_problems.append(own)
        problems.extend(_prefixed(number, p) for p in own)
        parts.append(Part(number=number, qty=qty, form=part_form, assessment=judged))
    problems.extend(_same_price_warnings(form, parts))
    return ScaleOutAssessment(
        whole=whole,
        parts=tuple(parts),
        problems=tuple(problems),
        part_problems=tuple(part_problems),
        blended=_blend(whole, parts),
    )


def _same_price_warnings(form: TicketForm, parts: Sequence[Part]) -> list[Problem]:
    seen: dict[Decimal, int] = {}
    found = []
    for part in parts:
        price = part.target_price
        if price is None:
            continue
        if price in seen:
            found.append(
                Problem(
                    field=TicketField.TAKE_PROFIT,
                    message=f"Targets {seen[price]} and {part.number} are both at "
                    f"{form.instrument.format_price(price)}: they take profit as one.",
                    severity=Severity.WARNING,
                )
            )
        else:
            seen[price] = part.number
    return found


def _blend(whole: Assessment, parts: Sequence[Part]) -> Blended | None:
    plans = [p.assessment.plan for p in parts]
    if (
        whole.entry is None
        or not plans
        or any(plan is None or plan.reward is None for plan in plans)
    ):
        return None
    rewards = [plan.reward for plan in plans if plan is not None and plan.reward is not None]
    qty = sum(p.qty for p in parts)
    reward = sum((r.total for r in rewards), Decimal(0))
    risk = whole.plan.risk.total if whole.plan and whole.plan.risk else None
    ratio = (reward / risk).quantize(Decimal("0.01")) if risk and risk > 0 else None
    ticks = sum((r.ticks * p.qty for r, p in zip(rewards, parts, strict=True)), Decimal(0))
    return Blended(
        qty=qty,
        entry=whole.entry,
        risk=risk,
        reward=reward,
        reward_to_risk=ratio,
        average_ticks=(ticks / qty).quantize(Decimal("0.01")),
    )


def scaleout_line(form: TicketForm, judged: ScaleOutAssessment) -> str:
    """'Buy 3 ESZ6 Limit 5990.25 - SL 5988.25 / TP 5992.25 x1, 5994.25 x1, 5996.25 x1'."""
    fmt = form.instrument.format_price
    line = order_line(form, judged.whole.model_copy(update={"target": None}))
    targets = ", ".join(
        f"{fmt(p.target_price)} x{p.qty}" for p in judged.parts if p.target_price is not None
    )
    if not targets:
        return line
    return f"{line} / TP {targets}" if judged.whole.stop else f"{line} - TP {targets}"


def scaleout_lines(form: TicketForm, judged: ScaleOutAssessment) -> list[str]:
    """The confirmation card of a scale-out: the stop, every part and the blended figures."""
    ccy = form.instrument.currency
    whole = judged.whole
    plan = whole.plan
    # A single bracket's card with its stop only; the parts and the blend go in after the stop.
    stop_only = plan.model_copy(update={"reward": None, "reward_to_risk": None}) if plan else None
    lines = plan_lines(form, whole.model_copy(update={"plan": stop_only, "target": None}))
    lines[1] = scaleout_line(form, judged)
    if plan is None:
        return lines
    added = []
    for part in judged.parts:
        part_plan = part.assessment.plan
        if part_plan is None or part_plan.reward is None:
            continue
        label = f"Target {part.number} x{part.qty}"
        added.append(_side_line(label, part.form.take_profit.order_type, part_plan.reward, form))
    blended = judged.blended
    if blended is not None:
        risk = _exact_money(blended.risk, ccy) if blended.risk is not None else "not limited"
        ratio = f", reward:risk {blended.reward_to_risk}" if blended.reward_to_risk else ""
        average = f"{blended.average_ticks.normalize():f}"
        added.append(
            f"Blended     {blended.qty} contracts: risk {risk}, reward "
            f"{_exact_money(blended.reward, ccy)}{ratio}, targets {average} ticks on average"
        )
    at = len(lines) - (1 if plan.commission_per_contract else 0)
    lines[at:at] = added
    count = len(judged.parts)
    if count > 1:
        lines.append(
            f"Sent as {count} placeOSO orders, each with its own entry, stop and target: every "
            "part is held by the server on its own."
        )
    return lines


def part_cl_ord_id(base: str, number: int) -> str:
    """The clOrdId of part `number`: the ticket's own, so every part is found by it."""
    return f"{base}-{number}"


def build_parts(
    judged: ScaleOutAssessment,
    account: AccountRef,
    *,
    limits: FatFingerLimits,
    now: datetime,
    cl_ord_id: str,
    is_automated: bool,
) -> tuple[PlaceOsoRequest, ...]:
    """One placeOSO body per part, in target order. Raises TicketInvalid when the ticket has
    errors: then no part may be sent."""
    if not judged.can_place:
        raise TicketInvalid(judged.errors or judged.problems)
    return tuple(
        build_place_oso(
            part.form,
            account,
            limits=limits,
            now=now,
            cl_ord_id=part_cl_ord_id(cl_ord_id, part.number),
            is_automated=is_automated,
            assessment=part.assessment,
        )
        for part in judged.parts
    )


def guard_key(form: TicketForm, account_id: int) -> OrderKey:
    """The duplicate guard's key for the whole ticket: its parts are one order to the guard."""
    entry = form.entry
    return OrderKey(
        account_id=account_id,
        symbol=form.symbol,
        action=entry.action,
        qty=entry.qty,
        price=entry.price if entry.order_type.needs_price else entry.stop_price,
    )
