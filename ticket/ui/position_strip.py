"""The position strip: one line per contract held in the followed account (side, size, average
price, open P&L in ticks, money and R) and the day's realised P&L and cash.

Positions and cash come from the account replica, prices from the live quote of the contract
the window watches: the window subscribes to one contract at a time, so a position in another
contract shows its size and price without a valuation rather than one from an old quote.

R is measured against the stop distance the trade was planned with. The first working stop
seen for a position is taken as that plan (the ticket's own bracket when the window placed
it, else the stop working when the window first saw the position) and kept while the
position stays open, so moving the stop to break-even does not change what 1 R is."""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ticket.broker.contracts import ResolvedContract
from ticket.broker.marketdata import Quote as LiveQuote
from ticket.broker.replica import AccountReplica, Change
from ticket.domain.instruments import Instrument
from ticket.domain.pnl import Position, Quote, open_pnl
from ticket.domain.protection import STOP_TYPES
from ticket.ui import theme
from ticket.ui.account_feed import AccountFeed

STALE_WORDS = "Account stream not live: these figures may be stale."


def planned_stop_ticks(
    replica: AccountReplica, contract_id: int, avg: Decimal, instrument: Instrument
) -> Decimal | None:
    """The distance from the average price to the contract's working stop, in ticks."""
    for order in replica.working_orders(contract_id):
        if order.order_type in STOP_TYPES and order.stop_price is not None:
            ticks = abs(avg - order.stop_price) / instrument.tick_size
            return ticks if ticks > 0 else None
    return None


def signed(value: Decimal, places: int) -> str:
    return f"{value:+,.{places}f}"


def tick_words(ticks: Decimal) -> str:
    shown = f"{ticks:+.0f}" if ticks == ticks.to_integral_value() else f"{ticks:+.2f}"
    return f"{shown} tick" if abs(ticks) == 1 else f"{shown} ticks"


