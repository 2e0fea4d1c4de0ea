"""Scale-out against the simulator: one placeOSO per target, each reported on its own, and what
stands when a part fails."""

import json

import pytest

from ticket.broker.orders import Status
from ticket.domain.orders import FailureReason
from ticket.journal import Journal
from ticket.scaleout import submit_scaleout

from .helpers import es_request

PLACE = "order/placeoso"
QUICK = (0.0, 0.05)


@pytest.fixture
def ticket(cli):
    return cli


def scale(sim, *extra, qty="3"):
    return (
        "place",
        "--symbol",
        sim.front("ES"),
        "--side",
        "buy",
        "--qty",
        qty,
        "--price",
        "5990.25",
        "--stop-ticks",
        "8",
        *extra,
    )


def bodies(sim):
    return [r.body for r in sim.requests(PLACE)]


def test_each_target_is_its_own_oso_with_its_own_stop(sim, ticket):
    code, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16,24", "--target-qty", "1,1,1", "--yes", "--json")
    )
    result = json.loads(out)
    assert code == 0 and result["status"] == "placed" and result["workingQty"] == 3
    sent = bodies(sim)
    base = result["clOrdId"]
    assert [b["clOrdId"] for b in sent] == [f"{base}-1", f"{base}-2", f"{base}-3"]
    assert [b["orderQty"] for b in sent] == [1, 1, 1]
    assert [b["bracket1"]["stopPrice"] for b in sent] == [5988.25] * 3
    assert [b["bracket2"]["price"] for b in sent] == [5992.25, 5994.25, 5996.25]
    assert all(b["isAutomated"] is True for b in sent)
    assert [p["oso1Id"] is not None and p["oso2Id"] is not None for p in result["parts"]] == [
        True
    ] * 3
    assert sim.entry_orders() == 3


def test_the_confirmation_shows_every_part_and_the_blend_and_no_sends_nothing(sim, ticket):
    code, out, _ = ticket(*scale(sim, "--target-r", "1,2", "--target-qty", "1,2"), answer="n\n")
    assert code == 6 and "Not sent." in out and bodies(sim) == []
    assert f"Buy 3 {sim.front('ES')} Limit 5990.25 - SL 5988.25 / TP 5992.25 x1, 5994.25 x2" in out
    assert "Target 1 x1" in out and "Target 2 x2" in out
    assert "Blended     3 contracts: risk 300.00 USD, reward 500.00 USD, reward:risk 1.67" in out
    assert "Send these 2 orders? [y/N]" in out


def test_a_confirmed_scale_out_is_manual_and_reported_part_by_part(sim, ticket):
    code, out, _ = ticket(*scale(sim, "--target-ticks", "8,16", "--target-qty", "2,1"))
    assert code == 0 and "PLACED: all 2 parts, 3 contracts" in out
    assert "Part 1: 2 at 5992.25: working, order" in out
    assert "Part 2: 1 at 5994.25: working, order" in out
    assert [b["isAutomated"] for b in bodies(sim)] == [False, False]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--target-ticks", "8,16", "--target-qty", "1,1"), "1, 1 add up to 2, not the 3"),
        (("--target-ticks", "8,16"), "give --target-qty too"),
        (("--target-ticks", "8,16", "--target-qty", "1,1,1"), "3 quantities for 2 targets"),
        (("--target-ticks", "4,8,12,16", "--target-qty", "1,1,1,0"), "At most 3 targets"),
        (("--target-ticks", "8,16", "--target-qty", "1,x"), "'x' is not a whole number"),
        (("--target-qty", "1,2"), "needs the targets it splits over"),
        (("--target-ticks", "8,-4", "--target-qty", "1,2"), "Target 2: The take-profit"),
    ],
)
def test_targets_that_do_not_make_a_ticket_send_nothing(sim, ticket, extra, words):
    code, out, err = ticket(*scale(sim, *extra, "--yes"))
    assert code == 1 and words in out + err, (out, err)
    assert bodies(sim) == [] and "Traceback" not in out + err


def test_the_limits_judge_the_whole_ticket(sim, ticket):
    code, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16", "--target-qty", "6,6", "--yes", qty="12")
    )
    assert code == 1 and "12 contracts is above your limit of 10" in out and bodies(sim) == []


def test_dry_run_prints_every_body_and_sends_nothing(sim, ticket):
    code, out, _ = ticket(
        *scale(sim, "--target-money", "100,200", "--target-qty", "1,2", "--dry-run")
    )
    sent = json.loads(out)
    assert code == 0 and bodies(sim) == []
    assert [(b["orderQty"], b["bracket2"]["price"]) for b in sent] == [(1, 5992.25), (2, 5994.25)]


def test_a_rejected_part_leaves_the_others_working_and_says_so(sim, ticket):
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, text="Too many", path=PLACE)
    code, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16,24", "--target-qty", "1,1,1", "--yes")
    )
    assert code == 8
    assert "PARTLY PLACED: 2 of 3 parts, 2 of 3 contracts, are working" in out
    assert "Part 1: 1 at 5992.25: rejected." in out and "Too many" in out
    assert "Part 2: 1 at 5994.25: working, order" in out
    assert "Part 3: 1 at 5996.25: working, order" in out
    assert len(bodies(sim)) == 3 and sim.entry_orders() == 2


