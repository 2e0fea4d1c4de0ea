"""Exits that outlived their position. A stop or target left working once the position it
protected is flat would, when it triggers, open a new position nobody asked for."""

from __future__ import annotations

from collections.abc import Iterable

from ticket.domain.orders import OrdStatus
from ticket.domain.protection import OrderView, Snapshot

LIVE = (OrdStatus.WORKING, OrdStatus.PENDING_NEW, OrdStatus.PENDING_REPLACE)


def orphan_exits(snapshot: Snapshot, exit_ids: Iterable[int]) -> list[OrderView]:
    """Of the exit orders given (the legs and protective stops the ticket placed), those still
    live on a contract whose position is flat. Suspended legs wait for an entry that has not
    filled: they open nothing and are left alone."""
    found = []
    for order_id in exit_ids:
        order = snapshot.orders.get(order_id)
        if order is None or order.status not in LIVE:
            continue
        if snapshot.positions.get(order.contract_id, 0) == 0:
            found.append(order)
    return sorted(found, key=lambda o: o.id)
