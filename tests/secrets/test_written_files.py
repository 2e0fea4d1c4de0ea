"""Runs after every other test, wherever it is collected: each file the suite wrote (logs,
config, journals, device ids) is scanned for the test credentials and for every token a
simulator issued. None may appear."""

import pytest
from pydantic import SecretStr

from tests.conftest import FAKE_PASSWORD, FAKE_SEC, FAKE_USER, ISSUED_SECRETS
from ticket.broker.client import TradovateClient, make_http_client
from ticket.credentials import Credentials


@pytest.mark.after_all
def test_no_file_written_by_the_suite_holds_a_credential_or_token(tmp_path_factory, sim):
    # A sign-in of its own, so that even run alone the scan has a live token to look for and
    # log lines that must be in what it reads.
    http = make_http_client()
    client = TradovateClient(http, sim.base_url, device_id="scan")
    client.sign_in(
        Credentials(
            username=FAKE_USER, password=SecretStr(FAKE_PASSWORD), cid="8", sec=SecretStr(FAKE_SEC)
        )
    )
    client.renew()
    http.close()
    secrets = {s for s in ISSUED_SECRETS | set(sim._tokens) if len(s) >= 8}
    assert len(secrets) >= 4  # the password, the API secret, and this test's two tokens
    files = [p for p in tmp_path_factory.getbasetemp().rglob("*") if p.is_file()]
    logs = [p for p in files if p.name.startswith("ticket.log")]
    assert any(sim.base_url in p.read_text(errors="ignore") for p in logs), logs
    leaks = []
    for path in files:
        text = path.read_text(errors="ignore")
        leaks += [(str(path), s[:6] + "…") for s in secrets if s in text]
    print(f"\nscanned {len(files)} files for {len(secrets)} secrets")
    assert leaks == []
