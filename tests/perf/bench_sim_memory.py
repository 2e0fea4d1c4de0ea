"""The practice simulator's memory over an hour of practice: one bracketed order a minute,
quotes streaming to a subscriber, the account streaming to a user socket, as the window uses it.

Run: .venv/bin/python tests/perf/bench_sim_memory.py [--minutes M] [--speed S]
The simulator runs in its own process (as in practice mode) and its resident memory is read
from /proc once a simulated minute. --speed S runs the hour S times faster with the same
work: the price moves S times as often (every 0.5 / S s) and an order goes out every 60 / S
s, so 60 simulated minutes hold the same quotes, orders and events as a real hour (only
time-based housekeeping, such as token expiry, sees less of the clock). Default: 60
simulated minutes at speed 6, so 10 minutes of wall time.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.api.helpers import LOOSE
from tests.perf.pairs import row, table
from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.contracts import resolve_contract
from ticket.broker.marketdata import MarketDataClient, Quote
from ticket.broker.orders import submit_oso
from ticket.broker.userstream import UserStream, user_ws_url
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm
from ticket.services import SIM_CREDENTIALS
from ticket.sim.process import PracticeServer


def _arg(name: str, default: float) -> float:
    return float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS"))) / 1024


def main() -> None:
    minutes, speed = int(_arg("--minutes", 60)), _arg("--speed", 6)
    server = PracticeServer(tick_interval=0.5 / speed)
    base_url, md_url = server.address()
    client = TradovateClient(make_http_client(), base_url, device_id="perf-memory")
    client.sign_in(SIM_CREDENTIALS)
    account = client.accounts()[0]
    session = client.session
    assert session is not None and session.user_id is not None
    quotes: list[Quote] = []
    events = [0]
    last_quote = threading.Event()

    def token() -> str | None:
        return session.token.get_secret_value()

    def on_quote(quote: Quote) -> None:
        quotes.append(quote)
        del quotes[:-1]  # keep the newest only: this is the simulator's memory, not ours
        last_quote.set()

    md = MarketDataClient(md_url, token, on_quote, lambda state, detail: None)
    stream = UserStream(
        user_ws_url(base_url),
        token,
        session.user_id,
        [account.id],
        lambda replica: None,
        lambda batch: events.__setitem__(0, events[0] + len(batch)),
        lambda state, detail: None,
    )
    resolved = resolve_contract(client, "ES", datetime.now(UTC).date())
    md.start()
    stream.start()
    md.subscribe(resolved.contract.name, resolved.contract.id)
    if not last_quote.wait(30):
        raise RuntimeError("no quote from the simulator")
    samples = [rss_mb(server.process.pid)]
    print(f"minute 0: {samples[0]:.1f} MB", flush=True)
    started = time.monotonic()
    for minute in range(1, minutes + 1):
        form = TicketForm(
            instrument=BUILT_IN["ES"],
            symbol=resolved.contract.name,
            entry=EntrySpec(
                action=Action.BUY if minute % 2 else Action.SELL,  # flat every two minutes
                qty=1,
                order_type=OrderType.MARKET,
            ),
            stop_loss=BracketSpec(
                enabled=True,
                order_type=OrderType.STOP,
                unit=DistanceUnit.TICKS,
                distance=Decimal(8),
            ),
            take_profit=BracketSpec(
                enabled=True,
                order_type=OrderType.LIMIT,
                unit=DistanceUnit.TICKS,
                distance=Decimal(8),
            ),
            reference_price=quotes[-1].bid,
        )
        request = build_place_oso(
            form,
            AccountRef(id=account.id, name=account.name),
            limits=LOOSE,
            now=datetime.now(UTC),
            cl_ord_id=new_cl_ord_id(),
            is_automated=True,
        )
        submit_oso(client, request)
        deadline = started + minute * 60 / speed
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 1.0))  # paces the simulated minute; nothing is asserted
        samples.append(rss_mb(server.process.pid))
        if minute % 10 == 0 or minute == minutes:
            print(f"minute {minute}: {samples[-1]:.1f} MB, {events[0]} events", flush=True)
    md.stop()
    stream.stop()
    client.http.close()
    server.stop()
    growth = samples[-1] - samples[0]
    last_half = samples[len(samples) // 2 :]
    row(
        f"simulator memory over {minutes} simulated min (x{speed:g}), 1 order a minute",
        f"{samples[0]:.1f} -> {samples[-1]:.1f} MB (max {max(samples):.1f})",
        f"{events[0]} account events, quotes every {0.5 / speed * 1000:.0f} ms",
        f"+{growth:.1f} MB; 2nd half spread {max(last_half) - min(last_half):.1f} MB",
        "flat: met" if growth < 5 else f"grows {growth / minutes * 60:.1f} MB/h: missed",
    )
    print(f"median {statistics.median(samples):.1f} MB")
    table()


if __name__ == "__main__":
    main()
