"""Changing the entry still waiting to fill, from the Manage window: a new price or size goes
through the fat-finger limits of a new ticket (refused at the field, nothing sent), and a new
price takes the entry's own exits with it by the same distance, so the risk and reward planned
per contract stay as placed. The exits move first, one at a time, each once the one before is
confirmed, and the entry last: an entry never moves without its stop, and what moved goes back
when a later step is refused."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QWidget

from ticket.broker.modify import ModifyOutcome, ModifyStatus, busy_outcome
from ticket.domain.exit_moves import MoveField, check_entry_change, check_entry_limits
from ticket.domain.prices import PriceError
from ticket.domain.protection import STOP_TYPES, OrderView
from ticket.ui import theme
from ticket.ui.trade_moves import TradeMoves
from ticket.ui.widgets import plain

# a change proven not made: the entry surely stayed where it was
NOT_MADE = (
    ModifyStatus.REJECTED,
    ModifyStatus.PENALISED,
    ModifyStatus.NOT_SENT,
    ModifyStatus.BUSY,
)


class EntryChanges(TradeMoves):
    def _on_change_entry(self, text: str, qty: int) -> None:
        instrument, entry = self._instrument(), self._waiting_entry()
        self.manage_dialog.clear_notes()
        if not self._managing_watched("entry"):
            return
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
        by_stop = entry.order_type.needs_stop_price and not entry.order_type.needs_price
        now = entry.stop_price if by_stop else entry.price
        problems = check_entry_change(price, qty, instrument, MoveField.ENTRY_PRICE)
        # the entry's own exits go with it by the same distance: the risk and reward planned
        # per contract stay as they were placed
        shift = price - now if price is not None and now is not None else Decimal(0)
        legs = self._entry_legs(entry)
        stop = next((leg.stop_price for leg in legs if leg.order_type in STOP_TYPES), None)
        planned = price if price is not None else now
        if not problems and planned is not None:
            problems = check_entry_limits(
                entry.action,
                planned,
                qty,
                stop + shift if stop is not None else None,
                self.trade_quote.last,
                self.vm.limits,
                instrument,
                MoveField.ENTRY_PRICE,
            )
        if problems:
            at: QWidget = self.manage_dialog.entry_qty
            if problems[0].field is MoveField.ENTRY_PRICE:
                at = self.manage_dialog.entry_price
            self._refuse("entry", problems[0].message, at)
            return
        busy = [o.id for o in (*legs, entry) if self.order_changes.in_flight(o.id)]
        if busy:
            self._change_kind[busy[0]] = "entry"
            self._on_change_outcome(busy_outcome(busy[0]))
            return
        if shift:
            self._journal_write("entry_moved_with_exits", order_id=entry.id, shift=shift)
        entry_id, new_qty = entry.id, qty if qty != entry.qty else None  # else the size when sent
        # the stop first, then the target, each once the one before is confirmed, the entry
        # last: an entry never moves without its exits, and what moved goes back if a later
        # step fails
        steps = sorted(legs if shift else [], key=lambda leg: leg.order_type not in STOP_TYPES)
        moved: list[OrderView] = []

        def step(index: int) -> None:
            if index == len(steps):
                self._change_kind[entry_id] = "entry"
                self.order_changes.change(
                    entry_id,
                    price=price if price is not None and not by_stop else None,
                    stop_price=price if price is not None and by_stop else None,
                    qty=new_qty,
                    then=lambda outcome: entry_done(outcome),
                )
                return
            leg = steps[index]
            self._change_kind[leg.id] = "stop" if leg.order_type in STOP_TYPES else "target"

            def done(outcome: ModifyOutcome) -> None:
                if outcome.status is ModifyStatus.CONFIRMED:
                    moved.append(leg)
                    step(index + 1)
                else:
                    put_back(f"its {self._change_kind[leg.id]} could not go with it")

            self.order_changes.change(
                leg.id,
                price=leg.price + shift if leg.price is not None else None,
                stop_price=leg.stop_price + shift if leg.stop_price is not None else None,
                then=done,
            )

        def entry_done(outcome: ModifyOutcome) -> None:
            # put back only where the entry surely stayed: an answer that was lost or a
            # version not seen may hide an entry that moved
            if outcome.status in NOT_MADE and moved:
                put_back("the entry's own change did not go through")

        def put_back(why: str) -> None:
            for leg in moved:
                self.order_changes.change(
                    leg.id, price=leg.price, stop_price=leg.stop_price, automated=True
                )
            back = " Its exits already moved are being put back." if moved else ""
            words = f"The entry was not moved: {why}.{back}"
            self._journal_write("entry_move_stopped", order_id=entry_id, message=words)
            self.manage_dialog.entry_note.setText(words)
            self.outcome.setText(
                f"{self.outcome.text()} <span style='color:{theme.text.warning}'>"
                f"{plain(words)}</span>"
            )

        step(0)

    def _entry_legs(self, entry: OrderView) -> list[OrderView]:
        """The exits of a waiting entry's own bracket, as they are now."""
        replica = self.session.account_feed.replica
        if replica is None:
            return []
        views = (replica.order(leg_id) for leg_id in replica.legs_of(entry.id))
        return [v for v in views if v is not None and not v.status.is_final]

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
