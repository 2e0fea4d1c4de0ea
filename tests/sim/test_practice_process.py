"""Practice mode's simulator in a process of its own: it answers over HTTP once it says where
it listens, and it ends when the window's end of the pipe closes."""

import httpx
import pytest

from ticket.sim.constants import SIM_PASSWORD, SIM_USERNAME
from ticket.sim.process import PracticeServer


def test_the_practice_server_answers_and_stops_when_asked():
    server = PracticeServer(tick_interval=None)
    try:
        base_url, md_url = server.address(timeout=30)
        assert md_url.startswith("ws://127.0.0.1:")
        body = {"name": SIM_USERNAME, "password": SIM_PASSWORD}
        answer = httpx.post(f"{base_url}/auth/accesstokenrequest", json=body, timeout=10)
        assert answer.status_code == 200
        assert answer.json()["accessToken"]
        assert server.address() == (base_url, md_url)  # asked again: the same server
    finally:
        server.stop()
    assert server.process.returncode == 0
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{base_url}/auth/accesstokenrequest", json=body, timeout=2)


def test_a_practice_server_whose_process_died_says_so():
    server = PracticeServer(tick_interval=None)
    server.process.kill()
    with pytest.raises(RuntimeError, match="did not start"):
        server.address(timeout=30)
    assert server.process.returncode is not None
