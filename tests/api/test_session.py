"""One Tradovate session, renewed calmly, against the simulator over real HTTP.

The simulator and the client read one fake clock, so minutes of a token's life pass in
milliseconds; the simulator's answers carry that clock in their Date header, as a real server's
carry its own. Every count here is the simulator's: what it was asked, not what the client says
it did."""

from datetime import timedelta

import pytest

from tests.conftest import ISSUED_SECRETS
from tests.fakeclock import FakeClock, dated_by
from ticket.broker import errors
from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.session import EventKind
from ticket.services import SIM_CREDENTIALS
from ticket.sessions import MemorySessions
from ticket.sim.auth import AuthRules
from ticket.sim.server import Simulator

SIGN_IN, RENEW = "auth/accesstokenrequest", "auth/renewaccesstoken"
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_sim(clock):
    made = []

    def make(**rules):
        sim = Simulator(seed=1, auth_rules=AuthRules(**rules), auth_clock=clock.now).start()
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.stop()
        ISSUED_SECRETS.update(sim._tokens)  # the suite's last test looks for them in files


@pytest.fixture
def make_client(clock):
    made = []

    def make(sim, local_clock=None, store=None):
        http = dated_by(clock, make_http_client())
        made.append(http)
        return TradovateClient(
            http,
            sim.base_url,
            device_id="test-device",
            clock=local_clock or clock.now,
            sleep=clock.sleep,
            store=store,
        )

    yield make
    for http in made:
        http.close()


def per_minute(times) -> int:
    """The most events within any one minute."""
    return max(
        (sum(1 for t in times if s <= t < s + timedelta(minutes=1)) for s in times), default=0
    )


def work_for(clock, client, minutes, every=1.0):
    """A busy client: a query every `every` seconds for `minutes` minutes of fake time."""
    for _ in range(int(minutes * 60 / every)):
        clock.advance(every)
        assert client.me()["userId"] == 5001


def test_a_five_minute_token_is_renewed_on_schedule_not_on_every_call(clock, make_sim, make_client):
    sim = make_sim(token_lifetime=FIVE_MINUTES)
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    work_for(clock, client, minutes=12)  # 720 queries, well past the first token's end
    renewals = sim.auth.renewals
    assert len(renewals) == 3  # at 3:45, 7:30 and 11:15: a quarter of the lifetime before
    assert per_minute(renewals) == 1
    assert len(sim.requests(SIGN_IN)) == 1
    assert len(sim.requests(RENEW)) == 3


@pytest.mark.parametrize("minutes_off", [-30, 30])
def test_a_local_clock_half_an_hour_off_changes_nothing(clock, make_sim, make_client, minutes_off):
    sim = make_sim(token_lifetime=FIVE_MINUTES)
    client = make_client(sim, local_clock=clock.off_by(minutes_off))
    client.sign_in(SIM_CREDENTIALS)
    work_for(clock, client, minutes=12)  # no expired-token error: me() would have raised
    assert len(sim.auth.renewals) == 3 and per_minute(sim.auth.renewals) == 1
    assert len(sim.requests(SIGN_IN)) == 1
    ends_local = client.auth.expires_local()
    assert ends_local - clock.off_by(minutes_off)() == client.session.expires_at - clock.now()


def test_a_ninety_minute_token_is_renewed_fifteen_minutes_before_its_end(
    clock, make_sim, make_client
):
    sim = make_sim()
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    work_for(clock, client, minutes=74.5, every=30)
    assert sim.auth.renewals == []
    work_for(clock, client, minutes=1, every=30)
    assert len(sim.auth.renewals) == 1


def test_a_renewal_that_does_not_extend_is_not_repeated_and_one_sign_in_comes_before_the_end(
    clock, make_sim, make_client
):
    sim = make_sim(token_lifetime=FIVE_MINUTES, renewal_extends=False)
    client = make_client(sim)
    events = []
    client.auth.on_event = events.append
    client.sign_in(SIM_CREDENTIALS)
    work_for(clock, client, minutes=10)
    # Each token: one renewal at 3:45 that does not extend it, one sign-in at 4:00.
    assert len(sim.auth.renewals) == 2
    assert len(sim.auth.sign_ins) == 3
    assert per_minute(sim.auth.renewals + sim.auth.sign_ins[1:]) <= 2
    notes = [e for e in events if e.kind is EventKind.NOT_EXTENDED]
    assert len(notes) == 2 and "did not extend" in notes[0].message
    assert "sign in once" in notes[0].message


def test_a_401_on_every_query_renews_at_most_once_a_minute(clock, make_sim, make_client):
    sim = make_sim()
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    sim.faults.answer_next("account/list", body="Access is denied", status=401, times=1000)
    refused = 0
    for _ in range(90):  # ninety queries, a second apart
        clock.advance(1)
        with pytest.raises(errors.NotAuthorized):
            client.accounts()
        refused += 1
    assert refused == 90
    assert len(sim.auth.renewals) == 2 and per_minute(sim.auth.renewals) == 1
    assert len(sim.requests(SIGN_IN)) == 1


