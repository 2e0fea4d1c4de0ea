"""The window's session against a simulator whose tokens live five minutes. The simulator and the
window's client read one fake clock, so twelve minutes pass in a few seconds while the window's
own timers run for real; every count is the simulator's."""

import itertools
from datetime import timedelta

import pytest
from PySide6.QtCore import QSettings

from tests.conftest import ISSUED_SECRETS
from tests.fakeclock import FakeClock, dated_by
from ticket.broker.client import TradovateClient, make_http_client
from ticket.journal import Journal
from ticket.services import Connection, Environment
from ticket.sessions import MemorySessions
from ticket.sim.auth import AuthRules
from ticket.sim.server import Simulator
from ticket.ui.window import TicketWindow

from .test_window import fill_limit_buy, place_and_confirm

FIVE_MINUTES = timedelta(minutes=5)
SIGN_IN = "auth/accesstokenrequest"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def rules():
    return AuthRules(token_lifetime=FIVE_MINUTES)


@pytest.fixture
def sim(clock, rules):
    """The suite's simulator, on the fake clock, with these rules."""
    with Simulator(seed=7, auth_rules=rules, auth_clock=clock.now) as simulator:
        yield simulator
        ISSUED_SECRETS.update(simulator._tokens)


def opener_for(sim, clock, store=None):
    def opener(url):
        client = TradovateClient(
            dated_by(clock, make_http_client()),
            sim.base_url,
            device_id="ui-test",
            clock=clock.now,
            sleep=clock.sleep,
            store=store,
        )
        return Connection(
            client=client,
            environment=Environment.SIM,
            base_url=sim.base_url,
            simulator=None,
            md_url=sim.md_url,
        )

    return opener


@pytest.fixture
def window(qtbot, sim, clock, tmp_path):
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = TicketWindow(settings, store_factory=None, journal=Journal(tmp_path / "j.jsonl"))
    window.session.opener = opener_for(sim, clock)
    window.session.renewal_timer.setInterval(5)
    qtbot.addWidget(window)
    window.show()
    window.start(None)
    qtbot.waitUntil(lambda: window.contract is not None and window.account is not None)
    yield window
    window.close()


def let_time_pass(qtbot, window, clock, minutes, step=5):
    """Move the clock a step at a time; after each, the window's timer has looked at it."""
    session = window.session
    for _ in range(int(minutes * 60 / step)):
        clock.advance(step)
        seen = session.renewal_checks
        qtbot.waitUntil(lambda seen=seen: session.renewal_checks > seen and not session.renewing)


def reconnect(qtbot, window):
    window.start(None)
    qtbot.waitUntil(lambda: window.session.connection is not None or "Error" in window.state.text())


def test_a_five_minute_token_is_renewed_once_a_lifetime_and_the_window_works_past_its_end(
    qtbot, window, sim, clock
):
    ends = []
    window.session.token_changed.connect(ends.append)
    first_end = window.session.token_expires
    let_time_pass(qtbot, window, clock, minutes=12)
    renewals = sim.auth.renewals
    assert len(renewals) == 3  # 3:45, 7:30, 11:15
    assert all(b - a >= timedelta(minutes=1) for a, b in itertools.pairwise(renewals))
    assert len(sim.requests(SIGN_IN)) == 1
    assert len(ends) == 3 and ends[-1] == window.session.token_expires
    assert window.session.token_expires - first_end == timedelta(minutes=11, seconds=15)
    fill_limit_buy(qtbot, window, sim)
    place_and_confirm(qtbot, window)  # seven minutes past the first token's end
    assert len(sim.requests(SIGN_IN)) == 1


@pytest.mark.parametrize("rules", [AuthRules(token_lifetime=FIVE_MINUTES, renewal_extends=False)])
def test_a_renewal_that_does_not_extend_is_said_and_one_sign_in_follows(qtbot, window, sim, clock):
    notes = []
    window.session.session_note.connect(notes.append)
    let_time_pass(qtbot, window, clock, minutes=4.5)
    assert len(sim.auth.renewals) == 1 and len(sim.requests(SIGN_IN)) == 2
    assert len(notes) == 1 and "did not extend" in notes[0] and "sign in once" in notes[0]
    fill_limit_buy(qtbot, window, sim)
    place_and_confirm(qtbot, window)


@pytest.mark.parametrize("rules", [AuthRules(sign_ins_per_minute=1, penalty_seconds=5)])
def test_a_sign_in_penalty_counts_down_then_the_window_connects(qtbot, window, sim):
    waits = []
    window.session.sign_in_wait.connect(waits.append)
    reconnect(qtbot, window)
    qtbot.waitUntil(lambda: window.account is not None and window.contract is not None)
    assert waits == [5, 4, 3, 2, 1, 0]
    assert sim.requests(SIGN_IN)[-1].body["p-ticket"]


@pytest.mark.parametrize("rules", [AuthRules(sign_ins_per_minute=1, penalties_before_captcha=0)])
def test_a_captcha_stops_sign_ins_and_says_what_to_do(qtbot, window, sim, clock):
    window.session.opener = opener_for(sim, clock, store=MemorySessions())
    stopped, failed = [], []
    window.session.sign_in_stopped.connect(stopped.append)
    window.session.failed.connect(failed.append)
    for attempt in range(3):
        reconnect(qtbot, window)
        qtbot.waitUntil(lambda attempt=attempt: len(failed) > attempt)
    assert len(stopped) == 1 and "Tradovate's website" in stopped[0]
    assert all("captcha" in message for message in failed)
    assert len(sim.requests(SIGN_IN)) == 2  # the first connection's, and the one answered
