"""Presets in the window: the row of preset buttons under the entry panel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from ticket.ui.window_parts import WindowParts

# (keys, what they do), listed by the Keys dialog
PRESET_KEYS: tuple[tuple[str, str], ...] = ()


class PresetFlow(WindowParts):
    def _build_preset_bar(self) -> QWidget:
        bar = QWidget()
        QHBoxLayout(bar).setContentsMargins(0, 0, 0, 0)
        bar.setVisible(False)
        return bar
