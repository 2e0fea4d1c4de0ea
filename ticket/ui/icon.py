"""The application icon, from the SVG shipped with the package."""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QIcon, QPixmap


def app_icon() -> QIcon:
    data = files("ticket.resources").joinpath("ticket.svg").read_bytes()
    pixmap = QPixmap()
    pixmap.loadFromData(data, "SVG")
    return QIcon(pixmap)
