"""`ticket` on the command line against the simulator, as a user would run it."""

import json
import os
import subprocess
import sys

import pytest

from ticket.cli import main

PLACE = "order/placeoso"


@pytest.fixture
def run(cli):
    return cli


def place_args(sim, *extra):
    return (
        "place",
        "--symbol",
        sim.front("ES"),
        "--side",
        "buy",
        "--qty",
        "2",
        "--type",
        "limit",
        "--price",
        "5990.25",
        "--stop-ticks",
        "8",
        "--target-ticks",
        "16",
        *extra,
    )


def test_place_shows_the_plan_asks_and_sends_one_manual_order(sim, run):
    code, out, _ = run(*place_args(sim))
    assert code == 0
    assert f"Buy 2 {sim.front('ES')} Limit 5990.25 - SL 5988.25 / TP 5994.25" in out
    assert "Send this order? [y/N]" in out and "PLACED" in out
    [request] = sim.requests(PLACE)
    assert request.body["isAutomated"] is False
    assert request.body["bracket1"] == {
        "action": "Sell",
        "clOrdId": request.body["clOrdId"] + ".1",
        "orderType": "Stop",
        "stopPrice": 5988.25,
        "timeInForce": "GTC",
    }


def test_yes_sends_without_asking_and_marks_the_order_automated(sim, run):
    code, out, _ = run(*place_args(sim, "--yes", "--json"))
    outcome = json.loads(out)
    assert code == 0 and outcome["status"] == "placed" and outcome["oso2Id"]
    assert sim.requests(PLACE)[0].body["isAutomated"] is True


def test_declining_sends_nothing(sim, run):
    code, out, _ = run(*place_args(sim), answer="n\n")
    assert code == 6 and "Not sent." in out and sim.requests(PLACE) == []


def test_dry_run_prints_the_exact_body_and_sends_nothing(sim, run):
    code, out, _ = run(*place_args(sim, "--dry-run"))
    body = json.loads(out)
    assert code == 0 and sim.requests(PLACE) == []
    assert (body["price"], body["bracket2"]["price"], body["accountSpec"]) == (
        5990.25,
        5994.25,
        "SIM1",
    )


def test_market_entry_without_a_price_takes_the_live_ask_for_a_buy(sim, run):
    sim.set_price(sim.front("ES"), "6010.00")  # bid 6010.00, ask 6010.25
    code, out, _ = run(
        "place",
        "--symbol",
        "ES",
        "--side",
        "buy",
        "--qty",
        "1",
        "--type",
        "market",
        "--stop-ticks",
        "8",
        "--target-r",
        "2",
        "--yes",
    )
    assert code == 0 and "live ask 6010.25" in out
    body = sim.requests(PLACE)[0].body
    assert (body["bracket1"]["stopPrice"], body["bracket2"]["price"]) == (6008.25, 6014.25)


def test_quote_prints_bid_ask_last_and_age(sim, run):
    sim.set_price(sim.front("CL"), "71.23")
    code, out, _ = run("quote", "CL", "--json")
    quote = json.loads(out)
    assert code == 0 and (quote["bid"], quote["ask"], quote["last"]) == ("71.23", "71.24", "71.23")
    assert quote["ageSeconds"] < 5


def test_market_entry_without_market_data_or_a_price_is_refused(sim, run):
    sim.market_data.refuse = True
    code, _, err = run(
        "place",
        "--symbol",
        "ES",
        "--side",
        "sell",
        "--qty",
        "1",
        "--type",
        "market",
        "--stop-ticks",
        "8",
        "--yes",
    )
    assert code == 1 and "No live price" in err and "market data" in err
    assert sim.requests(PLACE) == []


def test_market_entry_with_a_reference_price_measures_the_exits_from_it(sim, run):
    code, _, _ = run(
        "place",
        "--symbol",
        "ES",
        "--side",
        "sell",
        "--qty",
        "1",
        "--type",
        "market",
        "--ref-price",
        "6000",
        "--stop-ticks",
        "8",
        "--target-r",
        "2",
        "--yes",
        "--json",
    )
    body = sim.requests(PLACE)[0].body
    assert code == 0 and "price" not in body
    assert (body["bracket1"]["stopPrice"], body["bracket2"]["price"]) == (6002.0, 5996.0)


def test_a_rule_violation_is_explained_and_nothing_is_sent(sim, run):
    code, out, _ = run(
        "place",
        "--symbol",
        "ES",
        "--side",
        "buy",
        "--qty",
        "1",
        "--price",
        "5990.30",
        "--stop-ticks",
        "8",
        "--yes",
    )
    assert code == 1 and "use 5990.25 or 5990.50" in out and "Nothing was sent" in out
    assert sim.requests(PLACE) == []


def test_rejection_exit_code_and_json(sim, run):
    from ticket.domain.orders import FailureReason

    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED)
    code, out, _ = run(*place_args(sim, "--yes", "--json"))
    assert code == 3 and json.loads(out)["failureReason"] == "MaxPosLimitReached"


def test_orders_shows_legs_go_from_suspended_to_working_when_price_reaches_the_entry(sim, run):
    run(*place_args(sim, "--yes"))
    _, out, _ = run("orders", "--json")
    rows = json.loads(out)
    assert [r["status"] for r in rows] == ["Working", "Suspended", "Suspended"]
    sim.set_price(sim.front("ES"), "5990.00")  # the offer reaches 5990.25
    _, out, _ = run("orders", "--json")
    assert [r["status"] for r in json.loads(out)] == ["Filled", "Working", "Working"]
    _, text, _ = run("orders")
    assert "Filled" in text and "   " in text.splitlines()[1]


def test_accounts_and_contract(sim, run):
    code, out, _ = run("accounts", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "SIM1"
    code, out, _ = run("contract", "ZN")
    assert code == 0 and "tick 1/2 of 1/32 = 15.625 USD" in out and "32nds" in out


def test_custom_url_without_credentials_says_how_to_give_them(sim, monkeypatch, capsys):
    code = main(["accounts", "--api-url", sim.base_url])
    assert code == 1 and "TICKET_USERNAME" in capsys.readouterr().err


def test_standalone_simulator_and_cli_end_to_end(tmp_path):
    env = dict(
        os.environ, TICKET_USERNAME="sim", TICKET_PASSWORD="sim", TICKET_CONFIG_DIR=str(tmp_path)
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "ticket", "sim", "--port", "0", "--tick-interval", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = server.stdout.readline()
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ticket",
                "place",
                "--api-url",
                url,
                "--symbol",
                "MNQ",
                "--side",
                "buy",
                "--qty",
                "1",
                "--type",
                "market",
                "--ref-price",
                "21000",
                "--override",
                "no_last_price",  # this simulator's quotes are not reachable from here
                "--stop-money",
                "20",
                "--target-r",
                "2",
                "--yes",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outcome = json.loads(done.stdout)
        assert outcome["status"] == "placed" and outcome["oso1Id"] and outcome["oso2Id"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_journal_prints_and_exports_what_place_wrote(sim, run, tmp_path, capsys):
    from ticket.journal import Journal

    Journal.default().write("place", cl_ord_id="tkt-1", order="Buy 1 ESZ6 Limit 5990.25")
    assert main(["journal"]) == 0
    assert "tkt-1" in capsys.readouterr().out
    assert main(["journal", "--csv", str(tmp_path / "j.csv")]) == 0
    assert "tkt-1" in (tmp_path / "j.csv").read_text()
