"""placeOCO on the simulator: two working orders, and whichever fills cancels the other."""

from decimal import Decimal

from ticket.domain.orders import (
    Action,
    OrderType,
    OrdStatus,
    PlaceOcoRequest,
    RestrainedOrderVersion,
    TimeInForce,
)


def pair(sim, client, qty=1):
    account = client.accounts()[0]
    return PlaceOcoRequest(
        account_id=account.id,
        account_spec=account.name,
        action=Action.SELL,
        symbol=sim.front("ES"),
        order_qty=qty,
        order_type=OrderType.STOP,
        stop_price=Decimal("5990.00"),
        time_in_force=TimeInForce.GTC,
        other=RestrainedOrderVersion(
            action=Action.SELL, order_type=OrderType.LIMIT, price=Decimal("6010.00")
        ),
    )


def test_a_placed_pair_works_and_the_fill_of_one_cancels_the_other(sim, client):
    result = client.place_oco(pair(sim, client, qty=2))
    stop, target = sim.exchange.orders[result.order_id], sim.exchange.orders[result.oco_id]
    assert (stop.status, target.status) == (OrdStatus.WORKING, OrdStatus.WORKING)
    assert (stop.qty, target.qty) == (2, 2)  # the other takes the order's quantity
    sim.set_price(sim.front("ES"), "6010.00")
    assert target.status is OrdStatus.FILLED and stop.status is OrdStatus.CANCELED


def test_a_refused_pair_leaves_nothing(sim, client):
    from ticket.broker import errors

    before = len(sim.exchange.orders)
    bad = pair(sim, client).model_copy(update={"stop_price": Decimal("5990.10")})  # off grid
    try:
        client.place_oco(bad)
    except errors.Rejected as exc:
        assert exc.reason is not None and exc.reason.value == "InvalidPrice"
    else:
        raise AssertionError("an off-grid stop was accepted")
    assert len(sim.exchange.orders) == before
