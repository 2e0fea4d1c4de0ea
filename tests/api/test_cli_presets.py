"""`ticket place --preset NAME` and `ticket presets` against the simulator: the preset fills in
what the options leave out, and the options win."""

import io
import json

import pytest

from ticket import presets_file
from ticket.cli import main

PLACE = "order/placeoso"

PRESETS = """\
[[preset]]
name = "Scalp 8/16"
product = "ES"
default = true
stop_ticks = 8
target_ticks = 16
qty = 2
tif = "gtc"

[[preset]]
name = "Risk 300"
product = "ES"
stop_ticks = 8
target_r = 2
risk_money = 300

[[preset]]
name = "Half percent"
product = "ES"
stop_ticks = 8
target_ticks = 8
risk_percent = 0.5

[[preset]]
name = "Scale"
product = "ES"
stop_ticks = 8
targets = [{ ticks = 8, qty = 1 }, { ticks = 16, qty = 1 }, { r = 3 }]
break_even = { after_ticks = 8, plus_ticks = 1 }

[[preset]]
name = "Nq scalp"
product = "NQ"
stop_ticks = 20
target_ticks = 40
qty = 1
"""


@pytest.fixture
def ticket(sim, monkeypatch, capsys):
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")
    monkeypatch.setenv("TICKET_MD_URL", sim.md_url)
    path = presets_file.presets_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRESETS, encoding="utf-8")

    def run(*args, answer="y\n", api=True):
        extra = ["--api-url", sim.base_url] if api else []
        code = main([*args, *extra], stdin=io.StringIO(answer))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def place(sim, preset, *extra):
    return (
        "place",
        "--preset",
        preset,
        "--symbol",
        sim.front("ES"),
        "--side",
        "buy",
        "--price",
        "5990.25",
        "--yes",
        "--json",
        *extra,
    )


def sent(sim):
    return [r.body for r in sim.requests(PLACE)]


def test_a_preset_fills_in_the_bracket_the_size_and_the_time_in_force(sim, ticket):
    code, out, _ = ticket(*place(sim, "scalp 8/16"))
    assert code == 0 and json.loads(out)["status"] == "placed"
    [body] = sent(sim)
    assert (body["orderQty"], body["timeInForce"]) == (2, "GTC")
    assert (body["bracket1"]["stopPrice"], body["bracket2"]["price"]) == (5988.25, 5994.25)


def test_the_options_given_override_the_preset(sim, ticket):
    code, _, _ = ticket(
        *place(sim, "Scalp 8/16", "--stop-ticks", "4", "--qty", "1", "--tif", "day")
    )
    [body] = sent(sim)
    assert code == 0 and (body["orderQty"], body["timeInForce"]) == (1, "Day")
    assert (body["bracket1"]["stopPrice"], body["bracket2"]["price"]) == (5989.25, 5994.25)
    ticket(*place(sim, "Scalp 8/16", "--target-r", "1"))
    assert sent(sim)[1]["bracket2"]["price"] == 5992.25


def test_a_money_budget_sizes_at_the_stop_actually_used(sim, ticket):
    ticket(*place(sim, "Risk 300"))  # 8 ticks: 100 a contract
    ticket(*place(sim, "Risk 300", "--stop-ticks", "10"))  # 125 a contract
    ticket(*place(sim, "Risk 300", "--qty", "1"))
    assert [b["orderQty"] for b in sent(sim)] == [3, 2, 1]
    assert sent(sim)[1]["bracket2"]["price"] == 5995.25  # 2R of the 10 ticks used


def test_a_percent_budget_reads_the_accounts_balance(sim, ticket):
    ticket(*place(sim, "Half percent"))  # 0.5% of 50,000 is 250: two contracts at 100
    assert [b["orderQty"] for b in sent(sim)] == [2]


