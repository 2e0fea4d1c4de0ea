"""The take-profit's scale-out rows: up to three targets sharing the one stop, each with its
contracts. Target 1 is the take-profit's own distance with a quantity field beside it; targets
2 and 3 share one compact line under it, shown only once the trader adds a target. They write
to the view-model (`set_target`, `add_target`, `remove_target`) and show what its draft holds."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from ticket.domain.draft import ScaleOutEvaluation
from ticket.domain.scaleout import MAX_TARGETS
from ticket.domain.ticket import DistanceUnit
from ticket.ui.viewmodel import TicketViewModel
from ticket.ui.widgets import StepEdit, Stepper

BUTTON_STYLE = "QPushButton { padding: 1px 5px; }"
# A target in another unit than the panel's (a preset's 3R after 8 and 16 ticks) says which.
UNIT_TAGS = {
    DistanceUnit.TICKS: "ticks",
    DistanceUnit.PRICE: "price",
    DistanceUnit.MONEY: "$",
    DistanceUnit.R: "R",
}


class TargetRows:
    """The widgets of the scale-out, on the GUI thread; the take-profit panel places them:
    `first_qty` and `times` before its distance, `add` after its unit, `more` as a row."""

    def __init__(self, vm: TicketViewModel, step: Stepper, qty_step: Stepper) -> None:
        self.vm = vm
        self.count = 0
        self.qty = [self._qty_edit(1, qty_step)]
        self.first_qty = self.qty[0]
        self.times = QLabel("×")
        self.add = QPushButton("+")
        self.add.setAccessibleName("Add target")
        self.add.setToolTip(
            "Scale out: up to 3 targets, each with its own contracts, sharing the stop "
            "(each sent as its own bracket order)"
        )
        self.add.setStyleSheet(BUTTON_STYLE)
        self.add.clicked.connect(vm.add_target)
        self.more = QWidget()
        self.more.setAccessibleName("More")  # as its row's label reads
        self.more.setAccessibleDescription("Targets 2 and 3: contracts × distance")
        line = QHBoxLayout(self.more)
        line.setContentsMargins(0, 0, 0, 0)
        self.extra: list[tuple[QWidget, StepEdit]] = []
        self.tags: list[QLabel] = []
        for number in range(2, MAX_TARGETS + 1):
            part = QWidget()
            row = QHBoxLayout(part)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(2)
            qty = self._qty_edit(number, qty_step)
            distance = StepEdit(step)
            distance.setAccessibleName(f"Target {number} distance")
            distance.setMinimumWidth(40)
            distance.textEdited.connect(
                lambda text, n=number: self.vm.set_target(n - 1, distance=text)
            )
            remove = QPushButton("✕")
            remove.setAccessibleName(f"Remove target {number}")
            remove.setToolTip(f"No target {number}: its contracts go to target 1")
            remove.setStyleSheet(BUTTON_STYLE)
            remove.setMaximumHeight(qty.sizeHint().height())
            remove.clicked.connect(lambda _=False, n=number: self.vm.remove_target(n - 1))
            tag = QLabel("")
            tag.setAccessibleName(f"Target {number} unit")
            tag.setVisible(False)
            self.qty.append(qty)
            self.tags.append(tag)
            for widget in (qty, QLabel("×"), distance, tag, remove):
                row.addWidget(widget)
            row.setStretchFactor(distance, 1)
            policy = part.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # target 2 keeps its half with target 3 away
            part.setSizePolicy(policy)
            line.addWidget(part, 1)
            self.extra.append((part, distance))
        self._form: QFormLayout | None = None
        self._exit_row: QWidget | None = None
        vm.field_changed.connect(self._on_field_changed)

    def _qty_edit(self, number: int, step: Stepper) -> StepEdit:
        edit = StepEdit(step)
        edit.setAccessibleName(f"Target {number} quantity")
        edit.setToolTip(f"Contracts that take profit at target {number}")
        edit.setMaximumWidth(44)
        edit.textEdited.connect(lambda text: self.vm.set_target(number - 1, qty=text))
        return edit

    def place_in(self, form: QFormLayout, exit_row: QWidget) -> None:
        """The panel's form, whose rows these show and hide."""
        self._form, self._exit_row = form, exit_row
        self._set_count(len(self.vm.draft.targets))
        self.show_draft()

    def _set_count(self, count: int) -> None:
        self.count = count
        scaling = count > 1
        self.first_qty.setVisible(scaling)
        self.times.setVisible(scaling)
        for n, (part, _) in enumerate(self.extra, 2):
            part.setVisible(scaling and n <= count)
        self.add.setEnabled(count < MAX_TARGETS)
        form = self._form
        if form is not None and self._exit_row is not None:
            form.setRowVisible(self.more, scaling)
            # The targets' prices are in the plan then, and the rows sit closer: with three
            # targets the panel is no taller than with one, and the window still fits a laptop.
            form.setRowVisible(self._exit_row, not scaling)
            form.setVerticalSpacing(2 if scaling else -1)

    def _on_field_changed(self, name: str) -> None:
        if name in ("targets", "qty", "tp_distance", "tp_unit"):
            self.show_draft()

    def show_draft(self) -> None:
        """The rows as the draft holds them (a preset, a target added or removed)."""
        rows = self.vm.draft.targets
        if len(rows) != self.count:
            self._set_count(len(rows))
        for n, edit in enumerate(self.qty):
            _show(edit, rows[n].qty if n < len(rows) else "")
        for n, (_, edit) in enumerate(self.extra, 1):
            _show(edit, rows[n].distance if n < len(rows) else "")
        for n, tag in enumerate(self.tags, 1):
            other = n < len(rows) and rows[n].unit is not self.vm.draft.tp_unit
            tag.setText(UNIT_TAGS[rows[n].unit] if other else "")
            tag.setVisible(other)


def _show(edit: StepEdit, text: str) -> None:
    if edit.text() != text:
        with QSignalBlocker(edit):
            edit.setText(text)


def describe_targets(scaleout: ScaleOutEvaluation, colour: str) -> str:
    """Each target's price and contracts: '5992.25 ×1 · 5994.25 ×2'."""
    judged, form = scaleout.judged, scaleout.form
    if judged is None or form is None or not judged.parts:
        return "–"
    fmt = form.instrument.format_price
    return " · ".join(
        f"<b style='color:{colour}'>{fmt(p.target_price)}</b> ×{p.qty}"
        for p in judged.parts
        if p.target_price is not None
    )
