"""Settings: the fat-finger limits of the current product and of products without their own.

The dialog reads the limits file when it opens, shows each limit in force in a field checked as
it is typed (the same reading the file gets), and on Save writes what was changed into the file
and hands the limits read back to the window. A file that cannot be read is never written over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ticket import limits_file
from ticket.domain.instruments import Instrument
from ticket.domain.limits import (
    DEFAULT_ROW,
    SPECS,
    LimitError,
    LimitValue,
    read_text,
    write_text,
)
from ticket.domain.rules import FatFingerLimits
from ticket.limits_file import LimitsReport
from ticket.ui import theme
from ticket.ui.widgets import plain

if TYPE_CHECKING:
    from ticket.ui.window import TicketWindow


class LimitsNotice(QLabel):
    """Above the ticket while the limits file has something the ticket could not use."""

    def __init__(self, report: LimitsReport | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Limits file")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        self.report = report
        if report is not None:
            self.show_report(report)

    def show_report(self, report: LimitsReport) -> None:
        self.report = report
        lines = report.notice()
        self.setText(
            "<br>".join(plain(line) for line in lines)
            + ("<br>Correct the file, or use <b>Settings…</b>." if lines else "")
        )
        self.setVisible(bool(lines))
        self.restyle()

    def restyle(self) -> None:
        self.setStyleSheet(f"color: {theme.text.warning};")


class LimitFields(QGroupBox):
    """The four limits of one row of the file, each in a field with its note below."""

    def __init__(
        self,
        title: str,
        name_prefix: str,
        limits: FatFingerLimits,
        report: LimitsReport,
        section: str,
        explain: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.setAccessibleName(title)
        self.section = section
        self.initial: dict[str, LimitValue] = {}
        self.fields: dict[str, QLineEdit] = {}
        self.notes: dict[str, QLabel] = {}
        told = {
            p.key: f"{report.path.name} says: {p.message}; {p.in_use} is in use."
            for p in report.problems
            if p.section == section and p.key and p.fallback
        }
        form = QFormLayout(self)
        if explain:
            words = QLabel(explain)
            words.setWordWrap(True)
            form.addRow(words)
        for name, spec in SPECS.items():
            value: LimitValue = getattr(limits, name)
            self.initial[name] = value
            edit = QLineEdit(write_text(name, value))
            label = f"{name_prefix}{spec.label.lower()}" if name_prefix else spec.label
            edit.setAccessibleName(label)
            edit.setToolTip(f"{name}: {spec.help}")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if spec.can_be_off:
                edit.setPlaceholderText("no limit")
            note = QLabel(told.get(name, ""))
            note.setObjectName("fieldNote")
            note.setWordWrap(True)
            note.setAccessibleName(f"{label} note")
            note.setStyleSheet(f"color: {theme.text.warning};")
            note.setVisible(name in told)
            edit.textEdited.connect(lambda _text, n=name: self._check(n))
            self.fields[name] = edit
            self.notes[name] = note
            unit = " (contracts × price × value per point)" if name == "max_notional" else ""
            form.addRow(spec.label + unit, edit)
            form.addRow(note)

    def _check(self, name: str) -> bool:
        """Read one field and say at it what is wrong; True when it holds a limit."""
        note = self.notes[name]
        try:
            read_text(name, self.fields[name].text())
        except LimitError as exc:
            message = str(exc)
            note.setText(message[0].upper() + message[1:] + ".")
            note.setStyleSheet(f"color: {theme.text.error};")
            note.setVisible(True)
            return False
        note.clear()
        note.setVisible(False)
        return True

    def valid(self) -> bool:
        ok = True
        for name in self.fields:
            try:
                read_text(name, self.fields[name].text())
            except LimitError:
                ok = False
        return ok

    def changes(self) -> dict[str, LimitValue] | None:
        """The limits typed here that differ from those shown at the start; None, with each
        wrong field's note shown, when any is wrong."""
        if not all([self._check(name) for name in self.fields]):
            return None
        typed = {name: read_text(name, edit.text()) for name, edit in self.fields.items()}
        return {name: value for name, value in typed.items() if value != self.initial[name]}


class SettingsDialog(QDialog):
    """Edits the limits file; `saved` carries the file as read back after a save."""

    saved = Signal(object)  # LimitsReport

    def __init__(
        self, report: LimitsReport, instrument: Instrument | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.report = report
        intro = QLabel(
            "Fat-finger limits: an order past one of them needs an explicit override. "
            f"They are kept in {plain(str(report.path))}."
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self.file_note = QLabel()
        self.file_note.setAccessibleName("Limits file problems")
        self.file_note.setWordWrap(True)
        self.file_note.setStyleSheet(f"color: {theme.text.warning};")
        self.file_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lines = report.notice()
        if not report.writable:
            lines.append(
                "Save is off until the file can be read: correct it in a text editor or move "
                "it away, then open Settings again."
            )
        self.file_note.setText("\n".join(lines))
        self.file_note.setVisible(bool(lines))
        layout.addWidget(self.file_note)

        self.rows: list[LimitFields] = []
        if instrument is not None:
            root = instrument.root
            self.product = LimitFields(
                f"{root} · {instrument.description}".replace("&", "&&"),  # not a shortcut
                "",
                report.settings.for_root(root),
                report,
                root,
            )
            self.rows.append(self.product)
            layout.addWidget(self.product)
        else:
            hint = QLabel("Look up a contract to set the limits of its product.")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.default = LimitFields(
            "Default",
            "Default ",
            report.settings.default,
            report,
            DEFAULT_ROW,
            explain="Money at risk and notional set here apply to every product without its "
            "own. Contracts and ticks are in each product's own units: these apply only to "
            "products without built-in limits.",
        )
        self.rows.append(self.default)
        layout.addWidget(self.default)

        self.error = QLabel()
        self.error.setAccessibleName("Settings error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(report.writable)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for row in self.rows:
            for edit in row.fields.values():
                edit.textEdited.connect(self._update_save)

    def _update_save(self) -> None:
        self.save_button.setEnabled(self.report.writable and all(r.valid() for r in self.rows))

    def save(self) -> None:
        """Write what was changed, read the file back, hand it on, close. Nothing is written
        while a field is wrong or the file could not be read."""
        if not self.report.writable or self.report.document is None:
            return
        changes: dict[str, dict[str, LimitValue]] = {}
        for row in self.rows:
            typed = row.changes()
            if typed is None:
                return
            changes[row.section] = typed
        if not any(changes.values()):
            self.accept()
            return
        try:
            report = limits_file.save(self.report.path, self.report.document, changes)
        except OSError as exc:
            self.error.setText(
                f"Could not save {self.report.path}: {exc.strerror or exc}. Nothing was changed."
            )
            self.error.setStyleSheet(f"color: {theme.text.error};")
            self.error.setVisible(True)
            return
        self.saved.emit(report)
        self.accept()


def open_settings(window: TicketWindow) -> SettingsDialog:
    """What the window's Settings… button does: the dialog for the current product; on Save,
    the window checks the ticket against the new limits at once."""
    dialog = SettingsDialog(limits_file.load(), window.vm.instrument, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def use(report: LimitsReport) -> None:
        window.vm.set_risk(report.settings)
        notice = window.findChild(LimitsNotice)
        if notice is not None:
            notice.show_report(report)

    dialog.saved.connect(use)
    dialog.open()
    return dialog
