"""The CLI's subcommands, on the same services as the window."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

from ticket import limits_file, presets_file
from ticket.broker import errors
from ticket.broker.contracts import ResolvedContract, resolve_contract
from ticket.broker.marketdata import FeedState, MarketDataClient, Quote
from ticket.broker.models import Account, OrderVersion
from ticket.broker.orders import Outcome, Status, find_by_cl_ord_id, submit_oso
from ticket.broker.session import EventKind, SessionEvent
from ticket.cli import (
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_NOT_PLACED,
    EXIT_OK,
    EXIT_PARTLY,
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
from ticket.domain.orders import Action, OrderType, PlaceOsoRequest, TimeInForce
from ticket.domain.presets import (
    Distance,
    Preset,
    PresetError,
    SizeKind,
    preset_quantity,
    stop_risk,
)
from ticket.domain.prices import PriceError
from ticket.domain.rules import FatFingerLimits, Problem, Severity, assess
from ticket.domain.scaleout import (
    MAX_TARGETS,
    TargetSpec,
    assess_scaleout,
    build_parts,
    scaleout_line,
    scaleout_lines,
)
from ticket.domain.summary import order_line, plan_lines
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm
from ticket.journal import Journal
from ticket.scaleout import PartOutcome, ScaleOutOutcome, held_back, submit_scaleout
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
        return _command(args.command)(connection, args, stdin)
    except (errors.BrokerError, NoCredentials, UsageError, PriceError, ValueError) as exc:
        return _fail(
            errors.describe_error(exc) if isinstance(exc, errors.BrokerError) else str(exc)
        )
    finally:
        connection.close()


def _command(name: str) -> Callable[[Connection, argparse.Namespace, TextIO], int]:
    if name in COMMANDS:
        return COMMANDS[name]
    from ticket.cli_manage import COMMANDS as MANAGE  # it imports this module's helpers

    return MANAGE[name]


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


def _chosen(
    args: argparse.Namespace, prefix: str, units: Sequence[DistanceUnit]
) -> tuple[DistanceUnit, str] | None:
    """The unit and text of the one `--<prefix>-<unit>` option given, if any."""
    given = [(u, getattr(args, f"{prefix}_{u.value.lower()}")) for u in units]
    chosen = [(unit, text) for unit, text in given if text is not None]
    if len(chosen) > 1:
        raise UsageError(f"Give the {prefix} in one unit only.")
    return chosen[0] if chosen else None


def _exit(args: argparse.Namespace, instrument: Instrument) -> BracketSpec:
    """The stop-loss the options give; disabled when they give none."""
    chosen = _chosen(args, "stop", (DistanceUnit.TICKS, DistanceUnit.PRICE, DistanceUnit.MONEY))
    if chosen is None:
        return BracketSpec(enabled=False, order_type=OrderType.STOP)
    unit, text = chosen
    return BracketSpec(
        order_type=OrderType.STOP, unit=unit, distance=_distance(instrument, "stop", unit, text)
    )


def _distance(instrument: Instrument, prefix: str, unit: DistanceUnit, text: str) -> Decimal | None:
    if unit is DistanceUnit.PRICE:
        return _price(instrument, text, f"--{prefix}-price")
    return decimal_arg(text, f"--{prefix}-{unit.value.lower()}")


def _given_targets(args: argparse.Namespace, instrument: Instrument) -> tuple[TargetSpec, ...]:
    """The targets the options give: one, or up to three with `--target-qty`."""
    chosen = _chosen(args, "target", tuple(DistanceUnit))
    quantities = _quantities(args.target_qty) if args.target_qty is not None else None
    if chosen is None:
        if quantities is not None:
            raise UsageError(
                "--target-qty needs the targets it splits over: --target-ticks, --target-price, "
                "--target-money or --target-r."
            )
        return ()
    unit, text = chosen
    texts = text.split(",")
    if len(texts) > MAX_TARGETS:
        raise UsageError(f"At most {MAX_TARGETS} targets, not {len(texts)}.")
    if quantities is None:
        if len(texts) > 1:
            option = "--target-" + unit.value.lower()
            raise UsageError(
                f"{option} {text}: for a decimal, use a dot. To scale out over {len(texts)} "
                "targets, give --target-qty too: the contracts each one takes, adding up to "
                "--qty (for example --target-qty 1,1)."
            )
        quantities = [None]
    if len(quantities) != len(texts):
        raise UsageError(
            f"--target-qty gives {len(quantities)} quantities for {len(texts)} targets."
        )
    return tuple(
        TargetSpec(unit=unit, distance=_distance(instrument, "target", unit, t), qty=q)
        for t, q in zip(texts, quantities, strict=True)
    )


def _quantities(text: str) -> list[int | None]:
    found: list[int | None] = []
    for part in text.split(","):
        try:
            found.append(int(part.strip()))
        except ValueError:
            raise UsageError(
                f"--target-qty: '{part.strip()}' is not a whole number of contracts."
            ) from None
    return found


@dataclass(frozen=True)
class _Asked:
    """The order the options ask for, the preset filled in where they are silent."""

    qty: int
    time_in_force: TimeInForce
    stop: BracketSpec
    targets: tuple[TargetSpec, ...]
    preset: Preset | None


def _find_preset(name: str, root: str) -> Preset:
    report = presets_file.load()
    for line in report.notice():
        print(f"ticket: {line}", file=sys.stderr)
    found = report.book.find(root, name)
    if found is None:
        names = ", ".join(f'"{p.name}"' for p in report.book.for_product(root))
        known = f"its presets: {names}" if names else "it has none"
        raise UsageError(f'No preset "{name}" for {root} in {report.path} ({known}).')
    return found


def _asked(
    args: argparse.Namespace,
    instrument: Instrument,
    preset: Preset | None = None,
    balance: Callable[[], Decimal | None] = lambda: None,
) -> _Asked:
    """What to place: the options, then `preset` where they say nothing. `balance` is asked
    only for a preset that sizes from a percent of it."""
    stop = _exit(args, instrument)
    if not stop.enabled and preset is not None and preset.stop is not None:
        stop = BracketSpec(
            order_type=OrderType.STOP, unit=preset.stop.unit, distance=preset.stop.value
        )
    targets = _given_targets(args, instrument)
    if not targets and preset is not None:
        targets = tuple(
            TargetSpec(unit=t.unit, distance=t.value, qty=t.qty) for t in preset.targets
        )
    tif = {"day": TimeInForce.DAY, "gtc": TimeInForce.GTC}.get(args.tif or "")
    if tif is None:
        tif = (preset.time_in_force if preset else None) or TimeInForce.DAY
    qty = args.qty
    if qty is None and preset is not None:
        qty = _preset_qty(preset, stop, instrument, balance)
    if qty is None and len(targets) > 1 and all(t.qty is not None for t in targets):
        qty = sum(t.qty or 0 for t in targets)
    if qty is None:
        unset = f' (preset "{preset.name}" does not set the size)' if preset else ""
        raise UsageError(f"Give --qty: how many contracts{unset}.")
    if len(targets) == 1 and targets[0].qty not in (None, qty):
        raise UsageError(f"--target-qty {targets[0].qty} is not the {qty} contracts of --qty.")
    return _Asked(qty=qty, time_in_force=tif, stop=stop, targets=targets, preset=preset)


def _preset_qty(
    preset: Preset,
    stop: BracketSpec,
    instrument: Instrument,
    balance: Callable[[], Decimal | None],
) -> int | None:
    """The preset's size, from its risk budget at the stop actually used."""
    size = preset.size
    label = f'Preset "{preset.name}"'
    if size is not None and size.kind is not SizeKind.QTY and stop.distance is not None:
        if stop.unit is DistanceUnit.PRICE:
            raise UsageError(
                f"{label} sizes from a risk budget, which needs the stop in ticks or money: "
                "give --stop-ticks or --stop-money, or --qty."
            )
        preset = preset.model_copy(update={"stop": Distance(unit=stop.unit, value=stop.distance)})
    known = balance() if size is not None and size.kind is SizeKind.RISK_PERCENT else None
    try:
        qty = preset_quantity(preset, instrument, known)
    except PresetError as exc:
        raise UsageError(f"{label}: {exc.message}; give --qty.") from None
    if qty == 0 and preset.stop is not None and size is not None:
        risk = stop_risk(preset.stop, instrument)
        raise UsageError(
            f"{label}: its risk budget does not cover one contract at this stop "
            f"({risk:,.2f} {instrument.currency} a contract); give --qty to trade anyway."
        )
    return qty


