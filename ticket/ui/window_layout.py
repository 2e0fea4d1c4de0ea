"""The window's widgets and where they sit: the environment banner, the session bar, the
contract row, the entry and exit panels, the plan, Place, the outcome and the orders table."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ticket.domain.rules import (
    OVERRIDE_DISTANCE,
    OVERRIDE_NOTIONAL,
    OVERRIDE_QTY,
    OVERRIDE_RISK,
    OVERRIDE_UNCHECKED,
)
from ticket.ui.orders_table import OrdersTable
from ticket.ui.panels import BracketPanel, EntryPanel, PlanPanel
from ticket.ui.quotes import QuoteBar
from ticket.ui.settings_dialog import LimitsNotice
from ticket.ui.status_area import StatusArea
from ticket.ui.style import STYLESHEET
from ticket.ui.theme import CHOICES
from ticket.ui.widgets import FieldNote
from ticket.ui.window_parts import WindowParts

OVERRIDE_LABELS = {
    OVERRIDE_QTY: "Allow more contracts than my limit",
    OVERRIDE_RISK: "Allow more risk than my limit",
    OVERRIDE_DISTANCE: "Allow an entry this far from the last price",
    OVERRIDE_NOTIONAL: "Allow an order worth more than my limit",
    OVERRIDE_UNCHECKED: "Use the market price I typed (no last price to check it)",
}


class WindowLayout(WindowParts):
    """Builds the widgets once, on the GUI thread; the other parts fill them in."""

    def _build(self) -> None:
        self.setStyleSheet(STYLESHEET)
        self.frame = QFrame()
        self.frame.setObjectName("envFrame")
        outer = QVBoxLayout(self.frame)
        outer.setContentsMargins(8, 0, 8, 6)
        outer.setSpacing(4)

        self.banner = QLabel()
        self.banner.setAccessibleName("Environment")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.banner)
        outer.addWidget(self.safety.banner)
        self.status_area = StatusArea()
        outer.addWidget(self.status_area)
        self.hint = self._first_run_hint()
        outer.addWidget(self.hint)
        self.limits_notice = LimitsNotice(self.limits_report)
        outer.addWidget(self.limits_notice)

        bar = QHBoxLayout()
        self.account_box = QComboBox()
        self.account_box.setAccessibleName("Account")
        self.account_box.setMinimumWidth(120)
        self.cash = QLabel("")
        self.cash.setAccessibleName("Cash balance")
        self.state = QLabel("Not connected")
        self.state.setAccessibleName("Connection")
        self.feed_state = QLabel("")
        self.feed_state.setAccessibleName("Account stream")
        self.connect_button = QPushButton("Sign in…")
        self.connect_button.setAccessibleName("Sign in")
        self.connect_button.setToolTip("Sign in to Tradovate DEMO, LIVE or another server")
        self.practice_button = QPushButton("Practice")
        self.practice_button.setAccessibleName("Practice")
        self.practice_button.setToolTip("Trade on the built-in simulator")
        bar.addWidget(QLabel("Account"))
        bar.addWidget(self.account_box)
        bar.addWidget(self.cash)
        bar.addStretch(1)
        bar.addWidget(self.state)
        bar.addWidget(self.practice_button)
        bar.addWidget(self.connect_button)
        # in this bar, not the actions row below: that row is the window's widest
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.setToolTip("Fat-finger limits of this product and of the others")
        bar.addWidget(self.settings_button)
        outer.addLayout(bar)

        contract_row = QHBoxLayout()
        self.symbol = QLineEdit()
        self.symbol.setAccessibleName("Contract")
        self.symbol.setPlaceholderText("ES, ESZ6, CL…")
        self.symbol.setMaximumWidth(140)
        self.completions = QStringListModel(self)
        completer = QCompleter(self.completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.symbol.setCompleter(completer)
        self.contract_info = QLabel("")
        self.contract_info.setAccessibleName("Contract details")
        self.contract_info.setWordWrap(True)
        self.contract_note = FieldNote()
        contract_row.addWidget(QLabel("Contract"))
        contract_row.addWidget(self.symbol)
        contract_row.addWidget(self.contract_info, 1)
        # here, not in the session bar above: that bar sets the window's narrowest width
        contract_row.addWidget(self.feed_state)
        outer.addLayout(contract_row)
        self.quote_bar = QuoteBar()
        outer.addWidget(self.quote_bar)
        outer.addWidget(self.contract_note)

        self.entry = EntryPanel(self.vm, self.binder)
        self.stop_loss = BracketPanel(self.vm, self.binder, stop_loss=True)
        self.take_profit = BracketPanel(self.vm, self.binder, stop_loss=False)
        self.brackets_note = FieldNote()
        exits = QVBoxLayout()
        exits.addWidget(self.stop_loss)
        exits.addWidget(self.take_profit)
        exits.addWidget(self.brackets_note)
        exits.addStretch(1)
        # the entry column is shorter than the exits: the preset row costs no height there
        entry_column = QVBoxLayout()
        entry_column.addWidget(self.entry)
        entry_column.addWidget(self._build_preset_bar())
        entry_column.addStretch(1)
        panels = QGridLayout()
        panels.addLayout(entry_column, 0, 0)
        panels.addLayout(exits, 0, 1)
        panels.setColumnStretch(0, 1)
        panels.setColumnStretch(1, 1)
        outer.addLayout(panels)

        self.plan = PlanPanel(self.vm, self.binder)
        outer.addWidget(self.plan)

        overrides = QHBoxLayout()
        self.override_boxes: dict[str, QCheckBox] = {}
        for code, label in OVERRIDE_LABELS.items():
            box = QCheckBox(label)
            box.setAccessibleName(label)
            box.setVisible(False)
            box.toggled.connect(self._on_override_toggled)
            self.override_boxes[code] = box
            overrides.addWidget(box)
        overrides.addStretch(1)
        outer.addLayout(overrides)

        self.place_button = QPushButton("Place")
        self.place_button.setObjectName("place")
        self.place_button.setAccessibleName("Place")
        self.place_button.setMinimumHeight(44)
        outer.addWidget(self.place_button)

        self.outcome = QLabel("")
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.outcome)

        outer.addWidget(self._build_trade_row())

        actions = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel selected order")
        self.cancel_button.setAccessibleName("Cancel selected order")
        self.flatten_button = QPushButton("Flatten contract")
        self.flatten_button.setAccessibleName("Flatten contract")
        self.flatten_button.setToolTip("Cancel this contract's working orders, then close it")
        self.journal_button = QPushButton("Journal…")
        self.journal_button.setAccessibleName("Journal")
        self.appearance = QComboBox()
        self.appearance.setAccessibleName("Appearance")
        self.appearance.setToolTip("Light or dark: as the system, or always one")
        for label in ("System colours", "Light", "Dark"):
            self.appearance.addItem(label)
        self.appearance.setCurrentIndex(CHOICES.index(self.theme.choice))
        self.keys_button = QPushButton("Keys…")
        self.keys_button.setAccessibleName("Keys")
        self.keys_button.setToolTip("The keyboard shortcuts")
        actions.addWidget(QLabel("Today's orders"))
        actions.addStretch(1)
        for button in (
            self.cancel_button,
            self.flatten_button,
            self.journal_button,
            self.keys_button,
            self.appearance,
        ):
            actions.addWidget(button)
        outer.addLayout(actions)

        # follows the account feed and the contracts resolved; its own cancels speak in the outcome
        self.orders = OrdersTable(self.session, self.journal)
        self.orders.message.connect(self.outcome.setText)
        outer.addWidget(self.orders, 1)

        self.setCentralWidget(self.frame)
        self.resize(940, 700)  # fits a 1366x768 laptop with its taskbar
        self.setTabOrder(self.symbol, self.entry.side.buy)

    def _first_run_hint(self) -> QFrame:
        """Shown until dismissed: where the trader is and how to reach a real account."""
        hint = QFrame()
        hint.setObjectName("hint")
        hint.setStyleSheet("QFrame#hint { border: 1px solid palette(mid); border-radius: 4px; }")
        text = QLabel(
            "You are practising on the built-in simulator: account SIM1 with $50,000, no real "
            "orders. To trade your Tradovate DEMO or LIVE account, click <b>Sign in…</b> and "
            "enter your username, password and API key (cid and secret)."
        )
        text.setWordWrap(True)
        text.setAccessibleName("First-run hint")
        close = QPushButton("Got it")
        close.setAccessibleName("Dismiss hint")
        layout = QHBoxLayout(hint)
        layout.addWidget(text, 1)
        layout.addWidget(close)

        def dismiss() -> None:
            hint.setVisible(False)
            self.settings.setValue("hint/dismissed", True)
            self.settings.sync()

        close.clicked.connect(dismiss)
        hint.setVisible(str(self.settings.value("hint/dismissed", "false")).lower() != "true")
        return hint
