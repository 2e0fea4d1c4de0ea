"""The ticket window: environment and account bar, contract, entry, two exits, the plan, Place,
the outcome and the orders placed since start. It shows what the view-model says and sends
what the domain builds; broker calls go through `SessionController`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QSettings, QSignalBlocker, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from ticket import limits_file
from ticket.broker.contracts import ResolvedContract
from ticket.broker.marketdata import FeedState, Quote
from ticket.broker.models import Account, CashBalance
from ticket.broker.orders import Outcome, Status
from ticket.credentials import Credentials, CredentialStore, KeyringUnavailable
from ticket.domain.build import AccountRef, build_place_oso, new_cl_ord_id
from ticket.domain.draft import Evaluation
from ticket.domain.guards import DuplicateGuard, OrderKey
from ticket.domain.orders import Action, OrderType, PlaceOsoRequest
from ticket.domain.rules import (
    OVERRIDE_DISTANCE,
    OVERRIDE_NOTIONAL,
    OVERRIDE_QTY,
    OVERRIDE_RISK,
    OVERRIDE_UNCHECKED,
    Problem,
    Severity,
)
from ticket.domain.ticket import DistanceUnit, TicketField
from ticket.journal import Journal
from ticket.services import SIM_CREDENTIALS, Environment
from ticket.ui import keys, theme
from ticket.ui.binding import Binder
from ticket.ui.confirm import ConfirmDialog
from ticket.ui.journal_view import JournalDialog
from ticket.ui.orders_table import STATUS, OrdersTable
from ticket.ui.panels import BracketPanel, EntryPanel, PlanPanel
from ticket.ui.quotes import QuoteBar
from ticket.ui.safety import SafetyController
from ticket.ui.session import SessionController
from ticket.ui.settings_dialog import LimitsNotice, open_settings
from ticket.ui.signin import SignInDialog
from ticket.ui.style import ENV_COLOURS, ENV_TITLES, STYLESHEET
from ticket.ui.theme import CHOICES, Theme
from ticket.ui.viewmodel import TicketViewModel
from ticket.ui.widgets import FieldNote, plain

OVERRIDE_LABELS = {
    OVERRIDE_QTY: "Allow more contracts than my limit",
    OVERRIDE_RISK: "Allow more risk than my limit",
    OVERRIDE_DISTANCE: "Allow an entry this far from the last price",
    OVERRIDE_NOTIONAL: "Allow an order worth more than my limit",
    OVERRIDE_UNCHECKED: "Use the market price I typed (no last price to check it)",
}
OUTCOME_COLOURS = {
    Status.PLACED: "buy",
    Status.REJECTED: "error",
    Status.PENALISED: "warning",
    Status.NOT_PLACED: "warning",
    Status.UNKNOWN: "error",
}
AFTER_SEND_MS = 15  # bookkeeping waits until the request is on the wire (loopback: ~1 ms)


def money(value: Decimal) -> str:
    """At least two decimals, more only when the value has them (ZN's tick is 15.625)."""
    text = f"{value.normalize():f}"
    decimals = len(text.partition(".")[2])
    return f"{value:,.{max(decimals, 2)}f}"


class TicketWindow(QMainWindow):
    quote_shown = Signal(float)  # perf_counter when a quote reached the screen

    def __init__(
        self,
        settings: QSettings,
        store_factory: type[CredentialStore] | None = None,
        default_symbol: str = "ES",
        journal: Journal | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.journal = journal or Journal.default()
        self.guard = DuplicateGuard(window=5.0)
        self._switched_at: float | None = None
        self.question: QMessageBox | None = None
        self._store_factory = store_factory
        self._default_symbol = default_symbol
        saved = str(settings.value("appearance", "system"))
        self.theme = Theme(parent=self)
        self.theme.choice = next((c for c in CHOICES if c == saved), "system")
        self.theme.apply()  # before any widget reads a colour
        self.limits_report = limits_file.load()
        self.vm = TicketViewModel(self.limits_report.settings, parent=self)
        self.session = SessionController(self)
        self.binder = Binder(self.vm)
        self.account: Account | None = None
        self.contract: ResolvedContract | None = None
        self._asked = ""  # what the trader typed for the current contract (ES for ESZ6)
        self._priced_for = ""  # the contract the typed prices belong to
        self.in_flight = False
        self.confirm: ConfirmDialog | None = None
        self._penalty: tuple[PlaceOsoRequest, str | None, float] | None = None
        self._bookkeeping: tuple[PlaceOsoRequest, Evaluation, str | None] | None = None
        self._environment_shown: Environment | None = None
        self._shape: tuple[object, ...] = ()  # contract, side and size the overrides were for
        self._card_for: tuple[object, ...] | None = None
        self._card_sent = False
        self.safety = SafetyController(self, self.journal)
        self._build()
        for note in self.findChildren(FieldNote):
            if note is not self.contract_note:  # a contract typed and not found is no hint
                note.quiet = lambda: not self.vm.touched
        self._connect_signals()
        self._show_environment(None)
        self.vm.refresh()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- layout --

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
        panels = QGridLayout()
        panels.addWidget(self.entry, 0, 0, Qt.AlignmentFlag.AlignTop)
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
        actions.addWidget(QLabel("Orders since start"))
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

        self.orders = OrdersTable()
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

    def _connect_signals(self) -> None:
        vm, session = self.vm, self.session
        vm.evaluated.connect(self._on_evaluated)
        session.connecting.connect(self._on_connecting)
        session.connected.connect(self._on_connected)
        session.failed.connect(self._on_failed)
        session.balance.connect(self._on_balance)
        session.contract_resolved.connect(self._on_contract_resolved)
        session.contract_failed.connect(self._on_contract_failed)
        session.suggestions.connect(self._on_suggestions)
        session.order_done.connect(self._on_order_done)
        session.token_changed.connect(lambda _expires: self._on_connected_state())
        session.session_note.connect(self._on_session_note)
        session.sign_in_wait.connect(self._on_sign_in_wait)
        session.sign_in_stopped.connect(self._on_sign_in_stopped)
        session.feed.quote.connect(self._on_quote)
        session.feed.state.connect(self._on_feed_state)
        self.quote_bar.picked.connect(self._on_price_picked)
        self._quote_timer = QTimer(self, interval=250)
        self._quote_timer.timeout.connect(self._on_quote_timer)
        self._quote_timer.start()
        self.account_box.currentIndexChanged.connect(self._on_account_changed)
        self.symbol.returnPressed.connect(self._on_symbol_entered)
        self.symbol.editingFinished.connect(self._on_symbol_entered)
        self._suggest_timer = QTimer(self, singleShot=True, interval=200)
        self._suggest_timer.timeout.connect(lambda: session.suggest(self.symbol.text()))
        self.symbol.textEdited.connect(self._on_symbol_edited)
        self.place_button.clicked.connect(self.place)
        self.safety.message.connect(self.outcome.setText)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.flatten_button.clicked.connect(self._on_flatten_clicked)
        self.journal_button.clicked.connect(self._show_journal)
        self.settings_button.clicked.connect(lambda: open_settings(self))
        self.connect_button.clicked.connect(self.sign_in)
        self.practice_button.clicked.connect(lambda: self.start(None))
        keys.install(self)
        self.theme.changed.connect(self.restyle)
        self.theme.changed.connect(self.limits_notice.restyle)
        self.appearance.currentIndexChanged.connect(self._on_appearance_chosen)
        self.keys_button.clicked.connect(lambda: keys.KeysDialog(self).open())
        self._penalty_timer = QTimer(self, interval=250)
        self._penalty_timer.timeout.connect(self._on_penalty_tick)
        self._warm_timer = QTimer(self, interval=30_000)
        self._warm_timer.timeout.connect(session.keep_warm)
        self._warm_timer.start()

    # -- connection --

    def start(self, url: str | None, credentials: Credentials | None = None) -> None:
        """Connect: None means the embedded simulator. Runs off the GUI thread."""
        if self.account is not None:
            self._switched_at = time.monotonic()
        self.safety.monitor.follow(None)
        self.account = None
        self.contract = None
        self.account_box.clear()
        self.vm.set_contract("", None)
        self.session.connect_with_url(url, credentials or SIM_CREDENTIALS)

    def sign_in(self) -> None:
        store = self._store()
        dialog = SignInDialog(store, str(self.settings.value("signin/user", "")), self)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.result_request is None:
            return
        request = dialog.result_request
        self.settings.setValue("signin/user", request.credentials.username)
        if request.remember and store is not None:
            try:
                store.set(request.environment.value, request.credentials)
            except KeyringUnavailable as exc:
                self.outcome.setText(plain(str(exc)))
        self.start(request.url, request.credentials)

    def _store(self) -> CredentialStore | None:
        if self._store_factory is None:
            return None
        try:
            return self._store_factory()
        except KeyringUnavailable as exc:
            self.outcome.setText(plain(str(exc)))
            return None

    def _show_environment(self, environment: Environment | None) -> None:
        colour = ENV_COLOURS[environment] if environment else "#757575"
        title = ENV_TITLES[environment] if environment else "Not connected"
        self.banner.setText(title)
        self.banner.setStyleSheet(
            f"background:{colour}; color:white; font-weight:bold; font-size:14px; padding:6px;"
        )
        self.frame.setStyleSheet(f"QFrame#envFrame {{ border: 4px solid {colour}; }}")
        self._environment_shown = environment
        self._update_title()

    def _update_title(self) -> None:
        """Where an order would go, in the title bar: ticket — SIM · SIM1 · NQZ6."""
        environment = self._environment_shown
        parts = [environment.value if environment else "not connected"]
        if environment and self.account:
            parts.append(self.account.name)
        if environment and self.contract:
            parts.append(self.contract.contract.name)
        self.setWindowTitle("ticket — " + " · ".join(parts))

    def _on_connecting(self, text: str) -> None:
        self._show_environment(None)
        self.state.setText(text)
        self._update_place()

    def _on_connected(self, environment: Environment, accounts: list[Account]) -> None:
        self._show_environment(environment)
        self.journal.write(
            "connected", environment=environment.value, accounts=[a.name for a in accounts]
        )
        self._on_connected_state()
        with QSignalBlocker(self.account_box):
            self.account_box.clear()
            for account in accounts:
                self.account_box.addItem(account.name)
        self._on_account_changed(0 if accounts else -1)
        text = self.symbol.text().strip() or self._default_symbol
        self.symbol.setText(text)
        self.session.resolve(text)

    def _on_failed(self, message: str) -> None:
        self.state.setText("Error")
        self.outcome.setText(f"<span style='color:{theme.text.error}'>{plain(message)}</span>")
        self._update_place()  # an order in flight ends only with its own outcome

    def _on_account_changed(self, index: int) -> None:
        previous = self.account
        self.account = (
            self.session.accounts[index] if 0 <= index < len(self.session.accounts) else None
        )
        if previous is not None and previous != self.account:
            self._switched_at = time.monotonic()
        self.safety.monitor.follow(self.account.id if self.account else None)
        self._update_title()
        self.cash.setText("")
        if self.account is not None:
            self.session.load_balance(self.account)
        self._update_place()

    def _on_balance(self, account: Account, cash: CashBalance) -> None:
        if account is self.account and cash.total_cash_value is not None:
            self.cash.setText(f"cash {cash.total_cash_value:,.2f}")
            self.plan.balance = cash.total_cash_value

    # -- contract --

    def _typed_symbol(self) -> str:
        return self.symbol.text().strip().upper()

    def _symbol_matches_contract(self) -> bool:
        """The Contract field shows the contract the ticket would trade (not something typed
        since and not yet looked up)."""
        typed = self._typed_symbol()
        return (
            self.contract is not None
            and typed != ""
            and typed in (self.contract.contract.name, self._asked)
        )

    def _on_symbol_edited(self, _text: str) -> None:
        self._suggest_timer.start()
        self._update_place()

    def _on_symbol_entered(self) -> None:
        text = self._typed_symbol()
        if not text or (self._symbol_matches_contract() and self.session.resolving is None):
            if self.contract is not None and text:
                with QSignalBlocker(self.symbol):
                    self.symbol.setText(self.contract.contract.name)
            self._update_place()
            return
        if text == self.session.resolving:
            return
        self.contract_info.setText(f"Looking up {plain(text)}…")
        self.session.resolve(text)
        self._update_place()

    def _on_suggestions(self, text: str, contracts: list) -> None:
        self.completions.setStringList([c.name for c in contracts])

    def _on_contract_resolved(self, text: str, resolved: ResolvedContract) -> None:
        if text != self._typed_symbol():
            self._update_place()
            return  # the trader typed something else meanwhile: that will be looked up
        previous = self.contract.contract.name if self.contract else self._priced_for
        self.contract = resolved
        self._asked = text
        if previous and previous != resolved.contract.name:
            self._clear_prices()
        self._priced_for = resolved.contract.name
        self._update_title()
        instrument = resolved.instrument
        with QSignalBlocker(self.symbol):
            self.symbol.setText(resolved.contract.name)
        style = (
            "32nds (110'16.5)"
            if instrument.price_format.kind == "fractional"
            else f"{instrument.price_format.places} decimals"
        )
        self.contract_info.setText(
            f"<b>{plain(instrument.description)}</b> · tick "
            f"{instrument.price_format.format_tick(instrument.tick_size)} = "
            f"{money(instrument.tick_value)} {instrument.currency} · prices in {style}"
        )
        self.contract_note.show_problems(
            ()
            if resolved.from_broker
            else (
                Problem(
                    field=TicketField.SYMBOL,
                    message=f"Tick size and value from the built-in table, not from Tradovate. "
                    f"{resolved.fallback_reason or ''}",
                    severity=Severity.WARNING,
                ),
            )
        )
        self.quote_bar.set_instrument(instrument)
        self.vm.set_market(self.quote_bar.market_view())
        self.vm.set_contract(resolved.contract.name, instrument)
        self.session.feed.watch(resolved.contract.name, resolved.contract.id)

    def _clear_prices(self) -> None:
        """Nothing typed for one contract may survive onto another: prices, exits given as a
        price, and every override."""
        draft = self.vm.draft
        changes: dict[str, object] = {"price": "", "stop_price": "", "reference_price": ""}
        if draft.sl_unit is DistanceUnit.PRICE:
            changes["sl_distance"] = ""
        if draft.tp_unit is DistanceUnit.PRICE:
            changes["tp_distance"] = ""
        self.reset_overrides()
        self.vm.update(**changes)

    def _on_contract_failed(self, text: str, message: str) -> None:
        if text != self._typed_symbol():
            self._update_place()
            return
        self.contract = None
        self.contract_info.setText("")
        self.vm.set_contract("", None)
        self.contract_note.show_problems(
            (Problem(field=TicketField.SYMBOL, message=f"{text}: {message}"),)
        )

    # -- quotes --

    def _on_quote(self, quote: Quote) -> None:
        if self.contract is None or quote.contract_id != self.contract.contract.id:
            return
        self.quote_bar.show_quote(quote)
        self.vm.set_market(self.quote_bar.market_view())
        self.quote_shown.emit(time.perf_counter())

    def _on_feed_state(self, state: str, detail: str) -> None:
        self.quote_bar.set_state(FeedState(state), detail)
        self.vm.set_market(self.quote_bar.market_view())

    def _on_quote_timer(self) -> None:
        self.quote_bar.tick()
        self.vm.set_market(self.quote_bar.market_view())  # a quote going stale matters

    def _on_price_picked(self, price: Decimal) -> None:
        """A click on bid/ask/last fills the price field the order type uses."""
        if self.vm.instrument is None:
            return
        order_type = self.vm.draft.order_type
        if order_type is OrderType.MARKET:
            field = "reference_price"
        elif order_type.needs_price:
            field = "price"
        else:
            field = "stop_price"
        self.vm.update(**{field: self.vm.instrument.format_price(price)})

    # -- evaluation --

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        draft = self.vm.draft
        shape = (draft.symbol, draft.action, draft.qty)
        if shape != self._shape:
            # an override was given for one order: a new contract, side or size is another
            self._shape = shape
            if draft.overrides:
                self.reset_overrides()
                return  # the update above evaluates again
        self._close_card_if_changed()
        self.brackets_note.show_problems(evaluation.at(TicketField.BRACKETS))
        codes = {p.code for p in evaluation.problems if p.code}
        for code, box in self.override_boxes.items():
            box.setVisible(code in codes or box.isChecked())
        self._update_place()

    def reset_overrides(self) -> None:
        for box in self.override_boxes.values():
            with QSignalBlocker(box):
                box.setChecked(False)
        if self.vm.draft.overrides:
            self.vm.update(overrides=frozenset())

    def _card_key(self) -> tuple[object, ...]:
        """What the confirmation card was built from: if any of it changes while the card is
        open, the card no longer shows what would be sent."""
        return (
            self.session.environment,
            self.account.id if self.account else None,
            self.contract.contract.name if self.contract else None,
            self.vm.draft,
        )

    def _close_card_if_changed(self) -> None:
        if self.confirm is None or self._card_for is None or self._card_sent:
            return
        before, now = self._card_for, self._card_key()
        if before == now:
            return
        what = [
            name
            for name, a, b in zip(
                ("environment", "account", "contract", "ticket"), before, now, strict=True
            )
            if a != b
        ]
        self.confirm.reject()
        self.outcome.setText(
            f"<span style='color:{theme.text.warning}'>The {' and '.join(what)} changed while the "
            "confirmation was open: nothing was sent. Check the ticket and place again.</span>"
        )

    def _on_override_toggled(self) -> None:
        chosen = frozenset(c for c, box in self.override_boxes.items() if box.isChecked())
        self.vm.set("overrides", chosen)

    def place_allowed(self) -> bool:
        return (
            self.account is not None
            and self.safety.connection_ok
            and self.question is None
            and self.contract is not None
            and self.session.resolving is None
            and self._symbol_matches_contract()
            and self.vm.evaluation.can_place
            and not self.in_flight
            and self._penalty_left() <= 0
            and self.confirm is None
        )

    def _update_place(self) -> None:
        evaluation = self.vm.evaluation
        allowed = self.place_allowed()
        self.place_button.setEnabled(allowed)
        side = theme.BUY_FILL if self.vm.draft.action is Action.BUY else theme.SELL_FILL
        style = f"QPushButton#place:enabled {{ background: {side}; }}"
        if self.place_button.styleSheet() != style:  # re-styling is costly: only on a change
            self.place_button.setStyleSheet(style)
        if self.in_flight:
            text = "Sending…"
        elif self.session.resolving is not None:
            text = f"Looking up {self.session.resolving}…"
        elif self._typed_symbol() and self.contract and not self._symbol_matches_contract():
            text = "Press Enter in Contract to look it up"
        elif self._penalty_left() > 0:
            text = f"Wait {self._penalty_left():.0f} s (Tradovate penalty)"
        elif evaluation.summary:
            text = evaluation.summary
        else:
            text = "Place"
        if self.place_button.text() != text:
            self.place_button.setText(text)

    # -- placing --

    def _on_appearance_chosen(self, index: int) -> None:
        choice = CHOICES[index]
        self.settings.setValue("appearance", choice)
        self.theme.set_choice(choice)

    def restyle(self) -> None:
        """The scheme changed: redraw what holds colours of its own."""
        self.quote_bar.restyle()
        self.vm.refresh()  # notes, plan and Place take the new colours
        if self.state.styleSheet():
            self.state.setStyleSheet(f"color: {theme.text.error}; font-weight: bold;")

    def focus_contract(self) -> None:
        self.symbol.setFocus()
        self.symbol.selectAll()

    def use_quote(self, side: str) -> None:
        """Alt+B, Alt+A, Alt+L: the bid, ask or last into the price field the order type uses."""
        quote = self.quote_bar.quote
        price = getattr(quote, side) if quote is not None else None
        if price is None:
            self.outcome.setText(f"No {side} price to use.")
            return
        self._on_price_picked(price)

    def on_enter(self) -> None:
        if self.symbol.hasFocus():  # Enter in Contract looks the contract up, nothing more
            self._on_symbol_entered()
            return
        if self.place_allowed():
            self.place()

    def place(self) -> None:
        """Check the guards, then open the confirmation card for the ticket as it stands."""
        if not self.place_allowed():
            return
        evaluation = self.vm.evaluation
        assert evaluation.form is not None and self.account is not None
        entry = evaluation.form.entry
        key = OrderKey(
            account_id=self.account.id,
            symbol=evaluation.form.symbol,
            action=entry.action,
            qty=entry.qty,
            price=entry.price if entry.order_type.needs_price else entry.stop_price,
        )
        since = self.guard.seconds_since_same(key, time.monotonic())
        if since is not None:
            self._ask(
                f"You sent this same order {since:.1f} s ago. Send it again?",
                self._place_after_duplicate_check,
            )
            return
        self._place_after_duplicate_check()

    def _place_after_duplicate_check(self) -> None:
        switched = self._switched_at
        if switched is not None and switched >= 0 and time.monotonic() - switched < 10:
            environment = self.session.environment or Environment.CUSTOM
            name = self.account.name if self.account else "?"
            self._switched_at = -1.0  # ask once
            self._ask(
                f"You changed the account or environment {time.monotonic() - switched:.0f}"
                f" s ago. This order goes to account {name} on {environment.value}. "
                "Continue?",
                self._open_confirmation,
            )
            return
        self._open_confirmation()

    def _ask(self, text: str, then: Callable[[], None]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Check before sending",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.question = box

        def finished(result: int) -> None:
            self.question = None
            self._update_place()
            if result == QMessageBox.StandardButton.Yes:
                then()

        box.finished.connect(finished)
        self._update_place()
        box.open()

    def _open_confirmation(self) -> None:
        if self.account is None or not self.vm.evaluation.can_place:
            return
        evaluation = self.vm.evaluation
        assert evaluation.form is not None and self.account is not None
        request = build_place_oso(
            evaluation.form,
            AccountRef(id=self.account.id, name=self.account.name),
            limits=self.vm.limits,
            now=datetime.now(UTC),
            cl_ord_id=new_cl_ord_id(),
            is_automated=False,
            assessment=evaluation.assessment,
        )
        environment = self.session.environment or Environment.CUSTOM
        self.confirm = ConfirmDialog(evaluation, environment, self.account.name, self)
        self._card_for = self._card_key()
        self._card_sent = False
        self.confirm.confirmed.connect(lambda: self._send(request, evaluation))
        self.confirm.finished.connect(self._on_confirm_closed)
        self._update_place()
        self.confirm.open()
        # While the trader reads the card, a cheap call makes sure the pooled connection is
        # alive, so the order itself never pays a new TCP/TLS handshake.
        self.session.keep_warm()

    def _on_confirm_closed(self) -> None:
        self.confirm = None
        self._card_for = None
        self._update_place()

    def _send(self, request: PlaceOsoRequest, evaluation: Evaluation) -> None:
        p_ticket = None
        if self._penalty is not None:
            penalised, ticket, _ = self._penalty
            if penalised.model_copy(update={"cl_ord_id": None}) == request.model_copy(
                update={"cl_ord_id": None}
            ):
                request, p_ticket = penalised, ticket  # the same order: resend with its ticket
            self._penalty = None
        self.in_flight = True
        contract_id = self.contract.contract.id if self.contract else 0
        self._pending = (request, evaluation, contract_id)
        self._bookkeeping = (request, evaluation, p_ticket)
        # The order leaves first; the journal, the table and the labels follow a moment later
        # (they would otherwise hold the GIL the worker needs to put the request on the wire).
        self._card_sent = True
        self.session.place(request, p_ticket)
        QTimer.singleShot(AFTER_SEND_MS, self._after_send)

    def _after_send(self) -> None:
        if self._bookkeeping is None:
            return
        request, evaluation, p_ticket = self._bookkeeping
        self._bookkeeping = None
        entry_price = request.price if request.order_type.needs_price else request.stop_price
        self._guard_key = OrderKey(
            account_id=request.account_id or 0,
            symbol=request.symbol,
            action=request.action,
            qty=request.order_qty,
            price=entry_price,
        )
        self.guard.record(self._guard_key, time.monotonic())
        self.journal.order_sent(
            request,
            summary=evaluation.summary,
            environment=(self.session.environment or Environment.CUSTOM).value,
            source="window",
            p_ticket_resend=p_ticket is not None,
        )
        self.orders.add(request, evaluation)
        self.reset_overrides()  # an override is given for one order, never the next
        if self.in_flight:
            self.outcome.setText("Sending…")
        self._update_place()

    def _on_order_done(self, outcome: Outcome) -> None:
        self._after_send()  # in case the answer came back before the bookkeeping ran
        self.in_flight = False
        request, evaluation, contract_id = self._pending
        self.journal.order_outcome(outcome, source="window")
        self.safety.track(request, outcome, evaluation, contract_id)
        if outcome.status is Status.UNKNOWN:
            self.safety.watch_unknown(request, evaluation, contract_id)
        if outcome.status in (Status.REJECTED, Status.PENALISED, Status.NOT_PLACED):
            self.guard.forget(self._guard_key)
        colour = getattr(theme.text, OUTCOME_COLOURS[outcome.status])
        text = f"<b style='color:{colour}'>{outcome.status.value.replace('_', ' ').upper()}</b> "
        if outcome.status is Status.PLACED:
            legs = " · ".join(
                f"{name} {i}"
                for name, i in (("leg 1", outcome.oso1_id), ("leg 2", outcome.oso2_id))
                if i
            )
            text += f"order {outcome.order_id} · {legs}"
            if outcome.reconciled:
                text += f"<br>{plain(outcome.message)}"
        else:
            text += plain(outcome.message)
        if outcome.latency_ms is not None:
            text += f" <span style='color:{theme.text.muted}'>({outcome.latency_ms:.0f} ms)</span>"
        self.outcome.setText(text)
        self.orders.show_outcome(outcome)
        if outcome.status is Status.PENALISED:
            ready = time.monotonic() + (outcome.penalty_seconds or 0)
            self._penalty = (request, outcome.p_ticket, ready)
            self._penalty_timer.start()
        if self.account is not None:
            self.session.load_balance(self.account)
        self._update_place()

    def set_row_status(self, cl_ord_id: str, text: str) -> None:
        self.orders.set_cell(cl_ord_id, STATUS, text)

    def on_connection_health(self, ok: bool, message: str) -> None:
        if ok:
            self._on_connected_state()  # also shows a renewed token's new expiry
        else:
            self.state.setText(f"Connection lost: {message}")
            self.state.setStyleSheet(f"color: {theme.text.error}; font-weight: bold;")
        self._update_place()

    def _on_session_note(self, text: str) -> None:
        self.outcome.setText(f"<span style='color:{theme.text.warning}'>{plain(text)}</span>")
        self.journal.write("session note", detail=text)

    def _on_sign_in_wait(self, seconds: float) -> None:
        self.state.setText(
            f"Tradovate asks to wait before signing in: {seconds:.0f} s"
            if seconds > 0
            else "Signing in again…"
        )
        self.state.setStyleSheet(f"color: {theme.text.warning};")

    def _on_sign_in_stopped(self, text: str) -> None:
        self.state.setText("Sign-in stopped")
        self.state.setStyleSheet(f"color: {theme.text.error}; font-weight: bold;")
        self.outcome.setText(f"<span style='color:{theme.text.error}'>{plain(text)}</span>")
        self.journal.write("sign-in stopped", detail=text)

    def _on_connected_state(self) -> None:
        expires = self.session.token_expires
        until = f", token until {expires.astimezone():%H:%M}" if expires else ""
        if self.state.text() != f"Connected{until}":
            self.state.setText(f"Connected{until}")
            self.state.setStyleSheet("")

    def _on_cancel_clicked(self) -> None:
        cl_ord_id = self.orders.selected_cl_ord_id()
        if cl_ord_id is None:
            self.outcome.setText("Select an order in the table first.")
            return
        self.safety.cancel(cl_ord_id)

    def _on_flatten_clicked(self) -> None:
        if self.contract is not None:
            self.safety.flatten(self.contract.contract.id)

    def _show_journal(self) -> None:
        JournalDialog(self.journal, self).open()

    def _penalty_left(self) -> float:
        return self._penalty[2] - time.monotonic() if self._penalty else 0.0

    def _on_penalty_tick(self) -> None:
        if self._penalty_left() <= 0:
            self._penalty_timer.stop()
        self._update_place()

    # -- life cycle --

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.session.close()
        super().closeEvent(event)
