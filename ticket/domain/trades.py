"""The day's orders as trades: one row per entry order, with its legs, its fills, the fills that
closed it and what that realised, in money and in R.

A position is opened and closed by fills, whatever order they belong to. A bracket leg's fill
closes its own entry's lots first (a scale-out's part taken closes that part, not the part
opened before it); every other fill, and what a leg's fill has left over, is matched first in,
first out (in time order; an inactive fill counts for nothing). What a matched pair realises
belongs to the row of the order that opened it: a bracket's target filling closes its entry's
lots on the entry's own row, a flatten's fill closes the lots of whichever entries were open.
The closing order keeps a row of its own that names what it closed, and shows no P&L, so once a
contract is flat its rows add up to the account's realised total (while a position is open the
rows may value its lots differently from the account's first in, first out).

R is the realised move against the stop distance the entry was placed with: the average entry
fill to the stop leg's first price (a stop moved later, to break-even say, does not change what
1 R was). An entry without a stop leg has no R. Money needs the contract's point value; when it
is not known the row says nothing rather than a guess, and so does every row of a contract whose
day's fills do not add up to its position (a position carried from an earlier day: its opening
fills are not among today's).

Fees are a row's own fills' fees, shown only when every one of them is known.

Frozen dataclasses (a sync of 5,000 orders makes thousands of them, from entities validated when
the stream's frames were parsed) and one `Book` per contract, which matches each new fill in
place as it comes. No server, no Qt: the window reads them and the tests drive them directly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.protection import STOP_TYPES


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """One order as the rows read it: its live version, its fills and where it came from."""

    id: int
    contract_id: int
    timestamp: datetime
    action: Action
    status: OrdStatus
    order_type: OrderType | None = None
    qty: int = 0
    price: Decimal | None = None
    stop_price: Decimal | None = None
    parent_id: int | None = None
    filled: int = 0
    avg_price: Decimal | None = None
    first_stop_price: Decimal | None = None  # the stop price of its first version
    cl_ord_id: str | None = None

    @property
    def is_stop(self) -> bool:
        return self.order_type in STOP_TYPES


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill."""

    id: int
    order_id: int
    contract_id: int
    timestamp: datetime
    action: Action
    qty: int
    price: Decimal
    active: bool = True
    entry_id: int | None = None  # the entry its order is a leg of: that entry's lots go first


@dataclass(frozen=True, slots=True)
class Match:
    """`qty` contracts opened by one fill and closed by a later one."""

    contract_id: int
    side: Action  # the opening side
    qty: int
    opener: int  # order ids
    closer: int
    open_price: Decimal
    close_price: Decimal

    @property
    def points(self) -> Decimal:
        """Price points realised over the whole quantity, positive in profit."""
        return (self.close_price - self.open_price) * self.side.sign * self.qty


@dataclass(slots=True)
class _Lot:
    order_id: int
    price: Decimal
    qty: int
    side: Action


def _time_order(fill: Execution) -> tuple[datetime, int]:
    return fill.timestamp, fill.id


