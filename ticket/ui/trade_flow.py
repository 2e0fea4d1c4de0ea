"""Managing the open trade from the window: the position strip and the controls beside it.

Every change of a working order is judged by the domain first (`ticket.domain.exit_moves`:
a stop on the losing side of the market, a target on the winning side, both on the grid; the
message at the control and nothing sent), a stop moved further away asks once with the new
risk, and what is sent goes through the one `Modifier` (`OrderChanges`): one change per order
on its way, the outcome in words in the outcome label and in the journal, never resent.

Partial profit is offered where each part has its own target (a scale-out: one bracket per
part): moving that part's target to the market closes the part, its stop goes with it, and the
other parts keep exits of exactly their own size. With one bracket the target and the stop each
close the whole position, so there is no partial to take by moving the target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QToolTip, QWidget

from ticket.broker.marketdata import Quote as LiveQuote
from ticket.broker.modify import ModifyOutcome, ModifyStatus, busy_outcome
from ticket.broker.replica import Change
from ticket.domain.exit_moves import (
    ExitKind,
    ExitMove,
    MoveField,
    break_even_price,
    check_entry_change,
    check_exit_move,
    nudge,
    reanchor,
    widens,
)
from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrdStatus
from ticket.domain.pnl import Quote
from ticket.domain.prices import PriceError
from ticket.domain.protection import OrderView
from ticket.services import Environment
from ticket.ui import theme
from ticket.ui.auto_stop_runner import AutoStopRunner
from ticket.ui.exit_controls import ExitControls
from ticket.ui.manage_dialog import ManageDialog
from ticket.ui.open_trade import OpenTrade, open_trade, waiting_entry
from ticket.ui.order_changes import OrderChanges
from ticket.ui.position_strip import PositionStrip
from ticket.ui.widgets import plain
from ticket.ui.window_parts import WindowParts

# (keys, what they do), listed by the Keys dialog
TRADE_KEYS: tuple[tuple[str, str], ...] = (
    ("Alt+Up / Alt+Down", "the working stop one tick up / down"),
    ("Shift+Alt+Up / Shift+Alt+Down", "the working target one tick up / down"),
    ("Alt+E", "the stop to break-even (plus the offset set in Manage…)"),
)
OFFSET_KEY = "trade/breakeven_offset_ticks"
COLOURS = {
    ModifyStatus.CONFIRMED: "buy",
    ModifyStatus.UNCONFIRMED: "warning",
    ModifyStatus.REJECTED: "error",
    ModifyStatus.PENALISED: "warning",
    ModifyStatus.NOT_SENT: "warning",
    ModifyStatus.UNKNOWN: "error",
    ModifyStatus.BUSY: "warning",
}
NOTE_OF = {"stop": "stop_note", "target": "target_note", "entry": "entry_note"}


class _Plan:
    """A market entry's planned exit distances, kept to re-anchor after a slipped fill."""

    def __init__(
        self,
        entry_id: int,
        action: Action,
        reference: Decimal,
        stop: Decimal | None,
        target: Decimal | None,
    ) -> None:
        self.entry_id, self.action, self.reference = entry_id, action, reference
        self.stop_ticks, self.target_ticks = stop, target
        self.used = False  # re-anchored once: not offered again


