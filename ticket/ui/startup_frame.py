"""The window's frame, painted before the rest of the ticket is imported.

Importing the ticket (its models, rules and widgets) and building its window take about three
times as long as Qt needs to show a window at all. So the frame comes first: the window's
size, place, title and scheme, with the grey banner of a window not yet connected saying it is
starting, painted by Qt alone. The ticket's window then opens on top of it, in the same place,
and the frame closes once that window has painted. Nothing here imports more than Qt and the
config folder's path: no style sheet, layout, theme or icon (the window sets it), each of
which costs the frame milliseconds that a bare window does not spend.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QByteArray, QEventLoop, QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QColor, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QApplication, QWidget

from ticket.config import config_dir

PAINT_WAIT_MS = 500  # a frame that gets no paint this soon (started hidden) is not waited for
DEFAULT_SIZE = (940, 700)  # the window's own default (window_layout), for a first start
LAST_DARK_KEY = "window/dark"  # the scheme the window last had, written by the window
# the banner and border of a window not yet connected (session_bar), and the dark scheme's
# window colour (theme.dark_palette)
STARTING_GREY, DARK_WINDOW = "#757575", "#2b2b2b"
BORDER, BANNER_HEIGHT, BANNER_INSET = 4, 29, 8  # where the window's banner sits


def window_settings() -> QSettings:
    """Window state only, in the config dir (platformdirs). Never a secret."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def saved_geometry(settings: QSettings) -> QByteArray | None:
    """The window's size and place as last saved; None for anything else (a hand-edited
    file)."""
    value = settings.value("window/geometry")
    return value if isinstance(value, QByteArray) else None


def was_dark(settings: QSettings) -> bool:
    """Dark or light as the window last was. The trader's choice is known here, but asking the
    system for its scheme costs the frame about 15 ms; a scheme switched since the last start
    shows for the moment the frame is up."""
    choice = str(settings.value("appearance", "system"))
    if choice in ("dark", "light"):
        return choice == "dark"
    return str(settings.value(LAST_DARK_KEY, "false")).lower() == "true"


class StartupFrame(QWidget):
    """What the trader sees in the first tenth of a second: the window, empty, saying so."""

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setWindowTitle("ticket — starting")
        self.setAccessibleName("Starting")
        # colours by palette, filled by Qt itself: a first QPainter call from Python costs 15 ms
        grey = self.palette()
        grey.setColor(QPalette.ColorRole.Window, QColor(STARTING_GREY))
        self.setPalette(grey)
        self.setAutoFillBackground(True)
        self.inside = QWidget(self)
        inside = QApplication.palette()
        light = inside.color(QPalette.ColorRole.Window)
        # set, even when light, or the inside inherits the frame's grey
        inside.setColor(
            QPalette.ColorRole.Window, QColor(DARK_WINDOW) if was_dark(settings) else light
        )
        self.inside.setPalette(inside)
        self.inside.setAutoFillBackground(True)
        self.banner = QWidget(self.inside)
        self.banner.setPalette(grey)
        self.banner.setAutoFillBackground(True)
        geometry = saved_geometry(settings)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        self.painted_at: float | None = None  # time.perf_counter() of the first paint
        self._waiting: QEventLoop | None = None
        self._window: QWidget | None = None
        self._retired = False
        self.closed_by_trader = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width, height = self.width() - 2 * BORDER, self.height() - 2 * BORDER
        self.inside.setGeometry(BORDER, BORDER, width, height)
        self.banner.setGeometry(BANNER_INSET, 0, width - 2 * BANNER_INSET, BANNER_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # the grey, filled by Qt; the inside is a child of its own
        if self.painted_at is None:
            self.painted_at = time.perf_counter()
            if self._waiting is not None:
                QTimer.singleShot(0, self._waiting.quit)  # once the paint is on the screen

    def wait_for_paint(self, timeout_ms: int = PAINT_WAIT_MS) -> None:
        if self.painted_at is not None:
            return
        self._waiting = QEventLoop(self)  # a child: the timer below may outlive the wait
        QTimer.singleShot(timeout_ms, self._waiting.quit)
        self._waiting.exec()

    def hand_over_to(self, window: QWidget) -> None:
        """Put `window` where the frame is (the trader may have moved it meanwhile, or the
        desktop placed it), before it is shown."""
        window.move(self.pos())
        self._window = window

    def retire(self) -> None:
        """The window stands painted in the frame's place: the frame goes."""
        self._retired = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed by the trader while the ticket was starting: the ticket does not open."""
        super().closeEvent(event)
        if self._retired:
            return
        self.closed_by_trader = True
        if self._window is not None:
            self._window.close()


def skip_pyside_source_scan() -> None:
    """PySide6 reads the whole source file of every module imported after it, to see whether
    it says "PySide6" (for its opt-in `from __feature__ import ...` syntax, which the ticket
    does not use): about 35 ms of the ticket's start-up, and 7.5 MB of source lines kept in
    `linecache` for the life of the process. Every module is taken as one that does not use
    PySide instead, which PySide then leaves out of feature switching, and with no feature
    ever selected that changes nothing. Private to PySide (6.6 to 6.11, as pinned): where it
    is missing, nothing is changed."""
    try:
        from PySide6.support import feature  # type: ignore[attr-defined]
    except ImportError:
        return
    if callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda module: False


def application() -> QApplication:
    """The one QApplication, made on first call, named for the desktop."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("ticket")
    app.setApplicationDisplayName("ticket")
    app.setDesktopFileName("ticket")
    return app


def show_frame() -> StartupFrame:
    """Show the frame and return once it has painted (or after PAINT_WAIT_MS)."""
    skip_pyside_source_scan()
    application()
    frame = StartupFrame(window_settings())
    frame.show()
    frame.wait_for_paint()
    return frame
