"""The trade's other changes, in a small window opened from the position row: an exit to a typed
or quoted price, one part's target (partial profit), the entry still waiting to fill, the
break-even offset, and the auto break-even and trailing stop. It collects what the trader asks
and shows the answers at the field; `TradeFlow` judges and sends."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ticket.domain.trailing import AutoStopRule

QuoteSide = str  # "bid", "ask" or "last"
NO_PART = 0  # the part chosen is gone: no order has this id


class SettledSpin(QSpinBox):
    """A spin box whose `settled` says a value is meant: Enter, leaving the box, an arrow
    step, or a value set by the program, never each key of a number being typed (typing 12
    passes through 1)."""

    settled = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.editingFinished.connect(self._settle)
        self.valueChanged.connect(self._on_value)
        self.lineEdit().textEdited.connect(self._on_typed)
        self._typing = False  # keys typed since the last settled value
        self._last: int | None = None

    def _on_typed(self, _text: str) -> None:
        self._typing = True  # comes before the valueChanged of the same key

    def stepBy(self, steps: int) -> None:
        self._typing = False
        super().stepBy(steps)

    def setValue(self, value: int) -> None:
        self._typing = False
        super().setValue(value)

    def _on_value(self, _value: int) -> None:
        if not self._typing:
            self._settle()

    def _settle(self) -> None:
        self._typing = False
        if self.value() != self._last:
            self._last = self.value()
            self.settled.emit(self.value())


def _spin(name: str, low: int, high: int, value: int, suffix: str = " ticks") -> SettledSpin:
    spin = SettledSpin()
    spin.setAccessibleName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _note(name: str) -> QLabel:
    note = QLabel("")
    note.setAccessibleName(name)
    note.setWordWrap(True)
    return note


class ManageDialog(QDialog):
    """Not modal: the window stays in reach while it is open. Kept for the window's life, so
    the auto stop settings survive closing it."""

    # "stop" | "target", the typed price, the part's target order id (-1: every target)
    move_exit = Signal(str, str, object)
    take_part = Signal(object)  # the target order id of the part to take now
    change_entry = Signal(str, int)  # the typed price ("" keeps it), the quantity
    cancel_entry = Signal()
    offset_changed = Signal(int)
    auto_changed = Signal()

    def __init__(self, quote: Callable[[QuoteSide], Decimal | None], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Manage the trade")
        self.setAccessibleName("Manage the trade")
        self.quote = quote
        self.format_price: Callable[[Decimal], str] = str
        self._quoted: dict[str, list[QToolButton]] = {}
        self.contract_id: int | None = None  # the contract typed prices are for
        layout = QVBoxLayout(self)
        self.contract_label = QLabel("No contract")
        self.contract_label.setAccessibleName("Managed contract")
        bold = self.contract_label.font()
        bold.setBold(True)
        self.contract_label.setFont(bold)
        layout.addWidget(self.contract_label)

        exits = QGroupBox("Exits")
        grid = QGridLayout(exits)
        self.stop_price = QLineEdit()
        self.stop_price.setAccessibleName("New stop price")
        self.stop_price.setMinimumWidth(90)
        self.move_stop = QPushButton("Move stop")
        self.move_stop.setAccessibleName("Move stop")
        self.stop_note = _note("Stop note")
        self.target_part = QComboBox()
        self.target_part.setAccessibleName("Target part")
        self.target_price = QLineEdit()
        self.target_price.setAccessibleName("New target price")
        self.target_price.setMinimumWidth(90)
        self.move_target = QPushButton("Move target")
        self.move_target.setAccessibleName("Move target")
        self.take_now = QPushButton("Take this part now")
        self.take_now.setAccessibleName("Take part now")
        self.take_now.setToolTip(
            "Its target goes to the market: the part closes, its stop goes with it, and the "
            "other parts keep their own stop and target"
        )
        self.target_note = _note("Target note")
        grid.addWidget(QLabel("Stop"), 0, 0)
        grid.addWidget(self.stop_price, 0, 2)
        grid.addLayout(self._quote_buttons("Stop", self.stop_price), 0, 3)
        grid.addWidget(self.move_stop, 0, 4)
        grid.addWidget(self.stop_note, 1, 0, 1, 5)
        grid.addWidget(QLabel("Target"), 2, 0)
        grid.addWidget(self.target_part, 2, 1)
        grid.addWidget(self.target_price, 2, 2)
        grid.addLayout(self._quote_buttons("Target", self.target_price), 2, 3)
        grid.addWidget(self.move_target, 2, 4)
        grid.addWidget(self.take_now, 3, 4)
        self.partial_hint = QLabel("")
        self.partial_hint.setAccessibleName("Partial profit")
        self.partial_hint.setWordWrap(True)
        grid.addWidget(self.partial_hint, 3, 0, 1, 4)
        grid.addWidget(self.target_note, 4, 0, 1, 5)
        layout.addWidget(exits)

        self.entry_box = QGroupBox("Entry waiting to fill")
        entry = QGridLayout(self.entry_box)
        self.entry_words = QLabel("")
        self.entry_words.setAccessibleName("Waiting entry")
        self.entry_price = QLineEdit()
        self.entry_price.setAccessibleName("New entry price")
        self.entry_qty = _spin("New entry quantity", 1, 10_000, 1, " contracts")
        self.change = QPushButton("Change entry")
        self.change.setAccessibleName("Change entry")
        self.cancel = QPushButton("Cancel entry")
        self.cancel.setAccessibleName("Cancel entry")
        self.cancel.setToolTip("Cancel the entry; its stop and target go with it")
        self.entry_note = _note("Entry note")
        entry.addWidget(self.entry_words, 0, 0, 1, 4)
        entry.addWidget(self.entry_price, 1, 0)
        entry.addWidget(self.entry_qty, 1, 1)
        entry.addWidget(self.change, 1, 2)
        entry.addWidget(self.cancel, 1, 3)
        entry.addWidget(self.entry_note, 2, 0, 1, 4)
        layout.addWidget(self.entry_box)

        auto = QGroupBox("Stop adjustments")
        rows = QGridLayout(auto)
        self.offset = _spin("Break-even offset", 0, 50, 0)
        self.offset.setToolTip("Ticks beyond the average entry, in the trade's favour (B/E, Alt+E)")
        self.auto_even = QCheckBox("Auto break-even after")
        self.auto_even.setAccessibleName("Auto break-even")
        self.even_after = _spin("Break-even after", 1, 500, 8)
        self.auto_trail = QCheckBox("Trail the stop")
        self.auto_trail.setAccessibleName("Trail stop")
        self.trail_ticks = _spin("Trail distance", 1, 500, 8)
        self.trail_step = _spin("Trail step", 1, 100, 1)
        self.auto_status = QLabel("Off.")
        self.auto_status.setAccessibleName("Auto stop status")
        self.auto_status.setWordWrap(True)
        rows.addWidget(QLabel("Break-even offset"), 0, 0)
        rows.addWidget(self.offset, 0, 1)
        rows.addWidget(self.auto_even, 1, 0)
        rows.addWidget(self.even_after, 1, 1)
        rows.addWidget(QLabel("in profit (plus the offset)"), 1, 2)
        rows.addWidget(self.auto_trail, 2, 0)
        rows.addWidget(self.trail_ticks, 2, 1)
        rows.addWidget(QLabel("behind, in steps of"), 2, 2)
        rows.addWidget(self.trail_step, 2, 3)
        plainly = QLabel(
            "For this trade only. It runs only while this ticket is open and the account "
            "stream and quotes are live; otherwise the stop stays where it is on the server."
        )
        plainly.setWordWrap(True)
        rows.addWidget(plainly, 3, 0, 1, 4)
        rows.addWidget(self.auto_status, 4, 0, 1, 4)
        layout.addWidget(auto)

        close = QPushButton("Close")
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

        # Enter belongs to the field it is pressed in (a price field sends its own move; a spin
        # box applies its value), never to whichever button the dialog would default to
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.move_stop.clicked.connect(
            lambda: self.move_exit.emit("stop", self.stop_price.text(), -1)
        )
        self.stop_price.returnPressed.connect(self.move_stop.click)
        self.move_target.clicked.connect(
            lambda: self.move_exit.emit("target", self.target_price.text(), self.part())
        )
        self.target_price.returnPressed.connect(self.move_target.click)
        self.take_now.clicked.connect(lambda: self.take_part.emit(self.part()))
        self.change.clicked.connect(
            lambda: self.change_entry.emit(self.entry_price.text(), self.entry_qty.value())
        )
        self.cancel.clicked.connect(self.cancel_entry.emit)
        # signal to signal: gone with the dialog (a spin box losing the focus as the window
        # closes still settles)
        self.offset.settled.connect(self.offset_changed)
        for box in (self.auto_even, self.auto_trail):
            box.toggled.connect(lambda _on: self.auto_changed.emit())
        for spin in (self.even_after, self.trail_ticks, self.trail_step):
            spin.settled.connect(self.auto_changed)

    def show_quote(self) -> None:
        """The live prices on the quote buttons, so the trader sees what a click puts in."""
        for side, buttons in self._quoted.items():
            price = self.quote(side)
            shown = f"{side.capitalize()} {self.format_price(price) if price is not None else '–'}"
            for button in buttons:
                button.setText(shown)

    def _quote_buttons(self, what: str, field: QLineEdit) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(2)
        for side in ("bid", "ask", "last"):
            button = QToolButton()
            button.setText(side.capitalize())
            button.setAccessibleName(f"{what} at {side}")
            button.setToolTip(f"Put the live {side} in the {what.lower()} price")

            def use(_checked: bool = False, side: str = side) -> None:
                price = self.quote(side)
                if price is not None:
                    field.setText(self.format_price(price))

            button.clicked.connect(use)
            self._quoted.setdefault(side, []).append(button)
            row.addWidget(button)
        return row

    def part(self) -> int:
        """The target part chosen: its target's order id, -1 for every target (one bracket),
        or NO_PART when the one chosen has gone."""
        data = self.target_part.currentData()
        return int(data) if data is not None else -1

    def show_parts(self, parts: list[tuple[str, int]], own_targets: bool) -> None:
        """One entry per target (its words, its order id); with several, the trader picks
        the part a change is for, and the choice stays with that order while others fill."""
        labels = [label for label, _ in parts]
        chosen = self.part()
        self.target_part.blockSignals(True)
        self.target_part.clear()
        if len(parts) > 1:
            ids = [order_id for _, order_id in parts]
            if chosen == NO_PART or (chosen > 0 and chosen not in ids):
                # the part chosen has gone (filled or cancelled): nothing is taken or moved
                # until the trader picks again, rather than the next part in its place
                self.target_part.addItem("Pick a part: the one chosen is no longer working", 0)
            for label, order_id in parts:
                self.target_part.addItem(label, order_id)
            index = self.target_part.findData(chosen if chosen in ids else NO_PART)
            self.target_part.setCurrentIndex(max(index, 0))
        else:
            self.target_part.addItem(labels[0] if labels else "–", -1 if labels else None)
        self.target_part.blockSignals(False)
        self.take_now.setEnabled(own_targets and len(labels) > 1)
        self.partial_hint.setText(
            "Partial profit: pick a part and move its target, or take it now."
            if len(labels) > 1 and own_targets
            else "Partial profit needs a scale-out (each part with its own target): one "
            "bracket's target and stop each close the whole position."
        )

    def prefill(self, stop: str | None, target: str | None) -> None:
        """The working prices, to edit from, where the trader has not typed one yet."""
        for field, price in ((self.stop_price, stop), (self.target_price, target)):
            if price is not None and not field.text().strip():
                field.setText(price)

    def manage(self, contract_id: int | None, name: str | None) -> None:
        """The contract the window manages, in its title. Prices typed for another contract
        are cleared: they mean nothing here."""
        if contract_id == self.contract_id:
            return
        fields = (self.stop_price, self.target_price, self.entry_price)
        typed = any(field.text().strip() for field in fields)
        self.contract_id = contract_id
        for field in fields:
            field.clear()
        self.clear_notes()
        self.setWindowTitle(f"Manage the trade: {name}" if name else "Manage the trade")
        self.contract_label.setText(f"Managing {name}" if name else "No contract")
        if typed and name:
            self.stop_note.setText(f"Now managing {name}: the prices typed before were cleared.")

    def show_entry(self, words: str | None) -> None:
        self.entry_box.setVisible(words is not None)
        self.entry_words.setText(words or "")

    def rule(self) -> AutoStopRule:
        return AutoStopRule(
            breakeven_after_ticks=self.even_after.value() if self.auto_even.isChecked() else None,
            breakeven_offset_ticks=self.offset.value(),
            trail_ticks=self.trail_ticks.value() if self.auto_trail.isChecked() else None,
            trail_step_ticks=self.trail_step.value(),
        )

    def clear_notes(self) -> None:
        for note in (self.stop_note, self.target_note, self.entry_note):
            note.setText("")
