"""The account as the user stream tells it: one `user/syncrequest` reply, then `props` events.

`AccountReplica` holds the entities (orders, order versions, commands, fills, positions, cash
balances) and keeps, as each event arrives, the indexes the window reads: each order's view
(its latest version and fills joined), the legs of each parent, the working orders and open stop
cover of each contract, the fills of each order, the order of each clOrdId. One event costs the
same with 100 orders as with 5,000; nothing here scans the whole account except `snapshot()`.

Pure state, no threads and no Qt: the user stream builds a replica on its socket thread and hands
it over whole; from then on one thread at a time owns it.

Rules where the stream could disagree with itself:
- The highest order-version id is an order's live version; an older one arriving late is kept
  but does not replace it. Until any version arrives an order has qty 0 and no type.
- An order in a final state (filled, cancelled, rejected, expired, completed) does not reopen; a
  position or cash balance older (by its timestamp) than the one held does not replace it. So an
  event that was already in a sync reply does no harm when it arrives again after it.
- Entities of accounts not asked for, unknown entity types, unknown fields and unknown event
  types are ignored; an entity that does not parse (no id, a wrong type) is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ticket.broker.models import (
    CashBalance,
    Command,
    Entity,
    Fill,
    Order,
    OrderVersion,
    Position,
    Price,
)
from ticket.domain.orders import Action, OrdStatus
from ticket.domain.protection import (
    OPEN,
    STOP_TYPES,
    BracketState,
    Exposure,
    OrderView,
    Snapshot,
)
from ticket.domain.trades import Execution, OrderFacts

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

WORKING = (*OPEN, OrdStatus.SUSPENDED)
FINAL = (
    OrdStatus.FILLED,
    OrdStatus.CANCELED,
    OrdStatus.REJECTED,
    OrdStatus.EXPIRED,
    OrdStatus.COMPLETED,
)
# sync reply key -> entity type, in the order a reply is read
SYNC_KEYS = {
    "orders": "order",
    "orderVersions": "orderVersion",
    "commands": "command",
    "fills": "fill",
    "positions": "position",
    "cashBalances": "cashBalance",
    # not an array of Tradovate's SyncMessage: fees come by `props` event, when they come (see
    # FillFee); the key lets a replica's own `entities()` rebuild it
    "fillFees": "fillFee",
}
ENTITY_TYPES = frozenset(SYNC_KEYS.values())


class FillFee(Entity):
    """What Tradovate charged for one fill (the spec's FillFee, reached by `fillFee/deps` with
    the fill's id as master: it has no fill id of its own, so its id is taken to be the fill's).
    Each fee has a currency id; they are added up as they come, in the account's currency."""

    id: int
    clearing_fee: Price | None = None
    exchange_fee: Price | None = None
    nfa_fee: Price | None = None
    brokerage_fee: Price | None = None
    ip_fee: Price | None = None
    commission: Price | None = None
    order_routing_fee: Price | None = None

    @property
    def total(self) -> Decimal:
        parts = (
            self.clearing_fee,
            self.exchange_fee,
            self.nfa_fee,
            self.brokerage_fee,
            self.ip_fee,
            self.commission,
            self.order_routing_fee,
        )
        return sum((p for p in parts if p is not None), Decimal(0))


@dataclass(frozen=True)
class Change:
    """What one or more events touched, so a view redraws only that."""

    orders: frozenset[int] = frozenset()
    contracts: frozenset[int] = frozenset()
    fills: frozenset[int] = frozenset()
    positions: frozenset[int] = frozenset()  # contract ids
    cash: bool = False
    reset: bool = False

    def __or__(self, other: Change) -> Change:
        return Change(
            self.orders | other.orders,
            self.contracts | other.contracts,
            self.fills | other.fills,
            self.positions | other.positions,
            self.cash or other.cash,
            self.reset or other.reset,
        )

    def __bool__(self) -> bool:
        return bool(
            self.orders or self.contracts or self.fills or self.positions or self.cash or self.reset
        )


