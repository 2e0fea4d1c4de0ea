"""The Presets… dialog: the watched product's presets in their button order, and the few things
a trader does to them: save the ticket as a preset (new, or over the selected one), rename,
delete, move up or down, make the default. Each change is written to the presets file at once
(one atomic write, the file the command line reads); what went wrong is said in words. The
problems of the file as it was read are listed, and the presets it could not load are kept."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ticket.domain.presets import (
    Preset,
    PresetBook,
    PresetError,
    Size,
    SizeKind,
    describe,
    preset_from_draft,
)
from ticket.ui import theme
from ticket.ui.widgets import plain

if TYPE_CHECKING:
    from ticket.ui.preset_flow import PresetFlow


class PresetsDialog(QDialog):
    """Runs on the GUI thread, over the window's presets (`PresetFlow.presets`)."""

    def __init__(self, flow: PresetFlow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.product = flow._preset_product
        self.setAccessibleName("Presets dialog")
        self.setWindowTitle(f"Presets · {self.product}" if self.product else "Presets")
        self.list = QListWidget()
        self.list.setAccessibleName("Preset list")
        self.name = QLineEdit()
        self.name.setAccessibleName("Preset name")
        self.name.setPlaceholderText("e.g. Scalp 8/16")
        self.name.setMaxLength(40)
        self.message = QLabel("")
        self.message.setAccessibleName("Presets message")
        self.message.setWordWrap(True)
        self.problems = QLabel("")
        self.problems.setAccessibleName("Presets file problems list")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {theme.text.warning};")

        self.save = self._button("Save ticket as preset", self._on_save)
        self.save.setToolTip(
            "The ticket's stop, targets, quantity and time in force, under the name typed"
        )
        self.budget = self._plan_budget()
        self.by_risk = QCheckBox("Size by risk")
        self.by_risk.setAccessibleName("Size by risk")
        if self.budget is not None:
            amount = f"{self.budget.amount.normalize():f}"
            what = (
                f"{amount} at risk"
                if self.budget.kind is SizeKind.RISK_MONEY
                else f"{amount}% of the balance at risk"
            )
            self.by_risk.setText(f"Size by risk: {what}")
            self.by_risk.setToolTip("The preset sizes each ticket from this budget at its stop")
        else:
            self.by_risk.setEnabled(False)
            self.by_risk.setToolTip("Type a risk budget in the plan's Size from risk first")
        self.rename = self._button("Rename", self._on_rename)
        self.delete = self._button("Delete", self._on_delete)
        self.up = self._button("Move up", lambda: self._on_move(-1))
        self.down = self._button("Move down", lambda: self._on_move(+1))
        self.default = self._button("Make default", self._on_default)

        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("Name"))
        name_row.addWidget(self.name, 1)
        name_row.addWidget(self.save)
        actions = QGridLayout()
        for n, button in enumerate((self.rename, self.delete, self.default)):
            actions.addWidget(button, 0, n)
        actions.addWidget(self.up, 1, 0)
        actions.addWidget(self.down, 1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        path = QLabel(f"Kept in {plain(str(flow.presets.path))}")
        path.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        path.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addLayout(name_row)
        layout.addWidget(self.by_risk)
        layout.addWidget(self.message)
        layout.addWidget(self.problems)
        layout.addWidget(path)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._on_selected)
        self.resize(520, 380)
        self._show()

    def _plan_budget(self) -> Size | None:
        """The risk budget typed in the plan, as a preset's size; None when there is none."""
        plan = self.flow.plan
        try:
            amount = Decimal(plan.budget.text().strip().replace(",", ""))
        except InvalidOperation:
            return None
        if not amount.is_finite() or amount <= 0:
            return None
        percent = plan.budget_unit.currentIndex() == 1
        return Size(kind=SizeKind.RISK_PERCENT if percent else SizeKind.RISK_MONEY, amount=amount)

    def _button(self, text: str, action: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(lambda: action())
        return button

    # -- what is shown --

    @property
    def book(self) -> PresetBook:
        return self.flow.presets.book

    def _own(self) -> tuple[Preset, ...]:
        return self.book.for_product(self.product) if self.product else ()

    def _selected(self) -> Preset | None:
        own = self._own()
        row = self.list.currentRow()
        return own[row] if 0 <= row < len(own) else None

    def _show(self, select: str | None = None) -> None:
        current = self._selected()
        wanted = select if select is not None else (current.name if current else None)
        self.list.clear()
        own = self._own()
        for number, preset in enumerate(own, 1):
            default = " · default" if preset.default else ""
            key = f"Alt+{number}  " if number <= 9 else ""
            self.list.addItem(f"{key}{preset.name}{default}: {describe(preset)}")
        names = [p.name for p in own]
        if wanted in names:
            self.list.setCurrentRow(names.index(wanted))
        self.save.setEnabled(bool(self.product))
        problems = self.flow.presets.notice()
        self.problems.setText("<br>".join(f"⚠ {plain(line)}" for line in problems))
        self.problems.setVisible(bool(problems))
        if not self.product:
            self._say("Choose a contract first: presets belong to its product.", error=True)
        self._on_selected()

    def _on_selected(self, _row: int = -1) -> None:
        preset = self._selected()
        own = self._own()
        for button in (self.rename, self.delete, self.default):
            button.setEnabled(preset is not None)
        self.up.setEnabled(preset is not None and own.index(preset) > 0)
        self.down.setEnabled(preset is not None and own.index(preset) < len(own) - 1)
        if preset is not None:
            self.default.setText("No default" if preset.default else "Make default")
            self.name.setText(preset.name)  # to rename, or to save over

    def _say(self, text: str, error: bool = False) -> None:
        colour = theme.text.error if error else theme.text.muted
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)

    def _write(self, book: PresetBook, done: str, select: str | None = None) -> None:
        problem = self.flow.write_presets(book)
        if problem:
            typed = self.name.text()
            self._show()  # the presets as they are now (the file may have been read again)
            self.name.setText(typed)
            self._say(problem, error=True)
            return
        self._say(done)
        self._show(select)

    # -- the actions --

    def _on_save(self) -> None:
        name = self.name.text()
        keep = self.book.find(self.product, name)
        try:
            preset = preset_from_draft(
                self.flow.vm.draft,
                name,
                self.product,
                size=self.budget if self.by_risk.isChecked() else None,
                default=keep.default if keep else False,
                keep=keep,
            )
            book = self.book.save(preset)
        except PresetError as exc:
            self._say(f"Not saved: {exc.message if exc.field == 'name' else exc}", error=True)
            return
        what = f'Saved over "{keep.name}"' if keep else f'Saved "{preset.name}"'
        self._write(book, f"{what}: {describe(preset)}.", select=preset.name)

    def _on_rename(self) -> None:
        preset = self._selected()
        if preset is None:
            return
        try:
            book = self.book.rename(self.product, preset.name, self.name.text())
        except PresetError as exc:
            self._say(f"Not renamed: {exc.message}", error=True)
            return
        new = book.find(self.product, self.name.text())
        name = new.name if new else self.name.text()
        self._write(book, f'"{preset.name}" is now "{name}".', select=name)

    def _on_delete(self) -> None:
        preset = self._selected()
        if preset is None:
            return
        book = self.book.delete(self.product, preset.name)
        self.name.clear()
        self._write(book, f'Deleted "{preset.name}".')

    def _on_move(self, step: int) -> None:
        preset = self._selected()
        if preset is None:
            return
        index = self._own().index(preset) + step
        book = self.book.move(self.product, preset.name, index)
        self._write(book, f'"{preset.name}" is now preset {index + 1}.', select=preset.name)

    def _on_default(self) -> None:
        preset = self._selected()
        if preset is None:
            return
        chosen = None if preset.default else preset.name
        book = self.book.set_default(self.product, chosen)
        done = (
            f'"{preset.name}" is applied to a new {self.product} ticket.'
            if chosen
            else f"{self.product} has no default preset now."
        )
        self._write(book, done, select=preset.name)
