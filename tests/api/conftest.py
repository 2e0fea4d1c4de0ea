import io

import pytest

from ticket.cli import main


@pytest.fixture
def cli(sim, monkeypatch, capsys):
    """Runs one command line against the simulator, signed in as its practice user:
    `cli("orders", answer="y\\n")` gives (exit code, stdout, stderr)."""
    monkeypatch.setenv("TICKET_USERNAME", "sim")
    monkeypatch.setenv("TICKET_PASSWORD", "sim")
    monkeypatch.setenv("TICKET_MD_URL", sim.md_url)

    def run(*args, answer="y\n"):
        code = main([*args, "--api-url", sim.base_url], stdin=io.StringIO(answer))
        out, err = capsys.readouterr()
        return code, out, err

    return run
