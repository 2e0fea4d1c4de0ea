"""The start-up frame: the window's place, size and scheme painted by Qt alone before the
ticket is imported, then handed over to the ticket's window and gone once that one painted."""

import time

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ticket.ui.startup_frame import (
    DARK_WINDOW,
    DEFAULT_SIZE,
    LAST_DARK_KEY,
    StartupFrame,
    show_frame,
    window_settings,
)


def _inside_colour(frame: StartupFrame) -> str:
    return frame.inside.palette().color(QPalette.ColorRole.Window).name()


@pytest.fixture
def frames():
    shown: list[StartupFrame] = []
    yield shown
    for frame in shown:
        frame.retire()


def test_the_frame_paints_where_the_window_was_left(qtbot, frames):
    placed = QWidget()
    placed.setGeometry(30, 20, 700, 500)  # within the offscreen 800x600 screen
    settings = window_settings()
    settings.setValue("window/geometry", placed.saveGeometry())
    settings.sync()

    frame = show_frame()
    frames.append(frame)

    assert frame.painted_at is not None and frame.painted_at <= time.perf_counter()
    assert (frame.width(), frame.height()) == (700, 500)
    assert frame.windowTitle() == "ticket — starting"


def test_a_first_start_gets_the_windows_default_size(qtbot, frames):
    frame = show_frame()
    frames.append(frame)
    assert (frame.width(), frame.height()) == DEFAULT_SIZE


@pytest.mark.parametrize(
    ("appearance", "last_dark", "dark"),
    [
        ("dark", "false", True),
        ("light", "true", False),
        ("system", "true", True),  # the scheme the window last had
        ("system", None, False),
    ],
)
def test_the_frame_takes_the_scheme_the_window_will_have(
    qtbot, frames, appearance, last_dark, dark
):
    settings = window_settings()
    settings.setValue("appearance", appearance)
    if last_dark is not None:
        settings.setValue(LAST_DARK_KEY, last_dark)
    frame = StartupFrame(settings)
    frames.append(frame)
    light = QApplication.palette().color(QPalette.ColorRole.Window).name()
    assert _inside_colour(frame) == (QColor(DARK_WINDOW).name() if dark else light)


def test_the_window_records_its_scheme_for_the_next_frame(qtbot):
    from ticket.ui.window import TicketWindow

    settings = window_settings()
    settings.setValue("appearance", "dark")
    window = TicketWindow(settings)
    qtbot.addWidget(window)
    assert str(settings.value(LAST_DARK_KEY)).lower() == "true"
    window.theme.set_choice("light")
    assert str(settings.value(LAST_DARK_KEY)).lower() == "false"


def test_the_window_opens_where_the_frame_stands_and_the_frame_then_goes(qtbot, frames):
    frame = show_frame()
    frames.append(frame)
    frame.move(210, 160)  # the trader dragged it meanwhile
    window = QWidget()
    qtbot.addWidget(window)
    frame.hand_over_to(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.pos() == frame.pos()
    frame.retire()
    assert not frame.isVisible() and window.isVisible()
    assert not frame.closed_by_trader


def test_closing_the_frame_while_the_ticket_starts_closes_the_ticket(qtbot, frames):
    frame = show_frame()
    frames.append(frame)
    window = QWidget()
    qtbot.addWidget(window)
    frame.hand_over_to(window)
    window.show()
    frame.close()  # the trader's click on the starting window's close button
    assert frame.closed_by_trader
    assert not window.isVisible()


def test_modules_imported_after_the_frame_are_not_read_as_source(tmp_path, monkeypatch):
    """PySide reads the source of every module imported after it unless told not to: 35 ms of
    start-up and megabytes of lines kept in linecache."""
    import linecache

    from ticket.ui.startup_frame import skip_pyside_source_scan

    skip_pyside_source_scan()
    module = tmp_path / "ticket_probe_module.py"
    module.write_text("from PySide6.QtCore import QObject\nVALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    import ticket_probe_module  # an import statement: PySide hooks those, not importlib's

    assert ticket_probe_module.VALUE == 1
    assert str(module) not in linecache.cache


def test_a_hand_edited_window_size_is_ignored_not_fatal(qtbot, frames):
    from ticket.ui.window import TicketWindow

    settings = window_settings()
    settings.setValue("window/geometry", "940x700 please")
    frame = StartupFrame(settings)
    frames.append(frame)
    assert (frame.width(), frame.height()) == DEFAULT_SIZE
    window = TicketWindow(settings)
    qtbot.addWidget(window)
    assert window.width() > 0
