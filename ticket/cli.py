"""Command line: `ticket` opens the window; the subcommands do the same work without one.

Exit codes: 0 done or placed, 1 error (nothing sent), 2 usage, 3 rejected, 4 outcome unknown,
5 penalised (nothing placed, wait and resend), 6 not placed (declined, or refused before sending),
7 not found (`orders --cl-ord-id`), 8 partly placed (a scale-out some of whose parts were not).
`modify` and `breakeven` use the same codes: 0 confirmed, 3 rejected, 4 unconfirmed or unknown,
5 penalised, 6 not sent.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from ticket import __version__

if TYPE_CHECKING:
    from ticket.sim.process import PracticeServer


def _process_started() -> float:
    """When this process started, on the `time.perf_counter` scale: the kernel's start time
    (/proc/self/stat, in clock ticks since boot) so the interpreter's own start-up counts, as it
    does for anyone timing from outside. Elsewhere, the moment this module was imported."""
    now = time.perf_counter()
    try:
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return now - (time.clock_gettime(time.CLOCK_BOOTTIME) - ticks)
    except (OSError, ValueError, IndexError, AttributeError):
        return now


STARTED = _process_started()  # start-up (paint_ms, ready_ms) is timed from here
# No pydantic plugin is used: skip its scan of every installed package's entry points (about
# 25 ms of start-up). Set before pydantic is imported; a value given outside is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_REJECTED, EXIT_UNKNOWN, EXIT_PENALISED, EXIT_NOT_PLACED = 3, 4, 5, 6
EXIT_NOT_FOUND = 7  # `orders --cl-ord-id`: no such order (yet)
EXIT_PARTLY = 8  # a scale-out: some parts placed, the others known not to be
MAX_CONTRACTS = 100_000  # beyond any exchange's order size: a typo, not an order


GLOBAL_OPTIONS = ("env", "api_url", "username", "account", "json")


class _Once(argparse.Action):
    """An option given once, or again with the same value; two different values are an error
    naming both, so a script never runs with the one it did not mean."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        value = True if self.nargs == 0 else values
        before = getattr(namespace, self.dest, None)
        if before is not None and before != value:
            parser.error(f"{option_string} given twice, as {before!r} and {value!r}")
        setattr(namespace, self.dest, value)


