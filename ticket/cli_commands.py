"""The CLI's subcommands, on the same services as the window."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TextIO

from ticket import limits_file
from ticket.broker import errors
from ticket.broker.contracts import ResolvedContract, resolve_contract
from ticket.broker.marketdata import FeedState, MarketDataClient, Quote
from ticket.broker.models import OrderVersion
from ticket.broker.orders import Outcome, Status, find_by_cl_ord_id, submit_oso
from ticket.broker.session import EventKind, SessionEvent
from ticket.cli import (
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_NOT_PLACED,
    EXIT_OK,
    EXIT_PENALISED,
    EXIT_REJECTED,
    EXIT_UNKNOWN,
    decimal_arg,
    dumps,
    now,
)
from ticket.config import config_dir
from ticket.credentials import KeyringStore, KeyringUnavailable
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.draft import MarketView
from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, TimeInForce
from ticket.domain.prices import PriceError
from ticket.domain.rules import Severity, assess
from ticket.domain.summary import order_line, plan_lines
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm
from ticket.journal import Journal
from ticket.services import (
    Connection,
    Environment,
    NoCredentials,
    find_credentials,
    market_data_url,
    open_connection,
    pick_account,
    resolve_url,
    session_user,
    start_session,
)

ORDER_TYPES = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "stop": OrderType.STOP,
    "stoplimit": OrderType.STOP_LIMIT,
    "mit": OrderType.MIT,
}
EXIT_FOR = {
    Status.PLACED: EXIT_OK,
    Status.REJECTED: EXIT_REJECTED,
    Status.UNKNOWN: EXIT_UNKNOWN,
    Status.PENALISED: EXIT_PENALISED,
    Status.NOT_PLACED: EXIT_NOT_PLACED,
}


# After a lost answer the order is looked up for about 30 s before it is called unknown.
CLI_LOOKUP_DELAYS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)


class UsageError(ValueError):
    pass


def run(args: argparse.Namespace, stdin: TextIO) -> int:
    try:
        url = resolve_url(args.env, args.api_url)
    except ValueError as exc:
        return _fail(str(exc))
    if args.command == "sign-out" and url is None:
        print("The practice simulator keeps no session: there is nothing to sign out of.")
        return EXIT_OK
    connection = open_connection(url, sim_tick_interval=None)
    try:
        if args.command == "sign-out":
            return _sign_out(connection, args)
        _sign_in(connection, args.username)
        return COMMANDS[args.command](connection, args, stdin)
    except (errors.BrokerError, NoCredentials, UsageError, PriceError, ValueError) as exc:
        return _fail(
            errors.describe_error(exc) if isinstance(exc, errors.BrokerError) else str(exc)
        )
    finally:
        connection.close()


def _fail(message: str) -> int:
    import sys

    print(f"ticket: {message}", file=sys.stderr)
    return EXIT_ERROR


def _sign_in(connection: Connection, username: str | None) -> None:
    """Use the session the window and other commands share, or sign in once for it."""
    store = None
    if connection.environment is not Environment.SIM:
        try:
            store = KeyringStore()
        except KeyringUnavailable:
            store = None
    if connection.unshared is not None:
        _say_once_that_each_command_signs_in()
    connection.client.auth.on_event = _print_session_event
    start_session(
        connection,
        session_user(username),
        lambda: find_credentials(connection.environment, store, username),
    )


def _say_once_that_each_command_signs_in() -> None:
    note = config_dir() / "noted-cli-signs-in-each-time"  # holds no secret
    if note.exists():
        return
    print(
        "ticket: no usable keyring, so every command signs in to Tradovate anew, and "
        "Tradovate limits sign-ins. With a keyring, commands and the window share one session: "
        "on Linux, install and unlock a Secret Service keyring (for example gnome-keyring). "
        "This is said once.",
        file=sys.stderr,
    )
    with contextlib.suppress(OSError):
        note.parent.mkdir(parents=True, exist_ok=True)
        note.touch()


def _print_session_event(event: SessionEvent) -> None:
    if event.kind is EventKind.WAITING:
        if event.seconds > 0:
            print(
                f"\rTradovate asks to wait before signing in again: {event.seconds:.0f} s ",
                end="",
                file=sys.stderr,
                flush=True,
            )
        else:
            print(
                "\rTradovate asks to wait before signing in again: resending now.", file=sys.stderr
            )
    elif event.kind is EventKind.NOT_EXTENDED:
        print(f"ticket: {event.message}", file=sys.stderr)


def _sign_out(connection: Connection, args: argparse.Namespace) -> int:
    user = session_user(args.username)
    where = f"{connection.environment.value} {connection.base_url}"
    if user is None:
        raise UsageError("Whose session? Give --username NAME (or set TICKET_USERNAME).")
    if connection.client.auth.store is None:
        raise UsageError(
            f"No session of {user} is stored for {where}: {connection.unshared or ''}".strip()
        )
    connection.client.sign_out(user)
    print(
        f"Signed out of {where} as {user}: its session is gone from the keyring, and the next "
        "command signs in anew. A window that is open keeps its own session until it closes."
    )
    return EXIT_OK


def _accounts(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    rows = []
    for account in connection.client.accounts():
        balance = connection.client.cash_balance(account.id)
        rows.append(
            {
                "id": account.id,
                "name": account.name,
                "active": account.active,
                "cash": balance.total_cash_value,
                "netLiq": balance.net_liq,
            }
        )
    if args.json:
        print(dumps(rows))
    else:
        print(f"{connection.environment.value} {connection.base_url}")
        for row in rows:
            cash = f"{row['cash']:>14,.2f}" if row["cash"] is not None else "  (not reported)"
            print(f"{row['name']:<16} id {row['id']:<10} cash {cash}")
    return EXIT_OK


def _contract(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    resolved = resolve_contract(connection.client, args.symbol, date.today())
    i = resolved.instrument
    data = {
        "id": resolved.contract.id,
        "name": resolved.contract.name,
        "product": i.root,
        "description": i.description,
        "tickSize": i.tick_size,
        "valuePerPoint": i.value_per_point,
        "tickValue": i.tick_value,
        "currency": i.currency,
        "priceFormat": i.price_format.kind,
        "source": "broker" if resolved.from_broker else "built-in table",
    }
    if args.json:
        print(dumps(data))
    else:
        style = (
            "in 32nds, e.g. 110'16.5"
            if i.price_format.kind == "fractional"
            else f"{i.price_format.places} decimals"
        )
        print(
            f"{data['name']}  {i.description}  id {data['id']}\n"
            f"tick {i.price_format.format_tick(i.tick_size)} = "
            f"{i.tick_value.normalize():f} {i.currency} "
            f"({i.value_per_point.normalize():f} per point), prices {style}  [{data['source']}]"
        )
    return EXIT_OK


def _live_quote(connection: Connection, resolved: ResolvedContract, timeout: float = 5.0) -> Quote:
    """The first quote for the contract from the market-data socket, or a clear refusal."""
    got: list[Quote] = []
    refused: list[str] = []
    ready = threading.Event()

    def on_quote(quote: Quote) -> None:
        got.append(quote)
        ready.set()

    def on_state(state: FeedState, detail: str) -> None:
        if state in (FeedState.NOT_ENTITLED, FeedState.CLOSED) and detail:
            refused.append(detail)
            ready.set()

    session = connection.client.session
    token = session.market_data_token() if session else None
    feed = MarketDataClient(market_data_url(connection), lambda: token, on_quote, on_state)
    feed.subscribe(resolved.contract.name, resolved.contract.id)
    feed.start()
    try:
        ready.wait(timeout)
    finally:
        feed.stop()
    if got:
        return got[0]
    reason = refused[0] if refused else f"no quote within {timeout:.0f} s"
    raise UsageError(f"No live price for {resolved.contract.name} ({reason}).")


def _quote_or_none(connection: Connection, resolved: ResolvedContract) -> Quote | None:
    """The live quote when market data answers, else None (a login without market data)."""
    try:
        return _live_quote(connection, resolved, timeout=3.0)
    except UsageError:
        return None


def _quote(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    resolved = resolve_contract(connection.client, args.symbol, date.today())
    quote = _live_quote(connection, resolved)
    fmt = resolved.instrument.format_price
    data = {
        "symbol": quote.symbol,
        "contractId": quote.contract_id,
        "bid": quote.bid,
        "bidSize": quote.bid_size,
        "ask": quote.ask,
        "askSize": quote.ask_size,
        "last": quote.last,
        "lastSize": quote.last_size,
        "ageSeconds": round(quote.age(), 3),
    }
    if args.json:
        print(dumps(data))
    else:

        def show(price: Decimal | None, size: int | None) -> str:
            if price is None:
                return "-"
            return fmt(price) + (f" x{size}" if size is not None else "")

        print(
            f"{quote.symbol}  bid {show(quote.bid, quote.bid_size)}  ask "
            f"{show(quote.ask, quote.ask_size)}  last {show(quote.last, quote.last_size)}  "
            f"age {quote.age():.1f} s"
        )
    return EXIT_OK


def _orders(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    if args.cl_ord_id is not None:
        return _order_by_cl_ord_id(connection, args)
    account = pick_account(client.accounts(), args.account)
    orders = [o for o in client.orders() if o.account_id == account.id]
    live: dict[int, OrderVersion] = {}
    for version in client.all_order_versions():  # one list call, not one per order
        current = live.get(version.order_id)
        if current is None or version.id > current.id:
            live[version.order_id] = version
    names = {c: client.contract(c).name for c in {o.contract_id for o in orders} if c}
    rows = []
    for order in sorted(orders, key=lambda o: o.id):
        latest = live.get(order.id)
        rows.append(
            {
                "id": order.id,
                "parentId": order.parent_id,
                "symbol": names.get(order.contract_id or 0),
                "action": order.action.value,
                "status": order.ord_status.value,
                "qty": latest.order_qty if latest else None,
                "type": latest.order_type.value if latest else None,
                "price": latest.price if latest else None,
                "stopPrice": latest.stop_price if latest else None,
            }
        )
    if args.json:
        print(dumps(rows))
        return EXIT_OK
    for row in rows:
        if row["parentId"]:
            continue
        print(_order_text(row))
        for leg in (r for r in rows if r["parentId"] == row["id"]):
            print("   " + _order_text(leg))
    if not rows:
        print(f"No orders on {account.name}.")
    return EXIT_OK


def _order_by_cl_ord_id(connection: Connection, args: argparse.Namespace) -> int:
    """Look an order up later by the clOrdId an unknown outcome printed."""
    found = find_by_cl_ord_id(connection.client, args.cl_ord_id)
    if args.json:
        print(
            dumps(
                {
                    "clOrdId": args.cl_ord_id,
                    "found": found is not None,
                    "orderId": found.order_id if found else None,
                    "oso1Id": found.oso1_id if found else None,
                    "oso2Id": found.oso2_id if found else None,
                }
            )
        )
    elif found is None:
        print(
            f"No order with clOrdId {args.cl_ord_id} on {connection.environment.value}. If its "
            "request was sent moments ago it may still land: look again before placing it again."
        )
    else:
        legs = " ".join(str(i) for i in (found.oso1_id, found.oso2_id) if i is not None)
        print(
            f"clOrdId {args.cl_ord_id} is order {found.order_id}"
            + (f", stop/target legs {legs}" if legs else "")
        )
    return EXIT_OK if found is not None else EXIT_NOT_FOUND


def _order_text(row: Mapping[str, object]) -> str:
    price = row["stopPrice"] if row["type"] in ("Stop", "TrailingStop") else row["price"]
    parts = [f"{row['id']:<10}", f"{row['status']:<10}", f"{row['action']:<4}"]
    parts += [str(v) for v in (row["qty"], row["symbol"], row["type"], price) if v is not None]
    return " ".join(parts)


def _price(instrument: Instrument, text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return instrument.price_format.parse(text)
    except PriceError as exc:
        raise UsageError(f"{name}: {exc}") from None


def _exit(
    args: argparse.Namespace, instrument: Instrument, prefix: str, kind: OrderType
) -> BracketSpec:
    given = {
        DistanceUnit.TICKS: getattr(args, f"{prefix}_ticks"),
        DistanceUnit.PRICE: getattr(args, f"{prefix}_price"),
        DistanceUnit.MONEY: getattr(args, f"{prefix}_money"),
        DistanceUnit.R: getattr(args, f"{prefix}_r", None),
    }
    chosen = [(unit, text) for unit, text in given.items() if text is not None]
    if len(chosen) > 1:
        raise UsageError(f"Give the {prefix} in one unit only.")
    if not chosen:
        return BracketSpec(enabled=False, order_type=kind)
    unit, text = chosen[0]
    distance = (
        _price(instrument, text, f"--{prefix}-price")
        if unit is DistanceUnit.PRICE
        else decimal_arg(text, f"--{prefix}-{unit.value.lower()}")
    )
    return BracketSpec(order_type=kind, unit=unit, distance=distance)


def _form(args: argparse.Namespace, symbol: str, instrument: Instrument) -> TicketForm:
    order_type = ORDER_TYPES[args.order_type]
    reference = _price(instrument, args.ref_price, "--ref-price")
    if order_type is OrderType.MARKET and reference is None:
        raise UsageError(
            "A Market entry needs a market price: its stop-loss and take-profit are measured "
            "from it. Give --ref-price."
        )
    return TicketForm(
        instrument=instrument,
        symbol=symbol,
        entry=EntrySpec(
            action=Action.BUY if args.side == "buy" else Action.SELL,
            qty=args.qty,
            order_type=order_type,
            price=_price(instrument, args.price, "--price"),
            stop_price=_price(instrument, args.trigger, "--trigger"),
            time_in_force=TimeInForce.GTC if args.tif == "gtc" else TimeInForce.DAY,
        ),
        stop_loss=_exit(args, instrument, "stop", OrderType.STOP),
        take_profit=_exit(args, instrument, "target", OrderType.LIMIT),
        reference_price=reference,
        overrides=frozenset(args.override),
    )


def _place(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    # With --json, stdout holds exactly one JSON document: every other line goes to stderr.
    notes = sys.stderr if args.json else sys.stdout
    account = pick_account(client.accounts(), args.account)
    resolved = resolve_contract(client, args.symbol, date.today())
    order_type = ORDER_TYPES[args.order_type]
    quote = _quote_or_none(connection, resolved)
    last = quote.last if quote and quote.last is not None else None
    typed = args.ref_price is not None
    if order_type is OrderType.MARKET and not typed:
        if quote is None:
            raise UsageError(
                f"No live price for {resolved.contract.name} from market data: give the market "
                "price with --ref-price (a Market entry's exits are measured from it)."
            )
        market = MarketView(bid=quote.bid, ask=quote.ask, last=quote.last, fresh=True)
        anchor = market.anchor(Action.BUY if args.side == "buy" else Action.SELL)
        if anchor is None:
            raise UsageError("The live quote has no price on the side a market order fills at.")
        side, price = anchor
        last = last if last is not None else price
        args.ref_price = resolved.instrument.format_price(price)
        print(f"Exits measured from the live {side} {args.ref_price}.", file=notes)
    form = _form(args, resolved.contract.name, resolved.instrument)
    if last is None and typed and order_type is not OrderType.MARKET:
        last = form.reference_price  # the trader's word for where the market is
    form = form.model_copy(
        update={
            "last_price": last,
            "reference_typed": typed and order_type is OrderType.MARKET,
            "needs_last_price": True,
        }
    )
    limits_report = limits_file.load()
    for line in limits_report.notice():
        print(f"ticket: {line}", file=sys.stderr)
    limits = limits_report.settings.for_root(resolved.instrument.root)
    moment = now()
    assessment = assess(form, limits, moment)
    for problem in assessment.problems:
        blocking = problem.code and problem.severity is Severity.ERROR
        how = f" (--override {problem.code})" if blocking else ""
        print(f"{problem.severity.value}: {problem.field}: {problem.message}{how}", file=notes)
    if not assessment.can_place:
        print("Nothing was sent.", file=notes)
        return EXIT_ERROR
    request = build_place_oso(
        form,
        AccountRef(id=account.id, name=account.name),
        limits=limits,
        now=moment,
        cl_ord_id=new_cl_ord_id(),
        is_automated=args.yes,
        assessment=assessment,
    )
    if args.dry_run:
        print(dumps(request.to_wire()))
        return EXIT_OK
    if not args.yes:
        print(f"{connection.environment.value}  account {account.name}", file=notes)
        print("\n".join(plan_lines(form, assessment)), file=notes)
        print("Send this order? [y/N] ", end="", flush=True, file=notes)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            print("Not sent.", file=notes)
            return EXIT_NOT_PLACED
    journal = Journal.default()
    journal.order_sent(
        request,
        summary=order_line(form, assessment),
        environment=connection.environment.value,
        source="cli",
    )
    print(f"Sending {request.cl_ord_id}…", file=sys.stderr, flush=True)
    try:
        outcome = submit_oso(
            client,
            request,
            reconcile_delays=CLI_LOOKUP_DELAYS,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
        )
    except KeyboardInterrupt:
        # The request may be on the wire or already acted on: only a look-up can tell.
        outcome = Outcome(
            status=Status.UNKNOWN,
            cl_ord_id=request.cl_ord_id,
            message="Interrupted after the order was sent: it may have been placed. Check your "
            "orders before placing again.",
        )
    journal.order_outcome(outcome, source="cli")
    _print_outcome(outcome, args.json)
    return EXIT_FOR[outcome.status]


def _print_outcome(outcome: Outcome, as_json: bool) -> None:
    if as_json:
        print(
            dumps(
                {
                    "status": outcome.status.value,
                    "orderId": outcome.order_id,
                    "oso1Id": outcome.oso1_id,
                    "oso2Id": outcome.oso2_id,
                    "failureReason": outcome.failure_reason,
                    "failureText": outcome.failure_text,
                    "clOrdId": outcome.cl_ord_id,
                    "message": outcome.message,
                    "penaltySeconds": outcome.penalty_seconds,
                    "reconciled": outcome.reconciled,
                }
            )
        )
        return
    print(f"{outcome.status.value.upper()}: {outcome.message}")
    if outcome.status is Status.UNKNOWN:
        print(f"clOrdId {outcome.cl_ord_id}")
    if outcome.order_id:
        legs = " ".join(str(i) for i in (outcome.oso1_id, outcome.oso2_id) if i is not None)
        print(f"order {outcome.order_id}" + (f"  stop/target legs {legs}" if legs else ""))


COMMANDS = {
    "accounts": _accounts,
    "contract": _contract,
    "orders": _orders,
    "place": _place,
    "quote": _quote,
}