class Book:
    """One contract's fills matched in time order (ties by fill id), a leg's fill to its own
    entry's lots first and otherwise first in, first out, kept current as fills arrive. Mutable
    state on one thread, like the replica it is read from."""

    def __init__(self, contract_id: int, fills: Iterable[Execution] = ()) -> None:
        self.contract_id = contract_id
        self.net = 0  # what the fills add up to, long > 0
        self.matches: list[Match] = []  # in the order they were made
        self._lots: deque[_Lot] = deque()  # open, oldest first, all on one side
        self._seen: dict[int, Execution] = {}
        self._last: tuple[datetime, int] | None = None
        self._opened: dict[int, list[Match]] = {}  # opening order id -> its matches
        self._closed: dict[int, list[Match]] = {}  # closing order id -> its matches
        for fill in sorted(fills, key=_time_order):
            self._take(fill)

    def holds_exactly(self, fills: Sequence[Execution]) -> bool:
        """Whether these are the very fills this book matched, no more and no fewer."""
        seen = self._seen
        return len(fills) == len(seen) and all(seen.get(f.id) == f for f in fills)

    def add(self, fill: Execution) -> set[int] | None:
        """A fill not seen before and later than every other: matched in place, and the orders
        whose matches it changed are returned (a fill seen before, unchanged, changes nothing).
        None when it cannot be (a changed fill, or an earlier one): the caller matches the
        contract's fills again."""
        seen = self._seen.get(fill.id)
        if seen is not None:
            return {fill.order_id} if seen == fill else None
        if self._last is not None and _time_order(fill) < self._last:
            return None
        return self._take(fill)

    def _take(self, fill: Execution) -> set[int]:
        self._seen[fill.id] = fill
        self._last = _time_order(fill)
        touched = {fill.order_id}
        if not fill.active or fill.qty <= 0:
            return touched
        left = fill.qty
        for lot in self._closing_order(fill):
            if not left:
                break
            take = min(lot.qty, left)
            match = Match(
                contract_id=self.contract_id,
                side=lot.side,
                qty=take,
                opener=lot.order_id,
                closer=fill.order_id,
                open_price=lot.price,
                close_price=fill.price,
            )
            self.matches.append(match)
            self._opened.setdefault(match.opener, []).append(match)
            self._closed.setdefault(match.closer, []).append(match)
            touched.add(match.opener)
            left -= take
            lot.qty -= take
            if not lot.qty:
                self._lots.remove(lot)
        if left:
            self._lots.append(_Lot(fill.order_id, fill.price, left, fill.action))
        self.net += fill.qty * fill.action.sign
        return touched

    def _closing_order(self, fill: Execution) -> list[_Lot]:
        """The open lots this fill closes, in turn: its own entry's first when it is a leg."""
        lots = [lot for lot in self._lots if lot.side is not fill.action]
        if fill.entry_id is None:
            return lots
        own = [lot for lot in lots if lot.order_id == fill.entry_id]
        return own + [lot for lot in lots if lot.order_id != fill.entry_id]

    def taken(self, fill_id: int) -> Execution | None:
        """The fill as this book matched it, if it has."""
        return self._seen.get(fill_id)

    def opened_by(self, order_ids: Iterable[int]) -> list[Match]:
        return [m for i in order_ids for m in self._opened.get(i, ())]

    def closed_by(self, order_ids: Iterable[int]) -> list[Match]:
        return [m for i in order_ids for m in self._closed.get(i, ())]

    def orders(self) -> set[int]:
        """The orders with a match, opening or closing."""
        return set(self._opened) | set(self._closed)

    def pairs_of(self, order_id: int) -> tuple[tuple[Match, ...], tuple[Match, ...]]:
        """What one order opened and closed (to tell which rows a new matching changed)."""
        return tuple(self._opened.get(order_id, ())), tuple(self._closed.get(order_id, ()))


def match_fifo(contract_id: int, fills: Iterable[Execution]) -> Book:
    """Pair one contract's fills first in, first out."""
    return Book(contract_id, fills)


def books(fills: Iterable[Execution]) -> dict[int, Book]:
    """Every contract's book."""
    by_contract: dict[int, list[Execution]] = {}
    for fill in fills:
        by_contract.setdefault(fill.contract_id, []).append(fill)
    return {c: match_fifo(c, f) for c, f in by_contract.items()}


@dataclass(frozen=True, slots=True)
class Trade:
    """One row: an entry, its legs, and what the day's fills say of them."""

    entry: OrderFacts
    legs: tuple[OrderFacts, ...] = ()
    closed: int = 0  # contracts of this row's lots closed so far
    exit_price: Decimal | None = None  # the average price they were closed at
    exit_orders: tuple[int, ...] = ()  # the orders whose fills closed them
    closes: tuple[int, ...] = ()  # the orders whose lots this row's fills closed
    points: Decimal | None = None  # realised, over the closed quantity
    money: Decimal | None = None
    r: Decimal | None = None
    stop_distance: Decimal | None = None  # entry fill to the stop leg's first price
    fees: Decimal | None = None  # of this row's own fills, when every one is known

    @property
    def stop(self) -> OrderFacts | None:
        return next((leg for leg in self.legs if leg.is_stop), None)

    @property
    def target(self) -> OrderFacts | None:
        return next((leg for leg in self.legs if not leg.is_stop), None)

    @property
    def order_ids(self) -> tuple[int, ...]:
        return (self.entry.id, *(leg.id for leg in self.legs))


