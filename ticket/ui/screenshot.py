"""Render the window on the simulator with a sample bracket filled in, and save it as a PNG.

Run under a real X server (scripts/screenshot uses Xvfb):
python -m ticket.ui.screenshot OUT.png [light|dark] [ticket|reconnecting|refused|trade]

The scenes: the ticket as it starts; the account stream reconnecting (the simulator's user
socket shut down for maintenance and held down); Tradovate refusing requests (a 429); managing a
trade (two ES presets, a round trip done, a scale-out bought at the market and held).
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ticket import presets_file
from ticket.broker.client import TradovateClient
from ticket.broker.models import LiquidatePositionRequest
from ticket.domain.orders import Action, OrderType, PlaceOrderRequest
from ticket.domain.ticket import DistanceUnit
from ticket.ui.icon import app_icon
from ticket.ui.startup_frame import window_settings
from ticket.ui.window import TicketWindow

PRESETS = """\
[[preset]]
name = "Scalp 8/16"
product = "ES"
default = true
stop_ticks = 8
target_ticks = 16
qty = 2

[[preset]]
name = "Scale 8/16"
product = "ES"
stop_ticks = 8
targets = [{ ticks = 8, qty = 1 }, { ticks = 16, qty = 1 }]
qty = 2
"""


def round_trip(client: TradovateClient, account_id: int, symbol: str, contract_id: int) -> None:
    """A trade done earlier in the day: one contract bought at the market and flattened."""
    client.place_order(
        PlaceOrderRequest(
            account_id=account_id,
            action=Action.BUY,
            symbol=symbol,
            order_qty=1,
            order_type=OrderType.MARKET,
            is_automated=True,
        )
    )
    client.liquidate_position(
        LiquidatePositionRequest(account_id=account_id, contract_id=contract_id, admin=False)
    )


def main(path: str, appearance: str = "light", scene: str = "ticket") -> int:
    app = QApplication(sys.argv)
    if scene == "trade":
        presets_path = presets_file.presets_path()
        presets_path.parent.mkdir(parents=True, exist_ok=True)
        presets_path.write_text(PRESETS, encoding="utf-8")
    app.setWindowIcon(app_icon())
    settings = window_settings()
    settings.setValue("appearance", appearance)
    if scene == "trade":  # a trader past the first run: the orders table has the room
        settings.setValue("hint/dismissed", True)
    window = TicketWindow(settings)
    window.resize(940, 700)
    window.show()
    window.start(None)

    def fill() -> None:
        if window.contract is None:
            QTimer.singleShot(100, fill)
            return
        if scene == "trade":
            QTimer.singleShot(300, trade)
            return
        window.vm.update(
            action=Action.BUY,
            qty=2,
            order_type=OrderType.LIMIT,
            price="5998.50",
            sl_distance="8",
            sl_unit=DistanceUnit.TICKS,
            tp_distance="2",
            tp_unit=DistanceUnit.R,
        )
        QTimer.singleShot(300, stage)

    def stage() -> None:
        connection = window.session.connection
        simulator = connection.simulator if connection else None
        feed = window.session.account_feed
        if not feed.live or simulator is None:
            QTimer.singleShot(100, stage)
            return
        if scene == "reconnecting":
            stream = feed.stream
            if stream is not None:
                stream.socket.backoff = (3600.0,)  # held down while the picture is taken
            simulator.user_socket.shutdown("Maintenance")
            QTimer.singleShot(500, save)
        elif scene == "refused":
            simulator.faults.fail_next("auth/me", status=429)
            window.session.keep_warm()
            QTimer.singleShot(500, save)
        else:
            save()

    def trade() -> None:
        connection, account, resolved = window.session.connection, window.account, window.contract
        if connection is None or account is None or resolved is None:
            QTimer.singleShot(100, trade)
            return
        contract = resolved.contract
        done = threading.Event()

        def work() -> None:
            round_trip(connection.client, account.id, contract.name, contract.id)
            done.set()

        threading.Thread(target=work, daemon=True).start()

        def ticket() -> None:
            if not done.is_set():
                QTimer.singleShot(100, ticket)
                return
            window.apply_preset_number(2)
            window.vm.update(order_type=OrderType.MARKET)
            buy()

        def buy() -> None:
            if not window.place_allowed():
                QTimer.singleShot(100, buy)
                return
            window.place()
            QTimer.singleShot(300, send)

        def send() -> None:
            if window.confirm is None:
                QTimer.singleShot(100, send)
                return
            QTest.keyClick(window.confirm, Qt.Key.Key_Return)
            QTimer.singleShot(2500, save)

        ticket()

    def save() -> None:
        window.grab().save(path)
        print(f"saved {path}")
        window.close()
        app.quit()

    QTimer.singleShot(0, fill)
    return app.exec()


if __name__ == "__main__":
    args = sys.argv[1:] or ["screenshot.png"]
    raise SystemExit(main(*args[:3]))
