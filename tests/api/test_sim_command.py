"""`ticket sim` on its own: the sign-in and request limits are Tradovate's unless the command
says otherwise."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx


def test_the_standalone_simulator_takes_its_sign_in_rules_from_the_command(tmp_path):
    env = dict(os.environ, TICKET_CONFIG_DIR=str(tmp_path))
    command = [sys.executable, "-m", "ticket", "sim", "--port", "0", "--tick-interval", "0"]
    command += ["--sign-ins-per-minute", "2", "--token-minutes", "5"]
    command += ["--requests-per-minute", "3"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        said = server.stdout.readline().split()
        url = said[2]
        body = {"name": "sim", "password": "sim", "appId": "test", "deviceId": "d"}
        answers = [
            httpx.post(f"{url}/auth/accesstokenrequest", json=body, timeout=10).json()
            for _ in range(3)
        ]
        bearer = {"Authorization": f"Bearer {answers[0]['accessToken']}"}
        statuses = [
            httpx.get(f"{url}/account/list", headers=bearer, timeout=10).status_code
            for _ in range(4)
        ]
    finally:
        server.terminate()
        server.wait(10)
    assert "accessToken" in answers[0] and "accessToken" in answers[1]
    assert "p-ticket" in answers[2]  # the third sign-in in a minute is penalised
    expires = datetime.fromisoformat(answers[0]["expirationTime"].replace("Z", "+00:00"))
    minutes = (expires - datetime.now(UTC)).total_seconds() / 60
    assert 4 < minutes <= 5
    assert statuses == [200, 200, 200, 429]  # the fourth request in a minute is locked out
    assert said[said.index("socket") + 1] == url.replace("http:", "ws:") + "/websocket"
