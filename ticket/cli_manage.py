"""The command line for the open trade: `modify`, `breakeven` and `position`.

The rules are the domain's (`ticket.domain.exit_moves`), the change goes out through the one
modify path (`ticket.broker.modify`), every change is journalled, and the exit codes are those of
`place`: 0 confirmed, 1 refused by the rules (nothing sent), 3 rejected, 4 unconfirmed or unknown,
5 penalised, 6 not sent, 7 nothing to act on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TextIO

from ticket.broker.contracts import ResolvedContract, resolve_contract
from ticket.broker.models import Account, Order, OrderVersion
from ticket.broker.models import Position as Held
from ticket.broker.modify import LiveOrder, Modifier, ModifyOutcome, ModifyStatus
from ticket.cli import (
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_NOT_PLACED,
    EXIT_OK,
    EXIT_PENALISED,
    EXIT_REJECTED,
    EXIT_UNKNOWN,
    dumps,
)
from ticket.cli_commands import UsageError, _confirmed, _price, _quote_or_none
from ticket.domain.exit_moves import (
    ExitKind,
    ExitMove,
    MoveField,
    MoveProblem,
    break_even_price,
    check_entry_change,
    check_exit_move,
    grid_problem,
    widens,
)
from ticket.domain.instruments import Instrument
from ticket.domain.orders import OrdStatus
from ticket.domain.pnl import Position, Quote, open_pnl
from ticket.domain.protection import STOP_TYPES
from ticket.journal import Journal
from ticket.services import Connection, pick_account

EXIT_FOR = {
    ModifyStatus.CONFIRMED: EXIT_OK,
    ModifyStatus.REJECTED: EXIT_REJECTED,
    ModifyStatus.UNCONFIRMED: EXIT_UNKNOWN,
    ModifyStatus.UNKNOWN: EXIT_UNKNOWN,
    ModifyStatus.PENALISED: EXIT_PENALISED,
    ModifyStatus.NOT_SENT: EXIT_NOT_PLACED,
    ModifyStatus.BUSY: EXIT_NOT_PLACED,
}
LIVE_STATES = (OrdStatus.WORKING, OrdStatus.PENDING_NEW, OrdStatus.PENDING_REPLACE)


def _modifier(connection: Connection, instrument: Instrument) -> Modifier:
    journal = Journal.default()
    environment = connection.environment.value

    def record(kind: str, fields: dict[str, object]) -> None:
        journal.write(kind, environment=environment, source="cli", **fields)

    return Modifier(connection.client, on_event=record, format_price=instrument.format_price)


def _quote(connection: Connection, resolved: ResolvedContract) -> Quote:
    live = _quote_or_none(connection, resolved)
    if live is None:
        return Quote()
    return Quote(bid=live.bid, ask=live.ask, last=live.last)


def _held(positions: Sequence[Held], account: Account, contract_id: int) -> Position | None:
    for held in positions:
        if held.account_id == account.id and held.contract_id == contract_id and held.net_pos:
            if held.net_price is None:
                return None
            return Position(net=held.net_pos, avg_price=held.net_price)
    return None


def _latest_versions(versions: Sequence[OrderVersion]) -> dict[int, OrderVersion]:
    latest: dict[int, OrderVersion] = {}
    for version in versions:
        held = latest.get(version.order_id)
        if held is None or version.id > held.id:
            latest[version.order_id] = version
    return latest


def _live(order: Order, version: OrderVersion) -> LiveOrder:
    return LiveOrder(
        order_id=order.id,
        qty=version.order_qty,
        order_type=version.order_type,
        price=version.price,
        stop_price=version.stop_price,
        status=order.ord_status,
        version_id=version.id,
    )


def _print_problems(problems: Sequence[MoveProblem], notes: TextIO) -> None:
    for problem in problems:
        print(f"error: {problem.field.value}: {problem.message}", file=notes)
    print("Nothing was sent.", file=notes)


def _outcome_data(outcome: ModifyOutcome, fmt: Callable[[Decimal], str] = str) -> dict[str, object]:
    live = outcome.live

    def shown(price: Decimal | None) -> str | None:
        return fmt(price) if price is not None else None

    return {
        "status": outcome.status.value,
        "orderId": outcome.order_id,
        "commandId": outcome.command_id,
        "message": outcome.message,
        "failureReason": outcome.failure_reason,
        "failureText": outcome.failure_text,
        "penaltySeconds": outcome.penalty_seconds,
        "qty": live.qty if live else None,
        "price": shown(live.price) if live else None,
        "stopPrice": shown(live.stop_price) if live else None,
    }


def _print_outcome(outcome: ModifyOutcome) -> None:
    print(f"{outcome.status.value.upper()}: {outcome.message}")


@dataclass(frozen=True)
class _Change:
    """A change of one order, judged: what it is in words, and what the rules say."""

    lines: tuple[str, ...]
    problems: tuple[MoveProblem, ...]
    question: str | None


def _judge(
    order: Order,
    live: LiveOrder,
    new_price: Decimal | None,
    new_stop: Decimal | None,
    qty: int | None,
    market: Callable[[], Quote],
    position: Position | None,
    instrument: Instrument,
) -> _Change:
    fmt = instrument.format_price
    is_stop = live.order_type in STOP_TYPES
    closing = position is not None and position.closing is order.action
    exit_order = order.parent_id is not None or closing
    old = live.stop_price if is_stop else live.price
    new = new_stop if new_stop is not None else new_price
    words = [f"order {order.id}: {order.action.value} {live.qty} {live.order_type.value}"]
    if new is not None:
        words.append(f"{fmt(old) if old is not None else '-'} to {fmt(new)}")
    if qty is not None and qty != live.qty:
        words.append(f"{live.qty} to {qty} contracts")
    lines = ("Change " + ", ".join(words) + ".",)
    if not exit_order:
        field = MoveField.ENTRY_PRICE
        return _Change(lines, check_entry_change(new, qty or live.qty, instrument, field), None)
    if new is None or old is None:
        return _Change(lines, (), None)
    if live.status is OrdStatus.SUSPENDED or position is None:
        # a leg waiting for its entry: the market is not its measure yet, only the grid
        field = MoveField.STOP_PRICE if is_stop else MoveField.TARGET_PRICE
        problem = grid_problem(field, new, instrument)
        return _Change(lines, (problem,) if problem else (), None)
    kind = ExitKind.STOP if is_stop else ExitKind.TARGET
    move = ExitMove(kind=kind, closing=order.action, current=old, new=new)
    check = check_exit_move(move, market(), instrument, position)
    return _Change(lines, check.problems, check.question(fmt, instrument.currency))


def modify(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    notes = sys.stderr if args.json else sys.stdout
    if args.price is None and args.stop_price is None and args.qty is None:
        raise UsageError("Give what changes: --price, --stop-price or --qty.")
    account = pick_account(client.accounts(), args.account)
    order = client.order(args.order_id)
    if order.account_id != account.id or order.contract_id is None:
        raise UsageError(f"Order {order.id} is not an order of {account.name}.")
    resolved = resolve_contract(client, client.contract(order.contract_id).name, date.today())
    instrument = resolved.instrument
    modifier = _modifier(connection, instrument)
    live = modifier.live(order.id)
    if live.status is not None and live.status.is_final:
        return _done(
            ModifyOutcome(
                status=ModifyStatus.NOT_SENT,
                order_id=order.id,
                message=f"Order {order.id} is {live.status.value}: there is nothing to change.",
                live=live,
            ),
            args.json,
            instrument.format_price,
        )
    new_price = _price(instrument, args.price, "--price")
    new_stop = _price(instrument, args.stop_price, "--stop-price")
    if new_price is not None and not live.order_type.needs_price:
        raise UsageError(f"Order {order.id} is a {live.order_type.value}: give --stop-price.")
    if new_stop is not None and not live.order_type.needs_stop_price:
        raise UsageError(f"Order {order.id} is a {live.order_type.value}: give --price.")
    position = _held(client.positions(), account, order.contract_id)
    change = _judge(
        order,
        live,
        new_price,
        new_stop,
        args.qty,
        lambda: _quote(connection, resolved),
        position,
        instrument,
    )
    if change.problems:
        _print_problems(change.problems, notes)
        return EXIT_ERROR
    lines = list(change.lines) + ([change.question] if change.question else [])
    if args.yes:
        if change.question:
            print(change.question.removesuffix(" Move it?"), file=notes)
    elif not _confirmed(connection, account, lines, "Send this change?", stdin, notes):
        return EXIT_NOT_PLACED
    outcome = modifier.modify(
        order.id,
        price=new_price,
        stop_price=new_stop,
        qty=args.qty,
        automated=args.yes,
        live=live,
    )
    return _done(outcome, args.json, instrument.format_price)


def _done(outcome: ModifyOutcome, as_json: bool, fmt: Callable[[Decimal], str] = str) -> int:
    if as_json:
        print(dumps(_outcome_data(outcome, fmt)))
    else:
        _print_outcome(outcome)
    return EXIT_FOR[outcome.status]


def _exits(
    orders: Sequence[Order],
    latest: dict[int, OrderVersion],
    account: Account,
    contract_id: int,
    position: Position,
) -> list[LiveOrder]:
    """The working orders that close the position, oldest first."""
    found = []
    for order in sorted(orders, key=lambda o: o.id):
        version = latest.get(order.id)
        if (
            version is not None
            and order.account_id == account.id
            and order.contract_id == contract_id
            and order.ord_status in LIVE_STATES
            and order.action is position.closing
        ):
            found.append(_live(order, version))
    return found


def breakeven(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    notes = sys.stderr if args.json else sys.stdout
    account = pick_account(client.accounts(), args.account)
    resolved = resolve_contract(client, args.symbol, date.today())
    instrument, name = resolved.instrument, resolved.contract.name
    fmt = instrument.format_price
    position = _held(client.positions(), account, resolved.contract.id)
    if position is None:
        print(f"No open position in {name} on {account.name}: nothing was sent.", file=notes)
        return EXIT_NOT_FOUND
    latest = _latest_versions(client.all_order_versions())
    exits = _exits(client.orders(), latest, account, resolved.contract.id, position)
    stops = [e for e in exits if e.order_type in STOP_TYPES and e.stop_price is not None]
    if not stops:
        print(f"No working stop on the {name} position: nothing was sent.", file=notes)
        return EXIT_NOT_FOUND
    even = break_even_price(position, args.offset_ticks, instrument)
    quote = _quote(connection, resolved)
    moving: list[LiveOrder] = []
    for stop in stops:
        assert stop.stop_price is not None
        move = ExitMove(
            kind=ExitKind.STOP, closing=position.closing, current=stop.stop_price, new=even
        )
        if stop.stop_price == even or widens(move):
            print(
                f"Stop {stop.order_id} at {fmt(stop.stop_price)} is already at or past "
                f"break-even {fmt(even)}: left alone.",
                file=notes,
            )
            continue
        check = check_exit_move(move, quote, instrument, position)
        if check.problems:
            _print_problems(check.problems, notes)
            return EXIT_ERROR
        moving.append(stop)
    side = "long" if position.net > 0 else "short"
    offset = f" + {args.offset_ticks} ticks" if args.offset_ticks else ""
    lines = [
        f"{name} {side} {abs(position.net)} at {fmt(position.avg_price)}: break-even{offset} "
        f"is {fmt(even)}."
    ]
    lines += [
        f"Move stop {s.order_id} from {fmt(s.stop_price or even)} to {fmt(even)}." for s in moving
    ]
    if not moving:
        return _many([], even, fmt, args.json, name)
    question = "Send this change?" if len(moving) == 1 else f"Send these {len(moving)} changes?"
    if not args.yes and not _confirmed(connection, account, lines, question, stdin, notes):
        return EXIT_NOT_PLACED
    modifier = _modifier(connection, instrument)
    outcomes = [
        modifier.modify(s.order_id, stop_price=even, automated=args.yes, live=s) for s in moving
    ]
    return _many(outcomes, even, fmt, args.json, name)


def _many(
    outcomes: Sequence[ModifyOutcome],
    even: Decimal,
    fmt: Callable[[Decimal], str],
    as_json: bool,
    name: str,
) -> int:
    if as_json:
        print(
            dumps(
                {
                    "symbol": name,
                    "breakEven": even,
                    "changes": [_outcome_data(o, fmt) for o in outcomes],
                }
            )
        )
    else:
        for outcome in outcomes:
            _print_outcome(outcome)
        if not outcomes:
            print(f"Nothing to move: every stop is at or past {fmt(even)}.")
    codes = [EXIT_FOR[o.status] for o in outcomes if o.status is not ModifyStatus.CONFIRMED]
    return codes[0] if codes else EXIT_OK


def position(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    account = pick_account(client.accounts(), args.account)
    cash = client.cash_balance(account.id)
    wanted = resolve_contract(client, args.symbol, date.today()) if args.symbol else None
    held = [
        p
        for p in client.positions()
        if p.account_id == account.id
        and p.net_pos != 0
        and (wanted is None or p.contract_id == wanted.contract.id)
    ]
    latest = _latest_versions(client.all_order_versions()) if held else {}
    orders = client.orders() if held else []
    rows = []
    for entry in sorted(held, key=lambda p: p.contract_id):
        resolved = wanted or resolve_contract(
            client, client.contract(entry.contract_id).name, date.today()
        )
        rows.append(_position_row(connection, resolved, entry, account, orders, latest))
    texts = [row.pop("lines") for row in rows]
    data = {
        "account": account.name,
        "cash": cash.total_cash_value,
        "realizedPnL": cash.realized_pn_l,
        "positions": rows,
    }
    if args.json:
        print(dumps(data))
        return EXIT_OK
    realised = cash.realized_pn_l
    cash_words = f"{cash.total_cash_value:,.2f}" if cash.total_cash_value is not None else "-"
    real_words = f"{realised:+,.2f}" if realised is not None else "-"
    print(f"{account.name}  cash {cash_words}  realised today {real_words}")
    for lines in texts:
        assert isinstance(lines, list)
        print("\n   ".join(lines))
    if not rows:
        where = f" in {wanted.contract.name}" if wanted else ""
        print(f"No open position{where}.")
    return EXIT_OK


def _position_row(
    connection: Connection,
    resolved: ResolvedContract,
    held: Held,
    account: Account,
    orders: Sequence[Order],
    latest: dict[int, OrderVersion],
) -> dict[str, object]:
    instrument, fmt = resolved.instrument, resolved.instrument.format_price
    avg = held.net_price or Decimal(0)
    position = Position(net=held.net_pos, avg_price=avg)
    exits = _exits(orders, latest, account, held.contract_id, position)
    stops = [e for e in exits if e.order_type in STOP_TYPES]
    targets = [e for e in exits if e.order_type not in STOP_TYPES]
    planned = _planned_stop_ticks(connection, stops, avg, instrument)
    quote = _quote(connection, resolved)
    pnl = open_pnl(position, quote, instrument, planned)
    side = "long" if held.net_pos > 0 else "short"
    text = f"{resolved.contract.name}  {side} {abs(held.net_pos)} @ {fmt(avg)}"
    if pnl is not None:
        r = f"  {pnl.r:+.2f} R" if pnl.r is not None else ""
        text += (
            f"  marked {fmt(pnl.mark)}  open {pnl.ticks:+.1f} ticks  "
            f"{pnl.money:+,.2f} {instrument.currency}{r}"
        )
    else:
        text += "  open P&L unknown (no live price)"
    lines = [text]
    for e in exits:
        is_stop = e in stops
        price = e.stop_price if is_stop else e.price
        shown = fmt(price) if price is not None else "-"
        role = "stop" if is_stop else "target"
        lines.append(f"{role:<6} {e.order_id}  {e.order_type.value} {e.qty} @ {shown}")
    if not stops:
        lines.append("NO WORKING STOP")
    return {
        "symbol": resolved.contract.name,
        "contractId": held.contract_id,
        "side": side,
        "qty": abs(held.net_pos),
        "avgPrice": avg,
        "bid": quote.bid,
        "ask": quote.ask,
        "openTicks": pnl.ticks if pnl else None,
        "openMoney": pnl.money if pnl else None,
        "openR": pnl.r if pnl else None,
        "plannedStopTicks": planned,
        "stops": [_exit_data(e) for e in stops],
        "targets": [_exit_data(e) for e in targets],
        "lines": lines,
    }


def _exit_data(live: LiveOrder) -> dict[str, object]:
    return {
        "orderId": live.order_id,
        "type": live.order_type.value,
        "qty": live.qty,
        "price": live.price,
        "stopPrice": live.stop_price,
    }


def _planned_stop_ticks(
    connection: Connection, stops: Sequence[LiveOrder], avg: Decimal, instrument: Instrument
) -> Decimal | None:
    """The stop distance the trade was planned with: the first version of its first stop."""
    if not stops:
        return None
    versions = connection.client.order_versions(stops[0].order_id)
    first = min(versions, key=lambda v: v.id, default=None)
    if first is None or first.stop_price is None:
        return None
    ticks = abs(avg - first.stop_price) / instrument.tick_size
    return ticks if ticks > 0 else None


COMMANDS = {"modify": modify, "breakeven": breakeven, "position": position}
