"""Auto break-even and trailing in the window: one `AutoStop` per working stop of the watched
contract's position, fed on the GUI thread by the live quotes and the account replica, sending
through the window's `OrderChanges` (so a person's change and an automated one share the
single flight of each order). Off by default, for one trade: the rule belongs to the contract
it was turned on for, waits (saying so) while another contract is watched, and switches itself
off when that position goes flat."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from ticket.broker.autostop import AutoStop
from ticket.broker.replica import AccountReplica
from ticket.domain.instruments import Instrument
from ticket.domain.pnl import Quote
from ticket.domain.trailing import AutoStopRule
from ticket.ui.account_feed import AccountFeed
from ticket.ui.order_changes import OrderChanges

T = TypeVar("T")


class _FeedReader:
    """The GUI thread's replica, read on the GUI thread."""

    def __init__(self, feed: AccountFeed) -> None:
        self.feed = feed

    def read(self, look: Callable[[AccountReplica], T]) -> T | None:
        replica = self.feed.replica
        return look(replica) if replica is not None else None


class AutoStopRunner(QObject):
    """On the GUI thread. `status` says what the auto stop does, in words."""

    status = Signal(str)

    def __init__(
        self,
        feed: AccountFeed,
        changes: OrderChanges,
        record: Callable[..., object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.changes = changes
        self.record = record  # journal.write
        self.reader = _FeedReader(feed)
        self.rule = AutoStopRule()
        self.rule_contract: int | None = None  # the contract whose trade the rule is for
        self.rule_name = ""
        self.elsewhere = False  # another contract than the rule's is watched
        self.running: dict[int, AutoStop] = {}  # stop order id -> its machine
        self.contract_id: int | None = None
        self.instrument: Instrument | None = None
        self.live = False
        self.why = "waiting for live quotes and the account stream"
        self.words = "Off."

    def set_rule(self, rule: AutoStopRule, contract_id: int | None = None, name: str = "") -> None:
        """The rule for one contract's trade: it never adjusts another contract's stops."""
        self.rule = rule
        self.rule_contract, self.rule_name = (contract_id, name) if rule.active else (None, "")
        self.running.clear()  # the machines start again from the stop working now
        self.elsewhere = False
        self.record("auto_stop_rule", **rule.model_dump(mode="json"))
        self._say("Off." if not rule.active else self._running_words())

    def follow(
        self, contract_id: int | None, instrument: Instrument | None, stops: list[int]
    ) -> None:
        """The watched contract's working stops now; machines of stops gone are dropped. While
        another contract than the rule's is watched, nothing runs (its quotes are not in
        view), and the status says so."""
        elsewhere = contract_id != self.rule_contract and self.rule.active
        if elsewhere and not self.elsewhere:
            self._say(
                f"Waiting: the rule is for the {self.rule_name} trade and runs again when "
                f"{self.rule_name} is watched; its server-held stop stays where it is."
            )
        elif self.elsewhere and not elsewhere and self.rule.active:
            self._say(self._running_words())
        self.elsewhere = elsewhere
        if elsewhere:
            contract_id = None
        if contract_id != self.contract_id:
            self.running.clear()
        self.contract_id, self.instrument = contract_id, instrument
        for gone in set(self.running) - set(stops):
            del self.running[gone]
        if not self.rule.active or contract_id is None or instrument is None:
            return
        modifier = self.changes.modifier()
        if modifier is None:
            return
        for stop_id in stops:
            if stop_id in self.running:
                continue

            def send(price: Decimal, stop_id: int = stop_id) -> None:
                self.record("auto_stop", order_id=stop_id, stop_price=price)
                self.changes.change(stop_id, stop_price=price, automated=True)

            def busy(stop_id: int = stop_id) -> bool:
                return self.changes.in_flight(stop_id)

            auto = AutoStop(
                modifier,
                self.rule,
                stop_id=stop_id,
                contract_id=contract_id,
                instrument=instrument,
                on_status=self._on_machine_status,
                watch=self.reader,
                send=send,
                busy=busy,
            )
            auto.set_live(self.live, self.why)
            self.running[stop_id] = auto

    def set_live(self, live: bool, why: str) -> None:
        changed = live != self.live or (not live and why != self.why)
        self.live, self.why = live, why
        for auto in self.running.values():
            auto.set_live(live, why)
        if changed and self.rule.active and not self.elsewhere:  # else it says it waits
            if live:
                self._say(self._running_words())
            else:
                self._say(
                    f"Paused: {why}. It adjusts nothing until both are live again; the "
                    "server-held stop stays where it is."
                )

    def on_quote(self, quote: Quote) -> None:
        if not self.rule.active:
            return
        for auto in list(self.running.values()):
            step = auto.on_quote(quote)
            if step is not None and step.words.startswith("Auto stop holds"):
                self._say(step.words)  # the request budget: the trader should know why

    def _on_machine_status(self, words: str) -> None:
        if words.startswith(("Auto stop (", "Auto stop paused:")):  # a move, or a refusal
            self._say(words)

    def _running_words(self) -> str:
        parts = []
        if self.rule.breakeven_after_ticks is not None:
            offset = self.rule.breakeven_offset_ticks
            parts.append(
                f"break-even after {self.rule.breakeven_after_ticks} ticks"
                + (f" + {offset}" if offset else "")
            )
        if self.rule.trail_ticks is not None:
            parts.append(
                f"trail {self.rule.trail_ticks} ticks in steps of {self.rule.trail_step_ticks}"
            )
        state = "running" if self.live else f"paused: {self.why}"
        where = f" for {self.rule_name}" if self.rule_name else ""
        return f"On ({', '.join(parts)}){where}: {state}."

    def _say(self, words: str) -> None:
        if words != self.words:
            self.words = words
            self.status.emit(words)
