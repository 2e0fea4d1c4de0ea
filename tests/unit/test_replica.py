"""The account replica: a sync reply, then props events in any order, against what the domain
rules say of the same entities; and its indexes against a replica rebuilt from scratch."""

import logging
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ticket.broker.replica import AccountReplica, Change
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.protection import bracket_states, exposures

from .frames import (
    ACCOUNT,
    ES,
    NQ,
    OTHER_ACCOUNT,
    bracket,
    cash,
    command,
    fill,
    order,
    position,
    props,
    sync_reply,
    version,
)


def test_a_sync_reply_gives_every_order_with_its_version_fills_and_legs():
    replica = AccountReplica.from_sync(sync_reply(bracket(10, filled=True), bracket(20)), [ACCOUNT])
    assert len(replica) == 6
    entry = replica.order(10)
    assert entry.status is OrdStatus.FILLED and entry.qty == 2
    assert entry.order_type is OrderType.LIMIT and entry.price == Decimal("5990.25")
    assert entry.filled == 2 and entry.avg_price == Decimal("5990.25")
    state = replica.brackets(10)
    assert [leg.id for leg in state.legs] == [11, 12]
    assert state.legs[0].order_type is OrderType.STOP and state.legs[0].stop_price == Decimal(
        "5988.25"
    )
    assert replica.brackets(99) is None
    assert set(replica.bracket_states([10, 20, 99])) == {10, 20}
    assert replica.find_by_cl_ord_id("ord-1") == 10
    assert replica.find_by_cl_ord_id("nobody") is None
    assert [f.id for f in replica.fills_of(10)] == [1000]
    assert replica.cash.amount == Decimal("50000.0")
    assert replica.cash.week_realized_pn_l == Decimal("125.5")


def test_working_orders_are_the_working_pending_and_suspended_ones_of_one_contract():
    replica = AccountReplica.from_sync(
        sync_reply(
            bracket(20),
            orders=[order(30, status="Canceled"), order(31, contract=NQ), order(32)],
            orderVersions=[version(320, 32, qty=1)],
        )
    )
    assert [o.id for o in replica.working_orders(ES)] == [20, 21, 22, 32]
    assert [o.id for o in replica.working_orders(NQ)] == [31]
    assert replica.order(21).status is OrdStatus.SUSPENDED


def test_a_version_that_arrives_before_its_order_is_used_when_the_order_comes():
    replica = AccountReplica.from_sync(sync_reply())
    change = replica.apply(props("orderVersion", version(50, 5, qty=3)))
    assert replica.order(5) is None and 5 in change.orders
    change = replica.apply(props("order", order(5)))
    assert change.orders == {5} and ES in change.contracts
    assert replica.order(5).qty == 3


def test_an_order_without_its_version_has_no_quantity_or_type_until_it_arrives():
    replica = AccountReplica.from_sync(sync_reply())
    replica.apply(props("order", order(5)))
    assert (replica.order(5).qty, replica.order(5).order_type) == (0, None)
    replica.apply(props("orderVersion", version(50, 5, qty=3, type="Market", price=None)))
    assert (replica.order(5).qty, replica.order(5).order_type) == (3, OrderType.MARKET)


def test_an_older_version_arriving_late_does_not_replace_the_newer_one():
    replica = AccountReplica.from_sync(sync_reply(bracket(10)))
    replica.apply(props("orderVersion", version(105, 10, qty=4, price=5991.0)))
    change = replica.apply(props("orderVersion", version(101, 10, qty=1, price=5980.0)))
    assert replica.order(10).qty == 4 and replica.order(10).price == Decimal("5991.0")
    assert not change.orders
    # the newer one deleted, the next newest is the live one again
    replica.apply(props("orderVersion", {"id": 105}, "Deleted"))
    assert replica.order(10).qty == 1


def test_a_fill_before_its_position_then_the_position_shows_the_exposure():
    replica = AccountReplica.from_sync(sync_reply(bracket(10)))
    change = replica.apply(props("fill", fill(1000, 10, qty=1, price=5990.0)))
    assert change.fills == {1000} and 10 in change.orders and ES in change.contracts
    assert replica.order(10).filled == 1
    assert replica.exposures() == [] and replica.position(ES) is None
    change = replica.apply(props("position", position(7, 1)))
    assert change.positions == {ES}
    # the legs are still suspended: nothing covers the one contract
    (exposure,) = replica.exposures()
    assert (exposure.contract_id, exposure.net, exposure.covered) == (ES, 1, 0)
    assert replica.exposure(ES) == exposure
    replica.apply_all(
        [
            props("order", order(11, status="Working", action="Sell", parent=10), "Updated"),
            props("order", order(12, status="Working", action="Sell", parent=10), "Updated"),
        ]
    )
    assert replica.exposures() == [] and replica.exposure(ES) is None
    assert replica.positions() == {ES: 1}


