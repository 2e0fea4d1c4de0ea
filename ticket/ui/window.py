"""The ticket window: environment and account bar, contract, entry, two exits, the plan, Place,
the outcome and the day's orders of the account. It shows what the view-model says and sends
what the domain builds; broker calls go through `SessionController`.

The window is put together from one part per concern (see `WindowParts`): the layout
(`window_layout`), the session bar (`session_bar`), the contract row (`contract_lookup`), the
Place gate (`place_gate`), the order flow (`order_flow`), managing the open trade (`trade_flow`)
and presets (`preset_flow`). This module builds them, wires the
signals, and hands the safety logic the few things it needs (`SafetyLinks`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent

from ticket import limits_file
from ticket.credentials import CredentialStore
from ticket.domain.guards import DuplicateGuard
from ticket.journal import Journal
from ticket.ui import keys, theme
from ticket.ui.account_view import AccountView
from ticket.ui.binding import Binder
from ticket.ui.contract_lookup import ContractLookup
from ticket.ui.journal_view import JournalDialog
from ticket.ui.order_flow import OrderFlow
from ticket.ui.orders_model import STATUS
from ticket.ui.place_gate import PlaceGate
from ticket.ui.preset_flow import PresetFlow
from ticket.ui.safety import SafetyController, SafetyLinks
from ticket.ui.session import SessionController
from ticket.ui.session_bar import SessionBar
from ticket.ui.settings_dialog import open_settings
from ticket.ui.startup_frame import LAST_DARK_KEY, saved_geometry
from ticket.ui.theme import CHOICES, Theme
from ticket.ui.trade_flow import TradeFlow
from ticket.ui.viewmodel import TicketViewModel
from ticket.ui.widgets import FieldNote
from ticket.ui.window_layout import WindowLayout


class TicketWindow(
    WindowLayout,
    SessionBar,
    AccountView,
    ContractLookup,
    PlaceGate,
    OrderFlow,
    TradeFlow,
    PresetFlow,
):
    """The one window, on the GUI thread. Owns the session, the view-model and the safety
    controller; closing it closes the session."""

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
        self._switched_at = None
        self.question = None
        self._store_factory = store_factory
        self._default_symbol = default_symbol
        saved = str(settings.value("appearance", "system"))
        self.theme = Theme(parent=self)
        self.theme.choice = next((c for c in CHOICES if c == saved), "system")
        self.theme.apply()  # before any widget reads a colour
        settings.setValue(LAST_DARK_KEY, self.theme.dark)  # for the next start's first frame
        self.limits_report = limits_file.load()
        self.vm = TicketViewModel(self.limits_report.settings, parent=self)
        self.session = SessionController(self)
        self.binder = Binder(self.vm)
        self.account = None
        self.contract = None
        self._asked = ""
        self._priced_for = ""
        self.in_flight = False
        self.confirm = None
        self._penalty = None
        self._bookkeeping = None
        self._environment_shown = None
        self._shape = ()
        self._card_for = None
        self._card_sent = False
        self._feed_was_live = False
        self.safety = SafetyController(self.session, self.journal, self._safety_links(), self)
        self._build()
        for note in self.findChildren(FieldNote):
            if note is not self.contract_note:  # a contract typed and not found is no hint
                note.quiet = lambda: not self.vm.touched
        self._connect_signals()
        self._show_environment(None)
        self.vm.refresh()
        geometry = saved_geometry(settings)
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._wanted_height = self.height()

    # -- the size the trader chose survives a moment's growth --

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        grown_by_layout = (
            event.size().height() == self.minimumHeight()
            and event.size().height() > event.oldSize().height()
        )
        if not grown_by_layout:
            self._wanted_height = event.size().height()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest and self.height() > self._wanted_height:
            # A row shown for a moment (a note, a target before its quantity) made the window
            # taller than a laptop's screen allows: once the contents fit again, back it goes.
            QTimer.singleShot(0, self._shrink_back)
        return handled

    def _shrink_back(self) -> None:
        wanted = max(self._wanted_height, self.minimumSizeHint().height())
        if self.height() > wanted:
            self.resize(self.width(), wanted)

    def _safety_links(self) -> SafetyLinks:
        def account() -> tuple[int, str] | None:
            return (self.account.id, self.account.name) if self.account else None

        return SafetyLinks(account=account, show_row=self.set_row_status)

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
        session.rest_health.connect(self.on_connection_health)
        session.refusal.connect(self._on_refusal)
        session.account_feed.changed.connect(self._on_account_change)
        session.account_feed.state_changed.connect(self._on_account_stream_state)
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

    def _on_appearance_chosen(self, index: int) -> None:
        choice = CHOICES[index]
        self.settings.setValue("appearance", choice)
        self.theme.set_choice(choice)

    def restyle(self) -> None:
        """The scheme changed: redraw what holds colours of its own."""
        self.settings.setValue(LAST_DARK_KEY, self.theme.dark)
        self.quote_bar.restyle()
        self.vm.refresh()  # notes, plan and Place take the new colours
        self.status_area.restyle()
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

    def set_row_status(self, cl_ord_id: str, text: str) -> None:
        self.orders.set_cell(cl_ord_id, STATUS, text)

    def _on_cancel_clicked(self) -> None:
        cl_ord_id = self.orders.selected_cl_ord_id()
        if cl_ord_id is not None and cl_ord_id in self.safety.tracked:
            self.safety.cancel(cl_ord_id)  # a bracket this window follows: its legs' rules
        else:
            self.orders.cancel_selected()  # placed elsewhere or before: by its order id

    def _on_flatten_clicked(self) -> None:
        if self.contract is not None:
            self.safety.flatten(self.contract.contract.id)

    def _show_journal(self) -> None:
        JournalDialog(self.journal, self).open()

    # -- life cycle --

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.session.close()
        super().closeEvent(event)
