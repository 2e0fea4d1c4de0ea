"""The ticket in words: the one-line order and the plan card, shared by the window and the CLI."""

from __future__ import annotations

from decimal import Decimal

from ticket.domain.orders import OrderType
from ticket.domain.plan import Side
from ticket.domain.rules import Assessment
from ticket.domain.ticket import TicketForm


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _exact_money(value: Decimal, currency: str) -> str:
    """A tick's value to the last digit: a ZN tick is 15.625, not 15.62."""
    cents = value.quantize(Decimal("0.01"))
    return _money(value, currency) if cents == value else f"{value.normalize():,f} {currency}"


def order_line(form: TicketForm, assessment: Assessment) -> str:
    """'Buy 2 ESZ6 Limit 5000.25 - SL 4998.25 / TP 5004.25'."""
    fmt = form.instrument.format_price
    entry = form.entry
    parts = [entry.action.value, str(entry.qty), form.symbol, entry.order_type.value]
    if entry.order_type.needs_stop_price and entry.stop_price is not None:
        parts.append(("stop " if entry.order_type.needs_price else "") + fmt(entry.stop_price))
    if entry.order_type.needs_price and entry.price is not None:
        parts.append(fmt(entry.price))
    exits = []
    if assessment.stop is not None:
        exits.append(f"SL {fmt(assessment.stop.price)}")
    if assessment.target is not None:
        exits.append(f"TP {fmt(assessment.target.price)}")
    line = " ".join(parts)
    return f"{line} - {' / '.join(exits)}" if exits else line


def _side_line(label: str, kind: OrderType, side: Side, form: TicketForm) -> str:
    fmt, ccy = form.instrument.format_price, form.instrument.currency
    return (
        f"{label:<12}{kind.value:<13}{fmt(side.price):>12}  {side.ticks:>5} ticks  "
        f"{fmt(side.points):>10} pts  {_exact_money(side.per_contract, ccy):>16}/contract  "
        f"{_exact_money(side.total, ccy):>16} total"
    )


def plan_lines(form: TicketForm, assessment: Assessment) -> list[str]:
    """The plan card as lines of text."""
    instrument = form.instrument
    lines = [
        f"{form.symbol}  {instrument.description}: "
        f"tick {instrument.price_format.format_tick(instrument.tick_size)} = "
        f"{_exact_money(instrument.tick_value, instrument.currency)}",
        order_line(form, assessment),
    ]
    if assessment.entry is not None and form.entry.order_type is OrderType.MARKET:
        lines.append(
            f"Exits measured from the market price {instrument.format_price(assessment.entry)}"
        )
    plan = assessment.plan
    if plan is None:
        return lines
    if plan.risk:
        lines.append(_side_line("Stop-loss", form.stop_loss.order_type, plan.risk, form))
    else:
        lines.append("Stop-loss   none: the loss is not limited")
    if plan.reward:
        lines.append(_side_line("Take-profit", form.take_profit.order_type, plan.reward, form))
    if plan.reward_to_risk is not None:
        lines.append(f"Reward:risk {plan.reward_to_risk}")
    if plan.commission_per_contract:
        lines.append(
            f"Commission {_money(plan.commission_per_contract, instrument.currency)} per contract "
            "round turn, included above"
        )
    return lines
