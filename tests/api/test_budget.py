"""The request budget and the refusal state, on a fake Tradovate behind httpx.MockTransport:
look-ups wait their turn and stop at the hourly limit, order calls never wait; a 429 or 423
refuses look-ups unsent, lets order calls through, is probed with backoff and ends on the first
answer that is not a refusal."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError

from ticket.broker import errors
from ticket.broker.budget import (
    LOCKOUT_429,
    PAUSE_423,
    PER_HOUR,
    PER_MINUTE,
    PER_SECOND,
    POLL,
    PROBES,
    Kind,
    Refusal,
    RequestBudget,
)
from ticket.broker.client import TradovateClient
from ticket.broker.models import CancelOrderRequest
from ticket.broker.monitor import flatten
from ticket.broker.orders import find_by_cl_ord_id
from ticket.broker.outcome import Status, judge
from ticket.services import SIM_CREDENTIALS
from ticket.sim.limits import RateLimits

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    """Wall time and monotonic time that move only when the test (or a wait) moves them."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return START + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


class Fake:
    """Answers every route with 200 and an empty list, or with `status` while it is set."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/accesstokenrequest"):
            token = {"accessToken": "fake-token-b", "expirationTime": "2099-01-01T00:00:00Z"}
            return httpx.Response(200, json=token)
        self.paths.append(request.url.path)
        if self.status is not None:
            return httpx.Response(self.status, content=b"")
        if request.url.path.endswith("/order/cancelorder"):
            return httpx.Response(200, json={"commandId": 77})
        return httpx.Response(200, json=[])


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fake():
    return Fake()


@pytest.fixture
def refusals():
    return []


@pytest.fixture
def client(fake, clock, refusals):
    http = httpx.Client(transport=httpx.MockTransport(fake))
    budget = RequestBudget(clock=clock.monotonic, sleep=clock.sleep)
    tradovate = TradovateClient(
        http,
        "https://fake.invalid/v1",
        device_id="d",
        clock=clock.now,
        budget=budget,
        on_refusal=refusals.append,
    )
    tradovate.sign_in(SIM_CREDENTIALS)
    clock.advance(1)  # the sign-in's second is over
    yield tradovate
    http.close()


def cancel(client: TradovateClient):
    return judge(
        client.send_order("/order/cancelorder", CancelOrderRequest(order_id=5).to_wire()),
        "commandId",
    )


def test_the_documented_numbers_stay_far_below_any_plausible_limit():
    assert (PER_SECOND, PER_MINUTE, PER_HOUR) == (10, 120, 3000)
    sim = RateLimits()  # the simulator's defaults
    assert sim.per_second >= PER_SECOND * 2 and sim.per_minute >= PER_MINUTE * 1.5
    assert sim.per_hour >= PER_HOUR * 1.5
    assert (PAUSE_423, LOCKOUT_429) == (60.0, 3600.0)
    assert PROBES[0] <= PAUSE_423 and list(PROBES) == sorted(PROBES)


def test_look_ups_wait_their_turn_within_a_second(client, fake, clock):
    for _ in range(PER_SECOND):
        client.orders()
    assert clock.sleeps == []
    client.orders()
    assert sum(clock.sleeps) == pytest.approx(1.0)  # until the first is a second old
    assert len(fake.paths) == PER_SECOND + 1
    assert client.budget.sent[Kind.LOOKUP] == PER_SECOND + 1


def test_look_ups_wait_their_turn_within_a_minute(client, fake, clock):
    first = clock.monotonic()
    for _ in range(PER_MINUTE - 1):  # the sign-in is the first of the minute
        client.orders()
        clock.advance(0.25)
    assert clock.sleeps == []
    client.orders()
    # until the sign-in, a second before the first look-up, is a minute old
    assert clock.monotonic() == pytest.approx(first - 1 + 60)


def test_look_ups_of_an_order_action_wait_for_their_second_but_not_the_minute(client, clock):
    for _ in range(PER_MINUTE - 1):
        client.orders()
        clock.advance(0.25)
    before = clock.monotonic()
    with client.essential():
        for _ in range(PER_SECOND + 1):
            client.positions()
    assert clock.monotonic() - before == pytest.approx(1.0)  # one second's wait, not a minute's
    assert client.budget.sent[Kind.ESSENTIAL] == PER_SECOND + 1


def test_order_calls_are_counted_but_never_wait_behind_look_ups(client, fake, clock):
    for _ in range(PER_SECOND):
        client.orders()
    for _ in range(3):
        assert cancel(client).status is Status.PLACED
    assert clock.sleeps == []
    assert client.budget.sent[Kind.ORDER] == 3
    client.positions()  # the orders used this second too
    assert sum(clock.sleeps) == pytest.approx(1.0)


def test_the_hourly_budget_refuses_look_ups_unsent_but_not_orders(client, fake, clock):
    assert client.budget.used() == (0, 1, 1)  # the sign-in counts too
    for _ in range(PER_HOUR - 1):
        client.orders()
        clock.advance(0.25)
    sent = len(fake.paths)
    with pytest.raises(errors.OverBudget) as raised:
        client.fills()
    assert isinstance(raised.value, errors.RateLimited)
    assert "3000 requests in the last hour" in errors.describe_error(raised.value)
    assert len(fake.paths) == sent
    assert cancel(client).status is Status.PLACED
    clock.advance(3600)
    assert client.fills() == []


@pytest.mark.parametrize(
    ("status", "words", "lasts"),
    [
        (429, "Tradovate is refusing requests (429): it may last up to an hour", LOCKOUT_429),
        (
            423,
            "Tradovate warns that too many requests were sent (423): requests are paused for "
            "a minute",
            PAUSE_423,
        ),
    ],
)
def test_a_refusal_is_told_and_look_ups_fail_unsent_while_it_lasts(
    client, fake, clock, refusals, status, words, lasts
):
    fake.status = status
    with pytest.raises(errors.RateLimited) as first:
        client.orders()
    assert words in errors.describe_error(first.value)
    refusal = client.refusal
    assert isinstance(refusal, Refusal) and refusals == [refusal]
    assert (refusal.status, refusal.since, refusal.until) == (
        status,
        clock.now(),
        clock.now() + timedelta(seconds=lasts),
    )
    assert words in refusal.message
    with pytest.raises(errors.RateLimited) as unsent:
        client.positions()
    assert unsent.value.status == status and words in str(unsent.value)
    assert len(fake.paths) == 1
    with pytest.raises(ValidationError):
        refusal.status = 200  # frozen: safe to hand to another thread


def test_order_calls_still_go_while_refused_and_a_429_answer_is_not_placed(client, fake, refusals):
    fake.status = 429
    assert cancel(client).status is Status.NOT_PLACED
    assert client.refusal is not None and client.refusal.status == 429
    fake.status = None
    assert cancel(client).status is Status.PLACED  # sent although refused, and answered
    assert client.refusal is None and refusals[-1] is None


def test_flatten_reads_what_it_needs_while_look_ups_are_refused(client, fake):
    fake.status = 423
    with pytest.raises(errors.RateLimited):
        client.orders()
    fake.status = None
    report = flatten(client, 1, 9, wait=0.1, poll=0.01)
    assert report is not None
    assert "/v1/order/list" in fake.paths[1:]  # sent, although look-ups were refused
    assert client.refusal is None  # and answered: the server takes requests again


def test_an_order_is_looked_up_by_its_client_id_while_look_ups_are_refused(client, fake):
    fake.status = 429
    with pytest.raises(errors.RateLimited):
        client.commands()
    fake.status = None
    assert find_by_cl_ord_id(client, "tkt-unknown") is None  # asked, and answered
    assert fake.paths[-1] == "/v1/command/list"


def test_a_429_is_probed_with_backoff_and_ends_on_the_first_good_answer(
    client, fake, clock, refusals
):
    fake.status = 429
    with pytest.raises(errors.RateLimited):
        client.orders()
    clock.advance(PROBES[0] - 1)
    with pytest.raises(errors.RateLimited):
        client.orders()
    assert len(fake.paths) == 1
    clock.advance(1)
    with pytest.raises(errors.RateLimited):
        client.orders()  # the probe, refused again
    assert len(fake.paths) == 2
    assert client.refusal.until == START + timedelta(seconds=1 + LOCKOUT_429)  # not restarted
    clock.advance(PROBES[0])
    with pytest.raises(errors.RateLimited):
        client.orders()  # too early for the second probe
    assert len(fake.paths) == 2
    clock.advance(PROBES[1] - PROBES[0])
    fake.status = None
    assert client.orders() == []
    assert len(fake.paths) == 3
    assert client.refusal is None and refusals[-1] is None and len(refusals) == 3


def test_a_423_pause_ends_after_a_minute(client, fake, clock):
    fake.status = 423
    with pytest.raises(errors.RateLimited):
        client.orders()
    clock.advance(PAUSE_423 - 1)
    with pytest.raises(errors.RateLimited):
        client.orders()
    clock.advance(1)
    fake.status = None
    assert client.orders() == [] and client.refusal is None


def test_a_warning_does_not_shorten_a_lockout(client, fake, clock):
    fake.status = 429
    with pytest.raises(errors.RateLimited):
        client.orders()
    fake.status = 423
    cancel(client)
    assert client.refusal.status == 429
    assert client.refusal.until == START + timedelta(seconds=1 + LOCKOUT_429)


def test_a_wait_never_outlasts_its_window_in_real_time_when_the_clock_stands_still():
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    still = RequestBudget(per_second=2, clock=lambda: 100.0, sleep=sleep)
    for _ in range(3):
        still.take(Kind.LOOKUP)  # the third goes after a second of real time
    assert still.sent[Kind.LOOKUP] == 3
    assert 0 < sum(slept) <= 1.0 and max(slept) <= POLL


def test_the_guesses_can_be_shortened_per_client(client, fake, clock):
    client.lockout.pause_423 = 2.0
    fake.status = 423
    with pytest.raises(errors.RateLimited):
        client.orders()
    assert client.refusal.until == clock.now() + timedelta(seconds=2)
    clock.advance(2)
    fake.status = None
    assert client.orders() == [] and client.refusal is None


def test_the_budget_is_shared_by_threads_without_going_over():
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleep(seconds)

    budget = RequestBudget(per_second=3, clock=clock.monotonic, sleep=sleep)
    stamps: list[float] = []

    def work() -> None:
        for _ in range(4):
            budget.take(Kind.LOOKUP)
            with lock:
                stamps.append(clock.monotonic())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(stamps) == 12 and budget.sent[Kind.LOOKUP] == 12
    assert budget.used()[1:] == (12, 12)
    stamps.sort()
    assert all(later - first >= 1.0 for first, later in zip(stamps, stamps[3:], strict=False))
