"""The command line against anything a person can type: global options that mean the same
wherever they stand, conflicts named, numbers bounded, the window's rules, and no traceback."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticket.cli import build_parser, main, merge_global_options
from ticket.cli_commands import UsageError, _form
from ticket.domain.build import AccountRef, build_place_oso
from ticket.domain.instruments import BUILT_IN
from ticket.domain.limits import built_in_settings
from ticket.domain.prices import PriceError, is_on_grid
from ticket.domain.rules import assess
from ticket.journal import Journal
from ticket.sim.limits import RateLimits

PLACE = "order/placeoso"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def ticket(sim, monkeypatch, capsys):
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")
    monkeypatch.setenv("TICKET_MD_URL", sim.md_url)

    def run(*args, answer="y\n"):
        code = main(list(args), stdin=io.StringIO(answer))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def limit_buy(*extra):
    entry = ["--symbol", "ES", "--side", "buy", "--qty", "1", "--type", "limit"]
    return [
        *entry,
        "--price",
        "5990.25",
        "--stop-ticks",
        "8",
        "--target-ticks",
        "16",
        "--yes",
        *extra,
    ]


@pytest.mark.parametrize("where", ["before", "after"])
def test_api_url_means_the_same_before_or_after_the_command(sim, ticket, where):
    url = ["--api-url", sim.base_url]
    args = [*url, "place", *limit_buy()] if where == "before" else ["place", *limit_buy(*url)]
    code, _, err = ticket(*args)
    assert code == 0, err
    assert len(sim.requests(PLACE)) == 1  # it went to this server, not a throwaway one


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--env", "demo", "place", "--env", "live"], ["'demo'", "'live'"]),
        (["place", "--env", "demo", "--env", "live"], ["'demo'", "'live'"]),
        (["--api-url", "http://a/v1", "orders", "--api-url", "http://b/v1"], ["a/v1", "b/v1"]),
        (["--account", "A1", "orders", "--account", "B2"], ["A1", "B2"]),
    ],
)
def test_one_option_with_two_values_is_an_error_naming_both(sim, ticket, args, named):
    with pytest.raises(SystemExit) as exit_:
        ticket(*args, *(limit_buy() if "place" in args else []))
    assert exit_.value.code == 2
    assert sim.requests(PLACE) == []


def test_the_message_for_two_values_names_both(capsys):
    with pytest.raises(SystemExit):
        main(["--env", "demo", "accounts", "--env", "live"])
    err = capsys.readouterr().err
    assert "'demo'" in err and "'live'" in err


def test_an_environment_variable_that_contradicts_a_flag_is_an_error(sim, ticket, monkeypatch):
    monkeypatch.setenv("TICKET_API_URL", sim.base_url)
    code, _, err = ticket("--env", "live", "place", *limit_buy())
    assert code == 1 and "--env live" in err and "TICKET_API_URL" in err
    monkeypatch.setenv("TICKET_API_URL", "http://127.0.0.1:9/v1")
    code, _, err = ticket("place", *limit_buy("--api-url", sim.base_url))
    assert code == 1 and "--api-url" in err and "TICKET_API_URL" in err
    assert sim.requests(PLACE) == []


def test_an_empty_account_is_an_error(sim, ticket):
    with pytest.raises(SystemExit) as exit_:
        ticket("place", *limit_buy("--api-url", sim.base_url, "--account", ""))
    assert exit_.value.code == 2 and sim.requests(PLACE) == []


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--price", "6000,25", "use a dot"),
        ("--price", "1e30", "too large"),
        ("--price", "NaN", "not a price"),
        ("--price", "inf", "not a price"),
        ("--price", "1" * 40, "too large"),
        ("--price", "1e999999999", "too large"),
        ("--stop-ticks", "1e30", "too large"),
        ("--stop-ticks", "Infinity", "not a number"),
        ("--target-ticks", "8,5", "use a dot"),
    ],
)
def test_bad_numbers_get_a_clear_message_and_nothing_is_sent(sim, ticket, option, value, words):
    args = limit_buy("--api-url", sim.base_url)
    args[args.index(option) + 1] = value
    code, out, err = ticket("place", *args)
    assert code == 1 and words in err, (out, err)
    assert "Traceback" not in out + err and sim.requests(PLACE) == []


def test_target_r_far_beyond_reason_is_refused_in_words(sim, ticket):
    args = limit_buy("--api-url", sim.base_url)
    args[args.index("--target-ticks")] = "--target-r"
    args[args.index("--target-r") + 1] = "1e30"
    code, _, err = ticket("place", *args)
    assert code == 1 and "too large" in err and sim.requests(PLACE) == []


@pytest.mark.parametrize("qty", ["0", "-1", "10" * 20, "1.5", "lots"])
def test_quantities_out_of_bounds_are_usage_errors(sim, ticket, capsys, qty):
    args = limit_buy("--api-url", sim.base_url)
    args[args.index("--qty") + 1] = qty
    with pytest.raises(SystemExit) as exit_:
        ticket("place", *args)
    assert exit_.value.code == 2 and sim.requests(PLACE) == []


def test_the_entry_is_checked_against_the_live_last_price_like_the_window(sim, ticket):
    args = limit_buy("--api-url", sim.base_url)
    args[args.index("--price") + 1] = "4000.00"  # the market is near 6000
    code, out, _ = ticket("place", *args)
    assert code == 1 and "ticks from the last price" in out
    assert "--override max_ticks_from_last" in out and sim.requests(PLACE) == []


def test_with_no_quote_and_no_ref_price_the_entry_is_refused_unless_passed_on_purpose(sim, ticket):
    sim.market_data.refuse = True
    code, out, _ = ticket("place", *limit_buy("--api-url", sim.base_url))
    assert code == 1 and "no last price to check the entry" in out and "no_last_price" in out
    assert sim.requests(PLACE) == []
    code, out, err = ticket("place", *limit_buy("--api-url", sim.base_url, "--ref-price", "6000"))
    assert code == 0, out + err
    code, _, err = ticket(
        "place", *limit_buy("--api-url", sim.base_url, "--override", "no_last_price")
    )
    assert code == 0, err
    assert len(sim.requests(PLACE)) == 2


def test_json_output_is_one_document_even_with_warnings(sim, ticket):
    args = limit_buy("--api-url", sim.base_url, "--json", "--override", "max_ticks_from_last")
    args[args.index("--price") + 1] = "4000.00"
    code, out, err = ticket("place", *args)
    assert code == 0 and json.loads(out)["status"] == "placed"
    assert "limit overridden" in err


def test_an_order_is_found_later_by_its_client_order_id(sim, ticket):
    code, out, _ = ticket("place", *limit_buy("--api-url", sim.base_url, "--json"))
    placed = json.loads(out)
    code, out, _ = ticket(
        "orders", "--api-url", sim.base_url, "--cl-ord-id", placed["clOrdId"], "--json"
    )
    found = json.loads(out)
    assert code == 0 and found["orderId"] == placed["orderId"]
    assert found["oso1Id"] == placed["oso1Id"] and found["oso2Id"] == placed["oso2Id"]
    code, out, _ = ticket("orders", "--api-url", sim.base_url, "--cl-ord-id", "tkt-nothing")
    assert code == 7 and "No order with clOrdId tkt-nothing" in out and "None" not in out


# three command lines within a second send about 20 look-ups (each signs in and resolves the
# contract afresh): above the simulator's per-second limit, which is not what this test is about
@pytest.mark.parametrize("sim_limits", [RateLimits(per_second=100)])
def test_orders_uses_list_calls_and_prints_no_none(sim, ticket):
    for price in ("5990.25", "5990.50", "5990.75"):
        args = limit_buy("--api-url", sim.base_url)
        args[args.index("--price") + 1] = price
        assert ticket("place", *args)[0] == 0
    before = len(sim.requests())
    code, out, _ = ticket("orders", "--api-url", sim.base_url)
    routes = [r.path for r in sim.requests()[before:]]
    assert code == 0 and "None" not in out
    assert routes.count("orderversion/list") == 1
    assert not [r for r in routes if r.startswith("orderversion/") and r != "orderversion/list"]


def test_cli_orders_and_their_outcomes_reach_the_journal(sim, ticket):
    _, out, _ = ticket("place", *limit_buy("--api-url", sim.base_url, "--json"))
    cl_ord_id = json.loads(out)["clOrdId"]
    entries = [e for e in Journal.default().read() if e.get("cl_ord_id") == cl_ord_id]
    assert [(e["kind"], e["source"]) for e in entries] == [("place", "cli"), ("outcome", "cli")]
    assert entries[0]["body"]["clOrdId"] == cl_ord_id and entries[1]["status"] == "placed"


# -- generated command lines, in-process: the parser and the rules, no server -------------------

ROOTS = {"ES": "6000", "ZN": "110.5", "6E": "1.085", "CL": "70", "MNQ": "21000"}
GARBAGE = [
    "",
    "0",
    "-1",
    "1e30",
    "NaN",
    "inf",
    "Infinity",
    "1,5",
    "6000,25",
    "1" * 40,
    "1e999999999",
    "0.0000000000001",
    "  ",
    "abc",
    "110'16.5",
    "110-16+",
    "1.08500",
    "½",
]
DISTANCES = {"ticks": ["1", "8", "16", "0.5"], "money": ["12.5", "50", "1000"], "r": ["1", "2"]}
PRICED = ["--price", "--trigger", "--stop-price", "--target-price", "--ref-price"]


@st.composite
def command_lines(draw):
    root = draw(st.sampled_from(sorted(ROOTS)))
    tick = BUILT_IN[root].tick_size
    near = st.integers(-40, 40).map(lambda n: str(Decimal(ROOTS[root]) + tick * n))
    garbage = st.sampled_from(GARBAGE) | st.text(max_size=8)

    def value(option: str) -> str:
        unit = option.rsplit("-", 1)[1]
        good = near if option in PRICED else st.sampled_from(DISTANCES.get(unit, ["1"]))
        return draw(st.one_of(good, good, good, garbage))

    side = draw(st.sampled_from(["buy", "sell", "buy", "sell", "hold"]))
    qty = draw(st.sampled_from(["1", "2", "3", "1", "0", "99999999999", "x"]))
    kind = draw(st.sampled_from(["market", "limit", "limit", "stop", "stoplimit", "mit"]))
    args = ["place", "--symbol", "X", "--side", side, "--qty", qty, "--type", kind]
    options = ["--price", "--trigger", "--ref-price"]
    options.append(draw(st.sampled_from(["--stop-ticks", "--stop-price", "--stop-money"])))
    options.append(
        draw(st.sampled_from(["--target-ticks", "--target-price", "--target-money", "--target-r"]))
    )
    for option in options:
        if draw(st.integers(0, 3)):  # mostly given
            args += [f"{option}={value(option)}"]
    if draw(st.booleans()):
        args += ["--override", draw(st.sampled_from(["max_risk", "no_last_price", "bogus"]))]
    return args, root, draw(st.sampled_from([None, "1", "100", "-300"]))


PARSER = build_parser()
seen: dict[str, int] = {}


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(command_lines())
def test_generated_command_lines_never_crash_and_never_build_an_invalid_order(case):
    argv, root, last_ticks = case
    instrument = BUILT_IN[root]
    try:
        args = PARSER.parse_args(argv)
        merge_global_options(args, PARSER)
    except SystemExit:  # argparse said what was wrong, on stderr
        seen["usage"] = seen.get("usage", 0) + 1
        return
    try:
        form = _form(args, f"{root}Z6", instrument)
    except (UsageError, PriceError, ValueError) as exc:
        assert str(exc) and "Traceback" not in str(exc)
        seen["refused in words"] = seen.get("refused in words", 0) + 1
        return
    start = Decimal(ROOTS[root])
    last = None if last_ticks is None else start + instrument.tick_size * int(last_ticks)
    form = form.model_copy(update={"last_price": last, "needs_last_price": True})
    limits = built_in_settings().for_root(root)
    assessment = assess(form, limits, NOW)
    if not assessment.can_place:
        assert all(p.message for p in assessment.errors)
        seen["blocked by a rule"] = seen.get("blocked by a rule", 0) + 1
        return
    request = build_place_oso(
        form,
        AccountRef(id=1, name="A1"),
        limits=limits,
        now=NOW,
        cl_ord_id="tkt-1",
        is_automated=True,
        assessment=assessment,
    )
    body = request.to_wire()
    for leg in ("bracket1", "bracket2"):
        for key in ("price", "stopPrice"):
            value = (body.get(leg) or {}).get(key)
            if value is not None:
                assert is_on_grid(Decimal(str(value)), instrument.tick_size)
    assert 1 <= body["orderQty"] <= limits.max_contracts or form.overrides
    seen["buildable"] = seen.get("buildable", 0) + 1


def test_the_generated_lines_reached_every_kind_of_ending():
    # runs after the generated test in this module: every way a line can end was exercised
    assert {"usage", "refused in words", "blocked by a rule", "buildable"} <= set(seen), seen
    print(
        f"\ngenerated command lines: {sum(seen.values())}, "
        + ", ".join(f"{k} {v}" for k, v in sorted(seen.items()))
    )


@pytest.fixture
def sim_without_sign_in_limits():
    """300 command lines are 300 sign-ins where no keyring keeps the session between them:
    this test is about what reaches the server, not about Tradovate's sign-in or request limits."""
    from ticket.sim.auth import AuthRules
    from ticket.sim.server import Simulator

    rules = AuthRules(sign_ins_per_minute=None, max_sessions=None)
    with Simulator(seed=7, auth_rules=rules, rate_limits=RateLimits.off()) as simulator:
        yield simulator


