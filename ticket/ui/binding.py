"""Two-way binding between widgets and the view-model, with a loop guard.

Widget edits go to `TicketViewModel.set`; when the view-model changes a field itself, the bound
widget is updated under a `QSignalBlocker` so the update does not echo back as an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ticket.ui.viewmodel import TicketViewModel


class Binder:
    def __init__(self, vm: TicketViewModel) -> None:
        self.vm = vm
        self._refreshers: dict[str, list[Callable[[], None]]] = {}
        vm.field_changed.connect(self._on_field_changed)

    def _on_field_changed(self, name: str) -> None:
        for refresh in self._refreshers.get(name, []):
            refresh()

    def _add(self, name: str, widget: QWidget, show: Callable[[Any], None]) -> None:
        def refresh() -> None:
            with QSignalBlocker(widget):
                show(getattr(self.vm.draft, name))

        self._refreshers.setdefault(name, []).append(refresh)
        refresh()

    def line(self, edit: QLineEdit, name: str) -> None:
        edit.textChanged.connect(lambda text: self.vm.set(name, text))
        self._add(name, edit, edit.setText)

    def spin(self, spin: QSpinBox, name: str) -> None:
        spin.valueChanged.connect(lambda value: self.vm.set(name, value))
        self._add(name, spin, spin.setValue)

    def check(self, button: QAbstractButton | QGroupBox, name: str) -> None:
        button.toggled.connect(lambda on: self.vm.set(name, on))
        self._add(name, button, button.setChecked)

    def combo(self, combo: QComboBox, name: str, values: Sequence[object]) -> None:
        """A combo whose item i stands for values[i]."""

        def on_index(index: int) -> None:
            if index >= 0:
                self.vm.set(name, values[index])

        combo.currentIndexChanged.connect(on_index)
        self._add(name, combo, lambda value: combo.setCurrentIndex(list(values).index(value)))
