"""The contract row: looking a typed symbol up, suggestions while typing, the contract's
details, and the quotes of the contract shown."""

from __future__ import annotations

import time
from decimal import Decimal

from PySide6.QtCore import QSignalBlocker

from ticket.broker.contracts import ResolvedContract
from ticket.broker.marketdata import FeedState, Quote
from ticket.domain.orders import OrderType
from ticket.domain.rules import (
    Problem,
    Severity,
)
from ticket.domain.ticket import DistanceUnit, TicketField
from ticket.ui.widgets import plain
from ticket.ui.window_parts import WindowParts


def money(value: Decimal) -> str:
    """At least two decimals, more only when the value has them (ZN's tick is 15.625)."""
    text = f"{value.normalize():f}"
    decimals = len(text.partition(".")[2])
    return f"{value:,.{max(decimals, 2)}f}"


class ContractLookup(WindowParts):
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