def _connection_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The options every command shares. They mean the same before the command (stored under
    `prefix`) and after it; `merge_global_options` joins the two."""
    parser.add_argument(
        "--env",
        dest=f"{prefix}env",
        action=_Once,
        choices=["sim", "demo", "live"],
        help="environment (default: the embedded simulator)",
    )
    parser.add_argument(
        "--api-url",
        dest=f"{prefix}api_url",
        metavar="URL",
        action=_Once,
        help="any Tradovate-compatible API (or TICKET_API_URL)",
    )
    parser.add_argument(
        "--username",
        dest=f"{prefix}username",
        metavar="NAME",
        action=_Once,
        help="user whose credentials are in the keyring",
    )
    parser.add_argument(
        "--account",
        dest=f"{prefix}account",
        metavar="NAME",
        action=_Once,
        help="account name (default: the first active one)",
    )
    parser.add_argument("--json", dest=f"{prefix}json", action=_Once, nargs=0, help="print JSON")


def merge_global_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    for name in GLOBAL_OPTIONS:
        before = getattr(args, f"global_{name}", None)
        after = getattr(args, name, None)
        if before is not None and after is not None and before != after:
            flag = "--" + name.replace("_", "-")
            parser.error(
                f"{flag} is {before!r} before the command and {after!r} after it: give one"
            )
        setattr(args, name, after if after is not None else before)
    if args.account is not None and not args.account.strip():
        parser.error("--account is empty: give an account name, or leave the option out")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket", description="A bracket order ticket for Tradovate futures accounts."
    )
    parser.add_argument("--version", action="version", version=f"ticket {__version__}")
    parser.add_argument(
        "--quit-when-ready",
        action="store_true",
        help=(
            "start the window, print frame_ms, paint_ms and ready_ms (from the process's start)"
            " as each happens, and exit once it is ready to trade"
        ),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="place and check one bracket on the simulator, offscreen, and exit",
    )
    _connection_options(parser, prefix="global_")
    common = argparse.ArgumentParser(add_help=False)
    _connection_options(common)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = sub.add_parser("sim", help="run the Tradovate-compatible simulator on its own")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument(
        "--tick-interval",
        type=float,
        default=0.5,
        help="seconds between price moves (0: prices stand still)",
    )
    sim.add_argument("--latency", type=float, default=0.0, help="added seconds per request")
    sim.add_argument(
        "--fail-orders",
        type=int,
        metavar="N",
        default=0,
        help="answer the next N placeOSO calls with HTTP 500",
    )
    sim.add_argument(
        "--drop-orders",
        choices=["before", "after"],
        help="drop the connection of the next placeOSO, before or after recording",
    )
    sim.add_argument(
        "--penalise-orders",
        type=float,
        metavar="SECONDS",
        help="answer the next placeOSO with a p-ticket of SECONDS",
    )
    sim.add_argument(
        "--reject-orders",
        metavar="REASON",
        help="refuse the next order call with this failureReason",
    )
    sim.add_argument(
        "--partial-fill", type=int, metavar="QTY", help="the next entry fill fills only QTY"
    )
    sim.add_argument(
        "--fail-leg", type=int, choices=[1, 2], help="the next OSO's bracket LEG fails to activate"
    )
    sim.add_argument(
        "--no-market-data",
        action="store_true",
        help="refuse quote subscriptions, as a login without market data",
    )
    sim.add_argument(
        "--sign-ins-per-minute",
        type=int,
        metavar="N",
        default=10,
        help="sign-ins a minute before p-ticket penalties, as Tradovate (0: no limit)",
    )
    sim.add_argument(
        "--token-minutes",
        type=float,
        metavar="M",
        default=90.0,
        help="how long an access token lives before it must be renewed",
    )
    limits = sim.add_argument_group("request limits per user, as Tradovate's (0: no limit)")
    for name, default in (("second", 50), ("minute", 200), ("hour", 5000)):
        limits.add_argument(
            f"--requests-per-{name}",
            type=int,
            metavar="N",
            default=default,
            help=f"default {default}",
        )
    limits.add_argument(
        "--request-lockout",
        type=float,
        metavar="S",
        default=60.0,
        help="seconds of 429 after the second or minute limit (an hour after the hourly one)",
    )
    limits.add_argument(
        "--no-request-limits", action="store_true", help="answer every request, however many"
    )

    sub.add_parser("accounts", parents=[common], help="list accounts with cash balance")
    contract = sub.add_parser("contract", parents=[common], help="show a contract's tick")
    contract.add_argument("symbol")
    orders = sub.add_parser(
        "orders", parents=[common], help="this account's orders with their legs"
    )
    orders.add_argument(
        "--cl-ord-id", metavar="ID", help="look one order up by the clOrdId it was sent with"
    )
    journal = sub.add_parser("journal", help="print the journal, or export it to CSV")
    journal.add_argument("--csv", metavar="FILE", help="write the journal to FILE as CSV")
    journal.add_argument("--json", action=_Once, nargs=0, help="print JSON lines")
    quote = sub.add_parser("quote", parents=[common], help="bid, ask and last from market data")
    quote.add_argument("symbol")
    presets = sub.add_parser("presets", help="list the presets of presets.toml, or export them")
    presets.add_argument("--product", metavar="ROOT", help="only this product's, e.g. ES")
    presets.add_argument("--json", action=_Once, nargs=0, help="print JSON")
    moves = presets.add_mutually_exclusive_group()
    moves.add_argument("--export", metavar="FILE", help="write the presets to FILE")
    moves.add_argument(
        "--import",
        dest="import_file",
        metavar="FILE",
        help="add the presets of FILE (a name already taken gets a number)",
    )
    sub.add_parser(
        "sign-out",
        parents=[common],
        help="end the session that commands and the window share for this server and user",
    )

    place = sub.add_parser("place", parents=[common], help="place a bracketed order")
    place.add_argument("--symbol", required=True)
    place.add_argument("--side", choices=["buy", "sell"], required=True)
    place.add_argument(
        "--preset",
        metavar="NAME",
        help="start from this preset of the product (presets.toml); the options given override it",
    )
    place.add_argument(
        "--qty", type=_contracts, help="contracts (required unless the preset sets the size)"
    )
    place.add_argument(
        "--type",
        dest="order_type",
        default="limit",
        choices=["market", "limit", "stop", "stoplimit", "mit"],
    )
    place.add_argument("--price", help="limit price (limit, stoplimit, mit)")
    place.add_argument("--trigger", help="entry stop price (stop, stoplimit)")
    place.add_argument("--tif", choices=["day", "gtc"], help="time in force (default: day)")
    place.add_argument("--stop-ticks", help="stop-loss distance in ticks")
    place.add_argument("--stop-price", help="stop-loss absolute price")
    place.add_argument("--stop-money", help="stop-loss in money per contract")
    place.add_argument(
        "--target-ticks", help="take-profit distance in ticks; up to 3, as 8,16, to scale out"
    )
    place.add_argument("--target-price", help="take-profit absolute price (or prices)")
    place.add_argument("--target-money", help="take-profit in money per contract (or amounts)")
    place.add_argument(
        "--target-r", help="take-profit as a multiple of the stop distance (or multiples)"
    )
    place.add_argument(
        "--target-qty",
        metavar="N,N",
        help="contracts at each target, adding up to --qty, as 1,1: each part is its own "
        "placeOSO with its own stop",
    )
    place.add_argument(
        "--ref-price",
        help="the market price: a Market entry's exits are measured from it, and any other "
        "entry is checked against it (default: the live quote)",
    )
    place.add_argument(
        "--override",
        action="append",
        default=[],
        choices=[
            "max_contracts",
            "max_risk",
            "max_ticks_from_last",
            "max_notional",
            "no_last_price",
        ],
        help="pass a fat-finger limit on purpose",
    )
    place.add_argument("--dry-run", action="store_true", help="print the JSON body, send nothing")
    place.add_argument(
        "--yes", action="store_true", help="send without asking (the order is marked isAutomated)"
    )
    _manage_commands(sub, common)
    return parser


def _manage_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Changing the open trade: the same rules, journal and exit codes as `place`."""
    send = argparse.ArgumentParser(add_help=False)
    send.add_argument(
        "--yes", action="store_true", help="send without asking (the change is marked isAutomated)"
    )
    modify = sub.add_parser(
        "modify",
        parents=[common, send],
        help="move a working order: a stop, a target, or an entry that has not filled",
    )
    modify.add_argument("order_id", type=_order_id, metavar="ORDER_ID")
    prices = modify.add_mutually_exclusive_group()
    prices.add_argument("--price", help="the new limit price (a target, a limit entry)")
    prices.add_argument("--stop-price", help="the new stop price (a stop, a stop entry)")
    modify.add_argument("--qty", type=_contracts, help="the new number of contracts")
    breakeven = sub.add_parser(
        "breakeven",
        parents=[common, send],
        help="move the working stops of a position to its average entry",
    )
    breakeven.add_argument("symbol")
    breakeven.add_argument(
        "--offset-ticks",
        type=_ticks,
        default=0,
        metavar="N",
        help="ticks beyond the entry in the trade's favour (default 0)",
    )
    position = sub.add_parser(
        "position",
        parents=[common],
        help="open positions with P&L in ticks, money and R, their exits, realised P&L and cash",
    )
    position.add_argument("symbol", nargs="?")


