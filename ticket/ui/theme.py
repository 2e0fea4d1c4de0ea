"""Light or dark, following the operating system (Qt's colour-scheme hint) unless the trader
forces one. Two kinds of colour: text colours, which change with the scheme so that risk, reward,
bid, ask, errors and warnings stay readable (contrast of at least 4.5:1 against the window,
checked by a test), and fills, strong colours under white text, which read the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

# `Qt` is not imported here: its first use costs about 15 ms, which the start-up frame
# (startup_frame.py) paints without
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

Choice = Literal["system", "light", "dark"]
CHOICES: tuple[Choice, ...] = ("system", "light", "dark")

# Fills under white text: buy and sell buttons, the alarm. White on each is above 4.5:1.
BUY_FILL = "#15803d"
SELL_FILL = "#c62828"
ALARM_FILL = "#c62828"


@dataclass
class TextColours:
    buy: str
    sell: str
    gain: str
    loss: str
    error: str
    warning: str
    muted: str
    window: str  # the background they are read on


LIGHT = TextColours(
    buy="#146c34",
    sell="#b71c1c",
    gain="#146c34",
    loss="#b71c1c",
    error="#b71c1c",
    warning="#7a4a00",
    muted="#5a5a5a",
    window="#efefef",
)
DARK = TextColours(
    buy="#4ade80",
    sell="#ff8a80",
    gain="#4ade80",
    loss="#ff8a80",
    error="#ff8a80",
    warning="#fbbf24",
    muted="#a8a8a8",
    window="#2b2b2b",
)

# The colours in force; read them at the moment of drawing, never copy them at import.
text = TextColours(**{f.name: getattr(LIGHT, f.name) for f in fields(TextColours)})


class Theme(QObject):
    """Applies a scheme to the application and says when it changed (the OS switched, or the
    trader chose another), so widgets that bake colours into style sheets restyle."""

    changed = Signal()

    def __init__(self, choice: Choice = "system", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choice: Choice = choice
        self.dark = False
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_system_changed)

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self.apply()

    def set_choice(self, choice: Choice) -> None:
        self.choice = choice
        self.apply()

    def apply(self) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        if self.choice == "system":
            from PySide6.QtCore import Qt

            dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
        else:
            dark = self.choice == "dark"
        self.dark = dark
        paint_app(app, dark)
        chosen = DARK if dark else LIGHT
        for f in fields(TextColours):
            setattr(text, f.name, getattr(chosen, f.name))
        self.changed.emit()


def paint_app(app: QApplication, dark: bool) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())


def dark_palette() -> QPalette:
    palette = QPalette()
    window, base, fg = QColor("#2b2b2b"), QColor("#1f1f1f"), QColor("#e8e8e8")
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, window),
        (role.WindowText, fg),
        (role.Base, base),
        (role.AlternateBase, QColor("#262626")),
        (role.Text, fg),
        (role.Button, QColor("#353535")),
        (role.ButtonText, fg),
        (role.ToolTipBase, QColor("#3a3a3a")),
        (role.ToolTipText, fg),
        (role.PlaceholderText, QColor("#9a9a9a")),
        (role.Highlight, QColor("#3d7bd9")),
        (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor("#7ab7ff")),
        (role.Mid, QColor("#4a4a4a")),
        (role.Midlight, QColor("#3f3f3f")),
        (role.Dark, QColor("#1a1a1a")),
        (role.Light, QColor("#505050")),
    ):
        palette.setColor(r, colour)
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, r, QColor("#7a7a7a"))
    return palette


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""

    def luminance(colour: str) -> float:
        c = QColor(colour)
        channels = []
        for value in (c.redF(), c.greenF(), c.blueF()):
            channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
