"""The Qt binding must not leak references to None: on Python 3.11 None is an ordinary object,
and a binding that drops a reference on each call crashes a window that updates quotes all day
(PySide6 6.12.0 does this in QLabel.setText). From Python 3.12 on None is immortal: its count
never moves and the check holds trivially, as the leak is harmless there."""

import sys

from PySide6.QtWidgets import QLabel, QPushButton


def test_updating_labels_and_buttons_keeps_none_alive(qtbot):
    label, button = QLabel(), QPushButton()
    qtbot.addWidget(label)
    qtbot.addWidget(button)
    before = sys.getrefcount(None)
    for i in range(5000):
        label.setText(f"{i}")
        button.setText(f"{i}")
        button.setEnabled(i % 2 == 0)
        label.setVisible(True)
    assert abs(sys.getrefcount(None) - before) < 100