def _practice_server(args: argparse.Namespace) -> PracticeServer | None:
    """Practice mode's simulator, started in its own process at once when the window is bound
    for it (no --api-url, no TICKET_API_URL, --env sim or none); `ticket.app` checks the URL
    again and stops it if it was not."""
    from ticket.sim.process import PracticeServer

    bound_for_sim = args.env in (None, "sim") and not args.api_url
    if not bound_for_sim or os.environ.get("TICKET_API_URL") or not PracticeServer.wanted():
        return None
    return PracticeServer()


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    merge_global_options(args, parser)
    if args.self_test:
        from ticket.selftest import run as self_test

        return self_test()
    if args.command is None:
        practice = _practice_server(args)  # before the window's imports: it boots meanwhile
        gc.disable()  # until the first paint (ticket.app.StartupWatch): see there why
        from ticket.ui.startup_frame import show_frame

        frame = show_frame()  # Qt alone: on the screen before the ticket is imported
        if args.quit_when_ready and frame.painted_at is not None:
            print(f"frame_ms {(frame.painted_at - STARTED) * 1000:.0f}", flush=True)
        from ticket.app import main as run_window

        return run_window(
            env_name=args.env,
            api_url=args.api_url,
            quit_when_ready=args.quit_when_ready,
            started=STARTED,
            practice=practice,
            frame=frame,
        )
    if args.command == "sim":
        return _run_sim(args)
    if args.command == "journal":
        return _journal(args)
    if args.command == "presets":
        return _presets(args)
    from ticket.cli_commands import run

    return run(args, stdin or sys.stdin)


