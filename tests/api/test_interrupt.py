"""Ctrl-C while placeOSO is in flight: no traceback, the clOrdId on screen, exit 4 (unknown),
and the order the server went on to place is the one that clOrdId names."""

import json
import os
import signal
import subprocess
import sys
import time

from ticket.broker.orders import find_by_cl_ord_id

PLACE = "order/placeoso"


def test_ctrl_c_while_the_order_is_in_flight_prints_its_id_and_exits_unknown(sim, client):
    sim.faults.add_latency(1.5, PLACE)
    env = dict(os.environ, TICKET_USERNAME="sim", TICKET_PASSWORD="sim", TICKET_MD_URL=sim.md_url)
    command = [sys.executable, "-m", "ticket", "place", "--api-url", sim.base_url]
    command += ["--symbol", "ES", "--side", "buy", "--qty", "1", "--type", "limit"]
    command += ["--price", "5990.00", "--stop-ticks", "8", "--target-ticks", "16", "--yes"]
    process = subprocess.Popen(
        [*command, "--json"],
        # a run started in the background inherits SIGINT ignored: the trader's Ctrl-C is not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not sim.requests(PLACE):  # the order is on the server, its answer 1.5 s away
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 4, err
    assert "Traceback" not in err and "Traceback" not in out
    outcome = json.loads(out)
    assert outcome["status"] == "unknown" and outcome["clOrdId"].startswith("tkt-")
    # ...and the order it names does land: "not placed" would have been a lie
    deadline = time.monotonic() + 10
    while (found := find_by_cl_ord_id(client, outcome["clOrdId"])) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert sim.entry_orders() == 1 and found.order_id > 0
