"""Flatten the careful way, and a fill that races it."""

from decimal import Decimal

from ticket.broker.monitor import fetch_snapshot, flatten
from ticket.broker.orders import submit_oso
from ticket.domain.orders import OrderType, OrdStatus
from ticket.domain.protection import bracket_state, exposures

from .helpers import es_request


def test_flatten_cancels_the_legs_and_closes_the_position(sim, client):
    outcome = submit_oso(client, es_request(sim, client, order_type=OrderType.MARKET, price=None))
    account = client.accounts()[0].id
    contract = sim.catalog.by_name[sim.front("ES")].id
    report = flatten(client, account, contract, poll=0.01)
    assert (
        report.cancelled,
        report.filled_meanwhile,
        report.position_before_liquidation,
        report.position_after,
    ) == (2, 0, 2, 0)
    assert "flat." in report.message
    state = bracket_state(fetch_snapshot(client, account), outcome.order_id)
    assert [leg.status for leg in state.legs] == [OrdStatus.CANCELED] * 2


def test_a_fill_that_lands_while_flattening_is_reported_with_the_position(sim, client):
    submit_oso(client, es_request(sim, client, qty=2, order_type=OrderType.MARKET, price=None))
    account = client.accounts()[0].id
    contract = sim.catalog.by_name[sim.front("ES")].id
    real_cancel = client.cancel_order
    raced = []

    def cancel_after_a_fill(request):
        if not raced:  # the target fills just before our first cancel reaches the server
            sim.set_price(sim.front("ES"), "6004.25")
            raced.append(True)
        return real_cancel(request)

    client.cancel_order = cancel_after_a_fill
    report = flatten(client, account, contract, poll=0.01)
    assert report.filled_meanwhile == 1 and report.position_before_liquidation == 0
    assert "1 filled while cancelling, leaving a position of 0" in report.message
    assert report.position_after == 0
    assert sim.exchange.cash == Decimal(50000) + Decimal(2) * 4 * 50  # the target's profit


def test_exposure_snapshot_sees_a_naked_position(sim, client):
    sim.faults.fail_leg_activation_next(leg=1)
    submit_oso(client, es_request(sim, client, qty=2, order_type=OrderType.MARKET, price=None))
    [exposure] = exposures(fetch_snapshot(client, client.accounts()[0].id))
    assert (exposure.net, exposure.covered, exposure.uncovered) == (2, 0, 2)