def test_exposures_follow_the_domain_rule_on_the_same_account():
    replica = AccountReplica.from_sync(
        sync_reply(
            bracket(10, filled=True),
            orders=[order(40, action="Sell", contract=NQ), order(41, action="Buy", contract=NQ)],
            orderVersions=[
                version(400, 40, qty=1, type="Stop", price=None, stop=21000.0),
                version(410, 41, qty=5, type="StopLimit", price=21100.0, stop=21090.0),
            ],
            positions=[position(1, 2), position(2, -3, contract=NQ, price=21050.0)],
        )
    )
    snapshot = replica.snapshot()
    assert replica.exposures() == exposures(snapshot) == []
    replica.apply(props("fill", fill(401, 41, qty=4, action="Buy", contract=NQ)))
    assert replica.exposures() == exposures(replica.snapshot())
    (exposure,) = replica.exposures()
    assert (exposure.net, exposure.covered, exposure.closing_action) == (-3, 1, Action.BUY)
    assert replica.snapshot().position_prices == {ES: Decimal("5990.25"), NQ: Decimal("21050.0")}


def test_deleted_removes_an_order_and_a_fill_from_every_index():
    replica = AccountReplica.from_sync(sync_reply(bracket(10, filled=True)))
    change = replica.apply(props("order", {"id": 11}, "Deleted"))
    assert change.orders == {11} and ES in change.contracts
    assert replica.order(11) is None
    assert [leg.id for leg in replica.brackets(10).legs] == [12]
    assert [o.id for o in replica.working_orders(ES)] == [12]
    replica.apply(props("fill", {"id": 1000}, "Deleted"))
    assert replica.order(10).filled == 0 and replica.fills_of(10) == []
    replica.apply(props("command", {"id": 100}, "Deleted"))
    assert replica.find_by_cl_ord_id("ord-1") is None
    replica.apply(props("cashBalance", {"id": 1}, "Deleted"))
    assert replica.cash is None
    assert not replica.apply(props("order", {"id": 999}, "Deleted"))


def test_unknown_entity_types_and_fields_are_ignored():
    replica = AccountReplica.from_sync(sync_reply(bracket(10)))
    assert replica.apply(props("marginSnapshot", {"id": 1, "initialMargin": 5})) == Change()
    assert replica.apply(props("executionReport", {"id": 3, "orderId": 10})) == Change()
    entity = order(10, status="Filled") | {"brandNewField": {"nested": [1, 2]}}
    replica.apply(props("order", entity, "Updated"))
    assert replica.order(10).status is OrdStatus.FILLED
    assert not replica.apply(props("order", order(11), "Archived"))


GARBAGE = [
    "not an event",
    None,
    {"entityType": "order"},
    {"entityType": "order", "eventType": "Created", "entity": "text"},
    props("order", {"accountId": ACCOUNT, "action": "Buy"}),
    props("order", order(10) | {"id": "ten"}),
    props("order", order(10) | {"ordStatus": "Exploded"}),
    props("order", order(10) | {"timestamp": None}),
    props("orderVersion", version(1, 10) | {"orderQty": "lots"}),
    props("fill", fill(5, 10) | {"price": None}),
    props("position", position(3, 1) | {"netPos": [1]}),
    props("cashBalance", {"accountId": ACCOUNT, "amount": 1.0}),
    props("order", {"id": True}, "Deleted"),
    props("order", {"id": None}, "Deleted"),
]


def test_garbage_entities_are_logged_and_ignored(caplog):
    replica = AccountReplica.from_sync(sync_reply(bracket(10)))
    before = replica.snapshot()
    with caplog.at_level(logging.WARNING, logger="ticket.broker.replica"):
        change = replica.apply_all(GARBAGE)
    assert replica.snapshot() == before and not change
    assert len(caplog.records) >= 10
    broken = sync_reply(orders=[order(1), {"id": "x"}, 5]) | {"fills": "not a list"}
    assert len(AccountReplica.from_sync(broken)) == 1
    assert len(AccountReplica.from_sync("not a reply")) == 0


def test_other_accounts_are_ignored():
    replica = AccountReplica.from_sync(
        sync_reply(
            orders=[order(1), order(2, account=OTHER_ACCOUNT)],
            positions=[position(1, 1), position(2, 5, account=OTHER_ACCOUNT, contract=NQ)],
            cashBalances=[cash(2, account=OTHER_ACCOUNT)],
        ),
        [ACCOUNT],
    )
    assert replica.order(2) is None and replica.positions() == {ES: 1}
    assert replica.cash.id == 1
    assert not replica.apply(props("order", order(3, account=OTHER_ACCOUNT)))
    assert replica.order(3) is None


