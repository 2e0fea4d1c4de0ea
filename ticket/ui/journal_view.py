"""The journal in a table, newest first, with an export to CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ticket.journal import Journal

SHOWN = ("time", "kind", "cl_ord_id", "status", "order", "message", "detail")


class JournalDialog(QDialog):
    def __init__(self, journal: Journal, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.journal = journal
        self.setWindowTitle("Journal")
        self.resize(900, 480)
        entries = list(reversed(journal.read()))
        table = QTableWidget(len(entries), len(SHOWN))
        table.setAccessibleName("Journal entries")
        table.setHorizontalHeaderLabels([c.replace("_", " ") for c in SHOWN])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        for row, entry in enumerate(entries):
            for column, key in enumerate(SHOWN):
                value = entry.get(key)
                table.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))
        self.table = table
        export = QPushButton("Export CSV…")
        export.setAccessibleName("Export CSV")
        export.clicked.connect(self._export)
        self.status = QLabel(str(journal.path))
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(export)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addLayout(buttons)

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export journal", "journal.csv", "CSV files (*.csv)"
        )
        if name:
            count = self.journal.export_csv(Path(name))
            self.status.setText(f"Exported {count} entries to {name}")
