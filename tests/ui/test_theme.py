"""Light and dark: every colour a trader reads keeps a contrast of 4.5:1 on its background, the
environment cues read in both, and the choice is the trader's or the system's."""

from dataclasses import fields

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from ticket.services import Environment
from ticket.ui import theme
from ticket.ui.style import ENV_COLOURS
from ticket.ui.theme import DARK, LIGHT, TextColours, contrast

from .conftest import find
from .test_window import choose

READ = [f.name for f in fields(TextColours) if f.name != "window"]


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("name", READ)
def test_each_text_colour_reads_on_its_window(scheme, name):
    assert contrast(getattr(scheme, name), scheme.window) >= 4.5


@pytest.mark.parametrize(
    "fill",
    [theme.BUY_FILL, theme.SELL_FILL, theme.ALARM_FILL, *ENV_COLOURS.values()],
)
def test_white_text_reads_on_every_fill_and_environment_colour(fill):
    assert contrast("#ffffff", fill) >= 4.5


def test_the_environments_differ_from_each_other():
    colours = [ENV_COLOURS[e] for e in Environment]
    assert len(set(colours)) == len(colours)


def window_colour():
    return QApplication.palette().color(QPalette.ColorRole.Window).name()


def test_dark_can_be_forced_and_everything_read_stays_readable(qtbot, window):
    try:
        choose(qtbot, window, "Appearance", "Dark")
        assert window.theme.dark and window.settings.value("appearance") == "dark"
        background = window_colour()
        assert contrast("#e8e8e8", background) >= 7
        for name in READ:
            assert contrast(getattr(theme.text, name), background) >= 4.5, name
        assert theme.text.sell in find(window, "Bid").styleSheet()
        choose(qtbot, window, "Appearance", "Light")
        assert not window.theme.dark
        background = window_colour()
        for name in READ:
            assert contrast(getattr(theme.text, name), background) >= 4.5, name
        assert LIGHT.sell in find(window, "Bid").styleSheet()
    finally:
        window.theme.set_choice("system")


def test_the_choice_is_kept_for_the_next_start(qtbot, window):
    try:
        choose(qtbot, window, "Appearance", "Dark")
        from ticket.ui.window import TicketWindow

        again = TicketWindow(window.settings)
        qtbot.addWidget(again)
        assert again.theme.choice == "dark" and again.theme.dark
        assert find(again, "Appearance").currentText() == "Dark"
    finally:
        window.theme.set_choice("system")


def test_the_window_fits_a_1366x768_laptop_with_its_taskbar(window):
    smallest = window.minimumSizeHint()
    assert smallest.width() <= 1366 and smallest.height() <= 700
    assert window.height() <= 700  # the first size, before the trader resizes it


def test_every_order_type_fits_the_laptop_too(qtbot, window):
    """The first-run hint still shown, a contract watched, each type's price rows visible."""
    qtbot.waitUntil(lambda: window.contract is not None, timeout=10000)
    types = find(window, "Order type")
    heights = {}
    for index in range(types.count()):
        types.setCurrentIndex(index)
        qtbot.wait(1)
        heights[types.itemText(index)] = window.minimumSizeHint().height()
    assert window.hint.isVisible()
    assert max(heights.values()) <= 700, heights


def test_a_moments_growth_gives_back_the_height_the_trader_chose(qtbot, window):
    window.show()
    for chosen in (window.height(), 720):
        window.resize(window.width(), chosen)
        qtbot.waitUntil(lambda: window.height() == chosen)  # noqa: B023
        window.outcome.setText("<br>".join(["a long outcome"] * 12))
        qtbot.waitUntil(lambda: window.height() > chosen)  # noqa: B023
        window.outcome.setText("")
        qtbot.waitUntil(lambda: window.height() == chosen)  # noqa: B023
