"""The rows of today's orders and the table model that paints them: the columns, what each
row holds (a click of this window, an order of the account, or both once they meet), and the
texts of a row, made when it is first painted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from ticket.domain.instruments import Instrument
from ticket.domain.trades import Trade, status_words
from ticket.ui import theme

if TYPE_CHECKING:
    from ticket.ui.orders_table import OrdersTable


CANCEL_TIP = "Delete, or right-click › Cancel order, cancels it, whoever placed it."

COLUMNS = [
    "Time",
    "Side",
    "Contract",
    "Qty",
    "Entry",
    "SL",
    "TP",
    "Fill",
    "Exit",
    "P&L",
    "R",
    "Fees",
    "Status",
    "Ids",
    "Latency",
]
(TIME, SIDE, CONTRACT, QTY, ENTRY, SL, TP, FILL, EXIT, PNL, R, FEES, STATUS, IDS, LATENCY) = range(
    len(COLUMNS)
)
CLICK_COLUMNS = (TIME, SIDE, CONTRACT, QTY, ENTRY, SL, TP)  # what a click knows before the stream
NUMBERS = (QTY, SL, TP, FILL, EXIT, PNL, R, FEES, LATENCY)
# what each column is sized for, in the table's font
SAMPLES = {
    TIME: "00:00:00",
    SIDE: "Sell",
    CONTRACT: "MESZ6",
    QTY: "000",
    ENTRY: "Limit 0000.00",
    SL: "0000.00",
    TP: "0000.00",
    FILL: "0000.00",
    EXIT: "closes 0000000",
    PNL: "-00,000.00",
    R: "-00.00",
    FEES: "000.00",
    STATUS: "entry working · stop",
    IDS: "000000/000000/000000",
    LATENCY: "0000 ms",
}
HEADER_TIPS = {
    TIME: "When the order was placed (local time)",
    ENTRY: "The entry order's type and price",
    SL: "The stop leg's price now (its tooltip: where it was placed)",
    TP: "The target leg's price now",
    FILL: "The entry's average fill price",
    EXIT: "The average price its contracts were closed at (first in, first out), or the "
    "orders whose contracts this one closed",
    PNL: "Realised on the contracts closed, in the contract's currency, before fees",
    R: "Realised against the stop distance the entry was placed with",
    FEES: "The fees Tradovate reported for this row's fills",
    LATENCY: "Click to answer, for this window's orders",
}
UNSURE = (
    "The day's fills of this contract do not add up to its position (one carried from an "
    "earlier day?): its P&L is not shown rather than guessed"
)


@dataclass(eq=False)
class Row:
    """One row: a click of this window, an order of the account, or both once they meet."""

    when: datetime  # when it was placed, for the order of the rows (newest first)
    cl_ord_id: str | None = None
    order_id: int | None = None  # the entry's, once known
    click: dict[int, str] = field(default_factory=dict)  # what the click said, by column
    told: dict[int, str] = field(default_factory=dict)  # what the window said since
    outcome: str = ""  # the click's outcome in a word, until the stream says more
    trade: Trade | None = None
    stale: bool = False  # its trade is to be made again from the replica before it is shown
    texts: list[str] | None = None  # made when first painted
    tips: list[str] | None = None


class CellRef:
    """One cell, following its row wherever it moves (what `item()` hands out)."""

    def __init__(self, table: OrdersTable, row: Row, column: int) -> None:
        self._table, self._row, self._column = table, row, column

    def text(self) -> str:
        return self._table.model_.texts(self._row)[0][self._column]

    def toolTip(self) -> str:
        return self._table.model_.texts(self._row)[1][self._column]

    def column(self) -> int:
        return self._column

    def row(self) -> int:
        return self._table.model_.index_of(self._row)

    def data(self, role: int) -> Any:
        model = self._table.model_
        return model.data(model.index(self.row(), self._column), role)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def when(moment: datetime) -> str:
    local = aware(moment).astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%d %b %H:%M")


class OrdersModel(QAbstractTableModel):
    """The rows, newest first. On the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self.instruments: dict[int, tuple[str, Instrument]] = {}  # contract id -> name, tick
        self.make_trade: Callable[[int], Trade | None] = lambda _order_id: None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation is not Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(row)[0][column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.texts(row)[1][column] or None
        if role == Qt.ItemDataRole.UserRole:
            return row.cl_ord_id
        if role == Qt.ItemDataRole.ForegroundRole and column in (PNL, R):
            self.fresh(row)
        if role == Qt.ItemDataRole.ForegroundRole and column in (PNL, R) and row.trade:
            value = row.trade.money if column == PNL else row.trade.r
            if value is None and column == PNL:
                value = row.trade.points
            if value:
                return QColor(theme.text.gain if value > 0 else theme.text.loss)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def index_of(self, row: Row) -> int:
        try:
            return self.rows.index(row)
        except ValueError:
            return -1

    # -- texts --

    def fresh(self, row: Row) -> None:
        if row.stale:
            row.stale = False
            row.texts = None
            row.trade = self.make_trade(row.order_id) if row.order_id is not None else None

    def texts(self, row: Row) -> tuple[list[str], list[str]]:
        self.fresh(row)
        if row.texts is None or row.tips is None:
            row.texts, row.tips = self._texts(row)
        return row.texts, row.tips

    def _texts(self, row: Row) -> tuple[list[str], list[str]]:
        texts = [""] * len(COLUMNS)
        tips = [""] * len(COLUMNS)
        if row.trade is not None:
            self._trade_texts(row.trade, texts, tips)
        for column, text in row.click.items():
            if row.trade is None or not texts[column]:
                texts[column] = text
        for column, text in row.told.items():
            texts[column] = text
            tips[column] = f"{text}\n{CANCEL_TIP}" if column == STATUS else text
        if row.trade is None and not row.told.get(STATUS):
            texts[STATUS] = row.outcome or "sending"
            tips[STATUS] = texts[STATUS]
        return texts, tips

    def _trade_texts(self, trade_: Trade, texts: list[str], tips: list[str]) -> None:
        entry = trade_.entry
        known = self.instruments.get(entry.contract_id)
        name, instrument = known if known is not None else (f"#{entry.contract_id}", None)
        fmt = instrument.format_price if instrument is not None else str

        def price(value: Decimal | None) -> str:
            return fmt(value) if value is not None else "–"

        texts[TIME] = when(entry.timestamp)
        tips[TIME] = aware(entry.timestamp).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        texts[SIDE] = entry.action.value
        texts[CONTRACT] = name
        texts[QTY] = str(entry.qty)
        kind = entry.order_type.value if entry.order_type is not None else ""
        level = entry.price if entry.price is not None else entry.stop_price
        texts[ENTRY] = f"{kind} {fmt(level)}" if level is not None else kind
        stop, target = trade_.stop, trade_.target
        texts[SL] = price(stop.stop_price) if stop is not None else "–"
        if stop is not None and stop.first_stop_price not in (None, stop.stop_price):
            tips[SL] = f"placed at {price(stop.first_stop_price)}"
        texts[TP] = price(target.price) if target is not None else "–"
        texts[FILL] = price(entry.avg_price) if entry.filled else "–"
        if entry.filled:
            tips[FILL] = f"{entry.filled} filled at {price(entry.avg_price)} on average"
        if trade_.closed:
            texts[EXIT] = price(trade_.exit_price)
            ids = ", ".join(map(str, trade_.exit_orders))
            tips[EXIT] = f"{trade_.closed} of {entry.filled} closed by order {ids}"
        elif trade_.closes:
            texts[EXIT] = "closes " + ", ".join(map(str, trade_.closes))
            tips[PNL] = "What it closed is counted on the row of the order it closed."
        if trade_.money is not None:
            currency = instrument.currency if instrument is not None else ""
            texts[PNL] = f"{trade_.money:+,.2f}"
            tips[PNL] = f"{trade_.money:+,.2f} {currency} realised on {trade_.closed}".strip()
        elif trade_.points is not None:
            texts[PNL] = "–"
            tips[PNL] = f"{trade_.points:+f} points; the contract's point value is not known"
        elif trade_.closed:
            texts[PNL] = "–"
            tips[PNL] = UNSURE
        if trade_.r is not None:
            texts[R] = f"{trade_.r:+.2f}"
            tips[R] = f"against the stop placed {price(trade_.stop_distance)} points away"
        elif trade_.closed:
            texts[R] = "–"
            tips[R] = "No stop placed with the entry: no R" if trade_.points is not None else UNSURE
        texts[FEES] = f"{trade_.fees:,.2f}" if trade_.fees is not None else ""
        texts[STATUS] = status_words(entry, trade_.legs)
        tips[STATUS] = f"{texts[STATUS]}\n{CANCEL_TIP}"
        texts[IDS] = "/".join(map(str, trade_.order_ids))