@dataclass
class _Touched:
    orders: set[int] = field(default_factory=set)
    contracts: set[int] = field(default_factory=set)
    fills: set[int] = field(default_factory=set)
    positions: set[int] = field(default_factory=set)
    cash: bool = False


def _add(index: dict[int, set[int]], key: int, value: int) -> None:
    index.setdefault(key, set()).add(value)


def _discard(index: dict[int, set[int]], key: int, value: int) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(value)
        if not members:
            del index[key]


def _older(new: Any, held: Any) -> bool:
    try:
        return new is not None and held is not None and bool(new < held)
    except TypeError:  # one stamp with a time zone, one without: no order between them
        return False


class AccountReplica:
    """The account's entities and their indexes; see the module docstring for its rules."""

    def __init__(self, account_ids: Collection[int] | None = None) -> None:
        self.account_ids = frozenset(account_ids) if account_ids is not None else None
        self._orders: dict[int, Order] = {}
        self._versions: dict[int, OrderVersion] = {}
        self._versions_of: dict[int, dict[int, OrderVersion]] = {}  # order id -> versions
        self._latest: dict[int, OrderVersion] = {}  # order id -> highest version
        self._commands: dict[int, Command] = {}
        self._cl_ord_ids: dict[str, set[int]] = {}  # clOrdId -> command ids
        self._commands_of: dict[int, set[int]] = {}  # order id -> command ids
        self._fills: dict[int, Fill] = {}
        self._fills_of: dict[int, dict[int, Fill]] = {}  # order id -> fills
        self._contract_fills: dict[int, set[int]] = {}  # contract id -> fill ids
        self._positions: dict[int, Position] = {}
        self._positions_of: dict[int, set[int]] = {}  # contract id -> position ids
        self._cash: dict[int, CashBalance] = {}
        self._fees: dict[int, FillFee] = {}  # fill id -> its fees
        self._views: dict[int, OrderView] = {}
        self._legs: dict[int, set[int]] = {}  # parent id -> order ids
        self._working: dict[int, set[int]] = {}  # contract id -> working order ids
        self._stops: dict[int, set[int]] = {}  # contract id -> open stop order ids
        self._store: dict[str, Callable[[Mapping[str, Any], _Touched], None]] = {
            "order": self._put_order,
            "orderVersion": self._put_version,
            "command": self._put_command,
            "fill": self._put_fill,
            "position": self._put_position,
            "cashBalance": self._put_cash,
            "fillFee": self._put_fee,
        }
        self._drop: dict[str, Callable[[int, _Touched], None]] = {
            "order": self._drop_order,
            "orderVersion": self._drop_version,
            "command": self._drop_command,
            "fill": self._drop_fill,
            "position": self._drop_position,
            "cashBalance": self._drop_cash,
            "fillFee": self._drop_fee,
        }

    # -- building and applying --

    @classmethod
    def from_sync(
        cls, sync: Mapping[str, Any], account_ids: Collection[int] | None = None
    ) -> AccountReplica:
        """A replica of a `user/syncrequest` reply (a SyncMessage); what does not parse is
        logged and left out."""
        replica = cls(account_ids)
        touched = _Touched()
        if not isinstance(sync, Mapping):
            log.warning("sync reply ignored: not an object")
            return replica
        for key, kind in SYNC_KEYS.items():
            items = sync.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                log.warning("sync reply: %s is not a list; ignored", key)
                continue
            store = replica._store[kind]
            for item in items:
                if isinstance(item, Mapping):
                    store(item, touched)
                else:
                    log.warning("sync reply: a %s that is not an object; ignored", kind)
        replica._refresh(touched)
        return replica

    def apply(self, event: Mapping[str, Any]) -> Change:
        """One `props` payload: {entityType, eventType, entity}."""
        touched = _Touched()
        self._apply(event, touched)
        return self._refresh(touched)

    def apply_all(self, events: Iterable[Mapping[str, Any]]) -> Change:
        touched = _Touched()
        for event in events:
            self._apply(event, touched)
        return self._refresh(touched)

    def _apply(self, event: Mapping[str, Any], touched: _Touched) -> None:
        if not isinstance(event, Mapping):
            log.warning("event ignored: not an object")
            return
        kind, what, entity = event.get("entityType"), event.get("eventType"), event.get("entity")
        if kind not in ENTITY_TYPES:
            return
        if not isinstance(entity, Mapping):
            log.warning("%s event ignored: its entity is not an object", kind)
            return
        if what == "Deleted":
            entity_id = entity.get("id")
            if isinstance(entity_id, int) and not isinstance(entity_id, bool):
                self._drop[kind](entity_id, touched)
            else:
                log.warning("%s deletion ignored: no usable id", kind)
        elif what in ("Created", "Updated"):
            self._store[kind](entity, touched)

    def _parse(self, model: type[M], entity: Mapping[str, Any]) -> M | None:
        try:
            return model.model_validate(entity)
        except ValidationError as exc:
            log.warning(
                "%s ignored (id %r): %d problem(s), first: %s",
                model.__name__,
                entity.get("id"),
                exc.error_count(),
                exc.errors()[0]["msg"] if exc.errors() else "",
            )
            return None

    def _foreign(self, account_id: int | None) -> bool:
        return self.account_ids is not None and account_id not in self.account_ids

    # -- one entity type each: store (Created/Updated) and drop (Deleted) --

    def _put_order(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        order = self._parse(Order, entity)
        if order is None:
            return
        if self._foreign(order.account_id):
            self._drop_order(order.id, touched)
            return
        held = self._orders.get(order.id)
        if held is not None and held.ord_status in FINAL and order.ord_status not in FINAL:
            log.info("order %s: %s after %s ignored", order.id, order.ord_status, held.ord_status)
            return
        self._orders[order.id] = order
        touched.orders.add(order.id)

    def _drop_order(self, order_id: int, touched: _Touched) -> None:
        if self._orders.pop(order_id, None) is not None:
            touched.orders.add(order_id)

    def _put_version(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        version = self._parse(OrderVersion, entity)
        if version is None:
            return
        if version.id in self._versions:
            self._drop_version(version.id, touched)
        self._versions[version.id] = version
        self._versions_of.setdefault(version.order_id, {})[version.id] = version
        latest = self._latest.get(version.order_id)
        if latest is None or version.id >= latest.id:
            self._latest[version.order_id] = version
            touched.orders.add(version.order_id)

    def _drop_version(self, version_id: int, touched: _Touched) -> None:
        version = self._versions.pop(version_id, None)
        if version is None:
            return
        siblings = self._versions_of[version.order_id]
        del siblings[version_id]
        if self._latest[version.order_id].id == version_id:
            if siblings:
                self._latest[version.order_id] = siblings[max(siblings)]
            else:
                del self._latest[version.order_id]
                del self._versions_of[version.order_id]
            touched.orders.add(version.order_id)
        elif not siblings:
            del self._versions_of[version.order_id]

    def _put_command(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        command = self._parse(Command, entity)
        if command is None:
            return
        if command.id in self._commands:
            self._drop_command(command.id, touched)
        self._commands[command.id] = command
        if command.cl_ord_id:
            self._cl_ord_ids.setdefault(command.cl_ord_id, set()).add(command.id)
        _add(self._commands_of, command.order_id, command.id)
        touched.orders.add(command.order_id)

    def _drop_command(self, command_id: int, touched: _Touched) -> None:
        command = self._commands.pop(command_id, None)
        if command is None:
            return
        if command.cl_ord_id:
            ids = self._cl_ord_ids[command.cl_ord_id]
            ids.discard(command_id)
            if not ids:
                del self._cl_ord_ids[command.cl_ord_id]
        _discard(self._commands_of, command.order_id, command_id)
        touched.orders.add(command.order_id)

    def _put_fill(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        fill = self._parse(Fill, entity)
        if fill is None:
            return
        if fill.id in self._fills:
            self._drop_fill(fill.id, touched)
        self._fills[fill.id] = fill
        self._fills_of.setdefault(fill.order_id, {})[fill.id] = fill
        _add(self._contract_fills, fill.contract_id, fill.id)
        touched.fills.add(fill.id)
        touched.orders.add(fill.order_id)
        touched.contracts.add(fill.contract_id)

    def _drop_fill(self, fill_id: int, touched: _Touched) -> None:
        fill = self._fills.pop(fill_id, None)
        if fill is None:
            return
        of_order = self._fills_of[fill.order_id]
        del of_order[fill_id]
        if not of_order:
            del self._fills_of[fill.order_id]
        _discard(self._contract_fills, fill.contract_id, fill_id)
        touched.fills.add(fill_id)
        touched.orders.add(fill.order_id)
        touched.contracts.add(fill.contract_id)

    def _put_position(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        position = self._parse(Position, entity)
        if position is None:
            return
        if self._foreign(position.account_id):
            self._drop_position(position.id, touched)
            return
        held = self._positions.get(position.id)
        if held is not None:
            if _older(position.timestamp, held.timestamp):
                return
            self._drop_position(position.id, touched)
        self._positions[position.id] = position
        _add(self._positions_of, position.contract_id, position.id)
        touched.positions.add(position.contract_id)
        touched.contracts.add(position.contract_id)

    def _drop_position(self, position_id: int, touched: _Touched) -> None:
        position = self._positions.pop(position_id, None)
        if position is None:
            return
        _discard(self._positions_of, position.contract_id, position_id)
        touched.positions.add(position.contract_id)
        touched.contracts.add(position.contract_id)

    def _put_cash(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        cash = self._parse(CashBalance, entity)
        if cash is None:
            return
        if cash.id is None:
            log.warning("cashBalance ignored: no id")
            return
        if self._foreign(cash.account_id):
            self._drop_cash(cash.id, touched)
            return
        held = self._cash.get(cash.id)
        if held is not None and _older(cash.timestamp, held.timestamp):
            return
        self._cash[cash.id] = cash
        touched.cash = True

    def _drop_cash(self, cash_id: int, touched: _Touched) -> None:
        if self._cash.pop(cash_id, None) is not None:
            touched.cash = True

    def _put_fee(self, entity: Mapping[str, Any], touched: _Touched) -> None:
        fee = self._parse(FillFee, entity)
        if fee is not None:
            self._fees[fee.id] = fee
            self._touch_fill(fee.id, touched)

    def _drop_fee(self, fee_id: int, touched: _Touched) -> None:
        if self._fees.pop(fee_id, None) is not None:
            self._touch_fill(fee_id, touched)

    def _touch_fill(self, fill_id: int, touched: _Touched) -> None:
        fill = self._fills.get(fill_id)
        touched.fills.add(fill_id)
        if fill is not None:
            touched.orders.add(fill.order_id)
            touched.contracts.add(fill.contract_id)

    # -- the views of touched orders, and their indexes --

    def _refresh(self, touched: _Touched) -> Change:
        for order_id in touched.orders:
            old = self._views.pop(order_id, None)
            if old is not None:
                self._unindex(old)
                touched.contracts.add(old.contract_id)
            order = self._orders.get(order_id)
            if order is None:
                continue
            view = self._view(order)
            self._views[order_id] = view
            self._index(view)
            touched.contracts.add(view.contract_id)
        return Change(
            frozenset(touched.orders),
            frozenset(touched.contracts),
            frozenset(touched.fills),
            frozenset(touched.positions),
            touched.cash,
        )

    def _view(self, order: Order) -> OrderView:
        return order_view(
            order, self._latest.get(order.id), self._fills_of.get(order.id, {}).values()
        )

    def _index(self, view: OrderView) -> None:
        if view.parent_id is not None:
            _add(self._legs, view.parent_id, view.id)
        if view.status in WORKING:
            _add(self._working, view.contract_id, view.id)
        if view.status in OPEN and view.order_type in STOP_TYPES:
            _add(self._stops, view.contract_id, view.id)

    def _unindex(self, view: OrderView) -> None:
        if view.parent_id is not None:
            _discard(self._legs, view.parent_id, view.id)
        _discard(self._working, view.contract_id, view.id)
        _discard(self._stops, view.contract_id, view.id)

    # -- reading --

    def __len__(self) -> int:
        return len(self._views)

    def order(self, order_id: int) -> OrderView | None:
        return self._views.get(order_id)

    def brackets(self, entry_id: int) -> BracketState | None:
        entry = self._views.get(entry_id)
        if entry is None:
            return None
        legs = tuple(self._views[i] for i in sorted(self._legs.get(entry_id, ())))
        return BracketState(entry=entry, legs=legs)

    def bracket_states(self, entry_ids: Iterable[int]) -> dict[int, BracketState]:
        found = {}
        for entry_id in entry_ids:
            state = self.brackets(entry_id)
            if state is not None:
                found[entry_id] = state
        return found

    def _net(self, contract_id: int) -> int:
        return sum(self._positions[i].net_pos for i in self._positions_of.get(contract_id, ()))

    def _exposure(self, contract_id: int, net: int) -> Exposure | None:
        if net == 0:
            return None
        closing = Action.SELL if net > 0 else Action.BUY
        covered = 0
        for order_id in self._stops.get(contract_id, ()):
            view = self._views[order_id]
            if view.action is closing:
                covered += view.qty - view.filled
        if covered >= abs(net):
            return None
        return Exposure(contract_id=contract_id, net=net, covered=covered)

    def exposures(self) -> list[Exposure]:
        """Every contract with a position that working stops do not cover in full (the rule of
        `ticket.domain.protection.exposures`), by contract id."""
        found = []
        for contract_id, net in self.positions().items():
            exposure = self._exposure(contract_id, net)
            if exposure is not None:
                found.append(exposure)
        return found

    def exposure(self, contract_id: int) -> Exposure | None:
        return self._exposure(contract_id, self._net(contract_id))

    def working_orders(self, contract_id: int) -> list[OrderView]:
        """Working, pending and suspended orders of one contract, oldest first."""
        return [self._views[i] for i in sorted(self._working.get(contract_id, ()))]

    def fills_of(self, order_id: int) -> list[Fill]:
        fills = self._fills_of.get(order_id, {})
        return [fills[i] for i in sorted(fills)]

    def fill(self, fill_id: int) -> Fill | None:
        return self._fills.get(fill_id)

    def fees(self) -> Mapping[int, Decimal]:
        """Fill id -> the fees charged for it, for the fills whose fees have come."""
        return {fill_id: fee.total for fill_id, fee in self._fees.items()}

    @property
    def has_fees(self) -> bool:
        return bool(self._fees)

    def fee(self, fill_id: int) -> Decimal | None:
        fee = self._fees.get(fill_id)
        return fee.total if fee is not None else None

    def fills_of_contract(self, contract_id: int) -> list[Fill]:
        """One contract's fills, by id."""
        return [self._fills[i] for i in sorted(self._contract_fills.get(contract_id, ()))]

    def contracts_with_fills(self) -> list[int]:
        return sorted(self._contract_fills)

    def order_ids(self) -> list[int]:
        """Every order held, by id."""
        return sorted(self._views)

    def order_entity(self, order_id: int) -> Order | None:
        """The order as the stream sent it (its timestamp, its links)."""
        return self._orders.get(order_id)

    def first_version(self, order_id: int) -> OrderVersion | None:
        """The version the order was placed with (the lowest id): the plan before any modify."""
        versions = self._versions_of.get(order_id)
        return versions[min(versions)] if versions else None

    def cl_ord_id_of(self, order_id: int) -> str | None:
        """The clOrdId the order was placed with (its first command's), if it had one."""
        ids = self._commands_of.get(order_id)
        return self._commands[min(ids)].cl_ord_id if ids else None

    def facts(self, order_id: int) -> OrderFacts | None:
        """One order as the day's trade rows read it (`ticket.domain.trades`)."""
        view, order = self._views.get(order_id), self._orders.get(order_id)
        if view is None or order is None:
            return None
        first = self.first_version(order_id)
        return OrderFacts(
            id=view.id,
            contract_id=view.contract_id,
            timestamp=order.timestamp,
            action=view.action,
            status=view.status,
            order_type=view.order_type,
            qty=view.qty,
            price=view.price,
            stop_price=view.stop_price,
            parent_id=view.parent_id,
            filled=view.filled,
            avg_price=view.avg_price,
            first_stop_price=first.stop_price if first is not None else None,
            cl_ord_id=self.cl_ord_id_of(order_id),
        )

    def executions(self, contract_id: int) -> list[Execution]:
        """One contract's fills as the trade rows read them."""
        return [self.execution_of(fill) for fill in self.fills_of_contract(contract_id)]

    def execution_of(self, fill: Fill) -> Execution:
        """A fill as the trade rows read it, with the entry its order is a leg of."""
        view = self._views.get(fill.order_id)
        return execution(fill, view.parent_id if view is not None else None)

    def legs_of(self, entry_id: int) -> list[int]:
        """The ids of the orders whose parent is this one."""
        return sorted(self._legs.get(entry_id, ()))

    def position(self, contract_id: int) -> Position | None:
        """The contract's position (with several accounts, the one with the highest id)."""
        ids = self._positions_of.get(contract_id)
        return self._positions[max(ids)] if ids else None

    def positions(self) -> dict[int, int]:
        """Contract id -> net position (summed over the accounts held), by contract id."""
        return {contract_id: self._net(contract_id) for contract_id in sorted(self._positions_of)}

    def find_by_cl_ord_id(self, cl_ord_id: str) -> int | None:
        """The order a clOrdId was sent with (its first command's order)."""
        ids = self._cl_ord_ids.get(cl_ord_id)
        return self._commands[min(ids)].order_id if ids else None

    @property
    def cash(self) -> CashBalance | None:
        """The latest cash balance held (the highest id: Tradovate makes one per trade day)."""
        return self._cash[max(self._cash)] if self._cash else None

    def snapshot(self) -> Snapshot:
        """The whole account as the domain's `Snapshot` (O(n): for code that wants it all)."""
        prices = {}
        for contract_id in self._positions_of:
            position = self.position(contract_id)
            if position is not None and position.net_price is not None:
                prices[contract_id] = position.net_price
        return Snapshot(
            orders=dict(self._views), positions=self.positions(), position_prices=prices
        )

    def entities(self) -> dict[str, list[dict[str, Any]]]:
        """Every entity held, in the shape of a sync reply (for a rebuild, or a look)."""
        stores: dict[str, Iterable[BaseModel]] = {
            "orders": self._orders.values(),
            "orderVersions": self._versions.values(),
            "commands": self._commands.values(),
            "fills": self._fills.values(),
            "positions": self._positions.values(),
            "cashBalances": self._cash.values(),
            "fillFees": self._fees.values(),
        }
        return {
            key: [m.model_dump(mode="json", by_alias=True, exclude_none=True) for m in models]
            for key, models in stores.items()
        }


def execution(fill: Fill, entry_id: int | None = None) -> Execution:
    return Execution(
        id=fill.id,
        order_id=fill.order_id,
        contract_id=fill.contract_id,
        timestamp=fill.timestamp,
        action=fill.action,
        qty=fill.qty,
        price=fill.price,
        active=fill.active,
        entry_id=entry_id,
    )


def order_view(order: Order, live: OrderVersion | None, fills: Iterable[Fill]) -> OrderView:
    """One order as the safety rules read it: its live version and what its active fills add up
    to. Built from parsed models, so not validated a second time."""
    qty, value = 0, Decimal(0)
    for fill in fills:
        if fill.active:
            qty += fill.qty
            value += fill.price * fill.qty
    return OrderView.model_construct(
        id=order.id,
        contract_id=order.contract_id or 0,
        action=order.action,
        status=order.ord_status,
        order_type=live.order_type if live else None,
        qty=live.order_qty if live else 0,
        stop_price=live.stop_price if live else None,
        price=live.price if live else None,
        parent_id=order.parent_id,
        filled=qty,
        avg_price=(value / qty) if qty else None,
    )
