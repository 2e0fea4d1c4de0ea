"""Presets in the window: the row of preset buttons under the entry panel, Alt+1..Alt+9, the
product's default on a new contract, and the Presets… dialog that saves, renames, deletes,
reorders and sets the default, all written to the presets file the command line reads.

A preset goes into the ticket through the view-model like any change the program makes, so every
rule and the plan apply to it; what it wrote is remembered, and the plan's title says the ticket
was changed from it once the trader edits a field it set."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ticket import presets_file
from ticket.domain.instruments import Instrument
from ticket.domain.presets import BUTTONS, Preset, PresetBook, describe
from ticket.presets_file import PresetsFileError, PresetsReport
from ticket.ui import theme
from ticket.ui.widgets import plain
from ticket.ui.window_parts import WindowParts

# (keys, what they do), listed by the Keys dialog
PRESET_KEYS: tuple[tuple[str, str], ...] = (
    ("Alt+1 … Alt+9", "apply the contract's preset 1 … 9 (the buttons under Entry)"),
)
# The active preset in the highlight colour: bold would need a width the row does not give it.
BUTTON_STYLE = (
    "QPushButton { padding: 1px 8px; }"
    "QPushButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(highlight); border-radius: 2px; }"
)


class PresetFlow(WindowParts):
    presets: PresetsReport
    preset_bar: QWidget
    preset_buttons: list[QPushButton]
    presets_button: QPushButton
    presets_notice: QPushButton
    _preset_caption: QLabel
    _preset_layout: QHBoxLayout
    _preset_product: str
    _presets_read: tuple[int, int] | None  # the file as read: (modified ns, size); None absent

    def _build_preset_bar(self) -> QWidget:
        self._read_presets()
        self.preset_buttons = []
        self._preset_product = ""
        bar = QWidget()
        bar.setAccessibleName("Preset row")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._preset_caption = QLabel("Presets")
        self._preset_caption.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self._preset_caption)
        self._preset_layout = QHBoxLayout()
        self._preset_layout.setSpacing(4)
        layout.addLayout(self._preset_layout)
        layout.addStretch(1)
        self.presets_notice = QPushButton("⚠")
        self.presets_notice.setAccessibleName("Presets file problems")
        self.presets_notice.setStyleSheet(BUTTON_STYLE)
        self.presets_notice.clicked.connect(self.open_presets)
        layout.addWidget(self.presets_notice)
        self.presets_button = QPushButton("Presets…")
        self.presets_button.setAccessibleName("Presets")
        self.presets_button.setToolTip("Save the ticket as a preset; rename, delete, reorder")
        self.presets_button.setStyleSheet(BUTTON_STYLE)
        self.presets_button.clicked.connect(self.open_presets)
        layout.addWidget(self.presets_button)
        self.preset_bar = bar
        for number in range(1, BUTTONS + 1):
            QShortcut(
                QKeySequence(f"Alt+{number}"), self, lambda n=number: self.apply_preset_number(n)
            )
        self.vm.instrument_changed.connect(self._on_instrument_for_presets)
        self.vm.preset_changed.connect(self._show_active_preset)
        self.vm.evaluated.connect(lambda _evaluation: self._show_active_preset())
        self._show_presets_notice()
        return bar

    # -- the buttons --

    def _product(self) -> str:
        instrument = self.vm.instrument
        return instrument.root if instrument is not None else ""

    def _show_preset_buttons(self) -> None:
        for button in self.preset_buttons:
            self._preset_layout.removeWidget(button)
            button.deleteLater()
        self.preset_buttons = []
        product = self._preset_product
        shown = self.presets.book.for_product(product)[:BUTTONS] if product else ()
        for number, preset in enumerate(shown, 1):
            button = QPushButton(preset.name)
            button.setAccessibleName(f"Preset {preset.name}")
            button.setToolTip(f"Alt+{number}: {describe(preset)}")
            button.setCheckable(True)
            button.setStyleSheet(BUTTON_STYLE)
            button.setMinimumWidth(24)  # a long name is cut short, never the window widened
            button.clicked.connect(lambda _=False, n=number: self.apply_preset_number(n))
            self._preset_layout.addWidget(button)
            button.show()  # now, not at the next turn of the event loop
            self.preset_buttons.append(button)
        if product and not shown:
            self._preset_caption.setText(f"No presets for {product}")
        else:
            self._preset_caption.setText("Presets")
        self._show_active_preset()

    def apply_preset_number(self, number: int) -> None:
        """Alt+n, or a click on button n: the trader's choice, so a later contract of the same
        product keeps it rather than taking the default. A file edited meanwhile is read again
        first (a stat, a few microseconds): the preset applied is the one the file holds now."""
        if self.session.resolving is not None or not self._symbol_matches_contract():
            # the buttons are still the last contract's: its preset is not this one's
            self.outcome.setText(
                f"No preset applied: look the contract up first, then Alt+{number}."
            )
            return
        self._presets_changed_on_disk()
        preset = self.presets.book.button(self._preset_product, number)
        if preset is None:
            product = self._preset_product or "this contract"
            self.outcome.setText(f"No preset {number} for {product}.")
            return
        self.vm.touched = True
        self._apply(preset)

    def _apply(self, preset: Preset) -> None:
        self.vm.apply_preset(preset, self.plan.balance)
        active = self.vm.active
        if active is not None and active.notes:
            self.outcome.setText(
                f"<span style='color:{theme.text.warning}'>Preset {plain(preset.name)}: "
                f"{plain(' '.join(active.notes))}</span>"
            )

    def _on_instrument_for_presets(self, instrument: Instrument | None) -> None:
        product = instrument.root if instrument is not None else ""
        if product != self._preset_product:
            self._preset_product = product
            self._show_preset_buttons()
        self._presets_changed_on_disk()
        default = self.presets.book.default_for(product) if product else None
        # Only a ticket nobody has edited takes the default: never what the trader typed.
        if default is not None and not self.vm.touched:
            self._apply(default)

    def _show_active_preset(self) -> None:
        active = self.vm.active
        label = self.vm.preset_label()
        for button, preset in zip(
            self.preset_buttons, self.presets.book.for_product(self._preset_product), strict=False
        ):
            on = active is not None and active.name == preset.name and label == preset.name
            if button.isChecked() != on:
                button.setChecked(on)
        title = f"Plan · preset {label}" if label else "Plan"
        if self.plan.title() != title:
            self.plan.setTitle(title)

    def _show_presets_notice(self) -> None:
        left_out = self.presets.left_out
        problems = self.presets.problems
        self.presets_notice.setVisible(bool(problems))
        if problems:
            what = f"{len(left_out)} skipped" if left_out else "notes"
            self.presets_notice.setText(f"⚠ {what}")
            self.presets_notice.setToolTip("\n".join(self.presets.notice()))

    # -- the file --

    def _read_presets(self) -> None:
        self._presets_read = _stamp(presets_file.presets_path())
        self.presets = presets_file.load()

    def _presets_changed_on_disk(self) -> bool:
        """The command line (an import, say) or an editor wrote the file since it was read:
        it is read again, so no write from here loses what they did."""
        if _stamp(self.presets.path) == self._presets_read:
            return False
        self._read_presets()
        self._show_presets_notice()
        self._show_preset_buttons()
        return True

    def open_presets(self) -> None:
        from ticket.ui.presets_dialog import PresetsDialog  # built only when asked for

        self._presets_changed_on_disk()
        dialog = PresetsDialog(self, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def write_presets(self, book: PresetBook) -> str:
        """Write `book` to the presets file (the presets that did not load are kept) and show
        it; '' when written, else why not, in words."""
        if self._presets_changed_on_disk():
            return (
                f"{self.presets.path.name} was changed by another program since it was read: "
                "it is read again now and nothing was written. Do it again."
            )
        try:
            self.presets = presets_file.save(self.presets.path, book, self.presets)
        except PresetsFileError as exc:
            return str(exc)
        self._presets_read = _stamp(self.presets.path)
        self._show_presets_notice()
        self._show_preset_buttons()
        return ""


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