def test_partly_placed_in_json(sim, ticket):
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, path=PLACE)
    code, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16", "--target-qty", "1,2", "--yes", "--json")
    )
    result = json.loads(out)
    assert code == 8 and result["status"] == "partly_placed" and result["workingQty"] == 2
    assert [p["status"] for p in result["parts"]] == ["rejected", "placed"]
    assert result["parts"][0]["failureReason"] == "MaxPosLimitReached"


def test_a_penalty_holds_the_other_parts_back(sim, ticket):
    sim.faults.penalise_next(PLACE, seconds=3)
    code, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16", "--target-qty", "1,2", "--yes", "--json")
    )
    result = json.loads(out)
    assert code == 5 and result["status"] == "penalised" and result["workingQty"] == 0
    assert [(p["status"], p["sent"]) for p in result["parts"]] == [
        ("penalised", True),
        ("not_placed", False),
    ]
    assert "Held back after part 1 was penalised" in result["parts"][1]["message"]
    assert len(bodies(sim)) == 1 and sim.entry_orders() == 0


def test_every_part_and_its_outcome_reach_the_journal(sim, ticket):
    _, out, _ = ticket(
        *scale(sim, "--target-ticks", "8,16", "--target-qty", "1,2", "--yes", "--json")
    )
    base = json.loads(out)["clOrdId"]
    entries = [e for e in Journal.default().read() if str(e.get("cl_ord_id")).startswith(base)]
    assert [(e["kind"], e["cl_ord_id"]) for e in entries] == [
        ("place", f"{base}-1"),
        ("place", f"{base}-2"),
        ("outcome", f"{base}-1"),
        ("outcome", f"{base}-2"),
    ]
    assert "(part 2 of 2)" in entries[1]["order"]


# -- sending, with a fault on a later part ------------------------------------------------------


def parts(sim, client, count=3):
    requests = []
    for n in range(1, count + 1):
        request = es_request(sim, client, qty=1, target_ticks=8 * n)
        requests.append(request.model_copy(update={"cl_ord_id": f"tkt-scale-{n}"}))
    return requests, [f"T{n}" for n in range(1, count + 1)]


def test_an_unknown_part_holds_back_the_rest_and_the_placed_ones_stand(sim, client):
    requests, targets = parts(sim, client)

    def after(part):
        if part.number == 1:  # the second part's answer is an HTTP 500, and no order exists
            sim.faults.fail_next(PLACE, status=500)

    result = submit_scaleout(client, requests, targets, reconcile_delays=QUICK, on_part=after)
    assert [p.outcome.status for p in result.parts] == [
        Status.PLACED,
        Status.UNKNOWN,
        Status.NOT_PLACED,
    ]
    assert [p.sent for p in result.parts] == [True, True, False]
    assert result.status is Status.UNKNOWN and result.working_qty == 1
    assert len(sim.requests(PLACE)) == 2 and sim.entry_orders() == 1
    text = "\n".join(result.lines())
    assert text.startswith("UNKNOWN: 1 of 3 parts may or may not be on the server")
    assert "clOrdId tkt-scale-2" in text
    assert "Part 3: 1 at T3: not sent. Held back after part 2 was unknown" in text


def test_a_lost_answer_for_a_part_that_landed_is_found_and_the_next_part_goes(sim, client):
    requests, targets = parts(sim, client)

    def after(part):
        if part.number == 1:
            sim.faults.drop_next(PLACE, when="after")

    result = submit_scaleout(client, requests, targets, reconcile_delays=QUICK, on_part=after)
    assert result.status is Status.PLACED and result.parts[1].outcome.reconciled
    assert sim.entry_orders() == 3 and len(sim.requests(PLACE)) == 3


def test_a_rejected_middle_part_does_not_stop_the_last(sim, client):
    requests, targets = parts(sim, client)

    def after(part):
        if part.number == 1:
            sim.faults.reject_next(FailureReason.INVALID_PRICE, path=PLACE)

    result = submit_scaleout(client, requests, targets, reconcile_delays=QUICK, on_part=after)
    assert [p.outcome.status for p in result.parts] == [
        Status.PLACED,
        Status.REJECTED,
        Status.PLACED,
    ]
    assert result.status is None and result.working_qty == 2 and not result.nothing_placed
    assert sim.entry_orders() == 2


def test_when_no_part_is_placed_the_report_says_so_first(sim, ticket):
    sim.faults.reject_next(FailureReason.MAX_POS_LIMIT_REACHED, path=PLACE, times=2)
    code, out, _ = ticket(*scale(sim, "--target-ticks", "8,16", "--target-qty", "1,2", "--yes"))
    assert code == 3 and out.startswith("REJECTED: no part was placed.")
    assert "Part 2: 2 at 5994.25: rejected." in out and sim.entry_orders() == 0
