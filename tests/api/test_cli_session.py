"""The command line uses the session the window and other commands share, against the
simulator over real HTTP. The keyring is a small in-memory one here (the Secret Service runs only
under scripts/test; tests/secrets/test_session_keyring.py uses it there)."""

import io

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from jaraco.classes import properties

from tests.conftest import ISSUED_SECRETS
from ticket.cli import main
from ticket.sim.auth import AuthRules
from ticket.sim.limits import RateLimits
from ticket.sim.server import Simulator

SIGN_IN, RENEW = "auth/accesstokenrequest", "auth/renewaccesstoken"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An OS keyring that keeps its entries in this process. keyring never picks it by itself
    (it has no priority), so only the tests that set it use it."""

    @properties.classproperty
    def priority(cls):
        raise RuntimeError("only for the tests that set it")

    def __init__(self):
        super().__init__()
        self.entries = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


def use_keyring(backend):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    return previous


@pytest.fixture
def ring():
    backend = MemoryKeyring()
    previous = use_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = use_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def ticket(monkeypatch, capsys):
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")

    def run(sim, *args):
        code = main([*args, "--api-url", sim.base_url], stdin=io.StringIO(""))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# fifty commands in about a second are some 90 requests: this test is about the session they
# share, not about Tradovate's per-second limit, which the tests of the limits cover
@pytest.mark.parametrize("sim_limits", [RateLimits(per_second=1000)])
def test_fifty_commands_in_a_row_sign_in_once(sim, ring, ticket):
    commands = [("accounts",), ("orders",), ("contract", "ES"), ("orders", "--json")]
    for n in range(50):
        code, _, err = ticket(sim, *commands[n % len(commands)])
        assert code == 0, err
    assert len(sim.requests(SIGN_IN)) == 1 and sim.requests(RENEW) == []
    [(service, name)] = ring.entries
    assert service == "ticket" and name.startswith("session ") and sim.base_url in name
    assert "every command signs in" not in err


def test_sign_out_ends_the_session_and_the_next_command_signs_in(sim, ring, ticket):
    assert ticket(sim, "accounts")[0] == 0
    code, out, _ = ticket(sim, "sign-out")
    assert code == 0 and "Signed out" in out and "sim" in out
    assert ring.entries == {}
    assert ticket(sim, "accounts")[0] == 0
    assert len(sim.requests(SIGN_IN)) == 2


def test_a_session_the_server_has_dropped_is_replaced_by_one_sign_in(sim, ring, ticket):
    assert ticket(sim, "accounts")[0] == 0
    sim.expire_tokens()
    for _ in range(3):
        assert ticket(sim, "accounts")[0] == 0
    assert len(sim.requests(SIGN_IN)) == 2 and len(sim.requests(RENEW)) == 1


def test_without_a_keyring_every_command_signs_in_as_before_and_says_so_once(
    sim, no_keyring, ticket
):
    said = []
    for _ in range(3):
        code, _, err = ticket(sim, "accounts")
        assert code == 0, err
        said.append("every command signs in" in err)
    assert said == [True, False, False]
    assert len(sim.requests(SIGN_IN)) == 3


def test_a_sign_in_penalty_is_counted_down_and_resent_once(no_keyring, ticket):
    rules = AuthRules(sign_ins_per_minute=1, penalty_seconds=0.3)
    with Simulator(seed=1, auth_rules=rules) as sim:
        assert ticket(sim, "accounts")[0] == 0
        code, out, err = ticket(sim, "accounts")
        ISSUED_SECRETS.update(sim._tokens)
    assert code == 0 and "SIM1" in out
    assert "Tradovate asks to wait before signing in again" in err and "resending now" in err
    assert sim.requests(SIGN_IN)[-1].body["p-ticket"]
    assert len(sim.requests(SIGN_IN)) == 3


def test_a_captcha_ends_the_command_and_no_later_command_tries_again(ring, ticket):
    rules = AuthRules(sign_ins_per_minute=0, penalties_before_captcha=0)
    with Simulator(seed=1, auth_rules=rules) as sim:
        code, _, err = ticket(sim, "accounts")
        assert code == 1 and "captcha" in err and "Tradovate's website" in err
        assert ticket(sim, "orders")[0] == 1
        assert len(sim.requests(SIGN_IN)) == 1
        assert ticket(sim, "sign-out")[0] == 0  # lifts this app's pause
        assert ticket(sim, "orders")[0] == 1
        assert len(sim.requests(SIGN_IN)) == 2
