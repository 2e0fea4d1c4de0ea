"""Which exits are orphans: live, on a flat contract, and placed by the ticket."""

from ticket.domain.exits import orphan_exits
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.protection import OrderView, Snapshot


def order(order_id, status, contract=9, parent=None, kind=OrderType.STOP):
    return OrderView(
        id=order_id,
        contract_id=contract,
        action=Action.SELL,
        status=status,
        order_type=kind,
        qty=1,
        parent_id=parent,
    )


def snapshot(*orders, positions=None):
    return Snapshot(orders={o.id: o for o in orders}, positions=positions or {})


def test_a_working_exit_on_a_flat_contract_is_an_orphan():
    book = snapshot(order(1, OrdStatus.FILLED), order(2, OrdStatus.WORKING, parent=1))
    assert [o.id for o in orphan_exits(book, [2])] == [2]
    pending = snapshot(order(2, OrdStatus.PENDING_REPLACE, parent=1), positions={9: 0})
    assert [o.id for o in orphan_exits(pending, [2])] == [2]


def test_an_exit_under_an_open_position_is_not():
    book = snapshot(order(2, OrdStatus.WORKING, parent=1), positions={9: 1})
    assert orphan_exits(book, [2]) == []


def test_suspended_legs_of_an_unfilled_entry_and_final_orders_are_not():
    book = snapshot(
        order(1, OrdStatus.WORKING, kind=OrderType.LIMIT),
        order(2, OrdStatus.SUSPENDED, parent=1),
        order(3, OrdStatus.CANCELED),
        order(4, OrdStatus.FILLED),
    )
    assert orphan_exits(book, [2, 3, 4]) == []


def test_only_the_exits_given_count_and_other_contracts_are_judged_on_their_own():
    book = snapshot(
        order(2, OrdStatus.WORKING, contract=9),
        order(5, OrdStatus.WORKING, contract=7),
        order(6, OrdStatus.WORKING, contract=9),  # the trader's own order, not the ticket's
        positions={9: 0, 7: -2},
    )
    assert [o.id for o in orphan_exits(book, [2, 5, 99])] == [2]
