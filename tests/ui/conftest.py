import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from ticket.broker.client import TradovateClient, make_http_client
from ticket.journal import Journal
from ticket.services import Connection, Environment
from ticket.ui.window import TicketWindow


def find(parent: QWidget, name: str) -> QWidget:
    """The visible widget a user (or a screen reader) knows by this label."""
    hits = [w for w in parent.findChildren(QWidget) if w.accessibleName() == name]
    assert hits, f"no widget named {name!r}"
    assert len(hits) == 1, f"{len(hits)} widgets named {name!r}"
    return hits[0]


def connection_to(sim, environment: Environment = Environment.SIM):
    def opener(url):
        client = TradovateClient(make_http_client(), sim.base_url, device_id="ui-test")
        return Connection(
            client=client,
            environment=environment,
            base_url=sim.base_url,
            simulator=None,
            md_url=sim.md_url,
        )

    return opener


@pytest.fixture
def make_window(qtbot, sim, tmp_path):
    windows = []

    def make(environment: Environment = Environment.SIM, symbol: str = "ES") -> TicketWindow:
        settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        journal = Journal(tmp_path / f"journal-{len(windows)}.jsonl")
        window = TicketWindow(settings, store_factory=None, default_symbol=symbol, journal=journal)
        window.session.opener = connection_to(sim, environment)
        qtbot.addWidget(window)
        window.show()
        window.start(None)
        qtbot.waitUntil(
            lambda: window.contract is not None and window.account is not None, timeout=10000
        )
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    # Answers still on their way to a closed window are delivered while it exists, not into
    # whichever test runs next.
    qtbot.waitUntil(
        lambda: not any(w.session.tasks.busy or w.session.orders.busy for w in windows),
        timeout=15000,
    )


@pytest.fixture
def window(make_window):
    return make_window()
