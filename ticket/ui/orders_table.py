"""The orders placed since the app started: one row per click, keyed by its clOrdId."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ticket.broker.orders import Outcome
from ticket.domain.draft import Evaluation
from ticket.domain.orders import PlaceOsoRequest

COLUMNS = ["Time", "Side", "Contract", "Qty", "Entry", "SL", "TP", "Status", "Ids", "Latency"]
STATUS, IDS, LATENCY = (COLUMNS.index(c) for c in ("Status", "Ids", "Latency"))


class OrdersTable(QTableWidget):
    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setAccessibleName("Orders")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(56)

    def add(self, request: PlaceOsoRequest, evaluation: Evaluation) -> None:
        assert evaluation.form is not None and evaluation.assessment is not None
        fmt = evaluation.form.instrument.format_price
        plan = evaluation.assessment
        entry = request.price if request.price is not None else request.stop_price
        values = [
            datetime.now().strftime("%H:%M:%S"),
            request.action.value,
            request.symbol,
            str(request.order_qty),
            f"{request.order_type.value} {fmt(entry) if entry is not None else ''}".strip(),
            fmt(plan.stop.price) if plan.stop else "–",
            fmt(plan.target.price) if plan.target else "–",
            "sending",
            "",
            "",
        ]
        self.insertRow(0)
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setData(Qt.ItemDataRole.UserRole, request.cl_ord_id)
            self.setItem(0, column, item)

    def row_of(self, cl_ord_id: str | None) -> int:
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == cl_ord_id:
                return row
        return -1

    def set_cell(self, cl_ord_id: str | None, column: int, text: str) -> None:
        row = self.row_of(cl_ord_id)
        cell = self.item(row, column) if row >= 0 else None
        if cell is not None and cell.text() != text:
            cell.setText(text)
            cell.setToolTip(text)

    def show_outcome(self, outcome: Outcome) -> None:
        ids = "/".join(str(i) for i in (outcome.order_id, outcome.oso1_id, outcome.oso2_id) if i)
        latency = f"{outcome.latency_ms:.0f} ms" if outcome.latency_ms is not None else ""
        self.set_cell(outcome.cl_ord_id, STATUS, outcome.status.value.replace("_", " "))
        self.set_cell(outcome.cl_ord_id, IDS, ids)
        self.set_cell(outcome.cl_ord_id, LATENCY, latency)

    def selected_cl_ord_id(self) -> str | None:
        row = self.currentRow()
        item = self.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None