def test_a_server_that_refuses_every_token_gets_one_renewal_and_one_sign_in_a_minute(
    clock, make_sim, make_client
):
    sim = make_sim()
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    for route in ("account/list", RENEW):
        sim.faults.answer_next(route, body="Access is denied", status=401, times=1000)
    for _ in range(150):  # two and a half minutes of queries, a second apart
        clock.advance(1)
        with pytest.raises(errors.NotAuthorized):
            client.accounts()
    renewals = [r.received_at for r in sim.requests(RENEW)]
    assert len(renewals) == 3  # at 0:01, 1:01 and 2:01 of fake time
    assert len(sim.auth.sign_ins) == 1 + 3


def test_tokens_that_die_twice_within_a_minute_are_replaced_each_time_they_had_worked(
    clock, make_sim, make_client
):
    sim = make_sim()
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    for _ in range(3):
        clock.advance(10)
        sim.expire_tokens()
        assert client.accounts()[0].name == "SIM1"
    assert (len(sim.requests(RENEW)), len(sim.requests(SIGN_IN))) == (3, 4)


def test_an_ended_session_is_renewed_once_then_signed_in_once(clock, make_sim, make_client):
    sim = make_sim()
    client = make_client(sim)
    client.sign_in(SIM_CREDENTIALS)
    sim.expire_tokens()
    assert client.accounts()[0].name == "SIM1"
    assert (len(sim.requests(RENEW)), len(sim.requests(SIGN_IN))) == (1, 2)


def test_a_sign_in_penalty_is_waited_out_with_a_countdown_and_resent_once_with_its_ticket(
    clock, make_sim, make_client
):
    sim = make_sim(sign_ins_per_minute=1, penalty_seconds=7)
    make_client(sim).sign_in(SIM_CREDENTIALS)
    client = make_client(sim)
    events = []
    client.auth.on_event = events.append
    client.sign_in(SIM_CREDENTIALS)
    first, resent = sim.requests(SIGN_IN)[1:]
    assert "p-ticket" not in first.body and resent.body["p-ticket"]
    assert {k: v for k, v in resent.body.items() if k != "p-ticket"} == first.body
    assert clock.slept == 7
    countdown = [e.seconds for e in events if e.kind is EventKind.WAITING]
    assert countdown == [7, 6, 5, 4, 3, 2, 1, 0]
    assert client.me()["userId"] == 5001


def test_a_captcha_stops_every_sign_in_and_says_what_to_do(clock, make_sim, make_client):
    sim = make_sim(sign_ins_per_minute=1, penalties_before_captcha=0)
    make_client(sim).sign_in(SIM_CREDENTIALS)
    store = MemorySessions()
    client = make_client(sim, store=store)
    with pytest.raises(errors.Penalised, match="captcha") as info:
        client.sign_in(SIM_CREDENTIALS)
    assert info.value.captcha and "Tradovate's website" in str(info.value)
    assert "about an hour" in str(info.value)
    asked = len(sim.requests(SIGN_IN))
    clock.advance(20 * 60)
    for another in (client, make_client(sim, store=store)):  # this process, and another one
        with pytest.raises(errors.Penalised, match="captcha"):
            another.sign_in(SIM_CREDENTIALS)
    assert len(sim.requests(SIGN_IN)) == asked  # never retried
    client.sign_out("sim")  # lifts the pause
    clock.advance(41 * 60)
    client.sign_in(SIM_CREDENTIALS)
    assert len(sim.requests(SIGN_IN)) == asked + 1


def test_processes_sharing_the_store_share_one_session_and_one_renewal(
    clock, make_sim, make_client
):
    sim = make_sim(token_lifetime=FIVE_MINUTES)
    store = MemorySessions()
    window = make_client(sim, store=store)
    window.open_session("sim", lambda: SIM_CREDENTIALS)
    commands = []
    for _ in range(10):  # ten commands in a row, each its own client
        clock.advance(30)
        command = make_client(sim, store=store)
        command.open_session("sim", lambda: pytest.fail("a command signed in"))
        assert command.accounts()[0].name == "SIM1"
        commands.append(command)
    work_for(clock, window, minutes=3)
    assert len(sim.requests(SIGN_IN)) == 1
    # A command renewed at 4:00 (due at 3:45), the window took its token up and renewed at 7:45.
    assert len(sim.auth.renewals) == 2
    assert window.session.token == store.load(next(iter(store.items))).token


def test_two_processes_over_the_session_cap_do_not_drop_each_other(clock, make_sim, make_client):
    sim = make_sim(max_sessions=1)
    store = MemorySessions()
    window = make_client(sim, store=store)
    window.open_session("sim", lambda: SIM_CREDENTIALS)
    for _ in range(5):
        make_client(sim, store=store).open_session("sim", lambda: SIM_CREDENTIALS)
    assert window.me()["userId"] == 5001
    assert sim.auth.revocations == 0
