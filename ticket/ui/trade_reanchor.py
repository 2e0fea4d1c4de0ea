"""Re-anchoring a market entry's exits: after a fill that slipped from the price the bracket
was measured from, one click moves the stop and target to the planned distances from the fill.
Offered, never done by itself."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial

from ticket.domain.exit_moves import ExitKind, reanchor
from ticket.domain.orders import Action, OrdStatus
from ticket.domain.protection import OrderView
from ticket.ui.entry_changes import EntryChanges
from ticket.ui.open_trade import OpenTrade


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


class Reanchor(EntryChanges):
    _plans: dict[int, _Plan]  # market entries placed here, by entry id
    _anchor_for: int | None  # the entry whose re-anchor is offered

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

    def _reanchor_targets(
        self, entry_id: int | None = None
    ) -> tuple[_Plan, Decimal, list[tuple[OrderView, Decimal]]] | None:
        replica, instrument = self.session.account_feed.replica, self._instrument()
        plan = self._plans.get(entry_id or self._anchor_for or -1)
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

    def _exits_moved(self, order_ids: Sequence[int]) -> None:
        """Once the trader has moved an exit, the planned distances no longer say where the
        exits belong: the offer goes."""
        replica = self.session.account_feed.replica
        if replica is None:
            return
        moved = set(order_ids)
        for plan in self._plans.values():
            if moved & set(replica.legs_of(plan.entry_id)):
                plan.used = True
        self.exit_controls.anchor.setVisible(False)
        self._anchor_for = None

    def reanchor_exits(self) -> None:
        at = self.exit_controls.anchor
        found = self._reanchor_targets()
        trade, instrument = self._trade(), self._instrument()
        if found is None or trade is None or instrument is None or not found[2]:
            self._refuse("stop", "Nothing to re-anchor.", at)
            return
        plan = found[0]
        legs = {order.id for order, _ in found[2]}

        def planned(trade: OpenTrade, kind: ExitKind) -> list[tuple[OrderView, Decimal]]:
            again = self._reanchor_targets(plan.entry_id)
            if again is None:
                return []
            return [
                (order, new)
                for order, new in again[2]
                if order.id in legs and (order.stop_price is not None) is (kind is ExitKind.STOP)
            ]

        self._journal_write("reanchor", entry_id=plan.entry_id)

        # through the same judging as a move by hand: a stop taken further away asks, and the
        # target follows only once the stop is sent (a No leaves both where they are)
        def target() -> None:
            now = self._trade()
            if now is not None and planned(now, ExitKind.TARGET):
                self._move_exits(ExitKind.TARGET, now, partial(planned, kind=ExitKind.TARGET), at)

        if planned(trade, ExitKind.STOP):
            self._move_exits(
                ExitKind.STOP, trade, partial(planned, kind=ExitKind.STOP), at, after=target
            )
        else:
            target()
