"""Tradovate-like request limits per user: a burst per second, a rate per minute and per hour,
429 for a lockout past one, a single 423 (not processed) near the hourly one. Real HTTP
against the simulator; time is a fake clock the test moves, so no test waits for a lockout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import FAKE_PASSWORD, FAKE_USER
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_PASSWORD, SIM_USERNAME
from ticket.sim.limits import RateLimiter, RateLimits, Verdict
from ticket.sim.server import Simulator


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def limited(clock):
    """A simulator whose limits run on `clock`; a test sets the figures it is about."""
    with Simulator(seed=1, limits_clock=clock) as sim:
        yield sim


@contextmanager
def sign_in(sim, name=SIM_USERNAME, password=SIM_PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=10) as http:
        token = http.post("/auth/accesstokenrequest", json={"name": name, "password": password})
        http.headers["Authorization"] = f"Bearer {token.json()['accessToken']}"
        yield http


def statuses(http: httpx.Client, count: int, route: str = "/account/list") -> list[int]:
    return [http.get(route).status_code for _ in range(count)]


def test_the_defaults_are_on_with_the_documented_figures(sim):
    assert sim.rate_limits == RateLimits()
    assert (RateLimits().per_second, RateLimits().per_minute, RateLimits().per_hour) == (
        50,
        200,
        5000,
    )


def test_a_burst_past_the_per_second_limit_locks_the_user_out_until_the_lockout_ends(
    limited, clock
):
    limited.rate_limits = RateLimits(per_second=5, per_minute=None, per_hour=None, lockout=30)
    with sign_in(limited) as http:
        assert statuses(http, 7) == [200] * 5 + [429] * 2
        refused = http.get("/account/list")
        assert refused.status_code == 429 and "Too many requests" in refused.json()["errorText"]
        clock.now += 29  # well past the second, still locked out
        assert statuses(http, 1) == [429]
        clock.now += 1
        assert statuses(http, 5) == [200] * 5


def test_the_per_minute_limit_counts_a_sliding_minute(limited, clock):
    limited.rate_limits = RateLimits(per_second=None, per_minute=10, per_hour=None, lockout=60)
    with sign_in(limited) as http:
        for _ in range(10):
            assert statuses(http, 1) == [200]
            clock.now += 5  # one request every five seconds: 10 in 50 s
        clock.now += 4  # 54 s after the first: the eleventh is the eleventh within a minute
        assert statuses(http, 1) == [429]
        clock.now += 59
        assert statuses(http, 1) == [429]  # the lockout
        clock.now += 1
        assert statuses(http, 1) == [200]


def test_a_polling_loop_trips_the_default_per_minute_limit_and_a_calm_client_does_not(
    limited, clock
):
    with sign_in(limited) as http:
        for _ in range(120):  # a request every half second for a minute: 120, under 200
            assert statuses(http, 1) == [200]
            clock.now += 0.5
        clock.now += 60
        answers = []
        for _ in range(240):  # three lists every half second: 360 a minute
            answers += statuses(http, 3, "/order/list")
            clock.now += 0.5
            if answers[-1] == 429:
                break
    assert answers.count(200) == 200 and answers[-1] == 429


def test_a_423_comes_once_before_the_hourly_limit_and_its_request_is_not_processed(limited, clock):
    limited.rate_limits = RateLimits(
        per_second=None, per_minute=None, per_hour=10, warn_at=0.8, hour_lockout=3600
    )
    order = {
        "accountId": SIM_ACCOUNT_ID,
        "action": "Buy",
        "symbol": limited.front("ES"),
        "orderQty": 1,
        "orderType": "Limit",
        "price": 5000.0,
    }
    with sign_in(limited) as http:
        assert statuses(http, 7) == [200] * 7
        warned = http.post("/order/placeorder", json=order)
        assert warned.status_code == 423 and "not processed" in warned.json()["errorText"]
        assert limited.entry_orders() == 0  # the 423 request was not acted on
        assert http.post("/order/placeorder", json=order).status_code == 200
        assert limited.entry_orders() == 1
        assert statuses(http, 2) == [200, 429]  # the tenth passes, the eleventh is refused
        clock.now += 3599
        assert statuses(http, 1) == [429]
        clock.now += 1
        assert statuses(http, 1) == [200]


def test_limits_are_per_user_and_sign_ins_are_not_counted(limited, clock):
    limited.users[FAKE_USER] = FAKE_PASSWORD
    limited.rate_limits = RateLimits(per_second=3, per_minute=None, per_hour=None)
    with sign_in(limited) as first, sign_in(limited) as second_token:
        # two tokens of one user share its count
        assert statuses(first, 2) + statuses(second_token, 2) == [200, 200, 200, 429]
        with sign_in(limited, FAKE_USER, FAKE_PASSWORD) as other:  # a sign-in still passes
            assert statuses(other, 3) == [200] * 3
    assert limited.limiter.locked(SIM_USERNAME) and not limited.limiter.locked(FAKE_USER)


def test_new_limits_apply_to_a_running_simulator(limited):
    with sign_in(limited) as http:
        limited.rate_limits = RateLimits(per_second=2, per_minute=None, per_hour=None)
        assert statuses(http, 3) == [200, 200, 429]
        limited.rate_limits = RateLimits.off()
        limited.limiter.reset()
        assert statuses(http, 30) == [200] * 30


def test_requests_without_a_valid_token_are_answered_401_and_not_counted(limited):
    limited.rate_limits = RateLimits(per_second=2, per_minute=None, per_hour=None)
    with httpx.Client(base_url=limited.base_url) as anonymous:
        assert statuses(anonymous, 5) == [401] * 5
    with sign_in(limited) as http:
        assert statuses(http, 2) == [200, 200]


def test_counting_keeps_no_more_than_each_limit_whatever_the_history():
    now = [0.0]
    limiter = RateLimiter(RateLimits(per_second=50, per_minute=100, per_hour=150), lambda: now[0])
    verdicts = []
    for _ in range(10_000):
        verdicts.append(limiter.check("trader"))
        now[0] += 0.7  # about 86 a minute, under the minute's limit; 5,000 an hour, far over
        usage = limiter._users["trader"]
        assert (len(usage.second), len(usage.minute), len(usage.hour)) <= (50, 100, 150)
    assert Verdict.WARN in verdicts and Verdict.LOCKED in verdicts
