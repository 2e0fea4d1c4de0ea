"""The simulator's sign-in rules over real HTTP: token lifetime, renewal that extends the
session, the sign-in limit with p-ticket penalties and then a p-captcha, and the cap on
concurrent sessions. The simulator's clock is a fake one, so minutes pass at once."""

from datetime import timedelta

import httpx
import pytest

from tests.fakeclock import FakeClock
from ticket.sim.auth import AuthRules
from ticket.sim.server import Simulator

SIGN_IN = {"name": "sim", "password": "sim", "appId": "ticket", "deviceId": "d"}


@pytest.fixture
def clock():
    return FakeClock()


def strict_sim(clock, **rules):
    return Simulator(seed=1, auth_rules=AuthRules(**rules), auth_clock=clock.now)


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


def sign_in(http, sim, **extra):
    return http.post(f"{sim.base_url}/auth/accesstokenrequest", json=SIGN_IN | extra).json()


def me(http, sim, token):
    headers = {"Authorization": f"Bearer {token}"}
    return http.get(f"{sim.base_url}/auth/me", headers=headers).status_code


def renew(http, sim, token):
    headers = {"Authorization": f"Bearer {token}"}
    return http.get(f"{sim.base_url}/auth/renewaccesstoken", headers=headers)


def test_a_token_lives_its_lifetime_and_a_renewal_extends_the_session(http, clock):
    with strict_sim(clock, token_lifetime=timedelta(minutes=5)) as sim:
        first = sign_in(http, sim)
        assert first["expirationTime"].startswith(
            (clock.now() + timedelta(minutes=5)).isoformat()[:19]
        )
        clock.advance(4 * 60)
        assert me(http, sim, first["accessToken"]) == 200
        renewed = renew(http, sim, first["accessToken"]).json()
        assert renewed["accessToken"] != first["accessToken"]
        assert renewed["expirationTime"] > first["expirationTime"]
        clock.advance(61)  # past the first token's end, within the renewed one
        assert me(http, sim, first["accessToken"]) == 401
        assert me(http, sim, renewed["accessToken"]) == 200
        assert (len(sim.auth.sign_ins), len(sim.auth.renewals)) == (1, 1)


def test_a_server_whose_renewal_does_not_extend_answers_the_same_expiry(http, clock):
    with strict_sim(clock, token_lifetime=timedelta(minutes=5), renewal_extends=False) as sim:
        first = sign_in(http, sim)
        clock.advance(60)
        renewed = renew(http, sim, first["accessToken"]).json()
        assert renewed["expirationTime"] == first["expirationTime"]
        clock.advance(4 * 60)
        assert me(http, sim, renewed["accessToken"]) == 401


def test_too_many_sign_ins_get_p_tickets_then_a_captcha(http, clock):
    rules = {"sign_ins_per_minute": 2, "penalty_seconds": 5, "penalties_before_captcha": 2}
    with strict_sim(clock, **rules) as sim:
        assert "accessToken" in sign_in(http, sim) and "accessToken" in sign_in(http, sim)
        penalty = sign_in(http, sim)
        assert penalty["p-time"] == 5 and penalty["p-captcha"] is False
        assert "accessToken" not in penalty
        clock.advance(2)
        early = sign_in(http, sim, **{"p-ticket": penalty["p-ticket"]})
        assert (early["p-ticket"], early["p-time"]) == (penalty["p-ticket"], 3)
        clock.advance(3)
        assert "accessToken" in sign_in(http, sim, **{"p-ticket": penalty["p-ticket"]})
        assert sign_in(http, sim)["p-captcha"] is False  # the second penalty
        captcha = sign_in(http, sim)
        assert captcha["p-captcha"] is True
        clock.advance(30 * 60)
        assert sign_in(http, sim)["p-captcha"] is True  # good credentials change nothing
        clock.advance(31 * 60)
        assert "accessToken" in sign_in(http, sim)
        assert len(sim.auth.sign_ins) == 4


def test_a_sign_in_past_the_session_cap_revokes_the_oldest_session(http, clock):
    with strict_sim(clock, max_sessions=2) as sim:
        oldest, middle = sign_in(http, sim)["accessToken"], sign_in(http, sim)["accessToken"]
        renewed_oldest = renew(http, sim, oldest).json()["accessToken"]
        newest = sign_in(http, sim)["accessToken"]
        assert [me(http, sim, t) for t in (oldest, renewed_oldest, middle, newest)] == [
            401,
            401,
            200,
            200,
        ]
        assert renew(http, sim, oldest).status_code == 401
        assert sim.auth.revocations == 1


def test_the_simulators_rules_are_on_unless_a_test_turns_one_off():
    rules = AuthRules()
    assert rules.sign_ins_per_minute == 10 and rules.max_sessions == 2 and rules.renewal_extends
    assert rules.token_lifetime == timedelta(minutes=90)
    with Simulator() as sim:
        assert sim.auth.rules == rules
