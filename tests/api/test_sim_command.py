"""`ticket sim` on its own: the sign-in rules are Tradovate's unless the command says otherwise."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx


def test_the_standalone_simulator_takes_its_sign_in_rules_from_the_command(tmp_path):
    env = dict(os.environ, TICKET_CONFIG_DIR=str(tmp_path))
    command = [sys.executable, "-m", "ticket", "sim", "--port", "0", "--tick-interval", "0"]
    command += ["--sign-ins-per-minute", "2", "--token-minutes", "5"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        url = server.stdout.readline().split()[2]
        body = {"name": "sim", "password": "sim", "appId": "test", "deviceId": "d"}
        answers = [
            httpx.post(f"{url}/auth/accesstokenrequest", json=body, timeout=10).json()
            for _ in range(3)
        ]
    finally:
        server.terminate()
        server.wait(10)
    assert "accessToken" in answers[0] and "accessToken" in answers[1]
    assert "p-ticket" in answers[2]  # the third sign-in in a minute is penalised
    expires = datetime.fromisoformat(answers[0]["expirationTime"].replace("Z", "+00:00"))
    minutes = (expires - datetime.now(UTC)).total_seconds() / 60
    assert 4 < minutes <= 5
