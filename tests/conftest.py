import os
import threading
from pathlib import Path

import pytest

# Qt must read this before it is first imported anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The part of Tradovate's public OpenAPI file the tests use; tests/fixtures/README.md says where
# it comes from and how to make it again.
SPEC = Path(__file__).resolve().parent / "fixtures" / "tradovate-openapi.json"


@pytest.fixture(scope="session")
def openapi() -> dict:
    import json

    return json.loads(SPEC.read_text())


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "after_all: runs after every other test (it reads what they left behind)"
    )


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.get_closest_marker("after_all") is not None)  # stable
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            # A Qt test that hangs sits in a Qt event loop: pytest-timeout's signal method then
            # raises inside a slot, Qt swallows it and the loop never returns. The thread
            # method ends the run instead, after printing every thread's stack.
            item.add_marker(pytest.mark.timeout(method="thread"))


def _refuse_skip(report):
    """Under CI a skipped test is a failure: a green run must mean every test ran."""
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = str(reason).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI runs every test: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _refuse_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _refuse_skip(report)
    return report


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Config, data and logs of the code under test go to a temporary folder, never to HOME."""
    base = tmp_path_factory.mktemp("ticket-home")
    monkeypatch.setenv("TICKET_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("TICKET_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("TICKET_LOG_DIR", str(base / "log"))
    for name in (
        "TICKET_API_URL",
        "TICKET_USERNAME",
        "TICKET_PASSWORD",
        "TICKET_CID",
        "TICKET_SEC",
    ):
        monkeypatch.delenv(name, raising=False)


# Obviously fake credentials for sign-in tests, and every token a simulator issued: the last
# test of the run scans the files the suite wrote for all of them.
FAKE_USER = "trader-fake"
FAKE_PASSWORD = "fake-password-3f9c1d"
FAKE_SEC = "fake-api-secret-8be27a"
ISSUED_SECRETS: set[str] = {FAKE_PASSWORD, FAKE_SEC}


@pytest.fixture(scope="session", autouse=True)
def _log_to_the_session_folder(tmp_path_factory):
    from ticket.logs import setup_logging

    setup_logging(tmp_path_factory.getbasetemp() / "log")


@pytest.fixture
def sim_limits():
    """The request limits of the `sim` fixture: Tradovate's, as the simulator's defaults. A test
    that legitimately goes past them (a stress test) overrides this fixture for itself, with
    `@pytest.mark.parametrize("sim_limits", [RateLimits(...)])` or a fixture of that name in
    its module, and says why."""
    from ticket.sim.limits import RateLimits

    return RateLimits()


@pytest.fixture
def sim(sim_limits):
    from ticket.credentials import KeyringStore, KeyringUnavailable
    from ticket.sim.auth import AuthRules
    from ticket.sim.server import Simulator

    # Every sign-in rule is on. The sign-in limit sits above the suite's own churn (random
    # sessions reconnect and expire tokens every few seconds) and far below a storm; without a
    # keyring, where each command signs in (as the command line then says) and one test runs
    # 300 of them, sign-ins are not limited. The tests of these rules set their own.
    try:
        KeyringStore().check()
        per_minute: int | None = 120
    except KeyringUnavailable:
        per_minute = None
    rules = AuthRules(sign_ins_per_minute=per_minute)
    with Simulator(seed=7, auth_rules=rules, rate_limits=sim_limits) as simulator:
        simulator.users[FAKE_USER] = FAKE_PASSWORD
        yield simulator
        ISSUED_SECRETS.update(simulator._tokens)


class Held:
    """Requests to one simulator route wait inside the server, recorded but not yet acted on,
    until `release()`: the test, not a clock, decides when an order lands."""

    def __init__(self, sim, route: str) -> None:
        self.arrived = threading.Event()  # a request is being held
        self.done = threading.Event()  # a held request was acted on
        self._open = threading.Event()
        act = sim.routes[route]

        def held(query, body):
            self.arrived.set()
            self._open.wait(30)
            try:
                return act(query, body)
            finally:
                self.done.set()

        sim.routes[route] = held

    def release(self) -> None:
        self._open.set()


@pytest.fixture
def hold(sim):
    """`hold("order/placeoso")` holds that route; everything held is released at teardown."""
    made: list[Held] = []

    def make(route: str) -> Held:
        made.append(Held(sim, route))
        return made[-1]

    yield make
    for held in made:
        held.release()


@pytest.fixture
def client(sim):
    from ticket.broker.client import TradovateClient, make_http_client
    from ticket.services import SIM_CREDENTIALS

    http = make_http_client()
    tradovate = TradovateClient(http, sim.base_url, device_id="test-device")
    tradovate.sign_in(SIM_CREDENTIALS)
    yield tradovate
    http.close()
