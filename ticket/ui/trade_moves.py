"""Changing the open trade's orders from the window: the exits one tick, to break-even or to a
price, and one part's target (partial profit). The entry waiting to fill is `entry_changes`.

Every change is judged by the domain first (`ticket.domain.exit_moves`: a stop on the losing
side of the market, a target on the winning side, both on the grid; the message at the control
and nothing sent), a stop moved further away asks once with the new risk, and what is sent goes
through the one `Modifier` (`OrderChanges`): one change per order on its way, the outcome in
words in the outcome label and in the journal, never resent.

Partial profit is offered where each part has its own target (a scale-out: one bracket per
part): moving that part's target to the market closes the part, its stop goes with it, and the
other parts keep exits of exactly their own size. With one bracket the target and the stop each
close the whole position, so there is no partial to take by moving the target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtWidgets import QMessageBox, QToolTip, QWidget

from ticket.broker.marketdata import STALE_SECONDS
from ticket.broker.modify import ModifyOutcome, ModifyStatus, busy_outcome
from ticket.domain.exit_moves import (
    ExitKind,
    ExitMove,
    MoveCheck,
    break_even_price,
    check_exit_move,
    nudge,
    stops_risk,
    widens,
)
from ticket.domain.instruments import Instrument
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

COLOURS = {
    ModifyStatus.CONFIRMED: "buy",
    ModifyStatus.UNCONFIRMED: "warning",
    ModifyStatus.REJECTED: "error",
    ModifyStatus.PENALISED: "warning",
    ModifyStatus.NOT_SENT: "warning",
    ModifyStatus.UNKNOWN: "error",
    ModifyStatus.BUSY: "warning",
}
Moves = Sequence[tuple[OrderView, Decimal]]
NOTE_OF = {"stop": "stop_note", "target": "target_note", "entry": "entry_note"}


class TradeMoves(WindowParts):
    """The changes a person asks for; `TradeFlow` builds the widgets they read."""

    position_strip: PositionStrip
    exit_controls: ExitControls
    order_changes: OrderChanges
    manage_dialog: ManageDialog
    auto_stop: AutoStopRunner
    trade_quote: Quote
    trade_question: QMessageBox | None
    _md_state: str
    _change_kind: dict[int, str]  # order id -> "stop" | "target" | "entry", for the words

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

        def plan(trade: OpenTrade) -> Moves:
            stops = trade.stops
            return [(s, nudge(s.stop_price, ticks, instrument)) for s in stops if s.stop_price]

        self._move_exits(ExitKind.STOP, trade, plan, at)

    def nudge_target(self, ticks: int) -> None:
        at = self.exit_controls.target_up if ticks > 0 else self.exit_controls.target_down
        trade, instrument = self._trade_or_say("target", at), self._instrument()
        if trade is None or instrument is None:
            return

        def plan(trade: OpenTrade) -> Moves:
            return [(t, nudge(t.price, ticks, instrument)) for t in trade.targets if t.price]

        self._move_exits(ExitKind.TARGET, trade, plan, at)

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
        self._move_exits(ExitKind.STOP, trade, lambda _trade: moves, at, ask=False)

    def _exits_moved(self, order_ids: Sequence[int]) -> None:
        """The trader moved these exits: an offer worked out from where they were goes."""

    def _judge(
        self, kind: ExitKind, trade: OpenTrade, moves: Moves, at: QWidget | None
    ) -> tuple[bool, str | None, Decimal | None]:
        """(allowed, the wider-stop question or None, the risk the question shows). The risk
        is the whole position's: each stop closes its own contracts at its own price."""
        instrument = self._instrument()
        assert instrument is not None
        widened = False
        for order, new in moves:
            current = order.stop_price if kind is ExitKind.STOP else order.price
            assert current is not None
            move = ExitMove(kind=kind, closing=trade.position.closing, current=current, new=new)
            check = check_exit_move(move, self.trade_quote, instrument, trade.position)
            if check.problems:
                self._refuse(kind.value, check.problems[0].message, at)
                return False, None, None
            widened = widened or check.widens
        if not widened:
            return True, None, None
        moved = {order.id: new for order, new in moves}
        stops = [(s.id, s.qty - s.filled, s.stop_price) for s in trade.stops if s.stop_price]
        before = stops_risk(trade.position, [(q, p) for _, q, p in stops], instrument)
        after = stops_risk(trade.position, [(q, moved.get(i, p)) for i, q, p in stops], instrument)
        check = MoveCheck(widens=True, risk_before=before, risk_after=after)
        return True, check.question(instrument.format_price, instrument.currency), after

    def _move_exits(
        self,
        kind: ExitKind,
        trade: OpenTrade,
        plan: Callable[[OpenTrade], Moves],
        at: QWidget | None,
        ask: bool = True,
        agreed: Decimal | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """`plan` works the moves out from the trade as it is; asked, they are worked out
        again from the trade as it is when the answer comes (the stop may have moved
        meanwhile), and sent without asking again unless they now risk more than agreed.
        `after` runs once they are sent (not when refused or declined)."""
        what = kind.value
        moves = plan(trade)
        if not moves:
            self._refuse(what, f"No working {what} on the position.", at)
            return
        busy = [order for order, _ in moves if self.order_changes.in_flight(order.id)]
        if busy:
            outcome = busy_outcome(busy[0].id)
            self._change_kind[busy[0].id] = what
            self._on_change_outcome(outcome)
            return
        allowed, question, risk = self._judge(kind, trade, moves, at)
        if not allowed:
            return
        if question and ask and (agreed is None or risk is None or risk > agreed):
            asked_for = trade.contract_id

            def answered() -> None:
                contract = self.contract
                if contract is None or contract.contract.id != asked_for:
                    self._refuse(what, "The watched contract changed while you were asked.", at)
                    return
                now = self._trade_or_say(what, at)
                if now is not None:
                    self._move_exits(kind, now, plan, at, ask, agreed=risk, after=after)

            self._ask_trade(question, answered)
            return
        self._exits_moved([order.id for order, _ in moves])
        for order, new in moves:
            self._change_kind[order.id] = what
            if kind is ExitKind.STOP:
                self.order_changes.change(order.id, stop_price=new)
            else:
                self.order_changes.change(order.id, price=new)
        if after is not None:
            after()

    def _ask_trade(
        self,
        text: str,
        then: Callable[[], None],
        title: str = "Move the stop further away?",
        kind: str = "stop",
        refused: str = "The stop stays where it is: nothing was sent.",
    ) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
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
                self._say(kind, refused)

        box.finished.connect(finished)
        box.open()

    def _on_move_typed(self, what: str, text: str, part: int) -> None:
        instrument = self._instrument()
        self.manage_dialog.clear_notes()
        kind = ExitKind.STOP if what == "stop" else ExitKind.TARGET
        if not self._managing_watched(what):
            return
        trade = self._trade_or_say(what, None)
        if trade is None or instrument is None:
            return
        try:
            price = instrument.price_format.parse(text)
        except PriceError as exc:
            self._refuse(what, str(exc))
            return

        def plan(trade: OpenTrade) -> Moves:
            if kind is ExitKind.STOP:
                return [(o, price) for o in trade.stops]
            if part < 0:
                return [(o, price) for o in trade.targets]
            return [(o, price) for o in trade.targets if o.id == part]

        if kind is ExitKind.TARGET and part >= 0 and not plan(trade):
            self._refuse(what, "The part chosen is no longer working: pick the part again.")
            return
        self._move_exits(kind, trade, plan, None)

    def _managing_watched(self, what: str) -> bool:
        """A price typed in Manage is for the contract it was typed for, and no other."""
        contract = self.contract
        managed = self.manage_dialog.contract_id
        if contract is not None and managed == contract.contract.id:
            return True
        self._refuse(
            what,
            "The watched contract changed since this price was typed: type it again for "
            f"{contract.contract.name if contract else 'the contract'}.",
        )
        return False

    def take_part_now(self, part: int) -> None:
        """Partial profit: one part's target to the market (the bid for a long); its stop goes
        with it when it fills, the other parts keep their own. `part` is its target's id."""
        if not self._managing_watched("target"):
            return
        trade = self._trade_or_say("target", None)
        if trade is None:
            return
        parts = [p for p in trade.parts if p.target is not None]
        chosen_parts = [p for p in parts if p.target is not None and p.target.id == part]
        if len(parts) < 2 or not chosen_parts:
            self._refuse(
                "target",
                "Partial profit needs a scale-out, each part with its own target: with one "
                "bracket the target closes the whole position."
                if len(parts) < 2
                else "The part chosen is no longer working: pick the part again.",
            )
            return
        chosen = chosen_parts[0]
        if not chosen.own_target or chosen.target is None:
            self._refuse(
                "target",
                "This part's target and stop differ in size: taking it could leave "
                "an exit larger than the position.",
            )
            return
        long = trade.position.net > 0
        touch = self.trade_quote.bid if long else self.trade_quote.ask
        side = "bid" if long else "ask"
        if touch is None:
            self._refuse("target", f"No live {side} to take the part at.")
            return
        live = self.quote_bar.quote
        if live is None or live.age() > STALE_SECONDS:
            # an old bid may be above the market now: the target would wait there, unfilled
            age = f"{live.age():.0f} s old" if live is not None else "missing"
            self._refuse("target", f"The quote is {age}: no live {side} to take the part at.")
            return
        self._change_kind[chosen.target.id] = "target"
        self._journal_write("partial_profit", order_id=chosen.target.id, price=touch)
        self._exits_moved([chosen.target.id])
        self.order_changes.change(chosen.target.id, price=touch)
