"""Managing the open trade from the window: the position strip and, beside it, the controls of
the watched contract's trade (`exit_controls`), the Manage window (`manage_dialog`), the changes
they ask for (`trade_moves`, `entry_changes`, `trade_reanchor`) and the auto stop
(`auto_stop_runner`)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ticket.broker.marketdata import Quote as LiveQuote
from ticket.broker.replica import Change
from ticket.domain.pnl import Quote
from ticket.ui.auto_stop_runner import AutoStopRunner
from ticket.ui.exit_controls import ExitControls
from ticket.ui.manage_dialog import ManageDialog
from ticket.ui.order_changes import OrderChanges
from ticket.ui.position_strip import PositionStrip
from ticket.ui.trade_reanchor import Reanchor

# (keys, what they do), listed by the Keys dialog
TRADE_KEYS: tuple[tuple[str, str], ...] = (
    ("Alt+Up / Alt+Down", "the working stop one tick up / down"),
    ("Shift+Alt+Up / Shift+Alt+Down", "the working target one tick up / down"),
    ("Alt+E", "the stop to break-even (plus the offset set in Manage…)"),
)
OFFSET_KEY = "trade/breakeven_offset_ticks"


class TradeFlow(Reanchor):
    def _build_trade_row(self) -> QWidget:
        """The row under the outcome: the position strip and, beside it, the controls of the
        watched contract's trade. Fed here rather than by the window's quote handler because
        both value only the watched contract."""
        self.position_strip = PositionStrip(self.session.account_feed, lambda: self.contract)
        self.trade_quote = Quote()
        self.trade_question = None
        self._md_state = "closed"
        self._change_kind = {}
        self._plans = {}
        self._anchor_for = None
        self.exit_controls = ExitControls()
        self.order_changes = OrderChanges(self.session, self._record_change, parent=self)
        self.manage_dialog = ManageDialog(self._quote_price, self)
        self.auto_stop = AutoStopRunner(
            self.session.account_feed, self.order_changes, self._journal_write, self
        )
        offset = str(self.settings.value(OFFSET_KEY, 0))
        self.manage_dialog.offset.setValue(int(offset) if offset.isdigit() else 0)

        feed = self.session.feed
        feed.quote.connect(self.position_strip.show_quote)
        feed.quote.connect(self._on_trade_quote)
        feed.state.connect(self._on_trade_feed_state)
        self.theme.changed.connect(self.position_strip.refresh)
        self.session.account_feed.changed.connect(self._on_trade_change)
        self.session.account_feed.state_changed.connect(lambda *_: self._refresh_trade())
        # after the window has taken the new contract
        self.session.contract_resolved.connect(lambda *_: QTimer.singleShot(0, self._new_contract))
        # after the order flow has tracked a bracket just placed (a market entry may have
        # filled before its answer came, with no event left to bring the plan in)
        self.session.order_done.connect(lambda _: QTimer.singleShot(0, self._refresh_trade))
        self.order_changes.outcome.connect(self._on_change_outcome)
        self.order_changes.busy.connect(lambda *_: self._refresh_trade())
        self.auto_stop.status.connect(self._on_auto_status)

        controls = self.exit_controls
        controls.stop_nudged.connect(self.nudge_stop)
        controls.target_nudged.connect(self.nudge_target)
        controls.breakeven.connect(self.stop_to_break_even)
        controls.reanchor.connect(self.reanchor_exits)
        controls.manage.connect(self.open_manage)
        dialog = self.manage_dialog
        dialog.move_exit.connect(self._on_move_typed)
        dialog.take_part.connect(self.take_part_now)
        dialog.change_entry.connect(self._on_change_entry)
        dialog.cancel_entry.connect(self._on_cancel_entry)
        dialog.offset_changed.connect(self._on_offset_changed)
        dialog.auto_changed.connect(self._on_auto_changed)

        for keys, action in (
            ("Alt+Up", lambda: self.nudge_stop(1)),
            ("Alt+Down", lambda: self.nudge_stop(-1)),
            ("Shift+Alt+Up", lambda: self.nudge_target(1)),
            ("Shift+Alt+Down", lambda: self.nudge_target(-1)),
            ("Alt+E", self.stop_to_break_even),
        ):
            QShortcut(QKeySequence(keys), self, action)

        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.position_strip, 1)
        layout.addWidget(self.exit_controls)
        self.exit_controls.setVisible(False)
        return row

    def _new_contract(self) -> None:
        self.trade_quote = Quote()
        contract = self.contract
        self.manage_dialog.manage(
            contract.contract.id if contract else None, contract.contract.name if contract else None
        )
        self._refresh_trade()

    def _on_trade_quote(self, quote: LiveQuote) -> None:
        contract = self.contract
        if contract is None or quote.contract_id != contract.contract.id:
            return
        self.trade_quote = Quote(bid=quote.bid, ask=quote.ask, last=quote.last)
        self._update_auto_live()
        self.auto_stop.on_quote(self.trade_quote)
        if self.manage_dialog.isVisible():
            self.manage_dialog.show_quote()

    def _on_trade_feed_state(self, state: str, _detail: str) -> None:
        self._md_state = state
        self._update_auto_live()

    def _on_trade_change(self, change: Change) -> None:
        if change.reset or change.orders or change.positions:
            self._refresh_trade()

    def _refresh_trade(self) -> None:
        trade, entry = self._trade(), self._waiting_entry()
        controls, dialog = self.exit_controls, self.manage_dialog
        controls.setVisible(trade is not None or entry is not None)
        instrument = self._instrument()
        dialog.format_price = instrument.format_price if instrument else str
        self.order_changes.instrument = instrument
        flying = self.order_changes.in_flight
        if trade is not None:
            stops, targets = trade.stops, trade.targets
            more = {len(s): f" +{len(s) - 1}" for s in (stops, targets) if len(s) > 1}
            controls.show_exits(
                self._fmt(stops[0].stop_price) + more.get(len(stops), "") if stops else None,
                self._fmt(targets[0].price) + more.get(len(targets), "") if targets else None,
                any(flying(s.id) for s in stops),
                any(flying(t.id) for t in targets),
            )
            with_target = [p for p in trade.parts if p.target is not None]
            dialog.show_parts(
                [
                    (f"Part {i + 1}: {p.target.qty} @ {self._fmt(p.target.price)}", p.target.id)
                    for i, p in enumerate(with_target)
                    if p.target is not None
                ],
                bool(with_target) and all(p.own_target for p in with_target),
            )
        else:
            controls.show_exits(None, None, False, False)
            dialog.show_parts([], False)
        controls.more.setEnabled(True)
        if entry is not None:
            price = entry.price if entry.order_type and entry.order_type.needs_price else None
            trigger = entry.stop_price
            shown = " ".join(
                w
                for w in (
                    f"{entry.action.value} {entry.qty}",
                    entry.order_type.value if entry.order_type else "",
                    f"at {self._fmt(price)}" if price is not None else "",
                    f"trigger {self._fmt(trigger)}" if trigger is not None else "",
                )
                if w
            )
            dialog.show_entry(f"Order {entry.id}: {shown}")
            if not dialog.entry_qty.hasFocus():
                dialog.entry_qty.setValue(entry.qty)
        else:
            dialog.show_entry(None)
        contract = self.contract
        if self.auto_stop.rule.active and self._auto_trade_ended():
            self._switch_auto_off()  # the trade ended: the settings were for it alone
        self.auto_stop.follow(
            contract.contract.id if contract and trade else None,
            instrument,
            [s.id for s in trade.stops] if trade else [],
        )
        self._update_auto_live()
        self._remember_plans()
        self._offer_reanchor(trade)

    # -- settings and the auto stop --

    def open_manage(self) -> None:
        contract = self.contract
        self.manage_dialog.manage(
            contract.contract.id if contract else None, contract.contract.name if contract else None
        )
        self._refresh_trade()
        trade = self._trade()
        if trade is not None:
            self.manage_dialog.prefill(
                self._fmt(trade.stops[0].stop_price) if trade.stops else None,
                self._fmt(trade.targets[0].price) if trade.targets else None,
            )
        self.manage_dialog.show_quote()
        self.manage_dialog.show()
        self.manage_dialog.raise_()

    def _on_offset_changed(self, ticks: int) -> None:
        self.settings.setValue(OFFSET_KEY, ticks)
        self._on_auto_changed()

    def _on_auto_changed(self) -> None:
        rule, contract, auto = self.manage_dialog.rule(), self.contract, self.auto_stop
        if rule == auto.rule:
            return
        if auto.rule.active and rule.active:
            # a setting changed while it runs: still for the trade it was turned on for
            auto.set_rule(rule, auto.rule_contract, auto.rule_name)
        else:
            watched = contract.contract.id if contract else None
            auto.set_rule(rule, watched, contract.contract.name if contract else "")
        self._refresh_trade()

    def _auto_trade_ended(self) -> bool:
        """The position the auto stop's rule was set for is flat (whichever is watched)."""
        replica = self.session.account_feed.replica
        if replica is None or not self.session.account_feed.live:
            return False
        contract_id = self.auto_stop.rule_contract
        return contract_id is None or replica.positions().get(contract_id, 0) == 0

    def _switch_auto_off(self) -> None:
        dialog = self.manage_dialog
        for box in (dialog.auto_even, dialog.auto_trail):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.auto_stop.set_rule(dialog.rule())

    def _update_auto_live(self) -> None:
        feed = self.session.account_feed
        if not feed.live:
            live, why = False, f"the account stream is {feed.state.value}"
        elif self._md_state not in ("live", "stale"):
            # stale is a quiet market on a live feed: the next quote drives the machine again
            live, why = False, f"the quotes are {self._md_state}"
        else:
            live, why = True, ""
        self.auto_stop.set_live(live, why)

    def _on_auto_status(self, words: str) -> None:
        self.manage_dialog.auto_status.setText(words)
        self._journal_write("auto_stop_status", message=words)
        if words.startswith("Paused"):
            self.outcome.setText(f"Auto stop {words[0].lower()}{words[1:]}")