def test_a_final_order_does_not_reopen_and_an_older_position_does_not_replace_a_newer():
    replica = AccountReplica.from_sync(
        sync_reply(
            bracket(10, filled=True),
            positions=[position(1, 2, stamp="2026-12-05T08:00:05.000Z")],
        )
    )
    replica.apply(props("order", order(10, status="Working"), "Updated"))
    assert replica.order(10).status is OrdStatus.FILLED
    replica.apply(props("position", position(1, 0, stamp="2026-12-05T08:00:01.000Z"), "Updated"))
    assert replica.positions() == {ES: 2}
    replica.apply(props("position", position(1, 0, stamp="2026-12-05T08:00:09.000Z"), "Updated"))
    assert replica.positions() == {ES: 0} and replica.exposures() == []
    # a stamp without a time zone cannot be ordered against one with: it is taken
    replica.apply(props("position", position(1, 1, stamp="2026-12-05T08:00:00"), "Updated"))
    assert replica.positions() == {ES: 1}


def test_changes_combine_and_an_empty_one_is_false():
    assert not Change()
    assert Change(cash=True) and Change(reset=True) and Change(orders=frozenset({1}))
    both = Change(orders=frozenset({1}), contracts=frozenset({ES})) | Change(
        orders=frozenset({2}), fills=frozenset({9}), positions=frozenset({NQ}), cash=True
    )
    assert both == Change(
        frozenset({1, 2}), frozenset({ES}), frozenset({9}), frozenset({NQ}), True, False
    )


# -- any sequence of events leaves the indexes as a rebuild from the final entities --

ids = st.integers(min_value=1, max_value=6)
contracts = st.sampled_from([ES, NQ])
statuses = st.sampled_from(["Working", "PendingNew", "Suspended", "Filled", "Canceled"])
actions = st.sampled_from(["Buy", "Sell"])
kinds = st.sampled_from(["Limit", "Stop", "StopLimit", "Market"])

entities = st.one_of(
    st.builds(
        lambda i, s, a, c, p: ("order", order(i, status=s, action=a, contract=c, parent=p)),
        ids,
        statuses,
        actions,
        contracts,
        st.none() | ids,
    ),
    st.builds(
        lambda i, o, q, t: ("orderVersion", version(i, o, qty=q, type=t, stop=5980.0)),
        st.integers(1, 12),
        ids,
        st.integers(1, 5),
        kinds,
    ),
    st.builds(
        lambda i, o, q, a: ("fill", fill(i, o, qty=q, active=a)),
        st.integers(1, 8),
        ids,
        st.integers(1, 3),
        st.booleans(),
    ),
    st.builds(lambda i, o, k: ("command", command(i, o, f"cl-{k}")), st.integers(1, 8), ids, ids),
    st.builds(
        lambda i, n, c, m: (
            "position",
            position(i, n, contract=c, stamp=f"2026-12-05T08:00:{m:02d}.000Z"),
        ),
        st.integers(1, 3),
        st.integers(-4, 4),
        contracts,
        st.integers(0, 59),
    ),
    st.builds(lambda i, a: ("cashBalance", cash(i, a)), st.integers(1, 2), st.integers(0, 9)),
)
events = st.builds(
    lambda pair, what: props(
        pair[0], pair[1] if what != "Deleted" else {"id": pair[1]["id"]}, what
    ),
    entities,
    st.sampled_from(["Created", "Updated", "Updated", "Deleted"]),
)


def readings(replica: AccountReplica) -> dict:
    snapshot = replica.snapshot()
    every = range(0, 15)
    return {
        "orders": snapshot.orders,
        "positions": replica.positions(),
        "prices": snapshot.position_prices,
        "brackets": replica.bracket_states(every),
        "exposures": replica.exposures(),
        "exposure": {c: replica.exposure(c) for c in (ES, NQ)},
        "working": {c: replica.working_orders(c) for c in (ES, NQ)},
        "fills": {i: replica.fills_of(i) for i in every},
        "cl": {k: replica.find_by_cl_ord_id(f"cl-{k}") for k in every},
        "cash": replica.cash,
        "length": len(replica),
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40), st.lists(events, max_size=10))
def test_any_sequence_of_events_leaves_the_indexes_of_a_rebuild(first, rest):
    replica = AccountReplica.from_sync(sync_reply())
    for event in first:
        replica.apply(event)
    replica.apply_all(rest)
    rebuilt = AccountReplica.from_sync(replica.entities())
    assert readings(replica) == readings(rebuilt)
    snapshot = replica.snapshot()
    assert replica.exposures() == exposures(snapshot)
    assert replica.bracket_states(range(15)) == bracket_states(snapshot, range(15))
    for view in snapshot.orders.values():
        working = view.status in (
            OrdStatus.WORKING,
            OrdStatus.PENDING_NEW,
            OrdStatus.PENDING_REPLACE,
            OrdStatus.SUSPENDED,
        )
        assert (view in replica.working_orders(view.contract_id)) == working
