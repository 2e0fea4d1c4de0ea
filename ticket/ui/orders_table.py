"""Today's orders of the account: one row per entry order, its stop and target on the same row,
with the entry and exit fills and what the trade realised (`ticket.domain.trades`).

The rows are drawn from the account replica and follow it by push: an event redraws the rows of
the orders it touched, and a fill or a position change re-matches that one contract's fills.
A reset (a new sync) rebuilds the rows, without formatting any: a row's texts are made when it
is first painted, so a rebuild costs the same whether the view shows 10 rows or 5,000.

A click of this window has its row at once, keyed by its clOrdId, and becomes the replica's row
of the same clOrdId when the stream tells of the order: one row, never two. What the window
says of a click (`set_cell`, `show_outcome`: its outcome, the bracket's words, the latency)
stays on that row over the replica's own status words.

Rows of orders placed elsewhere can be cancelled from here too (Delete, or the right-click
menu); the cancel runs on the session's one-at-a-time order runner and is decided from the
server's state then (`ticket.broker.monitor.cancel_bracket`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Set
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ticket.broker.contracts import ResolvedContract, instrument_from_product
from ticket.broker.errors import describe_error
from ticket.broker.monitor import CancelReport, cancel_bracket
from ticket.broker.orders import Outcome
from ticket.broker.replica import AccountReplica, Change
from ticket.domain.draft import Evaluation
from ticket.domain.instruments import Instrument
from ticket.domain.orders import PlaceOsoRequest
from ticket.domain.trades import Book, Trade, trade
from ticket.ui import theme
from ticket.ui.orders_model import (
    COLUMNS,
    CONTRACT,
    ENTRY,
    FEES,
    FILL,
    IDS,
    LATENCY,
    QTY,
    SAMPLES,
    SIDE,
    SL,
    STATUS,
    TIME,
    TP,
    CellRef,
    OrdersModel,
    Row,
    aware,
)
from ticket.ui.widgets import plain

log = logging.getLogger(__name__)


class OrdersTable(QTableView):
    """Today's orders, on the GUI thread. Reads the account from `feed` (an `AccountFeed`);
    cancels through `session`'s order runner; without them it lists this window's clicks."""

    message = Signal(str)  # the outcome of a cancel asked here, as HTML
    itemChanged = Signal(object)

    def __init__(
        self,
        session: Any = None,
        journal: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.journal = journal
        self.feed = session.account_feed if session is not None else None
        self.model_ = OrdersModel(self)
        self.model_.make_trade = self._made_trade
        self.setModel(self.model_)
        self.setAccessibleName("Orders")
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.size_columns()
        self.setColumnHidden(FEES, True)  # shown once a fee is known
        self.setMinimumHeight(56)
        self._by_order: dict[int, Row] = {}  # entry id -> row
        self._by_cl: dict[str, Row] = {}  # clOrdId of a click -> row
        self._books: dict[int, Book] = {}  # contract id -> the day's matched fills
        self._before_reset: dict[int, Book] = {}  # the books of before the last rebuild
        self._trusted: dict[int, bool] = {}  # contract id -> its fills add up to its position
        self._asked: set[int] = set()  # contracts whose names were looked up
        self.cancel_action = QAction("Cancel order", self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.cancel_action.triggered.connect(self.cancel_selected)
        self.addAction(self.cancel_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        if self.feed is not None:
            self.feed.changed.connect(self.on_change)
            session.contract_resolved.connect(lambda _text, resolved: self.know(resolved))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_status()

    def _fit_status(self) -> None:
        """Status takes the width the columns before it leave (Ids and Latency are further
        right, a scroll away), and never less than its short words need."""
        before = sum(self.columnWidth(c) for c in range(STATUS) if not self.isColumnHidden(c))
        least = self.fontMetrics().horizontalAdvance(SAMPLES[STATUS]) + 12
        self.setColumnWidth(STATUS, max(least, self.viewport().width() - before))

    def size_columns(self, instrument: Instrument | None = None) -> None:
        """Each column as wide as what it holds, prices in the instrument's notation."""
        metrics = self.fontMetrics()
        sample = instrument.format_price(Decimal("9999.75")) if instrument else "0000.00"
        for column, text in SAMPLES.items():
            if column in (SL, TP, FILL):
                text = sample
            wide = max(metrics.horizontalAdvance(text), metrics.horizontalAdvance(COLUMNS[column]))
            self.setColumnWidth(column, wide + 12)
        self._fit_status()

    # -- the API the window's other parts call (by clOrdId) --

    def rowCount(self) -> int:
        return self.model_.rowCount()

    def currentRow(self) -> int:
        return self.currentIndex().row()

    def item(self, row: int, column: int) -> CellRef | None:
        rows = self.model_.rows
        return CellRef(self, rows[row], column) if 0 <= row < len(rows) else None

    def scrollToItem(self, item: CellRef) -> None:
        self.scrollTo(self.model_.index(item.row(), item.column()))

    def visualItemRect(self, item: CellRef) -> QRect:
        return self.visualRect(self.model_.index(item.row(), item.column()))

    def add(self, request: PlaceOsoRequest, evaluation: Evaluation) -> None:
        assert evaluation.form is not None and evaluation.assessment is not None
        fmt = evaluation.form.instrument.format_price
        plan = evaluation.assessment
        entry = request.price if request.price is not None else request.stop_price
        click = {
            TIME: datetime.now().strftime("%H:%M:%S"),
            SIDE: request.action.value,
            CONTRACT: request.symbol,
            QTY: str(request.order_qty),
            ENTRY: f"{request.order_type.value} {fmt(entry) if entry is not None else ''}".strip(),
            SL: fmt(plan.stop.price) if plan.stop else "–",
            TP: fmt(plan.target.price) if plan.target else "–",
        }
        row = Row(when=datetime.now(UTC), cl_ord_id=request.cl_ord_id, click=click)
        replica = self._replica()
        order_id = (
            replica.find_by_cl_ord_id(request.cl_ord_id)
            if replica is not None and request.cl_ord_id
            else None
        )
        held = self._by_order.get(order_id) if order_id is not None else None
        if held is not None:  # the stream told of it before the click's row was made
            held.cl_ord_id, held.click = request.cl_ord_id, click
            self._by_cl[request.cl_ord_id or ""] = held
            self._changed(held)
            return
        if request.cl_ord_id:
            self._by_cl[request.cl_ord_id] = row
        self._insert(row)

    def row_of(self, cl_ord_id: str | None) -> int:
        row = self._by_cl.get(cl_ord_id) if cl_ord_id else None
        return self.model_.index_of(row) if row is not None else -1

    def set_cell(self, cl_ord_id: str | None, column: int, text: str) -> None:
        row = self._by_cl.get(cl_ord_id) if cl_ord_id else None
        if row is not None and row.told.get(column) != text:
            row.told[column] = text
            self._changed(row)

    def show_outcome(self, outcome: Outcome) -> None:
        ids = "/".join(str(i) for i in (outcome.order_id, outcome.oso1_id, outcome.oso2_id) if i)
        latency = f"{outcome.latency_ms:.0f} ms" if outcome.latency_ms is not None else ""
        row = self._by_cl.get(outcome.cl_ord_id) if outcome.cl_ord_id else None
        if row is None:
            return
        if outcome.order_id is not None and row.order_id is None:
            self._adopt(row, outcome.order_id)
        row.outcome = outcome.status.value.replace("_", " ")
        if ids:
            row.told[IDS] = ids
        row.told[LATENCY] = latency
        self._changed(row)

    def selected_cl_ord_id(self) -> str | None:
        row = self._selected()
        return row.cl_ord_id if row is not None else None

    def selected_order_id(self) -> int | None:
        row = self._selected()
        return row.order_id if row is not None else None

    def know(self, resolved: ResolvedContract) -> None:
        """A contract the window resolved: its name and tick for the rows of its orders."""
        contract_id = resolved.contract.id
        if self.model_.instruments.get(contract_id) == (
            resolved.contract.name,
            resolved.instrument,
        ):
            return
        self.model_.instruments[contract_id] = (resolved.contract.name, resolved.instrument)
        self.size_columns(resolved.instrument)
        self._redraw_contract(contract_id)

    # -- following the replica --

    def _replica(self) -> AccountReplica | None:
        return self.feed.replica if self.feed is not None else None

    def on_change(self, change: Change) -> None:
        replica = self._replica()
        if replica is None or change.reset:
            self.rebuild()
            return
        touched = set(change.orders)
        relinked = self._legs_matched_unlinked(replica, change.orders)
        if change.fills or relinked:
            touched |= self._follow_fills(replica, change, relinked)
        for contract_id in change.positions | (change.contracts if change.fills else set()):
            book = self._books.get(contract_id)
            if book is None:
                continue  # none of its rows made yet: they read the replica when they are
            trusted = self._reliable(replica, contract_id)
            if self._trusted.get(contract_id, True) != trusted:
                touched |= book.orders()
            self._trusted[contract_id] = trusted
        for entry_id in {self._entry_of(replica, i) for i in touched}:
            self._update(replica, entry_id)

    def _legs_matched_unlinked(self, replica: AccountReplica, order_ids: Iterable[int]) -> set[int]:
        """Contracts whose book took a leg's fills before the leg's order told its entry (the
        fill's event came first): matched again, so the leg closes its own entry's lots."""
        stale: set[int] = set()
        for order_id in order_ids:
            view = replica.order(order_id)
            book = self._books.get(view.contract_id) if view is not None else None
            if view is None or view.parent_id is None or book is None:
                continue
            for fill in replica.fills_of(order_id):
                taken = book.taken(fill.id)
                if taken is not None and taken.entry_id != view.parent_id:
                    stale.add(view.contract_id)
                    break
        return stale

    def _follow_fills(
        self, replica: AccountReplica, change: Change, relinked: Set[int] = frozenset()
    ) -> set[int]:
        """Match the new fills; the orders whose matches changed. A fill later than those held
        is matched in place; an earlier, changed or removed one has its contract matched again,
        and so has a contract in `relinked`."""
        touched: set[int] = set()
        fresh = [f for i in change.fills if (f := replica.fill(i)) is not None]
        again = set(change.contracts) if len(fresh) < len(change.fills) else set()
        again |= relinked
        for fill in sorted(fresh, key=lambda f: (f.timestamp, f.id)):
            book = self._books.get(fill.contract_id)
            if book is None or fill.contract_id in again:
                touched.add(fill.order_id)  # matched when its contract's book is next made
                continue
            added = book.add(replica.execution_of(fill))
            if added is None:
                again.add(fill.contract_id)
            else:
                touched |= added
        for contract_id in again:
            old = self._books.get(contract_id)
            if old is None:
                continue
            new = self._book(replica, contract_id)
            self._books[contract_id] = new
            for order_id in new.orders() | (old.orders() if old is not None else set()):
                if old is None or old.pairs_of(order_id) != new.pairs_of(order_id):
                    touched.add(order_id)
            touched |= {f.order_id for f in fresh if f.contract_id == contract_id}
        return touched

    def rebuild(self) -> None:
        """All rows again, from the replica and this window's clicks (a sync, an account change)."""
        replica = self._replica()
        clicks = [r for r in self.model_.rows if r.click]
        for row in clicks:
            row.order_id, row.trade, row.texts = None, None, None
        self._by_order.clear()
        # a resync brings the same fills again, mostly: a book they match is kept, not matched
        # again (at thousands of fills, matching is most of a resync's stall)
        self._before_reset = self._books
        self._books = {}
        self._trusted.clear()
        rows: list[Row] = list(clicks)
        if replica is not None:
            # each row's trade is made when the row is first painted (or an event touches it):
            # here only what places the rows, newest first as the ids come (sorted after)
            clicked = {
                found: row
                for row in clicks
                if row.cl_ord_id and (found := replica.find_by_cl_ord_id(row.cl_ord_id)) is not None
            }
            contracts = set()
            for order_id in reversed(replica.order_ids()):
                view, held = replica.order(order_id), replica.order_entity(order_id)
                if view is None or held is None:
                    continue
                parent = view.parent_id
                if parent is not None and replica.order(parent) is not None:
                    continue  # a leg: on its entry's row
                row = clicked.get(order_id) or Row(when=aware(held.timestamp))
                row.order_id, row.trade, row.stale = order_id, None, True
                self._by_order[order_id] = row
                if not row.click:
                    rows.append(row)
                contracts.add(view.contract_id)
            for contract_id in contracts:
                self._ask_name(contract_id)
        rows.sort(key=lambda r: r.when, reverse=True)
        self.model_.beginResetModel()
        self.model_.rows = rows
        self.model_.endResetModel()
        self._show_fees()

    def _book(self, replica: AccountReplica, contract_id: int) -> Book:
        return Book(contract_id, replica.executions(contract_id))

    def _book_of(self, replica: AccountReplica, contract_id: int) -> Book:
        """The contract's book, matched from the replica the first time one of its rows is
        made (a resync matches nothing until a row is shown)."""
        book = self._books.get(contract_id)
        if book is None:
            fills = replica.executions(contract_id)
            before = self._before_reset.pop(contract_id, None)
            if before is None or not before.holds_exactly(fills):
                before = Book(contract_id, fills)
            book = self._books[contract_id] = before
            self._trusted[contract_id] = self._reliable(replica, contract_id)
        return book

    def _reliable(self, replica: AccountReplica, contract_id: int) -> bool:
        book = self._books.get(contract_id)
        return (book.net if book else 0) == replica.positions().get(contract_id, 0)

    def _entry_of(self, replica: AccountReplica, order_id: int) -> int:
        """The row an order is shown on: its parent's when the parent is held, else its own."""
        view = replica.order(order_id)
        parent = view.parent_id if view is not None else None
        return parent if parent is not None and replica.order(parent) is not None else order_id

    def _trade(self, replica: AccountReplica, entry_id: int) -> Trade | None:
        entry = replica.facts(entry_id)
        if entry is None:
            return None
        legs = [f for i in replica.legs_of(entry_id) if (f := replica.facts(i)) is not None]
        known = self.model_.instruments.get(entry.contract_id)
        own, fees = [], None  # a row's own fills are read only for their fees
        if replica.has_fees:
            own = [replica.execution_of(f) for o in (entry, *legs) for f in replica.fills_of(o.id)]
            fees = {f.id: fee for f in own if (fee := replica.fee(f.id)) is not None}
        return trade(
            entry,
            legs,
            self._book_of(replica, entry.contract_id),
            known[1] if known is not None else None,
            fees,
            own,
            reliable=self._trusted.get(entry.contract_id, True),
        )

    def _made_trade(self, entry_id: int) -> Trade | None:
        replica = self._replica()
        return self._trade(replica, entry_id) if replica is not None else None

    def _click_of(self, found: Trade) -> Row | None:
        cl = found.entry.cl_ord_id
        row = self._by_cl.get(cl) if cl else None
        return row if row is not None and row.order_id in (None, found.entry.id) else None

    def _update(self, replica: AccountReplica, entry_id: int) -> None:
        found = self._trade(replica, entry_id)
        row = self._by_order.get(entry_id)
        if found is None:  # gone from the account (or never held)
            if row is not None:
                del self._by_order[entry_id]
                if row.click:
                    row.order_id, row.trade = None, None
                    self._changed(row)
                else:
                    self._remove(row)
            return
        for leg in found.legs:  # a leg that arrived before its parent had a row of its own
            stray = self._by_order.pop(leg.id, None)
            if stray is not None and not stray.click:
                self._remove(stray)
        click = self._click_of(found)
        if row is not None and click is not None and click is not row and not row.click:
            self._remove(row)  # its clOrdId came after the order: the click's row takes it
            row = None
        if row is None:
            row = click
            if row is None:
                row = Row(when=aware(found.entry.timestamp), order_id=entry_id, trade=found)
                self._by_order[entry_id] = row
                self._ask_name(found.entry.contract_id)
                self._insert(row)
                self._show_fees()
                return
            row.order_id = entry_id
            self._by_order[entry_id] = row
        row.stale = False
        if row.trade != found:
            row.trade = found
            self._changed(row)
            if found.fees is not None:
                self._show_fees()

    def _adopt(self, row: Row, order_id: int) -> None:
        """A click's outcome names its order: a row the stream made for it joins the click's."""
        other = self._by_order.get(order_id)
        if other is not None and other is not row:
            row.trade = other.trade
            if not other.click:
                self._remove(other)
        row.order_id = order_id
        self._by_order[order_id] = row

    def _redraw_contract(self, contract_id: int) -> None:
        """A contract's name and tick became known: its rows are made again when next shown."""
        marked = False
        for row in self._by_order.values():
            if row.trade is not None and row.trade.entry.contract_id == contract_id:
                row.stale, row.texts, marked = True, None, True
        if marked:
            last = self.model_.index(len(self.model_.rows) - 1, len(COLUMNS) - 1)
            self.model_.dataChanged.emit(self.model_.index(0, 0), last)

    def _ask_name(self, contract_id: int) -> None:
        """A contract the window has not resolved: its name and tick, looked up once."""
        if contract_id in self.model_.instruments or contract_id in self._asked:
            return
        connection = self.session.connection if self.session is not None else None
        if connection is None or not contract_id:
            return
        self._asked.add(contract_id)
        client = connection.client

        def work() -> tuple[str, Instrument]:
            contract = client.contract(contract_id)
            maturity = client.contract_maturity(contract.contract_maturity_id)
            return contract.name, instrument_from_product(client.product(maturity.product_id))

        def done(found: tuple[str, Instrument]) -> None:
            if contract_id not in self.model_.instruments:
                self.model_.instruments[contract_id] = found
                self._redraw_contract(contract_id)

        def fail(exc: BaseException) -> None:  # the rows keep the contract's id
            log.info("contract %s not looked up: %s", contract_id, describe_error(exc))

        self.session.tasks.run(work, done, fail)

    # -- rows in the model --

    def _insert(self, row: Row) -> None:
        rows = self.model_.rows
        at = 0
        while at < len(rows) and rows[at].when > row.when:
            at += 1
        self.model_.beginInsertRows(QModelIndex(), at, at)
        rows.insert(at, row)
        self.model_.endInsertRows()

    def _remove(self, row: Row) -> None:
        at = self.model_.index_of(row)
        if at < 0:
            return
        self.model_.beginRemoveRows(QModelIndex(), at, at)
        del self.model_.rows[at]
        self.model_.endRemoveRows()
        if row.cl_ord_id and self._by_cl.get(row.cl_ord_id) is row:
            del self._by_cl[row.cl_ord_id]

    def _changed(self, row: Row) -> None:
        before = row.texts
        row.texts, row.tips = self.model_._texts(row)
        at = self.model_.index_of(row)
        if at < 0:
            return
        self.model_.dataChanged.emit(
            self.model_.index(at, 0), self.model_.index(at, len(COLUMNS) - 1)
        )
        for column, text in enumerate(row.texts):
            if before is None or before[column] != text:
                self.itemChanged.emit(CellRef(self, row, column))

    def _show_fees(self) -> None:
        if self.isColumnHidden(FEES) and any(
            r.trade is not None and r.trade.fees is not None for r in self._by_order.values()
        ):
            self.setColumnHidden(FEES, False)
            self._fit_status()

    # -- cancel --

    def _selected(self) -> Row | None:
        at = self.currentIndex().row()
        rows = self.model_.rows
        selected = self.selectionModel().selectedRows() if self.selectionModel() else []
        if selected:
            at = selected[0].row()
        return rows[at] if 0 <= at < len(rows) else None

    def cancel_selected(self) -> None:
        """Cancel the selected row's entry (and its legs, once it is final with nothing filled),
        whoever placed it."""
        row = self._selected()
        connection = self.session.connection if self.session is not None else None
        account_id = self.feed.account_id if self.feed is not None else None
        if row is None:
            self.message.emit("Select an order in the table first.")
            return
        if row.order_id is None:
            self.message.emit("That order has no order id yet: nothing to cancel.")
            return
        if connection is None or account_id is None:
            self.message.emit("Not connected: nothing was cancelled. Try again once connected.")
            return
        order_id, client = row.order_id, connection.client
        if self.journal is not None:
            self.journal.write("cancel", entry_id=order_id, source="orders table")

        def done(report: CancelReport) -> None:
            if self.journal is not None:
                self.journal.write("cancel done", entry_id=order_id, orders=list(report.cancelled))
            self.message.emit(plain(report.message))

        def fail(exc: BaseException) -> None:
            text = describe_error(exc)
            if self.journal is not None:
                self.journal.write("cancel failed", entry_id=order_id, detail=text)
            self.message.emit(
                f"<span style='color:{theme.text.error}'>Cancel failed: {plain(text)}</span>"
            )

        self.session.orders.run(lambda: cancel_bracket(client, account_id, order_id), done, fail)
