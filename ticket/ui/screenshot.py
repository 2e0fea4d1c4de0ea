"""Render the window on the simulator with a sample bracket filled in, and save it as a PNG.

Run under a real X server (scripts/screenshot uses Xvfb):
python -m ticket.ui.screenshot OUT.png [light|dark] [ticket|reconnecting|refused]

The scenes: the ticket as it starts; the account stream reconnecting (the simulator's user
socket shut down for maintenance and held down); Tradovate refusing requests (a 429).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ticket.app import settings
from ticket.domain.orders import Action, OrderType
from ticket.domain.ticket import DistanceUnit
from ticket.ui.icon import app_icon
from ticket.ui.window import TicketWindow


def main(path: str, appearance: str = "light", scene: str = "ticket") -> int:
    app = QApplication(sys.argv)
    app.setWindowIcon(app_icon())
    window_settings = settings()
    window_settings.setValue("appearance", appearance)
    window = TicketWindow(window_settings)
    window.resize(940, 700)
    window.show()
    window.start(None)

    def fill() -> None:
        if window.contract is None:
            QTimer.singleShot(100, fill)
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