class TradeFlow(WindowParts):
    position_strip: PositionStrip
    exit_controls: ExitControls
    order_changes: OrderChanges
    manage_dialog: ManageDialog
    auto_stop: AutoStopRunner
    trade_quote: Quote
    trade_question: QMessageBox | None
    _md_state: str
    _change_kind: dict[int, str]  # order id -> "stop" | "target" | "entry", for the words
    _plans: dict[int, _Plan]  # market entries placed here, by entry id
    _anchor_for: int | None  # the entry whose re-anchor is offered

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

    # -- what the trade is now --

    def _instrument(self) -> Instrument | None:
        return self.contract.instrument if self.contract is not None else None

    def _trade(self) -> OpenTrade | None:
        replica, contract = self.session.account_feed.replica, self.contract
        if replica is None or contract is None:
            return None
        return open_trade(replica, contract.contract.id)

    def _waiting_entry(self) -> OrderView | None:
        replica, contract = self.session.account_feed.replica, self.contract
        if replica is None or contract is None:
            return None
        return waiting_entry(replica, contract.contract.id)

    def _quote_price(self, side: str) -> Decimal | None:
        value = getattr(self.trade_quote, side, None)
        return value if isinstance(value, Decimal) else None

    def _fmt(self, price: Decimal | None) -> str:
        instrument = self._instrument()
        if price is None:
            return "–"
        return instrument.format_price(price) if instrument is not None else str(price)

    def _new_contract(self) -> None:
        self.trade_quote = Quote()
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
                    f"Part {i + 1}: {p.target.qty} @ {self._fmt(p.target.price)}"
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
        if trade is None and self.auto_stop.rule.active:
            self._switch_auto_off()  # the trade ended: the settings were for it alone
        self.auto_stop.follow(
            contract.contract.id if contract and trade else None,
            instrument,
            [s.id for s in trade.stops] if trade else [],
        )
        self._update_auto_live()
        self._remember_plans()
        self._offer_reanchor(trade)

    # -- saying what happened --

    def _journal_write(self, kind: str, **fields: object) -> object:
        environment = (self.session.environment or Environment.CUSTOM).value
        return self.journal.write(kind, environment=environment, source="window", **fields)

    def _record_change(self, kind: str, fields: dict[str, object]) -> None:
        self._journal_write(kind, **fields)

    def _say(
        self, kind: str, words: str, colour: str = "warning", at: QWidget | None = None
    ) -> None:
        """A refusal or an answer, at the control it belongs to and in the outcome label."""
        self.outcome.setText(
            f"<span style='color:{getattr(theme.text, colour)}'>{plain(words)}</span>"
        )
        note = getattr(self.manage_dialog, NOTE_OF.get(kind, ""), None)
        if note is not None:
            note.setText(words)
        if at is not None and at.isVisible():
            QToolTip.showText(at.mapToGlobal(at.rect().bottomLeft()), words, at)

    def _refuse(self, kind: str, words: str, at: QWidget | None = None) -> None:
        self._journal_write("modify_refused", what=kind, message=words)
        self._say(kind, f"{words} Nothing was sent.", "error", at)

    def _on_change_outcome(self, outcome: ModifyOutcome) -> None:
        kind = self._change_kind.get(outcome.order_id, "order")
        word = outcome.status.value.replace("_", " ").upper()
        if outcome.status is ModifyStatus.BUSY:
            self._journal_write("modify_busy", order_id=outcome.order_id)
        colour = getattr(theme.text, COLOURS[outcome.status])
        latency = (
            f" <span style='color:{theme.text.muted}'>({outcome.latency_ms:.0f} ms)</span>"
            if outcome.latency_ms is not None
            else ""
        )
        message = outcome.message
        live = outcome.live
        if outcome.status is ModifyStatus.CONFIRMED and live is not None:
            price = live.stop_price if kind == "stop" or live.price is None else live.price
            size = f"{live.qty} contract{'s' if live.qty != 1 else ''}"
            message = (
                f"{kind.capitalize()} now at {self._fmt(price)} ({size}, order {live.order_id})."
            )
            field = {
                "stop": self.manage_dialog.stop_price,
                "target": self.manage_dialog.target_price,
            }
            if kind in field and price is not None:
                field[kind].setText(self._fmt(price))  # edit on from where it is now
        self.outcome.setText(
            f"<b style='color:{colour}'>{kind.upper()} {word}</b> {plain(message)}{latency}"
        )
        note = getattr(self.manage_dialog, NOTE_OF.get(kind, ""), None)
        if note is not None:
            note.setText(f"{word}: {message}")

    # -- the exits --

    def _trade_or_say(self, kind: str, at: QWidget | None) -> OpenTrade | None:
        trade = self._trade()
        if trade is None or self._instrument() is None:
            name = self.contract.contract.name if self.contract else "this contract"
            self._refuse(kind, f"No open position in {name}: no {kind} to move.", at)
            return None
        orders = trade.stops if kind == "stop" else trade.targets
        if not orders:
            self._refuse(kind, f"No working {kind} on the position.", at)
            return None
        return trade

    def nudge_stop(self, ticks: int) -> None:
        at = self.exit_controls.stop_up if ticks > 0 else self.exit_controls.stop_down
        trade, instrument = self._trade_or_say("stop", at), self._instrument()
        if trade is None or instrument is None:
            return
        moves = [(s, nudge(s.stop_price, ticks, instrument)) for s in trade.stops if s.stop_price]
        self._move_exits(ExitKind.STOP, trade, moves, at)

    def nudge_target(self, ticks: int) -> None:
        at = self.exit_controls.target_up if ticks > 0 else self.exit_controls.target_down
        trade, instrument = self._trade_or_say("target", at), self._instrument()
        if trade is None or instrument is None:
            return
        moves = [(t, nudge(t.price, ticks, instrument)) for t in trade.targets if t.price]
        self._move_exits(ExitKind.TARGET, trade, moves, at)

    def stop_to_break_even(self) -> None:
        at = self.exit_controls.even
        trade, instrument = self._trade_or_say("stop", at), self._instrument()
        if trade is None or instrument is None:
            return
        offset = self.manage_dialog.offset.value()
        even = break_even_price(trade.position, offset, instrument)
        moves = []
        for stop in trade.stops:
            assert stop.stop_price is not None
            move = ExitMove(
                kind=ExitKind.STOP,
                closing=trade.position.closing,
                current=stop.stop_price,
                new=even,
            )
            if stop.stop_price != even and not widens(move):
                moves.append((stop, even))
        if not moves:
            self._say(
                "stop",
                f"The stop is already at or past break-even {self._fmt(even)}: left alone.",
                at=at,
            )
            return
        self._move_exits(ExitKind.STOP, trade, moves, at, ask=False)

    def _move_exits(
        self,
        kind: ExitKind,
        trade: OpenTrade,
        moves: Sequence[tuple[OrderView, Decimal]],
        at: QWidget | None,
        ask: bool = True,
    ) -> None:
        instrument = self._instrument()
        assert instrument is not None
        what = kind.value
        busy = [order for order, _ in moves if self.order_changes.in_flight(order.id)]
        if busy:
            outcome = busy_outcome(busy[0].id)
            self._change_kind[busy[0].id] = what
            self._on_change_outcome(outcome)
            return
        question = None
        for order, new in moves:
            current = order.stop_price if kind is ExitKind.STOP else order.price
            assert current is not None
            move = ExitMove(kind=kind, closing=trade.position.closing, current=current, new=new)
            check = check_exit_move(move, self.trade_quote, instrument, trade.position)
            if check.problems:
                self._refuse(what, check.problems[0].message, at)
                return
            question = question or check.question(instrument.format_price, instrument.currency)

        def send() -> None:
            for order, new in moves:
                self._change_kind[order.id] = what
                if kind is ExitKind.STOP:
                    self.order_changes.change(order.id, stop_price=new)
                else:
                    self.order_changes.change(order.id, price=new)

        if question and ask:
            self._ask_trade(question, send)
        else:
            send()

    def _ask_trade(self, text: str, then: Callable[[], None]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Move the stop further away?",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setAccessibleName("Wider stop")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.trade_question = box

        def finished(result: int) -> None:
            self.trade_question = None
            if result == QMessageBox.StandardButton.Yes:
                then()
            else:
                self._say("stop", "The stop stays where it is: nothing was sent.")

        box.finished.connect(finished)
        box.open()

    def _on_move_typed(self, what: str, text: str, part: int) -> None:
        instrument = self._instrument()
        self.manage_dialog.clear_notes()
        kind = ExitKind.STOP if what == "stop" else ExitKind.TARGET
        trade = self._trade_or_say(what, None)
        if trade is None or instrument is None:
            return
        try:
            price = instrument.price_format.parse(text)
        except PriceError as exc:
            self._refuse(what, str(exc))
            return
        if kind is ExitKind.STOP:
            orders: Sequence[OrderView] = trade.stops
        else:
            targets = [p.target for p in trade.parts if p.target is not None]
            orders = [targets[part]] if 0 <= part < len(targets) else trade.targets
        self._move_exits(kind, trade, [(o, price) for o in orders], None)

    def take_part_now(self, part: int) -> None:
        """Partial profit: one part's target to the market (the bid for a long); its stop goes
        with it when it fills, the other parts keep their own."""
        trade = self._trade_or_say("target", None)
        if trade is None:
            return
        parts = [p for p in trade.parts if p.target is not None]
        if len(parts) < 2 or not 0 <= part < len(parts):
            self._refuse(
                "target",
                "Partial profit needs a scale-out, each part with its own target: with one "
                "bracket the target closes the whole position.",
            )
            return
        chosen = parts[part]
        if not chosen.own_target or chosen.target is None:
            self._refuse(
                "target",
                "This part's target and stop differ in size: taking it could leave "
                "an exit larger than the position.",
            )
            return
        long = trade.position.net > 0
        touch = self.trade_quote.bid if long else self.trade_quote.ask
        if touch is None:
            self._refuse("target", f"No live {'bid' if long else 'ask'} to take the part at.")
            return
        self._change_kind[chosen.target.id] = "target"
        self._journal_write("partial_profit", order_id=chosen.target.id, price=touch)
        self.order_changes.change(chosen.target.id, price=touch)

    # -- the entry waiting to fill --

    def _on_change_entry(self, text: str, qty: int) -> None:
        instrument, entry = self._instrument(), self._waiting_entry()
        self.manage_dialog.clear_notes()
        if entry is None or instrument is None or entry.order_type is None:
            self._refuse("entry", "No entry is waiting to fill.")
            return
        price = None
        if text.strip():
            try:
                price = instrument.price_format.parse(text)
            except PriceError as exc:
                self._refuse("entry", str(exc))
                return
        problems = check_entry_change(price, qty, instrument, MoveField.ENTRY_PRICE)
        if problems:
            self._refuse("entry", problems[0].message)
            return
        self._change_kind[entry.id] = "entry"
        by_stop = entry.order_type.needs_stop_price and not entry.order_type.needs_price
        self.order_changes.change(
            entry.id,
            price=price if price is not None and not by_stop else None,
            stop_price=price if price is not None and by_stop else None,
            qty=qty,
        )

    def _on_cancel_entry(self) -> None:
        entry = self._waiting_entry()
        if entry is None:
            self._refuse("entry", "No entry is waiting to fill.")
            return
        for tracked in self.safety.tracked.values():
            if tracked.entry_id == entry.id:
                self._journal_write("cancel_entry", order_id=entry.id)
                self.safety.cancel(tracked.cl_ord_id)
                self.manage_dialog.entry_note.setText("Cancelling the entry and its exits…")
                return
        self._refuse(
            "entry",
            f"Order {entry.id} was not placed from this window: cancel it in Tradovate.",
        )

    # -- re-anchoring a market entry's exits --

    def _remember_plans(self) -> None:
        """The planned distances of each market bracket placed here, read once, while its legs
        still carry the prices they were placed with (before its fill or any change)."""
        replica = self.session.account_feed.replica
        if replica is None:
            return
        for tracked in self.safety.tracked.values():
            entry_id = tracked.entry_id
            if not tracked.market or entry_id in self._plans or tracked.planned_entry is None:
                continue
            state = replica.brackets(entry_id)
            if state is None or not state.legs:
                continue
            tick, base = tracked.instrument.tick_size, tracked.planned_entry
            stop = target = None
            for leg in state.legs:
                if leg.stop_price is not None:
                    stop = abs(base - (tracked.planned_stop or leg.stop_price)) / tick
                elif leg.price is not None:
                    target = abs(leg.price - base) / tick
            self._plans[entry_id] = _Plan(entry_id, tracked.action, base, stop, target)

    def _reanchor_targets(self) -> tuple[_Plan, Decimal, list[tuple[OrderView, Decimal]]] | None:
        replica, instrument = self.session.account_feed.replica, self._instrument()
        plan = self._plans.get(self._anchor_for or -1)
        if replica is None or instrument is None or plan is None:
            return None
        entry, state = replica.order(plan.entry_id), replica.brackets(plan.entry_id)
        if entry is None or entry.avg_price is None or state is None:
            return None
        stop, target = reanchor(
            plan.action, entry.avg_price, plan.stop_ticks, plan.target_ticks, instrument
        )
        moves = []
        for leg in state.legs:
            if leg.status is not OrdStatus.WORKING:
                continue
            if leg.stop_price is not None and stop is not None and leg.stop_price != stop:
                moves.append((leg, stop))
            elif leg.stop_price is None and target is not None and leg.price not in (None, target):
                moves.append((leg, target))
        return plan, entry.avg_price, moves

    def _offer_reanchor(self, trade: OpenTrade | None) -> None:
        replica, contract = self.session.account_feed.replica, self.contract
        offer = None
        if trade is not None and replica is not None and contract is not None:
            for entry_id, plan in self._plans.items():
                entry = replica.order(entry_id)
                if (
                    not plan.used
                    and entry is not None
                    and entry.contract_id == contract.contract.id
                    and entry.status is OrdStatus.FILLED
                    and entry.avg_price is not None
                    and entry.avg_price != plan.reference
                ):
                    offer = entry_id
        self._anchor_for = offer
        found = self._reanchor_targets() if offer is not None else None
        shown = found is not None and bool(found[2])
        self.exit_controls.anchor.setVisible(shown)
        if found is not None and shown:
            plan, fill, moves = found
            instrument = self._instrument()
            assert instrument is not None
            slip = (fill - plan.reference) / instrument.tick_size
            where = ", ".join(
                f"{'stop' if o.stop_price is not None else 'target'} to {self._fmt(p)}"
                for o, p in moves
            )
            self.exit_controls.anchor.setToolTip(
                f"Filled at {self._fmt(fill)}, {abs(slip):g} ticks from the "
                f"{self._fmt(plan.reference)} planned: {where} (the planned distances)."
            )

    def reanchor_exits(self) -> None:
        at = self.exit_controls.anchor
        found = self._reanchor_targets()
        trade, instrument = self._trade(), self._instrument()
        if found is None or trade is None or instrument is None or not found[2]:
            self._refuse("stop", "Nothing to re-anchor.", at)
            return
        plan, _, moves = found
        for order, new in moves:
            kind = ExitKind.STOP if order.stop_price is not None else ExitKind.TARGET
            current = order.stop_price if kind is ExitKind.STOP else order.price
            assert current is not None
            move = ExitMove(kind=kind, closing=trade.position.closing, current=current, new=new)
            check = check_exit_move(move, self.trade_quote, instrument, trade.position)
            if check.problems:
                self._refuse(kind.value, check.problems[0].message, at)
                return
        plan.used = True
        self._journal_write("reanchor", entry_id=plan.entry_id)
        for order, new in moves:
            if order.stop_price is not None:
                self._change_kind[order.id] = "stop"
                self.order_changes.change(order.id, stop_price=new)
            else:
                self._change_kind[order.id] = "target"
                self.order_changes.change(order.id, price=new)
        self.exit_controls.anchor.setVisible(False)

    # -- settings and the auto stop --

    def open_manage(self) -> None:
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
        rule = self.manage_dialog.rule()
        if rule != self.auto_stop.rule:
            self.auto_stop.set_rule(rule)
            self._refresh_trade()

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
