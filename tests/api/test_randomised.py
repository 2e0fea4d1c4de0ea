"""A thousand random sessions of clicks, double clicks, retries, faults and cancels against the
simulator. Whatever happens, one click (one clOrdId) never becomes two orders, and what the
ticket reports matches what the simulator holds."""

import random
import threading
import time
from collections import Counter

from ticket.broker.models import CancelOrderRequest
from ticket.broker.orders import Status, submit_oso
from ticket.domain.guards import DuplicateGuard, OrderKey
from ticket.domain.orders import Action, FailureReason, OrderType

from .helpers import es_request

PLACE = "order/placeoso"
FAULTS = [
    "none",
    "none",
    "drop_before",
    "drop_after",
    "http_500",
    "http_503",
    "penalty",
    "reject",
    "rate_limit",
    "expired_token",
    "slow",
]


class Ticket:
    """The order path of the window without the widgets: single flight, duplicate guard,
    submit-and-reconcile."""

    def __init__(self, client):
        self.client = client
        self.guard = DuplicateGuard(window=5.0)
        self.in_flight = threading.Lock()

    def click(self, request, *, confirm_duplicate=False, p_ticket=None):
        if not self.in_flight.acquire(blocking=False):
            return None  # Place is disabled while an order is in flight
        try:
            key = OrderKey(
                account_id=request.account_id,
                symbol=request.symbol,
                action=request.action,
                qty=request.order_qty,
                price=request.price,
            )
            if self.guard.seconds_since_same(key, time.monotonic()) is not None and not (
                confirm_duplicate or p_ticket
            ):
                return "asked"
            self.guard.record(key, time.monotonic())
            outcome = submit_oso(self.client, request, p_ticket=p_ticket, reconcile_delays=(0.0,))
            if outcome.status in (Status.REJECTED, Status.PENALISED, Status.NOT_PLACED):
                self.guard.forget(key)
            return outcome
        finally:
            self.in_flight.release()


def arm(sim, fault, rng):
    f = sim.faults
    match fault:
        case "drop_before" | "drop_after":
            f.drop_next(PLACE, when=fault.split("_")[1])
        case "http_500" | "http_503":
            f.fail_next(PLACE, status=int(fault[-3:]))
        case "penalty":
            f.penalise_next(PLACE, seconds=0.01)
        case "reject":
            f.reject_next(
                rng.choice([r for r in FailureReason if r is not FailureReason.SUCCESS]), path=PLACE
            )
        case "rate_limit":
            f.fail_next(PLACE, status=rng.choice([423, 429]))
        case "expired_token":
            sim.expire_tokens()
        case "slow":
            f.add_latency(0.05, PLACE)


def test_a_thousand_random_sessions_never_make_two_orders_from_one_click(sim, client):
    import httpx

    client.http.timeout = httpx.Timeout(5.0, read=0.03)  # "slow" answers come after this
    rng = random.Random(20261125)
    ticket = Ticket(client)
    counts: Counter[str] = Counter()
    reported: dict[str, object] = {}
    scenarios = 1000
    for n in range(scenarios):
        sim.faults.clear()
        fault = rng.choice(FAULTS)
        counts[f"fault {fault}"] += 1
        arm(sim, fault, rng)
        price = f"{5900 + rng.randrange(0, 80) * 0.25:.2f}"
        request = es_request(
            sim,
            client,
            action=rng.choice(list(Action)),
            qty=rng.randint(1, 3),
            price=price,
            order_type=rng.choice([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET]),
        )
        behaviour = rng.choice(
            ["click", "double click", "click then retry", "click then cancel", "repeat same order"]
        )
        counts[behaviour] += 1
        outcomes = []
        if behaviour == "double click":
            results = [None, None]

            def press(i, request=request, results=results):
                results[i] = ticket.click(request)

            threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ignored = [r for r in results if r is None or r == "asked"]
            counts["second click ignored or asked"] += len(ignored)
            outcomes += [r for r in results if r not in (None, "asked")]
        else:
            outcome = ticket.click(request)
            if outcome == "asked":  # the same order went out seconds ago: the trader answers
                counts["duplicate guard asked"] += 1
                if rng.random() < 0.5:
                    sim.faults.clear()
                    continue
                outcome = ticket.click(request, confirm_duplicate=True)
            outcomes.append(outcome)
            if outcome.status is Status.PENALISED and outcome.p_ticket:
                time.sleep(0.015)
                outcomes.append(ticket.click(request, p_ticket=outcome.p_ticket))
                counts["penalty resend with ticket"] += 1
            if behaviour == "click then retry" and outcome.status is not Status.PLACED:
                sim.faults.clear()
                fresh = request.model_copy(update={"cl_ord_id": f"{request.cl_ord_id}-r"})
                outcomes.append(ticket.click(fresh, confirm_duplicate=True))
                counts["retry as a new click"] += 1
            if behaviour == "repeat same order":
                again = request.model_copy(update={"cl_ord_id": f"{request.cl_ord_id}-x"})
                answer = ticket.click(again)
                counts["duplicate guard asked" if answer == "asked" else "repeat sent"] += 1
                if answer not in (None, "asked"):
                    outcomes.append(answer)
            if behaviour == "click then cancel" and outcome.status is Status.PLACED:
                sim.faults.clear()
                try:
                    client.cancel_order(CancelOrderRequest(order_id=outcome.order_id))
                    counts["cancelled"] += 1
                except Exception:
                    counts["cancel refused (already filled)"] += 1
        sim.faults.clear()
        for outcome in outcomes:
            counts[f"outcome {outcome.status.value}"] += 1
            reported[outcome.cl_ord_id] = outcome
        # the invariant, after every scenario
        with sim.exchange.lock:  # a slow request may still be landing on a server thread
            entries = [o for o in sim.exchange.orders.values() if o.parent_id is None]
        held = Counter(o.cl_ord_id for o in entries)
        assert max(held.values(), default=0) <= 1, f"scenario {n}: {held.most_common(1)}"
        final = {o.cl_ord_id: o for o in outcomes}  # a penalty resend reuses its clOrdId
        for outcome in final.values():
            found = [o for o in entries if o.cl_ord_id == outcome.cl_ord_id]
            if outcome.status is Status.PLACED:
                assert [o.id for o in found] == [outcome.order_id], (n, fault, outcome)
            elif outcome.status is not Status.UNKNOWN:
                assert found == [], (n, fault, behaviour, outcome)
    clicks = len(reported)
    print(
        f"\n{scenarios} scenarios, {clicks} distinct clicks, "
        f"{sim.entry_orders()} entry orders held; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    )
    assert scenarios == 1000 and sim.entry_orders() <= clicks
