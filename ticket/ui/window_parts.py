"""What the window's parts share: the widgets and the state of one ticket window, declared once.

`TicketWindow` is assembled from mixins, one per concern (layout, session bar, contract look-up,
the Place gate, the order flow). Each reads and writes the names declared here and calls the
few methods declared under TYPE_CHECKING, so mypy checks every part against the same list."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QStringListModel, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ticket.broker.contracts import ResolvedContract
from ticket.broker.models import Account
from ticket.credentials import Credentials, CredentialStore
from ticket.domain.draft import Evaluation
from ticket.domain.guards import DuplicateGuard, OrderKey
from ticket.domain.orders import PlaceOsoRequest
from ticket.journal import Journal
from ticket.limits_file import LimitsReport
from ticket.services import Environment
from ticket.ui.binding import Binder
from ticket.ui.confirm import ConfirmDialog
from ticket.ui.orders_table import OrdersTable
from ticket.ui.panels import BracketPanel, EntryPanel, PlanPanel
from ticket.ui.quotes import QuoteBar
from ticket.ui.safety import SafetyController
from ticket.ui.session import SessionController
from ticket.ui.settings_dialog import LimitsNotice
from ticket.ui.status_area import StatusArea
from ticket.ui.theme import Theme
from ticket.ui.viewmodel import TicketViewModel
from ticket.ui.widgets import FieldNote


class WindowParts(QMainWindow):
    quote_shown = Signal(float)  # perf_counter when a quote reached the screen

    # -- collaborators --
    settings: QSettings
    journal: Journal
    theme: Theme
    limits_report: LimitsReport
    vm: TicketViewModel
    binder: Binder
    session: SessionController
    safety: SafetyController
    guard: DuplicateGuard
    _store_factory: type[CredentialStore] | None
    _default_symbol: str

    # -- state --
    account: Account | None
    contract: ResolvedContract | None
    _asked: str  # what the trader typed for the current contract (ES for ESZ6)
    _priced_for: str  # the contract the typed prices belong to
    in_flight: bool
    question: QMessageBox | None
    confirm: ConfirmDialog | None
    _switched_at: float | None
    _penalty: tuple[PlaceOsoRequest, str | None, float] | None
    _bookkeeping: tuple[PlaceOsoRequest, Evaluation, str | None] | None
    _pending: tuple[PlaceOsoRequest, Evaluation, int]
    _guard_key: OrderKey
    _environment_shown: Environment | None
    _shape: tuple[object, ...]  # contract, side and size the overrides were for
    _card_for: tuple[object, ...] | None
    _card_sent: bool
    _feed_was_live: bool

    # -- widgets --
    frame: QFrame
    banner: QLabel
    hint: QFrame
    limits_notice: LimitsNotice
    account_box: QComboBox
    cash: QLabel
    state: QLabel
    feed_state: QLabel  # the account stream, in a few words
    status_area: StatusArea
    connect_button: QPushButton
    practice_button: QPushButton
    settings_button: QPushButton
    symbol: QLineEdit
    completions: QStringListModel
    contract_info: QLabel
    contract_note: FieldNote
    quote_bar: QuoteBar
    entry: EntryPanel
    stop_loss: BracketPanel
    take_profit: BracketPanel
    brackets_note: FieldNote
    plan: PlanPanel
    override_boxes: dict[str, QCheckBox]
    place_button: QPushButton
    outcome: QLabel
    cancel_button: QPushButton
    flatten_button: QPushButton
    journal_button: QPushButton
    keys_button: QPushButton
    appearance: QComboBox
    orders: OrdersTable
    _quote_timer: QTimer
    _suggest_timer: QTimer
    _penalty_timer: QTimer

    if TYPE_CHECKING:  # defined by one part, called by others

        def _update_place(self) -> None: ...
        def _update_title(self) -> None: ...
        def reset_overrides(self) -> None: ...
        def place(self) -> None: ...
        def _penalty_left(self) -> float: ...
        def _typed_symbol(self) -> str: ...
        def _symbol_matches_contract(self) -> bool: ...
        def _on_symbol_entered(self) -> None: ...
        def _on_price_picked(self, price: Decimal) -> None: ...
        def place_allowed(self) -> bool: ...
        def _card_key(self) -> tuple[object, ...]: ...
        def _on_override_toggled(self) -> None: ...
        def _on_connected_state(self) -> None: ...
        def on_connection_health(self, ok: bool, message: str) -> None: ...
        def _show_environment(self, environment: Environment | None) -> None: ...
        def sign_in(self) -> None: ...
        def start(self, url: str | None, credentials: Credentials | None = None) -> None: ...
        def _build_trade_row(self) -> QWidget: ...
        def _build_preset_bar(self) -> QWidget: ...
