"""The day's orders as trades: rows per entry with their legs, fills matched first in first out
per contract, realised P&L in money and R, and nothing shown where it would be a guess."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ticket.domain.instruments import BUILT_IN
from ticket.domain.orders import Action, OrderType, OrdStatus
from ticket.domain.trades import (
    Book,
    Execution,
    OrderFacts,
    books,
    match_fifo,
    status_words,
    trades,
)

ES = BUILT_IN["ES"]  # 0.25 a tick, 50 a point
T0 = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)


def order(order_id, action=Action.BUY, status=OrdStatus.FILLED, **fields):
    defaults = dict(
        contract_id=1,
        timestamp=T0 + timedelta(seconds=order_id),
        order_type=OrderType.MARKET,
        qty=1,
    )
    return OrderFacts(id=order_id, action=action, status=status, **(defaults | fields))


def fill(fill_id, order_id, action, qty, price, contract_id=1, seconds=None, active=True):
    return Execution(
        id=fill_id,
        order_id=order_id,
        contract_id=contract_id,
        timestamp=T0 + timedelta(seconds=fill_id if seconds is None else seconds),
        action=action,
        qty=qty,
        price=Decimal(price),
        active=active,
    )


def bracket(entry_price="6000.00", stop="5998.00", target="6004.00", qty=2, target_filled=True):
    """An entry filled at `entry_price`, its stop placed at `stop`, its target filled."""
    entry = order(
        10, qty=qty, filled=qty, avg_price=Decimal(entry_price), order_type=OrderType.LIMIT
    )
    stop_leg = order(
        11,
        Action.SELL,
        OrdStatus.CANCELED if target_filled else OrdStatus.WORKING,
        order_type=OrderType.STOP,
        qty=qty,
        stop_price=Decimal(stop),
        first_stop_price=Decimal(stop),
        parent_id=10,
    )
    target_leg = order(
        12,
        Action.SELL,
        OrdStatus.FILLED if target_filled else OrdStatus.WORKING,
        order_type=OrderType.LIMIT,
        qty=qty,
        price=Decimal(target),
        parent_id=10,
        filled=qty if target_filled else 0,
    )
    fills = [fill(1, 10, Action.BUY, qty, entry_price)]
    if target_filled:
        fills.append(fill(2, 12, Action.SELL, qty, target))
    return [entry, stop_leg, target_leg], fills


def test_a_bracket_is_one_row_with_its_exit_fill_and_pnl_in_money_and_r():
    orders, fills = bracket()
    [row] = trades(orders, fills, {1: ES})
    assert row.entry.id == 10 and [leg.id for leg in row.legs] == [11, 12]
    assert row.stop.id == 11 and row.target.id == 12
    assert row.closed == 2 and row.exit_price == Decimal("6004.00")
    assert row.exit_orders == (12,)
    assert row.money == Decimal("400.00")  # 4 points x 50 x 2
    assert row.r == Decimal(2)  # 4 points won against 2 points risked
    assert status_words(row.entry, row.legs) == "entry filled 2 · stop canceled · target filled"


def test_r_is_against_the_stop_as_placed_not_as_moved():
    orders, fills = bracket(stop="5998.00")
    moved = replace(orders[1], stop_price=Decimal("6000.00"))  # to break-even
    [row] = trades([orders[0], moved, orders[2]], fills, {1: ES})
    assert row.r == Decimal(2) and row.stop_distance == Decimal("2.00")


def test_an_open_trade_has_no_exit_and_no_pnl():
    orders, fills = bracket(target_filled=False)
    [row] = trades(orders, fills, {1: ES})
    assert row.closed == 0 and row.exit_price is None and row.money is None and row.r is None


def test_a_flatten_closes_the_entry_on_the_entry_row_and_names_it_on_its_own():
    entry = order(10, qty=2, filled=2, avg_price=Decimal("6000.00"))
    flatten = order(20, Action.SELL, qty=2, filled=2, avg_price=Decimal("5999.00"))
    fills = [fill(1, 10, Action.BUY, 2, "6000.00"), fill(2, 20, Action.SELL, 2, "5999.00")]
    rows = {r.entry.id: r for r in trades([entry, flatten], fills, {1: ES})}
    assert rows[10].money == Decimal("-100.00") and rows[10].exit_orders == (20,)
    assert rows[10].r is None  # no stop was placed with it
    assert rows[20].money is None and rows[20].closes == (10,) and rows[20].closed == 0


def test_money_needs_the_point_value_and_r_does_not():
    orders, fills = bracket()
    [row] = trades(orders, fills, {})
    assert row.money is None and row.points == Decimal("8.00") and row.r == Decimal(2)


def test_a_position_carried_from_an_earlier_day_shows_no_pnl_for_its_contract():
    # yesterday's long 1 is closed today: today's fills alone do not add up to the position
    entry = order(10, qty=1, filled=1, avg_price=Decimal("6000.00"))
    sell = order(20, Action.SELL, qty=2, filled=2, avg_price=Decimal("6001.00"))
    fills = [fill(1, 10, Action.BUY, 1, "6000.00"), fill(2, 20, Action.SELL, 2, "6001.00")]
    rows = {r.entry.id: r for r in trades([entry, sell], fills, {1: ES}, positions={1: 0})}
    assert rows[10].closed == 1 and rows[10].money is None and rows[10].points is None
    trusted = {r.entry.id: r for r in trades([entry, sell], fills, {1: ES}, positions={1: -1})}
    assert trusted[10].money == Decimal("50.00")


def test_inactive_fills_count_for_nothing_and_fees_show_only_when_all_are_known():
    orders, fills = bracket()
    busted = fill(3, 12, Action.SELL, 2, "5000.00", active=False)
    [row] = trades(orders, [*fills, busted], {1: ES}, fees={1: Decimal("1.20")})
    assert row.money == Decimal("400.00") and row.fees is None  # fill 2's fee is not known
    [row] = trades(orders, fills, {1: ES}, fees={1: Decimal("1.20"), 2: Decimal("1.30")})
    assert row.fees == Decimal("2.50")


def test_an_order_placed_elsewhere_without_legs_and_a_leg_without_its_parent_get_rows():
    lone = order(30, status=OrdStatus.WORKING, order_type=OrderType.LIMIT, price=Decimal("5990"))
    orphan_leg = order(41, Action.SELL, OrdStatus.WORKING, parent_id=40)
    rows = trades([lone, orphan_leg], [], {1: ES})
    assert sorted(r.entry.id for r in rows) == [30, 41]
    assert [r.entry.id for r in rows] == [41, 30]  # newest first
    assert status_words(lone) == "working"
    assert status_words(order(31, status=OrdStatus.REJECTED)) == "rejected"


def test_a_reversal_closes_the_long_and_opens_a_short_on_one_order():
    buy = order(10, qty=1, filled=1)
    reverse = order(20, Action.SELL, qty=3, filled=3)
    cover = order(30, qty=2, filled=2)
    fills = [
        fill(1, 10, Action.BUY, 1, "6000.00"),
        fill(2, 20, Action.SELL, 3, "6002.00"),
        fill(3, 30, Action.BUY, 2, "6001.00"),
    ]
    rows = {r.entry.id: r for r in trades([buy, reverse, cover], fills, {1: ES})}
    assert rows[10].money == Decimal("100.00")
    assert rows[20].money == Decimal("100.00") and rows[20].closes == (10,)
    assert rows[20].exit_price == Decimal("6001.00") and rows[30].closes == (20,)


# -- matching, whatever the order the fills arrive in --

quantities = st.integers(min_value=1, max_value=4)
ticks = st.integers(min_value=-40, max_value=40)


@st.composite
def days(draw):
    """A day of fills on two contracts, each ending flat, timestamps distinct."""
    fills = []
    next_id = 1
    for contract_id in (1, 2):
        net = 0
        for _ in range(draw(st.integers(min_value=0, max_value=8))):
            action = draw(st.sampled_from(Action))
            qty = draw(quantities)
            fills.append((contract_id, action, qty, draw(ticks)))
            net += qty * action.sign
        if net:
            action = Action.SELL if net > 0 else Action.BUY
            fills.append((contract_id, action, abs(net), draw(ticks)))
    made = []
    for n, (contract_id, action, qty, tick) in enumerate(fills):
        price = Decimal("6000") + tick * ES.tick_size
        made.append(fill(next_id + n, 100 + n, action, qty, str(price), contract_id))
    return made


def account_realised(fills):
    """What the account realised over a day that ends flat: sold minus bought, in money."""
    total = Decimal(0)
    for f in fills:
        total += f.price * f.qty * (1 if f.action is Action.SELL else -1)
    return total * ES.value_per_point


def orders_of(fills):
    return [
        order(
            f.order_id,
            f.action,
            qty=f.qty,
            filled=f.qty,
            avg_price=f.price,
            contract_id=f.contract_id,
        )
        for f in fills
    ]


@given(days(), st.randoms())
def test_closed_trades_add_up_to_the_accounts_realised_total_in_any_order(fills, rnd):
    shuffled = list(fills)
    rnd.shuffle(shuffled)
    rows = trades(orders_of(fills), shuffled, {1: ES, 2: ES}, positions={1: 0, 2: 0})
    assert sum((r.money or Decimal(0)) for r in rows) == account_realised(fills)
    assert rows == trades(orders_of(fills), fills, {1: ES, 2: ES}, positions={1: 0, 2: 0})


@given(days())
def test_every_contract_closed_is_a_contract_opened(fills):
    for contract_id, book in books(fills).items():
        assert book.net == 0
        opened = sum(f.qty for f in fills if f.contract_id == contract_id) // 2
        assert sum(m.qty for m in book.matches) == opened
        assert all(m.qty > 0 and m.opener != m.closer for m in book.matches)


def one_contract_at_a_time(fills):
    """The reference: every contract a unit in a queue, closed oldest first."""
    queue, pairs = [], {}
    for f in sorted(fills, key=lambda f: f.id):
        for _ in range(f.qty):
            if queue and queue[0][1] is not f.action:
                opener, side, price = queue.pop(0)
                key = (opener, f.order_id)
                qty, points = pairs.get(key, (0, Decimal(0)))
                pairs[key] = (qty + 1, points + (f.price - price) * side.sign)
            else:
                queue.append((f.order_id, f.action, f.price))
    return pairs


@given(days())
def test_matching_is_first_in_first_out(fills):
    for contract_id in (1, 2):
        mine = [f for f in fills if f.contract_id == contract_id]
        book = match_fifo(contract_id, mine)
        pairs = {}
        for m in book.matches:
            qty, points = pairs.get((m.opener, m.closer), (0, Decimal(0)))
            pairs[(m.opener, m.closer)] = (qty + m.qty, points + m.points)
        assert pairs == one_contract_at_a_time(mine)


@given(days(), st.randoms())
def test_a_book_kept_fill_by_fill_is_the_book_matched_at_once(fills, rnd):
    for contract_id in (1, 2):
        mine = [f for f in fills if f.contract_id == contract_id]
        kept = Book(contract_id)
        changed = set()
        for f in mine:  # in time order: each is matched in place
            added = kept.add(f)
            assert added is not None and f.order_id in added
            changed |= added
        whole = match_fifo(contract_id, mine)
        assert kept.matches == whole.matches and kept.net == whole.net
        assert changed >= whole.orders()
        if mine:
            again = mine[rnd.randrange(len(mine))]
            assert kept.add(again) == {again.order_id}  # seen before: nothing changes
            assert kept.add(replace(again, active=not again.active)) is None  # changed
            earlier = replace(mine[0], id=10_000, timestamp=mine[0].timestamp - timedelta(1))
            assert kept.add(earlier) is None  # earlier than the rest: match again


# -- the replica's side: trade facts, the stop as placed, and fees by event --


def test_the_replica_gives_each_order_as_placed_and_its_fees_when_they_come():
    from tests.unit.frames import bracket as sync_bracket
    from tests.unit.frames import props, sync_reply, version
    from ticket.broker.replica import AccountReplica

    replica = AccountReplica.from_sync(sync_reply(sync_bracket(10, cl_ord_id="cl-a", filled=True)))
    moved = replica.apply(
        props("orderVersion", version(999, 11, type="Stop", price=None, stop=5990.25))
    )
    assert 11 in moved.orders
    stop = replica.facts(11)
    assert stop.stop_price == Decimal("5990.25")  # moved to break-even
    assert stop.first_stop_price == Decimal("5988.25")  # as placed
    entry = replica.facts(10)
    assert (entry.cl_ord_id, entry.filled, replica.legs_of(10)) == ("cl-a", 2, [11, 12])
    assert replica.fee(1000) is None
    fee = {"id": 1000, "commission": 1.29, "exchangeFee": 2.8, "nfaFee": 0.04, "clearingFee": None}
    change = replica.apply(props("fillFee", fee))
    assert change.orders == {10} and 1000 in change.fills
    assert replica.fee(1000) == Decimal("4.13")
    rebuilt = AccountReplica.from_sync(replica.entities())
    assert rebuilt.fee(1000) == Decimal("4.13")
    replica.apply(props("fillFee", {"id": 1000}, event="Deleted"))
    assert replica.fee(1000) is None


def test_a_scale_outs_part_taken_first_closes_its_own_entry_not_the_older_part():
    """Two parts, each its own entry, stop and target; the second part's target fills first."""
    parts = []
    for entry_id, target in ((10, "6002.00"), (20, "6004.00")):
        parts += [
            order(entry_id, filled=1, avg_price=Decimal("6000.00"), timestamp=T0),
            order(
                entry_id + 1,
                Action.SELL,
                OrdStatus.WORKING,
                order_type=OrderType.STOP,
                stop_price=Decimal("5998.00"),
                first_stop_price=Decimal("5998.00"),
                parent_id=entry_id,
            ),
            order(
                entry_id + 2,
                Action.SELL,
                OrdStatus.WORKING,
                order_type=OrderType.LIMIT,
                price=Decimal(target),
                parent_id=entry_id,
            ),
        ]
    fills = [
        fill(1, 10, Action.BUY, 1, "6000.00", seconds=1),
        fill(2, 20, Action.BUY, 1, "6000.00", seconds=2),
        fill(3, 22, Action.SELL, 1, "6003.00", seconds=3),  # part 2 taken now, at the bid
    ]
    rows = {r.entry.id: r for r in trades(parts, fills, {1: ES})}
    assert rows[20].exit_price == Decimal("6003.00") and rows[20].money == Decimal("150.00")
    assert rows[10].closed == 0 and rows[10].exit_price is None and rows[10].money is None
    # a flatten then closes what is left, first in first out
    flat = [*fills, fill(4, 30, Action.SELL, 1, "5999.00", seconds=4)]
    rows = {r.entry.id: r for r in trades([*parts, order(30, Action.SELL)], flat, {1: ES})}
    assert rows[10].exit_orders == (30,) and rows[10].money == Decimal("-50.00")


def test_a_book_holds_exactly_the_fills_it_matched_and_no_others():
    fills = [fill(1, 10, Action.BUY, 2, "100"), fill(2, 11, Action.SELL, 2, "101")]
    book = Book(1, fills)
    assert book.holds_exactly(list(reversed(fills)))  # the same fills, in any order
    assert not book.holds_exactly(fills[:1])
    changed = fill(2, 11, Action.SELL, 1, "101")
    assert not book.holds_exactly([fills[0], changed])
    assert not book.holds_exactly([*fills, fill(3, 12, Action.BUY, 1, "100")])
