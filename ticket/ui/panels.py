"""The ticket's panels: entry, the two exits, and the plan. They render what the view-model
says and bind their fields to it; they hold no trading rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ticket.domain.draft import Evaluation, ScaleOutEvaluation
from ticket.domain.instruments import Instrument
from ticket.domain.orders import OrderType, TimeInForce
from ticket.domain.plan import Side, budget_from_percent, size_from_risk
from ticket.domain.prices import PriceError, Rounding, snap
from ticket.domain.ticket import (
    ENTRY_TYPES,
    STOP_LOSS_TYPES,
    TAKE_PROFIT_TYPES,
    DistanceUnit,
    TicketField,
)
from ticket.ui import theme
from ticket.ui.binding import Binder
from ticket.ui.target_rows import TargetRows, describe_targets
from ticket.ui.viewmodel import TicketViewModel
from ticket.ui.widgets import (
    FieldNote,
    SideToggle,
    StepEdit,
    Stepper,
)

QTY_FIELD_MAX = 2**31 - 1  # the most a QSpinBox holds
TIFS = (TimeInForce.DAY, TimeInForce.GTC, TimeInForce.GTD, TimeInForce.IOC, TimeInForce.FOK)
UNIT_LABELS = {
    DistanceUnit.TICKS: "ticks",
    DistanceUnit.PRICE: "price",
    DistanceUnit.MONEY: "$ / contract",
    DistanceUnit.R: "R (× stop)",
}


def price_stepper(vm: TicketViewModel) -> Stepper:
    """Up/Down on a price field: one tick, in the contract's own format."""

    def step(text: str, direction: int) -> str | None:
        instrument = vm.instrument
        if instrument is None:
            return None
        try:
            value = instrument.price_format.parse(text, check_grid=False) if text.strip() else None
        except PriceError:
            return None
        if value is None:
            assessment = vm.evaluation.assessment
            value = vm.last_price or (assessment.entry if assessment else None)
            if value is None:
                return None
        value = snap(value, instrument.tick_size, Rounding.NEAREST)
        return instrument.format_price(value + direction * instrument.tick_size)

    return step


def number_stepper(text: str, direction: int) -> str | None:
    try:
        value = Decimal(text) if text.strip() else Decimal(0)
    except InvalidOperation:
        return None
    return str(max(value + direction, Decimal(0)))


W = TypeVar("W", bound=QWidget)


def _labelled(edit: W, name: str) -> W:
    edit.setAccessibleName(name)
    return edit


def _inline_label(text: str, field: QWidget) -> QLabel:
    """A label inside a form row, level with its field's text when notes make the row tall."""
    label = QLabel(text)
    label.setBuddy(field)
    label.setMinimumHeight(field.sizeHint().height())
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