def _form(
    args: argparse.Namespace, symbol: str, instrument: Instrument, asked: _Asked | None = None
) -> TicketForm:
    """The ticket the options (and the preset in `asked`) describe, its take-profit off when
    it scales out over several targets."""
    asked = asked or _asked(args, instrument)
    order_type = ORDER_TYPES[args.order_type]
    reference = _price(instrument, args.ref_price, "--ref-price")
    if order_type is OrderType.MARKET and reference is None:
        raise UsageError(
            "A Market entry needs a market price: its stop-loss and take-profit are measured "
            "from it. Give --ref-price."
        )
    target = BracketSpec(enabled=False, order_type=OrderType.LIMIT)
    if len(asked.targets) == 1:
        only = asked.targets[0]
        target = BracketSpec(order_type=OrderType.LIMIT, unit=only.unit, distance=only.distance)
    return TicketForm(
        instrument=instrument,
        symbol=symbol,
        entry=EntrySpec(
            action=Action.BUY if args.side == "buy" else Action.SELL,
            qty=asked.qty,
            order_type=order_type,
            price=_price(instrument, args.price, "--price"),
            stop_price=_price(instrument, args.trigger, "--trigger"),
            time_in_force=asked.time_in_force,
        ),
        stop_loss=asked.stop,
        take_profit=target,
        reference_price=reference,
        overrides=frozenset(args.override),
    )