def _run_sim(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from ticket.domain.orders import FailureReason
    from ticket.sim.auth import AuthRules
    from ticket.sim.constants import SIM_PASSWORD, SIM_USERNAME
    from ticket.sim.limits import RateLimits
    from ticket.sim.server import Simulator

    if args.sign_ins_per_minute < 0 or args.token_minutes <= 0:
        print("--sign-ins-per-minute must be 0 or more, --token-minutes above 0", file=sys.stderr)
        return EXIT_USAGE
    counts = (args.requests_per_second, args.requests_per_minute, args.requests_per_hour)
    if min(counts) < 0 or args.request_lockout <= 0:
        print("--requests-per-* must be 0 or more, --request-lockout above 0", file=sys.stderr)
        return EXIT_USAGE
    limits = (
        RateLimits.off()
        if args.no_request_limits
        else RateLimits(
            per_second=args.requests_per_second or None,
            per_minute=args.requests_per_minute or None,
            per_hour=args.requests_per_hour or None,
            lockout=args.request_lockout,
        )
    )
    rules = AuthRules(
        token_lifetime=timedelta(minutes=args.token_minutes),
        sign_ins_per_minute=args.sign_ins_per_minute or None,
    )
    sim = Simulator(
        host=args.host,
        port=args.port,
        tick_interval=args.tick_interval or None,
        auth_rules=rules,
        rate_limits=limits,
    )
    faults = sim.faults
    if args.latency:
        faults.add_latency(args.latency)
    if args.fail_orders:
        faults.fail_next("order/placeoso", times=args.fail_orders)
    if args.drop_orders:
        faults.drop_next("order/placeoso", when=args.drop_orders)
    if args.penalise_orders:
        faults.penalise_next("order/placeoso", seconds=args.penalise_orders)
    if args.reject_orders:
        try:
            faults.reject_next(FailureReason(args.reject_orders))
        except ValueError:
            print(f"Unknown failureReason {args.reject_orders}", file=sys.stderr)
            return EXIT_USAGE
    if args.partial_fill:
        faults.partial_fill_next(args.partial_fill)
    if args.fail_leg:
        faults.fail_leg_activation_next(args.fail_leg)
    sim.market_data.refuse = args.no_market_data
    sim.start()
    print(
        f"Simulator on http://{args.host}:{sim.port}/v1  user socket {sim.user_ws_url}  "
        f"market data {sim.md_url}  "
        f"(login {SIM_USERNAME}/{SIM_PASSWORD}, account SIM1). Ctrl-C stops it.",
        flush=True,
    )
    try:
        sim.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return EXIT_OK


def _journal(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ticket.journal import Journal

    journal = Journal.default()
    if args.csv:
        count = journal.export_csv(Path(args.csv))
        print(f"Wrote {count} entries to {args.csv}")
        return EXIT_OK
    for entry in journal.read():
        if args.json:
            print(json.dumps(entry, default=str))
        else:
            rest = {k: v for k, v in entry.items() if k not in ("time", "kind", "body")}
            print(f"{entry.get('time')}  {entry.get('kind'):<18} {json.dumps(rest, default=str)}")
    return EXIT_OK


def _presets(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ticket import presets_file
    from ticket.domain.presets import describe

    report = presets_file.load()
    for line in report.notice():
        print(f"ticket: {line}", file=sys.stderr)
    book = report.book
    if args.import_file:
        try:
            merged, read, notes = presets_file.import_into(book, Path(args.import_file))
            for line in read.notice():
                print(f"ticket: {line}", file=sys.stderr)
            saved = presets_file.save(report.path, merged, report)
        except presets_file.PresetsFileError as exc:
            print(f"ticket: {exc}", file=sys.stderr)
            return EXIT_ERROR
        for note in notes:
            print(note)
        added = len(saved.book.presets) - len(book.presets)
        print(f"Added {added} presets to {report.path}")
        return EXIT_OK
    if args.export:
        try:
            count = presets_file.export(
                book, Path(args.export), [args.product] if args.product else None
            )
        except presets_file.PresetsFileError as exc:
            print(f"ticket: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"Wrote {count} presets to {args.export}")
        return EXIT_OK
    chosen = book.for_product(args.product) if args.product else book.presets
    if args.json:
        print(dumps([presets_file.preset_table(p) for p in chosen]))
        return EXIT_OK
    if not chosen:
        where = f" for {args.product.upper()}" if args.product else ""
        print(f"No presets{where} in {report.path}.")
    for product in dict.fromkeys(p.product for p in chosen):
        print(product)
        for n, preset in enumerate(book.for_product(product), 1):
            key = f"Alt+{n}" if n <= 9 else "     "
            mark = "  (default)" if preset.default else ""
            print(f"  {key}  {preset.name:<24} {describe(preset)}{mark}")
    return EXIT_OK


def _contracts(text: str) -> int:
    try:
        qty = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of contracts") from None
    if not 1 <= qty <= MAX_CONTRACTS:
        raise argparse.ArgumentTypeError(
            f"{qty} contracts: give a whole number from 1 to {MAX_CONTRACTS:,}"
        )
    return qty


def _order_id(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an order id") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not an order id")
    return value


def _ticks(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of ticks") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value} ticks: give a whole number from 0 to 1,000")
    return value


def decimal_arg(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    from ticket.domain.prices import PriceError, parse_number

    try:
        return parse_number(text, "a number")
    except PriceError as exc:
        raise ValueError(f"{name}: {exc}") from None


def dumps(data: object) -> str:
    return json.dumps(data, indent=2, default=str)


def now() -> datetime:
    return datetime.now(UTC)
