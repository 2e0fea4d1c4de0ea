"""The modify path against the embedded simulator, over real HTTP and the user socket.

1. Call to wire: `Modifier.modify` (the live version read from the account replica, the body
   built, sent by the client) until the simulator has read the whole request, paired in the same
   loop with a bare warm httpx POST of the same body on its own keep-alive connection; the
   figure is the median of the per-pair ratios. Target: within 1.2x. Each sample starts once
   the events of the one before have arrived, so neither runs while the socket thread works.
2. Break-even: from the call (the break-even price, the domain's check against the quote, the
   modify) until the new order version has arrived over the user socket in the replica. Target:
   under 50 ms median. Before each sample the stop is moved back away, untimed.

Run: .venv/bin/python tests/perf/bench_modify.py [--quick]
The simulator's request limits are off: these loops go past them on purpose.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.modify import Modifier, ModifyStatus, ReplicaWatch, build_modify
from ticket.broker.orders import submit_oso
from ticket.broker.userstream import StreamState, UserStream
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.exit_moves import ExitKind, ExitMove, break_even_price, check_exit_move
from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.pnl import Position, Quote
from ticket.domain.protection import OrderView
from ticket.domain.rules import FatFingerLimits
from ticket.domain.ticket import BracketSpec, DistanceUnit, EntrySpec, TicketForm
from ticket.services import SIM_CREDENTIALS
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator

QUICK = "--quick" in sys.argv
PAIRS = 60 if QUICK else 300
BREAK_EVENS = 40 if QUICK else 200
ES = BUILT_IN["ES"]
LOOSE = FatFingerLimits(max_contracts=100, max_risk=Decimal(10**6), max_ticks_from_last=10**5)


def wait(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.001)


def long_trade(sim: Simulator, client: TradovateClient) -> tuple[int, int]:
    sim.set_price(sim.front("ES"), "6000.00")
    account = client.accounts()[0]
    form = TicketForm(
        instrument=ES,
        symbol=sim.front("ES"),
        entry=EntrySpec(
            action=Action.BUY, qty=1, order_type=OrderType.LIMIT, price=Decimal("6000.25")
        ),
        stop_loss=BracketSpec(order_type=OrderType.STOP, distance=Decimal(8)),
        take_profit=BracketSpec(
            order_type=OrderType.LIMIT, unit=DistanceUnit.TICKS, distance=Decimal(40)
        ),
    )
    request = build_place_oso(
        form,
        AccountRef(id=account.id, name=account.name),
        limits=LOOSE,
        now=datetime.now(UTC),
        cl_ord_id=new_cl_ord_id(),
        is_automated=False,
    )
    outcome = submit_oso(client, request)
    assert outcome.order_id is not None and outcome.oso1_id is not None
    return outcome.order_id, outcome.oso1_id


def _status(view: OrderView | None) -> OrdStatus | None:
    return view.status if view is not None else None


def received_since(sim: Simulator, since: float) -> float:
    """When the simulator finished reading the first modify that arrived after `since`."""
    found: list[float] = []

    def arrived() -> bool:
        for r in sim.requests("order/modifyorder"):
            if r.received_at >= since:
                found.append(r.received_at)
                return True
        return False

    wait(arrived)
    return found[0]


def main() -> None:
    with Simulator(seed=7, rate_limits=RateLimits.off()) as sim:
        http = make_http_client()
        client = TradovateClient(http, sim.base_url, device_id="bench-device")
        session = client.sign_in(SIM_CREDENTIALS)
        account = client.accounts()[0]
        watch = ReplicaWatch()
        batches: list[int] = []  # the user socket's event batches, one per operation
        user = UserStream(
            sim.user_ws_url,
            lambda: session.token.get_secret_value(),
            session.user_id,
            [account.id],
            watch.replace,
            lambda events: (watch.apply_all(events), batches.append(len(events))),
            lambda state, detail: None,
        )
        user.start()
        wait(lambda: user.state is StreamState.LIVE)
        entry, stop = long_trade(sim, client)
        wait(lambda: watch.read(lambda r: _status(r.order(entry))) is OrdStatus.FILLED)
        modifier = Modifier(client, watch=watch)
        bare = httpx.Client(headers={"Authorization": f"Bearer {session.token.get_secret_value()}"})
        url = f"{sim.base_url}/order/modifyorder"
        prices = [Decimal("5998.00"), Decimal("5998.25")]
        for price in prices * 5:  # warm both connections
            modifier.modify(stop, stop_price=price)
            bare.post(url, json=build_modify(modifier.live(stop), stop_price=price).to_wire())

        def ours_at(price: Decimal) -> float:
            started = time.perf_counter()
            outcome = modifier.modify(stop, stop_price=price)
            assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
            return received_since(sim, started) - started

        def bare_at(price: Decimal) -> float:
            body = build_modify(modifier.live(stop), stop_price=price).to_wire()
            seen = len(batches)
            started = time.perf_counter()
            bare.post(url, json=body)
            taken = received_since(sim, started) - started
            wait(lambda: len(batches) > seen)  # its events are in: the next sample starts quiet
            return taken

        ratios, ours, theirs = [], [], []
        for n in range(PAIRS):
            # which goes first alternates, so neither always follows the other's events
            price, other = prices[n % 2], prices[1 - n % 2]
            if n % 4 < 2:
                ours.append(ours_at(price))
                theirs.append(bare_at(price))
            else:
                theirs.append(bare_at(other))
                ours.append(ours_at(price))
            ratios.append(ours[-1] / theirs[-1])
        print(
            f"modify call to wire: {statistics.median(ours) * 1000:.3f} ms median, "
            f"bare POST {statistics.median(theirs) * 1000:.3f} ms; "
            f"ratio per pair median {statistics.median(ratios):.2f}x "
            f"[{min(ratios):.2f}-{max(ratios):.2f}] over {PAIRS} pairs (target <= 1.2x)"
        )

        quote = Quote(bid=Decimal("6002.00"), ask=Decimal("6002.25"))
        sim.set_price(sim.front("ES"), "6002.00")
        times = []
        away = Decimal("5998.25")
        for _ in range(BREAK_EVENS):
            modifier.modify(stop, stop_price=away)
            started = time.perf_counter()
            held = watch.read(lambda r: r.position(r.order(entry).contract_id))
            assert held is not None and held.net_price is not None
            position = Position(net=held.net_pos, avg_price=held.net_price)
            even = break_even_price(position, 0, ES)
            move = ExitMove(kind=ExitKind.STOP, closing=Action.SELL, current=away, new=even)
            assert check_exit_move(move, quote, ES, position).allowed
            outcome = modifier.modify(stop, stop_price=even)
            times.append(time.perf_counter() - started)
            assert outcome.status is ModifyStatus.CONFIRMED, outcome.message
        print(
            f"break-even call to new version over the user socket: "
            f"{statistics.median(times) * 1000:.2f} ms median "
            f"[{min(times) * 1000:.2f}-{max(times) * 1000:.2f}] over {BREAK_EVENS} "
            "(target < 50 ms)"
        )
        user.stop()
        bare.close()
        http.close()


if __name__ == "__main__":
    main()