def _place(connection: Connection, args: argparse.Namespace, stdin: TextIO) -> int:
    client = connection.client
    # With --json, stdout holds exactly one JSON document: every other line goes to stderr.
    notes = sys.stderr if args.json else sys.stdout
    account = pick_account(client.accounts(), args.account)
    resolved = resolve_contract(client, args.symbol, date.today())
    preset = _find_preset(args.preset, resolved.instrument.root) if args.preset else None
    asked = _asked(
        args,
        resolved.instrument,
        preset,
        lambda: client.cash_balance(account.id).total_cash_value,
    )
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
    form = _form(args, resolved.contract.name, resolved.instrument, asked)
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
    if len(asked.targets) > 1:
        ticket = _Ticket(connection, account, form, limits, moment, notes)
        return _place_scaleout(ticket, asked.targets, args, stdin)
    assessment = assess(form, limits, moment)
    if not _problems_allow(assessment.problems, notes):
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
    if not args.yes and not _confirmed(
        connection, account, plan_lines(form, assessment), "Send this order?", stdin, notes
    ):
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


def _outcome_data(outcome: Outcome) -> dict[str, object]:
    return {
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


def _print_outcome(outcome: Outcome, as_json: bool) -> None:
    if as_json:
        print(dumps(_outcome_data(outcome)))
        return
    print(f"{outcome.status.value.upper()}: {outcome.message}")
    if outcome.status is Status.UNKNOWN:
        print(f"clOrdId {outcome.cl_ord_id}")
    if outcome.order_id:
        legs = " ".join(str(i) for i in (outcome.oso1_id, outcome.oso2_id) if i is not None)
        print(f"order {outcome.order_id}" + (f"  stop/target legs {legs}" if legs else ""))


def _problems_allow(problems: Sequence[Problem], notes: TextIO) -> bool:
    """Print the ticket's problems; True when none of them blocks sending."""
    for problem in problems:
        blocking = problem.code and problem.severity is Severity.ERROR
        how = f" (--override {problem.code})" if blocking else ""
        print(f"{problem.severity.value}: {problem.field}: {problem.message}{how}", file=notes)
    if any(p.severity is Severity.ERROR for p in problems):
        print("Nothing was sent.", file=notes)
        return False
    return True


def _confirmed(
    connection: Connection,
    account: Account,
    lines: Sequence[str],
    question: str,
    stdin: TextIO,
    notes: TextIO,
) -> bool:
    print(f"{connection.environment.value}  account {account.name}", file=notes)
    print("\n".join(lines), file=notes)
    print(f"{question} [y/N] ", end="", flush=True, file=notes)
    if stdin.readline().strip().lower() in ("y", "yes"):
        return True
    print("Not sent.", file=notes)
    return False


@dataclass(frozen=True)
class _Ticket:
    """A ticket ready to judge: where it goes, what it is, and the limits it is judged by."""

    connection: Connection
    account: Account
    form: TicketForm
    limits: FatFingerLimits
    moment: datetime
    notes: TextIO


def _place_scaleout(
    ticket: _Ticket, targets: Sequence[TargetSpec], args: argparse.Namespace, stdin: TextIO
) -> int:
    """One placeOSO per target, each with its own stop: judged as one ticket, confirmed as
    one, sent one after the other, every part reported on its own."""
    form, notes, connection = ticket.form, ticket.notes, ticket.connection
    judged = assess_scaleout(form, targets, ticket.limits, ticket.moment)
    if not _problems_allow(judged.problems, notes):
        return EXIT_ERROR
    base = new_cl_ord_id()
    requests = build_parts(
        judged,
        AccountRef(id=ticket.account.id, name=ticket.account.name),
        limits=ticket.limits,
        now=ticket.moment,
        cl_ord_id=base,
        is_automated=args.yes,
    )
    if args.dry_run:
        print(dumps([r.to_wire() for r in requests]))
        return EXIT_OK
    question = f"Send these {len(requests)} orders?"
    lines = scaleout_lines(form, judged)
    if not args.yes and not _confirmed(connection, ticket.account, lines, question, stdin, notes):
        return EXIT_NOT_PLACED
    fmt = form.instrument.format_price
    prices = [fmt(p.target_price) if p.target_price is not None else "?" for p in judged.parts]
    journal = Journal.default()
    summary = scaleout_line(form, judged)
    for number, request in enumerate(requests, 1):
        journal.order_sent(
            request,
            summary=f"{summary} (part {number} of {len(requests)})",
            environment=connection.environment.value,
            source="cli",
        )
    done: list[PartOutcome] = []

    def heard(part: PartOutcome) -> None:
        done.append(part)
        if part.sent:
            journal.order_outcome(part.outcome, source="cli")

    print(f"Sending {base} in {len(requests)} parts…", file=sys.stderr, flush=True)
    try:
        result = submit_scaleout(
            connection.client,
            requests,
            prices,
            reconcile_delays=CLI_LOOKUP_DELAYS,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
            on_part=heard,
        )
    except KeyboardInterrupt:
        result = _interrupted(requests, prices, done)
    if args.json:
        print(dumps(_scaleout_data(base, result)))
    else:
        print("\n".join(result.lines()))
    return _scaleout_exit(result)


def _interrupted(
    requests: Sequence[PlaceOsoRequest], prices: Sequence[str], done: Sequence[PartOutcome]
) -> ScaleOutOutcome:
    """Ctrl-C during a scale-out: the part on the wire may be placed, the rest never left."""
    parts = list(done)
    number = len(parts) + 1
    if number <= len(requests):
        request = requests[number - 1]
        parts.append(
            PartOutcome(
                number=number,
                qty=request.order_qty,
                target=prices[number - 1],
                outcome=Outcome(
                    status=Status.UNKNOWN,
                    cl_ord_id=request.cl_ord_id,
                    message="Interrupted after this part was sent: it may have been placed. "
                    "Check your orders before placing again.",
                ),
            )
        )
    for later in range(len(parts) + 1, len(requests) + 1):
        request = requests[later - 1]
        parts.append(
            PartOutcome(
                number=later,
                qty=request.order_qty,
                target=prices[later - 1],
                outcome=held_back(later, parts[-1], request),
                sent=False,
            )
        )
    return ScaleOutOutcome(parts=tuple(parts))


def _scaleout_data(base: str, result: ScaleOutOutcome) -> dict[str, object]:
    status = result.status
    return {
        "status": status.value if status is not None else "partly_placed",
        "clOrdId": base,
        "workingQty": result.working_qty,
        "parts": [
            {"part": p.number, "qty": p.qty, "target": p.target, "sent": p.sent}
            | _outcome_data(p.outcome)
            for p in result.parts
        ],
    }


def _scaleout_exit(result: ScaleOutOutcome) -> int:
    status = result.status
    return EXIT_PARTLY if status is None else EXIT_FOR[status]


COMMANDS = {
    "accounts": _accounts,
    "contract": _contract,
    "orders": _orders,
    "place": _place,
    "quote": _quote,
}