def test_a_budget_below_one_contract_or_a_stop_price_sends_nothing(sim, ticket):
    code, _, err = ticket(*place(sim, "Risk 300", "--stop-ticks", "40"))
    assert code == 1 and "does not cover one contract at this stop (500.00 USD a contract)" in err
    code, _, err = ticket(*place(sim, "Risk 300", "--stop-price", "5980.00"))
    assert code == 1 and "needs the stop in ticks or money" in err
    assert sent(sim) == []


def test_a_scale_out_preset_sends_a_part_per_target_the_last_taking_the_rest(sim, ticket):
    code, out, _ = ticket(*place(sim, "Scale", "--qty", "4"))
    result = json.loads(out)
    assert code == 0 and result["status"] == "placed"
    assert [(b["orderQty"], b["bracket2"]["price"]) for b in sent(sim)] == [
        (1, 5992.25),
        (1, 5994.25),
        (2, 5996.25),
    ]


def test_explicit_targets_replace_the_presets_targets(sim, ticket):
    ticket(*place(sim, "Scale", "--qty", "2", "--target-ticks", "4,12", "--target-qty", "1,1"))
    assert [b["bracket2"]["price"] for b in sent(sim)] == [5991.25, 5993.25]


def test_a_preset_that_sets_no_size_needs_the_quantity(sim, ticket):
    code, _, err = ticket(*place(sim, "Scale"))
    assert (
        code == 1
        and 'Give --qty: how many contracts (preset "Scale" does not set the size)' in (err)
    )
    assert sent(sim) == []


def test_an_unknown_preset_names_the_products_presets_and_sends_nothing(sim, ticket):
    code, _, err = ticket(*place(sim, "Nq scalp"))
    assert code == 1 and 'No preset "Nq scalp" for ES' in err
    assert '"Scalp 8/16", "Risk 300", "Half percent", "Scale"' in err
    assert sent(sim) == []


def test_a_bad_preset_is_named_on_stderr_and_the_good_ones_still_work(sim, ticket):
    path = presets_file.presets_path()
    path.write_text(PRESETS + '\n[[preset]]\nname = "Bad"\nproduct = "ES"\nstop_tick = 8\n')
    code, _, err = ticket(*place(sim, "Scalp 8/16"))
    assert code == 0 and len(sent(sim)) == 1
    assert 'presets.toml, line 41, preset "Bad", stop_tick: not a preset field' in err
    assert "this preset is not loaded" in err and f"{path} is left as it is." in err


def test_presets_lists_each_products_buttons(ticket):
    code, out, _ = ticket("presets", api=False)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "ES" and lines[5] == "NQ"
    assert lines[1].startswith("  Alt+1  Scalp 8/16")
    assert lines[1].endswith("stop 8 ticks, target 16 ticks, 2 contracts, GTC  (default)")
    assert "targets 8 ticks x1, 16 ticks x1, 3R the rest, break-even +1 after 8 ticks" in lines[4]
    code, out, _ = ticket("presets", "--product", "nq", "--json", api=False)
    assert json.loads(out) == [
        {
            "name": "Nq scalp",
            "product": "NQ",
            "stop_ticks": 20,
            "target_ticks": 40,
            "qty": 1,
        }
    ]


def test_export_and_import_round_trip(ticket, tmp_path):
    out_file = tmp_path / "mine.toml"
    code, out, _ = ticket("presets", "--export", str(out_file), "--product", "NQ", api=False)
    assert code == 0 and "Wrote 1 presets" in out
    code, out, _ = ticket("presets", "--import", str(out_file), api=False)
    assert code == 0 and 'NQ "Nq scalp" was imported as "Nq scalp (2)"' in out
    book = presets_file.load().book
    assert [p.name for p in book.for_product("NQ")] == ["Nq scalp", "Nq scalp (2)"]
    assert len(book.for_product("ES")) == 4
    code, _, err = ticket("presets", "--import", str(tmp_path / "none.toml"), api=False)
    assert code == 1 and "does not exist" in err