def status_words(entry: OrderFacts, legs: Iterable[OrderFacts] = ()) -> str:
    """'working', 'filled 2', or for a bracket 'entry filled 2 · stop working · target canceled'
    (the words the window uses for the brackets it follows)."""
    legs = tuple(legs)
    status = entry.status.value.lower()
    if entry.filled:
        status += f" {entry.filled}"
    if not legs:
        return status
    text = f"entry {status}"
    for leg in legs:
        kind = "stop" if leg.is_stop else "target"
        text += f" · {kind} {leg.status.value.lower()}"
    return text


def trade(
    entry: OrderFacts,
    legs: Iterable[OrderFacts],
    book: Book | None,
    instrument: Instrument | None = None,
    fees: Mapping[int, Decimal] | None = None,
    fills: Iterable[Execution] = (),
    reliable: bool = True,
) -> Trade:
    """The row of one entry. `book` is its contract's; `fills` are the row's own (for fees:
    fill id -> fee); `reliable` False when the contract's fills do not add up to its position."""
    legs = tuple(sorted(legs, key=lambda o: o.id))
    ids = {entry.id, *(leg.id for leg in legs)}
    opened = book.opened_by(ids) if book is not None else []
    closes = book.closed_by(ids) if book is not None else []
    closes_others = tuple(sorted({m.opener for m in closes if m.opener not in ids}))
    closed = sum(m.qty for m in opened)
    exit_price = points = money = r = distance = None
    if closed:
        exit_price = sum((m.close_price * m.qty for m in opened), Decimal(0)) / closed
    if closed and reliable:
        points = sum((m.points for m in opened), Decimal(0))
        if instrument is not None:
            money = points * instrument.value_per_point
        stop = next((leg for leg in legs if leg.is_stop), None)
        first = stop.first_stop_price if stop is not None else None
        if first is not None and entry.avg_price is not None:
            distance = abs(entry.avg_price - first)
            if distance:
                r = points / (distance * closed)
    fee = None
    own = [f for f in fills if f.active and f.order_id in ids]
    if fees is not None and own and all(f.id in fees for f in own):
        fee = sum((fees[f.id] for f in own), Decimal(0))
    return Trade(
        entry=entry,
        legs=legs,
        closed=closed,
        exit_price=exit_price,
        exit_orders=tuple(sorted({m.closer for m in opened})),
        closes=closes_others,
        points=points,
        money=money,
        r=r,
        stop_distance=distance,
        fees=fee,
    )


def entries(orders: Iterable[OrderFacts]) -> dict[int, list[OrderFacts]]:
    """Entry id -> its legs. A leg is an order whose parent is among the orders; every other
    order is an entry of its own (one placed elsewhere, a protective stop, a flatten)."""
    held = {o.id: o for o in orders}
    rows: dict[int, list[OrderFacts]] = {}
    for order in held.values():
        if order.parent_id is None or order.parent_id not in held:
            rows.setdefault(order.id, [])
    for order in held.values():
        if order.parent_id is not None and order.parent_id in held:
            rows.setdefault(order.parent_id, []).append(order)
    return rows


def trades(
    orders: Iterable[OrderFacts],
    fills: Iterable[Execution],
    instruments: Mapping[int, Instrument] | None = None,
    positions: Mapping[int, int] | None = None,
    fees: Mapping[int, Decimal] | None = None,
) -> list[Trade]:
    """Every row, newest entry first. `positions` (contract id -> net position) marks the
    contracts whose fills do not add up to their position; without it every book is trusted."""
    held = {o.id: o for o in orders}
    # a leg's fills close its own entry first: say which entry, where the caller did not
    fills = [
        f
        if f.entry_id is not None or (o := held.get(f.order_id)) is None or o.parent_id is None
        else replace(f, entry_id=o.parent_id)
        for f in fills
    ]
    by_contract = books(fills)
    fills_of: dict[int, list[Execution]] = {}
    for fill in fills:
        fills_of.setdefault(fill.order_id, []).append(fill)
    rows = []
    for entry_id, legs in entries(held.values()).items():
        entry = held[entry_id]
        book = by_contract.get(entry.contract_id)
        reliable = positions is None or (book.net if book else 0) == positions.get(
            entry.contract_id, 0
        )
        own = [f for i in (entry_id, *(leg.id for leg in legs)) for f in fills_of.get(i, ())]
        rows.append(
            trade(
                entry,
                legs,
                book,
                (instruments or {}).get(entry.contract_id),
                fees,
                own,
                reliable,
            )
        )
    rows.sort(key=lambda t: (t.entry.timestamp, t.entry.id), reverse=True)
    return rows