class PositionStrip(QFrame):
    """Redrawn on every replica change that touches positions, cash or orders, on every quote
    of the watched contract, on a stream state change and on a scheme change."""

    def __init__(
        self,
        feed: AccountFeed,
        watched: Callable[[], ResolvedContract | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("positionStrip")
        self.setAccessibleName("Position")
        self.feed = feed
        self.watched = watched
        self.quote: LiveQuote | None = None
        self._planned: dict[int, Decimal | None] = {}  # contract id -> ticks, while held
        self._plain: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(1)
        self.lines = QLabel("")
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lines.setMinimumHeight(self.lines.fontMetrics().lineSpacing())
        # nor wider: a long line is cut at the window's edge (the tooltip holds all of it; the
        # banner above also says when the stream is down)
        self.lines.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.lines)
        # Its line is kept in the layout while hidden, so showing it never makes the window
        # taller than a laptop's screen: one position, the day's figures and any warning share
        # that line.
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        feed.changed.connect(self._on_change)
        feed.state_changed.connect(lambda _state, _detail: self.refresh())
        self.refresh()

    def text(self) -> str:
        """What the strip says, as plain text, one line per row."""
        return "\n".join(self._plain)

    def show_quote(self, quote: LiveQuote) -> None:
        resolved = self.watched()
        if resolved is None or quote.contract_id != resolved.contract.id:
            return
        self.quote = quote
        replica = self.feed.replica
        if replica is not None and replica.positions().get(quote.contract_id):
            self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.reset:
            self._planned.clear()
        if change.reset or change.positions or change.cash or change.orders:
            self.refresh()

    def refresh(self) -> None:
        self.setStyleSheet(
            "QFrame#positionStrip { border: 1px solid palette(mid); border-radius: 4px; }"
        )
        replica = self.feed.replica
        rich: list[str] = []
        plain: list[str] = []
        held: dict[int, int] = {}
        if replica is not None:
            held = {c: n for c, n in replica.positions().items() if n != 0}
            for gone in set(self._planned) - set(held):
                del self._planned[gone]
            for contract_id, net in held.items():
                line, coloured = self._position_line(replica, contract_id, net)
                plain.append(line)
                rich.append(coloured)
            if not held:
                plain.append("No open position")
                rich.append(html.escape(plain[-1]))
            line, coloured = self._account_line(replica)
            plain[-1] += f" · {line}"
            rich[-1] += f" · {coloured}"
        stale = replica is not None and not self.feed.live
        if stale:
            plain[-1] += f" · {STALE_WORDS}"
            rich[-1] += (
                f' · <span style="color: {theme.text.warning};">{html.escape(STALE_WORDS)}</span>'
            )
        self._plain = plain
        self.lines.setText("<br>".join(rich))
        self.lines.setToolTip("\n".join(plain))
        # flat with nothing realised, it would only repeat the cash the account row shows
        self.setVisible(replica is not None and (bool(held) or stale or self._realised(replica)))

    def _position_line(
        self, replica: AccountReplica, contract_id: int, net: int
    ) -> tuple[str, str]:
        held = replica.position(contract_id)
        avg = held.net_price if held is not None else None
        resolved = self.watched()
        watched = resolved is not None and resolved.contract.id == contract_id
        name = resolved.contract.name if resolved is not None and watched else f"#{contract_id}"
        instrument = resolved.instrument if resolved is not None and watched else None
        fmt = instrument.format_price if instrument is not None else str
        side = "Long" if net > 0 else "Short"
        head = f"{name} · {side} {abs(net)} · avg {fmt(avg) if avg is not None else '–'}"
        if avg is None or instrument is None:
            tail = " · open P&L: no live price for this contract"
            return head + tail, html.escape(head + tail)
        if contract_id not in self._planned or self._planned[contract_id] is None:
            self._planned[contract_id] = planned_stop_ticks(replica, contract_id, avg, instrument)
        planned = self._planned[contract_id]
        quote = self.quote
        if quote is None or quote.contract_id != contract_id:
            tail = " · open P&L: waiting for a price"
            return head + tail, html.escape(head + tail)
        position = Position(net=net, avg_price=avg)
        pnl = open_pnl(position, Quote(bid=quote.bid, ask=quote.ask, last=quote.last), instrument)
        if pnl is None:
            tail = " · open P&L: no price"
            return head + tail, html.escape(head + tail)
        r_ticks = pnl.ticks / planned if planned else None
        r = f"{signed(r_ticks, 2)} R" if r_ticks is not None else "R n/a"
        mark_side = "bid" if net > 0 else "ask"
        if (net > 0 and quote.bid is None) or (net < 0 and quote.ask is None):
            mark_side = "last"
        # the figures first, the price they are valued at last: with the exit controls beside
        # it, the line is cut at its end
        mid = f" · {tick_words(pnl.ticks)} · "
        money = f"{signed(pnl.money, 2)} {instrument.currency}"
        tail = f" · {r} · at {mark_side} {fmt(pnl.mark)}"
        line = f"{head}{mid}{money}{tail}"
        coloured = f"{html.escape(head + mid)}{self._money_html(pnl.money, money)}{tail}"
        return line, coloured

    @staticmethod
    def _realised(replica: AccountReplica) -> bool:
        cash = replica.cash
        return cash is not None and bool(cash.realized_pn_l)

    def _account_line(self, replica: AccountReplica) -> tuple[str, str]:
        cash = replica.cash
        realised = cash.realized_pn_l if cash is not None else None
        total = (cash.total_cash_value or cash.amount) if cash is not None else None
        real_words = signed(realised, 2) if realised is not None else "–"
        cash_words = f"{total:,.2f}" if total is not None else "–"
        line = f"Realised today {real_words} · Cash {cash_words}"
        coloured = (
            "Realised today "
            + (self._money_html(realised, real_words) if realised is not None else real_words)
            + f" · Cash {html.escape(cash_words)}"
        )
        return line, coloured

    @staticmethod
    def _money_html(value: Decimal, words: str) -> str:
        if value > 0:
            colour = theme.text.gain
        elif value < 0:
            colour = theme.text.loss
        else:
            return html.escape(words)
        return f'<span style="color: {colour}; font-weight: bold;">{html.escape(words)}</span>'