def test_three_hundred_generated_orders_sent_for_real_are_all_valid_on_the_server(
    sim_without_sign_in_limits, monkeypatch, capsys
):
    import random

    sim = sim_without_sign_in_limits
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")
    monkeypatch.setenv("TICKET_MD_URL", sim.md_url)

    def ticket(*args):
        code = main(list(args), stdin=io.StringIO(""))
        out, err = capsys.readouterr()
        return code, out, err

    rng = random.Random(int(os.environ.get("TICKET_TEST_SEED", "20261125")))
    codes: dict[int, int] = {}
    for _ in range(300):
        side = rng.choice(["buy", "sell"])
        args = ["place", "--api-url", sim.base_url, "--symbol", "ES", "--side", side, "--yes"]
        args += ["--qty", rng.choice(["1", "2", "3", "1", "2", "3", "0", "20"])]
        args += ["--type", rng.choice(["limit", "limit", "market", "stop", "mit"])]
        price = Decimal("6000") + Decimal("0.25") * rng.randint(-60, 60)
        args += [f"--price={rng.choice([price] * 6 + [price + Decimal('0.1'), '6000,25'])}"]
        args += [f"--trigger={price}"]
        args += [f"--stop-ticks={rng.choice(['8', '4', '12', '8', '4', '0', '-4', '1e30'])}"]
        args += [f"--target-r={rng.choice(['2', '1', '3', '2', '1', '0', 'NaN'])}"]
        try:
            code, out, err = ticket(*args)
        except SystemExit as exc:  # a usage error, said on stderr
            code, out, err = int(exc.code or 0), "", ""
        assert "Traceback" not in out + err
        codes[code] = codes.get(code, 0) + 1
    with sim.exchange.lock:
        entries = [o for o in sim.exchange.orders.values() if o.parent_id is None]
        legs = [o for o in sim.exchange.orders.values() if o.parent_id is not None]
    by_id = {o.id: o for o in entries}
    for leg in legs:
        entry = by_id[leg.parent_id]
        reference = entry.price or entry.stop_price or leg.stop_price or leg.price
        assert 1 <= entry.qty <= 10
        for value in (leg.price, leg.stop_price, entry.price, entry.stop_price):
            assert value is None or is_on_grid(value, Decimal("0.25"))
        assert reference is not None
    print(
        f"\n300 command lines sent: exit codes {sorted(codes.items())}, {len(entries)} orders held"
    )
    assert codes.get(0, 0) == len(entries) and codes.get(0, 0) > 50
    assert sum(v for k, v in codes.items() if k != 0) > 50