def _pair(first: QWidget, label: str, second: QWidget, field: QWidget) -> QWidget:
    """Two fields on one form row, the second (`field`, inside `second` with its note) with
    its own visible label; both start at the row's top, under which their notes grow."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    top = Qt.AlignmentFlag.AlignTop
    layout.addWidget(first, 1, top)
    layout.addWidget(_inline_label(label, field), 0, top)
    layout.addWidget(second, 1, top)
    return box


def _with_note(widget: QWidget, note: FieldNote, *more: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    for item in (widget, note, *more):
        layout.addWidget(item)
    return box


class EntryPanel(QGroupBox):
    def __init__(self, vm: TicketViewModel, binder: Binder) -> None:
        super().__init__("Entry")
        self.vm = vm
        self.side = SideToggle()
        self.qty = _labelled(QSpinBox(), "Quantity")
        # Whatever is typed reaches the rules, which say at the field what is wrong with it: a
        # spin box refuses digits past its maximum, and 10000 would silently become 1000.
        self.qty.setRange(0, QTY_FIELD_MAX)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.order_type = _labelled(QComboBox(), "Order type")
        self.order_type.addItems([t.value for t in ENTRY_TYPES])
        stepper = price_stepper(vm)
        self.price = _labelled(StepEdit(stepper), "Limit price")
        self.stop_price = _labelled(StepEdit(stepper), "Stop price")
        self.reference = _labelled(StepEdit(stepper), "Market price")
        self.reference.setPlaceholderText("price the exits are measured from")
        self.tif = _labelled(QComboBox(), "Time in force")
        self.tif.addItems([t.value for t in TIFS])
        self.expire = _labelled(QDateTimeEdit(), "Expires")
        self.expire.setCalendarPopup(True)
        self.expire.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.expire.setDateTime(QDateTime.currentDateTime().addSecs(3600 * 4))
        self.text = _labelled(QLineEdit(), "Order text")
        self.text.setMaxLength(64)
        self.text.setPlaceholderText("optional, shown in Tradovate")
        self.notes = {
            f: FieldNote()
            for f in (
                TicketField.QTY,
                TicketField.ORDER_TYPE,
                TicketField.PRICE,
                TicketField.STOP_PRICE,
                TicketField.REFERENCE_PRICE,
                TicketField.EXPIRE_TIME,
                TicketField.TIME_IN_FORCE,
                TicketField.TEXT,
            )
        }

        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # 4 px, not the exits' 6: the column also holds the preset row, and the window must
        # still fit a 1366x768 laptop
        self.form.setVerticalSpacing(4)
        # Two fields to a row where they fit: with a stop-limit's three price rows the column
        # must still fit a 1366x768 laptop
        self.form.addRow(
            "Side",
            _pair(
                self.side, "Quantity", _with_note(self.qty, self.notes[TicketField.QTY]), self.qty
            ),
        )
        self.form.addRow(
            "Order type",
            _pair(
                _with_note(self.order_type, self.notes[TicketField.ORDER_TYPE]),
                "Time in force",
                _with_note(self.tif, self.notes[TicketField.TIME_IN_FORCE]),
                self.tif,
            ),
        )
        self.price_row = _with_note(self.price, self.notes[TicketField.PRICE])
        self.stop_row = _with_note(self.stop_price, self.notes[TicketField.STOP_PRICE])
        self.reference_note = QLabel("")
        self.reference_note.setAccessibleName("Reference used")
        self.reference_note.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        self.reference_row = _with_note(
            self.reference, self.notes[TicketField.REFERENCE_PRICE], self.reference_note
        )
        self.expire_row = _with_note(self.expire, self.notes[TicketField.EXPIRE_TIME])
        # a stop-limit's two prices share one row: "Stop price [..] Limit price [..]"
        self.prices_label = QLabel("Limit price")
        self.limit_inline = _inline_label("Limit price", self.price)
        self.prices_row = QWidget()
        prices = QHBoxLayout(self.prices_row)
        prices.setContentsMargins(0, 0, 0, 0)
        top = Qt.AlignmentFlag.AlignTop
        prices.addWidget(self.stop_row, 1, top)
        prices.addWidget(self.limit_inline, 0, top)
        prices.addWidget(self.price_row, 1, top)
        self.form.addRow(self.prices_label, self.prices_row)
        self.form.addRow("Market price", self.reference_row)
        self.form.addRow("Expires", self.expire_row)
        self.form.addRow("Order text", _with_note(self.text, self.notes[TicketField.TEXT]))

        self.side.changed.connect(lambda action: vm.set("action", action))
        binder.spin(self.qty, "qty")
        binder.combo(self.order_type, "order_type", ENTRY_TYPES)
        binder.line(self.price, "price")
        binder.line(self.stop_price, "stop_price")
        binder.line(self.reference, "reference_price")
        binder.combo(self.tif, "time_in_force", TIFS)
        binder.line(self.text, "text")
        self.expire.dateTimeChanged.connect(self._on_expire_changed)
        # the field's starting value is the program's, not an edit
        vm.update(
            expire_time=datetime.fromtimestamp(self.expire.dateTime().toSecsSinceEpoch(), UTC)
        )
        vm.field_changed.connect(self._on_field_changed)
        vm.evaluated.connect(self.show_evaluation)

    def _on_field_changed(self, name: str) -> None:
        if name == "action":
            self.side.set_action(self.vm.draft.action)

    def _on_expire_changed(self, moment: QDateTime) -> None:
        seconds = moment.toSecsSinceEpoch()
        self.vm.set("expire_time", datetime.fromtimestamp(seconds, UTC))

    def show_evaluation(self, evaluation: Evaluation) -> None:
        order_type = self.vm.draft.order_type
        needs_price, needs_stop = order_type.needs_price, order_type.needs_stop_price
        self.form.setRowVisible(self.prices_row, needs_price or needs_stop)
        self.prices_label.setText("Stop price" if needs_stop else "Limit price")
        self.stop_row.setVisible(needs_stop)
        self.price_row.setVisible(needs_price)
        self.limit_inline.setVisible(needs_price and needs_stop)
        self.form.setRowVisible(
            self.reference_row, order_type is OrderType.MARKET or order_type.is_trailing
        )
        self.form.setRowVisible(self.expire_row, self.vm.draft.time_in_force is TimeInForce.GTD)
        for field, note in self.notes.items():
            note.show_problems(evaluation.at(field))
        self.reference_note.setText(evaluation.reference_note)
        self.reference_note.setVisible(bool(evaluation.reference_note))


class BracketPanel(QGroupBox):
    """A stop-loss or take-profit: on/off, order type, and a distance in the trader's unit.

    The take-profit can scale out: up to three targets sharing the one stop, each with its
    contracts. The first is the take-profit's own distance with a quantity beside it; the others
    share one compact line, hidden until the trader adds a target."""

    def __init__(self, vm: TicketViewModel, binder: Binder, stop_loss: bool) -> None:
        title = "Stop-loss" if stop_loss else "Take-profit"
        super().__init__(title)
        self.vm = vm
        self.stop_loss = stop_loss
        prefix = "sl" if stop_loss else "tp"
        self.setCheckable(True)
        self.setAccessibleName(f"{title} on")
        types = STOP_LOSS_TYPES if stop_loss else TAKE_PROFIT_TYPES
        units = (
            (DistanceUnit.TICKS, DistanceUnit.PRICE, DistanceUnit.MONEY)
            if stop_loss
            else (DistanceUnit.TICKS, DistanceUnit.PRICE, DistanceUnit.MONEY, DistanceUnit.R)
        )
        self.units = units
        self.order_type = _labelled(QComboBox(), f"{title} order type")
        self.order_type.addItems([t.value for t in types])
        self.distance = _labelled(StepEdit(self._step), f"{title} distance")
        self.unit = _labelled(QComboBox(), f"{title} unit")
        self.unit.addItems([UNIT_LABELS[u] for u in units])
        self.result = QLabel("–")
        self.result.setObjectName("exitResult")
        self.result.setAccessibleName(f"{title} exit at")
        self.field = TicketField.STOP_LOSS if stop_loss else TicketField.TAKE_PROFIT
        self.note = FieldNote()
        self.type_note = FieldNote()

        form = QFormLayout(self)
        self.form = form
        form.addRow("Order type", _with_note(self.order_type, self.type_note))
        distance_row = QWidget()
        row = QHBoxLayout(distance_row)
        row.setContentsMargins(0, 0, 0, 0)
        targets = None if stop_loss else TargetRows(vm, self._step, number_stepper)
        if targets is not None:
            row.addWidget(targets.first_qty)
            row.addWidget(targets.times)
        row.addWidget(self.distance, 1)
        row.addWidget(self.unit)
        if targets is not None:
            row.addWidget(targets.add)  # beside the distance: no row of its own
        form.addRow("Distance", _with_note(distance_row, self.note))
        if stop_loss:
            self.limit_offset = _labelled(QSpinBox(), f"{title} limit")
            self.limit_offset.setRange(0, 1000)
            self.limit_offset.setSuffix(" ticks past the stop")
            self.limit_row = self.limit_offset
            form.addRow("Limit", self.limit_offset)
            binder.spin(self.limit_offset, "sl_limit_offset")
        else:
            assert targets is not None
            form.addRow("More", targets.more)
        form.addRow("Exit at", self.result)
        self.targets = targets
        if targets is not None:
            targets.place_in(form, self.result)

        binder.check(self, f"{prefix}_enabled")
        binder.combo(self.order_type, f"{prefix}_type", types)
        binder.line(self.distance, f"{prefix}_distance")
        binder.combo(self.unit, f"{prefix}_unit", units)
        vm.evaluated.connect(self.show_evaluation)

    def _step(self, text: str, direction: int) -> str | None:
        unit = getattr(self.vm.draft, "sl_unit" if self.stop_loss else "tp_unit")
        if unit is DistanceUnit.PRICE:
            return price_stepper(self.vm)(text, direction)
        return number_stepper(text, direction)

    def show_evaluation(self, evaluation: Evaluation) -> None:
        if self.stop_loss:
            self.form.setRowVisible(self.limit_row, self.vm.draft.sl_type is OrderType.STOP_LIMIT)
        elif self.targets is not None and self.targets.count != len(self.vm.draft.targets):
            self.targets.show_draft()
        self.note.show_problems(evaluation.at(self.field))
        type_field = TicketField.STOP_LOSS_TYPE if self.stop_loss else TicketField.TAKE_PROFIT_TYPE
        self.type_note.show_problems(evaluation.at(type_field))
        plan = evaluation.assessment.plan if evaluation.assessment else None
        side = (plan.risk if self.stop_loss else plan.reward) if plan else None
        if side is None or evaluation.form is None or not self.isChecked():
            self.result.setText("–")
            return
        colour = theme.text.loss if self.stop_loss else theme.text.gain
        self.result.setText(describe_side(evaluation.form.instrument, side, colour))


def describe_side(instrument: Instrument, side: Side, colour: str) -> str:
    return (
        f"<b style='color:{colour}'>{instrument.format_price(side.price)}</b> &nbsp; "
        f"{side.ticks} ticks · {side.per_contract:,.2f} {instrument.currency} per contract"
    )


class PlanPanel(QGroupBox):
    """Risk, reward and R:R, always in view; sizing from a risk budget; commission."""

    def __init__(self, vm: TicketViewModel, binder: Binder) -> None:
        super().__init__("Plan")
        self.vm = vm
        self.balance: Decimal | None = None
        self.risk = self._value("Risk")
        self.reward = self._value("Reward")
        self.ratio = self._value("Reward : risk")
        self.budget = _labelled(QLineEdit(), "Risk budget")
        self.budget.setPlaceholderText("e.g. 500")
        self.budget.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.budget_unit = _labelled(QComboBox(), "Risk budget unit")
        self.budget_unit.addItems(["$ at risk", "% of balance"])
        self.sizing = QLabel("")
        self.sizing.setAccessibleName("Sizing result")
        self.use_size = QPushButton("Use")
        self.use_size.setAccessibleName("Use size")
        self.use_size.setEnabled(False)
        self.commission = _labelled(QLineEdit(), "Commission")
        self.commission.setPlaceholderText("0.00")
        self.commission.setToolTip("Commission per contract, round turn, included in the plan")
        self.commission.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.commission.setMaximumWidth(110)
        self.commission_note = FieldNote()
        self._suggested: int | None = None

        grid = QGridLayout(self)
        for column, (title, value) in enumerate(
            (("Risk", self.risk), ("Reward", self.reward), ("Reward : risk", self.ratio))
        ):
            caption = QLabel(title)
            caption.setObjectName("planCaption")
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
        size_row = QWidget()
        row = QHBoxLayout(size_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Size from risk"))
        row.addWidget(self.budget)
        row.addWidget(self.budget_unit)
        row.addWidget(self.sizing, 1)
        row.addWidget(self.use_size)
        grid.addWidget(size_row, 2, 0, 1, 2)
        # one row for sizing and commission: the window must fit a 1366x768 laptop screen
        commission_row = QWidget()
        row = QHBoxLayout(commission_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Commission"))
        row.addWidget(self.commission)
        row.addStretch(1)
        grid.addWidget(commission_row, 2, 2)
        grid.addWidget(self.commission_note, 3, 2)
        grid.setVerticalSpacing(2)

        binder.line(self.commission, "commission")
        self.budget.textChanged.connect(lambda _: self._resize())
        self.budget_unit.currentIndexChanged.connect(lambda _: self._resize())
        self.use_size.clicked.connect(self._on_use_size)
        vm.evaluated.connect(self.show_evaluation)

    def _value(self, name: str) -> QLabel:
        label = QLabel("–")
        label.setObjectName("planValue")
        label.setAccessibleName(name)
        label.setTextFormat(Qt.TextFormat.RichText)
        return label

    def show_evaluation(self, evaluation: Evaluation) -> None:
        self.commission_note.show_problems(evaluation.at(TicketField.COMMISSION))
        plan = evaluation.assessment.plan if evaluation.assessment else None
        form = evaluation.form
        if plan is None or form is None:
            for label in (self.risk, self.reward, self.ratio):
                label.setText("–")
        else:
            ccy = form.instrument.currency
            self.risk.setText(
                self._side_text(plan.risk, ccy, "not limited: no stop-loss", theme.text.loss)
            )
            self.reward.setText(
                self._side_text(plan.reward, ccy, "no take-profit", theme.text.gain)
            )
            self.ratio.setText(f"<b>{plan.reward_to_risk}</b>" if plan.reward_to_risk else "–")
            if self.vm.scaleout is not None:
                self._show_blended(self.vm.scaleout, ccy)
        self._resize()

    def _show_blended(self, scaleout: ScaleOutEvaluation, currency: str) -> None:
        """A scale-out: the reward of every part together, and reward to risk over the whole."""
        judged = scaleout.judged
        blended = judged.blended if judged is not None else None
        if blended is None:
            self.reward.setText("–")
            self.ratio.setText("–")
            return
        self.reward.setText(
            f"<b style='color:{theme.text.gain}'>{blended.reward:,.2f} {currency}</b><br>"
            f"{describe_targets(scaleout, theme.text.gain)}"
        )
        self.reward.setToolTip(
            f"{blended.average_ticks.normalize():f} ticks on average to the targets"
        )
        ratio = blended.reward_to_risk
        self.ratio.setText(f"<b>{ratio}</b><br>blended" if ratio is not None else "–")

    @staticmethod
    def _side_text(side: Side | None, currency: str, missing: str, colour: str) -> str:
        if side is None:
            return f"<span style='color:{theme.text.warning}'>{missing}</span>"
        return (
            f"<b style='color:{colour}'>{side.total:,.2f} {currency}</b><br>{side.ticks} ticks"
            f" · {side.per_contract:,.2f} per contract"
        )

    def _resize(self) -> None:
        self._suggested = None
        self.use_size.setEnabled(False)
        text = self.budget.text().strip()
        plan = self.vm.evaluation.assessment.plan if self.vm.evaluation.assessment else None
        if not text:
            self.sizing.setText("")
            return
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            self.sizing.setText("not a number")
            return
        if self.budget_unit.currentIndex() == 1:
            if self.balance is None:
                self.sizing.setText("balance not known yet")
                return
            amount = budget_from_percent(self.balance, amount)
        if plan is None or plan.risk is None or plan.risk.per_contract <= 0:
            self.sizing.setText("needs a stop-loss")
            return
        sizing = size_from_risk(amount, plan.risk.per_contract)
        self._suggested = sizing.contracts
        self.sizing.setText(
            f"→ <b>{sizing.contracts}</b> contracts, risking "
            f"{sizing.risk_used:,.2f} (leftover {sizing.leftover:,.2f})"
        )
        self.use_size.setEnabled(sizing.contracts > 0)

    def _on_use_size(self) -> None:
        if self._suggested:
            self.vm.update(qty=self._suggested)