def test_a_broken_limits_file_is_named_on_stderr_and_left_as_it_is(sim, ticket):
    from ticket.limits_file import limits_path

    path = limits_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"[ES]\nmax_contracts = -3\n")
    code, _, err = ticket("place", *limit_buy("--api-url", sim.base_url, "--dry-run"))
    assert code == 0
    assert "limits.toml, [ES] max_contracts: must be a whole number above 0, got -3" in err
    assert path.read_bytes() == b"[ES]\nmax_contracts = -3\n"


def test_the_limits_file_sets_the_command_lines_limits(sim, ticket):
    from ticket.limits_file import limits_path

    path = limits_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[ES]\nmax_contracts = 1\n")
    args = limit_buy("--api-url", sim.base_url, "--dry-run")
    args[args.index("--qty") + 1] = "2"
    code, out, _ = ticket("place", *args)
    assert code == 1 and "above your limit of 1" in out and "--override max_contracts" in out


def test_text_output_never_prints_none(sim, ticket):
    args = limit_buy("--api-url", sim.base_url)
    args[args.index("--target-ticks") : args.index("--target-ticks") + 2] = []  # a stop only
    outputs = [ticket("place", *args)]
    for command in (["accounts"], ["contract", "ZN"], ["quote", "ES"], ["orders"]):
        outputs.append(ticket(command[0], "--api-url", sim.base_url, *command[1:]))
    for code, out, _ in outputs:
        assert code == 0 and out.strip() and "None" not in out, out
