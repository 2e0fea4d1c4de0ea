"""The user socket over real websockets: authorize, user/syncrequest, then a props event for
every change, in Tradovate's shapes and in an order a replica can apply as it comes."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from tests.api.helpers import wait_for
from tests.schema import errors as schema_errors
from ticket.sim.constants import SIM_ACCOUNT_ID, SIM_USER_ID
from ticket.sim.limits import RateLimits
from ticket.sim.usersocket import UNSYNCED

from .userwire import UserSocket, signed_in

# What the spec requires of the two entities the suite's OpenAPI extract leaves out.
REQUIRED = {
    "executionReport": {
        "commandId",
        "name",
        "accountId",
        "contractId",
        "timestamp",
        "orderId",
        "execType",
        "action",
    },
    "commandReport": {"commandId", "timestamp", "commandStatus"},
}
SCHEMAS = {
    "order": "Order",
    "orderVersion": "OrderVersion",
    "command": "Command",
    "fill": "Fill",
    "position": "Position",
    "cashBalance": "CashBalance",
}


def post(sim, client, route: str, body: dict) -> dict:
    token = client.session.token.get_secret_value()
    answer = httpx.post(
        f"{sim.base_url}/{route}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def oso(sim, order_type="Limit", price=5990.0, legs=(5980.0, 6010.0), qty=1) -> dict:
    stop, target = legs
    body = {
        "accountId": SIM_ACCOUNT_ID,
        "action": "Buy",
        "symbol": sim.front("ES"),
        "orderQty": qty,
        "orderType": order_type,
        "bracket1": {"action": "Sell", "orderType": "Stop", "stopPrice": stop},
        "bracket2": {"action": "Sell", "orderType": "Limit", "price": target},
    }
    if order_type == "Limit":
        body["price"] = price
    return body


def kinds(batch) -> list[tuple[str, str]]:
    return [(e["entityType"], e["eventType"]) for e in batch]


def position_of(batch, entity_type: str, **match) -> int:
    for n, event in enumerate(batch):
        entity = event["entity"]
        if event["entityType"] == entity_type and all(entity.get(k) == v for k, v in match.items()):
            return n
    raise AssertionError(f"no {entity_type} {match} in {kinds(batch)}")


def check_shape(openapi, event) -> None:
    entity_type, entity = event["entityType"], event["entity"]
    if entity_type in SCHEMAS:
        assert schema_errors(openapi, SCHEMAS[entity_type], entity) == [], event
    else:
        assert REQUIRED[entity_type] <= set(entity), event


def test_requests_before_authorize_and_a_bad_token_are_answered_401(sim, client):
    with UserSocket(sim.user_ws_url) as socket:
        assert socket.request("user/syncrequest", {"users": [SIM_USER_ID]})["s"] == 401
        assert socket.authorize("not-a-token")["s"] == 401
        assert socket.request("user/syncrequest", {"users": [SIM_USER_ID]})["s"] == 401
        assert socket.authorize(client.session.token.get_secret_value()) == {"s": 200, "i": 4}
        assert socket.request("user/syncrequest", {"users": [SIM_USER_ID]})["s"] == 200


def test_the_sync_answer_holds_the_account_as_rest_lists_it(sim, client, openapi):
    sim.set_price(sim.front("ES"), "6000")
    working = post(sim, client, "order/placeoso", oso(sim))
    filled = post(sim, client, "order/placeoso", oso(sim, order_type="Market"))
    with signed_in(sim, client) as socket:
        snapshot = socket.sync()
    assert [u["id"] for u in snapshot["users"]] == [SIM_USER_ID]
    assert [a["id"] for a in snapshot["accounts"]] == [SIM_ACCOUNT_ID]
    ids = {o["id"] for o in snapshot["orders"]}
    placed = {working["orderId"], working["oso1Id"], working["oso2Id"]}
    assert placed | {filled["orderId"], filled["oso1Id"], filled["oso2Id"]} == ids
    assert {v["orderId"] for v in snapshot["orderVersions"]} == ids
    assert {c["orderId"] for c in snapshot["commands"]} == ids
    assert [p["netPos"] for p in snapshot["positions"]] == [1]
    assert [f["orderId"] for f in snapshot["fills"]] == [filled["orderId"]]
    assert snapshot["cashBalances"][0]["amount"] == 50000.0
    # each array is what the REST list of the same entity answers
    for key, route in [
        ("orders", "order/list"),
        ("orderVersions", "orderVersion/list"),
        ("commands", "command/list"),
        ("commandReports", "commandReport/list"),
        ("executionReports", "executionReport/list"),
        ("fills", "fill/list"),
        ("positions", "position/list"),
        ("cashBalances", "cashBalance/list"),
    ]:
        token = client.session.token.get_secret_value()
        listed = httpx.get(
            f"{sim.base_url}/{route}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert snapshot[key] == listed, key
    for key, schema in [("cashBalances", "CashBalance"), ("positions", "Position")]:
        assert schema_errors(openapi, schema, snapshot[key][0]) == []
    assert all(snapshot[key] == [] for key in UNSYNCED)


def test_entity_types_limit_the_snapshot_and_the_events(sim, client):
    with signed_in(sim, client) as socket:
        snapshot = socket.sync(entityTypes=["order", "position"])
        placed = post(sim, client, "order/placeoso", oso(sim, order_type="Market"))
        socket.wait_for_event("position", {"netPos": 1})
    assert snapshot["users"] == [] and snapshot["commands"] == []
    assert {e["entityType"] for e in socket.events} == {"order", "position"}
    assert {e["entity"]["id"] for e in socket.events if e["entityType"] == "order"} == {
        placed["orderId"],
        placed["oso1Id"],
        placed["oso2Id"],
    }


def test_no_event_comes_before_a_sync_request(sim, client):
    with signed_in(sim, client) as socket:
        post(sim, client, "order/placeoso", oso(sim))
        # an answer sent after the placement would follow its events, had any been sent
        assert socket.request("nothing/here")["s"] == 404
        assert socket.events == []
        socket.sync()
        placed = post(sim, client, "order/placeoso", oso(sim))
        socket.wait_for_event("order", {"id": placed["orderId"]})


def test_an_oso_whose_entry_fills_comes_in_an_order_a_replica_can_apply(sim, client, openapi):
    symbol = sim.front("ES")
    sim.set_price(symbol, "6000")
    with signed_in(sim, client) as socket:
        socket.sync()
        placed = post(sim, client, "order/placeoso", oso(sim, order_type="Market"))
        entry, stop, target = placed["orderId"], placed["oso1Id"], placed["oso2Id"]
        socket.wait_for_event("position", {"netPos": 1})
        [placement] = socket.batches  # one operation, one frame
        sim.set_price(symbol, "6010")  # the target fills, the stop is cancelled
        socket.wait_for_event("order", {"id": stop, "ordStatus": "Canceled"})
    for order_id in (entry, stop, target):
        created = position_of(placement, "order", id=order_id)
        assert created < position_of(placement, "orderVersion", orderId=order_id)
        assert created < position_of(placement, "command", orderId=order_id)
        assert created < position_of(placement, "executionReport", orderId=order_id)
    trade = position_of(placement, "executionReport", orderId=entry, execType="Trade")
    fill = position_of(placement, "fill", orderId=entry)
    assert trade < fill < position_of(placement, "position", netPos=1)
    assert {"cumQty": 1, "lastQty": 1, "ordStatus": "Filled"}.items() <= placement[trade][
        "entity"
    ].items()
    assert placement[trade]["entity"]["avgPx"] == placement[trade]["entity"]["lastPx"] == 6000.25
    for leg in (stop, target):
        activated = position_of(placement, "executionReport", orderId=leg, execType="New")
        assert placement[activated]["entity"]["ordStatus"] == "Working"
        assert position_of(placement, "executionReport", orderId=leg, execType="Suspended") < (
            activated
        )
    [exit_batch] = socket.batches[1:]
    target_fill = position_of(exit_batch, "fill", orderId=target)
    flat = position_of(exit_batch, "position", netPos=0)
    cash = position_of(exit_batch, "cashBalance", accountId=SIM_ACCOUNT_ID)
    assert target_fill < flat < cash
    assert exit_batch[cash]["entity"]["realizedPnL"] == pytest.approx(9.75 * 50)
    assert exit_batch[cash]["entity"]["amount"] == pytest.approx(50000 + 9.75 * 50)
    canceled = position_of(exit_batch, "executionReport", orderId=stop, execType="Canceled")
    assert exit_batch[canceled]["entity"]["ordStatus"] == "Canceled"
    for event in socket.events:
        check_shape(openapi, event)


def test_modify_and_cancel_come_as_a_new_version_and_a_canceled_order(sim, client, openapi):
    sim.set_price(sim.front("ES"), "6000")
    with signed_in(sim, client) as socket:
        socket.sync()
        order_id = post(sim, client, "order/placeoso", oso(sim))["orderId"]
        modify = {"orderId": order_id, "orderQty": 1, "orderType": "Limit", "price": 5991.0}
        modified = post(sim, client, "order/modifyorder", modify)["commandId"]
        version = socket.wait_for_event("orderVersion", {"id": modified})
        cancelled = post(sim, client, "order/cancelorder", {"orderId": order_id})["commandId"]
        socket.wait_for_event("order", {"id": order_id, "ordStatus": "Canceled"})
        events_before = len(socket.events)
        socket.request("nothing/here")  # anything of the cancel still to come is before this
    modify_batch, cancel_batch = socket.batches[1], socket.batches[2]
    assert version["eventType"] == "Created"
    assert {"orderId": order_id, "price": 5991.0, "orderQty": 1}.items() <= version[
        "entity"
    ].items()
    command = position_of(modify_batch, "command", id=modified, commandType="Modify")
    replaced = position_of(modify_batch, "executionReport", orderId=order_id, execType="Replaced")
    assert command < replaced and modify_batch[replaced]["entity"]["commandId"] == modified
    assert kinds(cancel_batch)[:2] == [("command", "Created"), ("commandReport", "Created")]
    assert cancel_batch[0]["entity"]["commandType"] == "Cancel"
    report = position_of(cancel_batch, "executionReport", orderId=order_id, execType="Canceled")
    assert cancel_batch[report]["entity"]["commandId"] == cancelled
    # the unfilled entry took its two legs with it
    legs = [e for e in cancel_batch if e["entityType"] == "order" and e["entity"]["id"] != order_id]
    assert [e["entity"]["ordStatus"] for e in legs] == ["Canceled", "Canceled"]
    assert len(socket.events) == events_before
    for event in socket.events:
        check_shape(openapi, event)


def test_events_and_rest_items_have_the_same_shape(sim, client):
    sim.set_price(sim.front("ES"), "6000")
    with signed_in(sim, client) as socket:
        socket.sync()
        placed = post(sim, client, "order/placeoso", oso(sim, order_type="Market"))
        sim.set_price(sim.front("ES"), "6010")
        socket.wait_for_event("order", {"id": placed["oso1Id"], "ordStatus": "Canceled"})
    token = client.session.token.get_secret_value()
    latest: dict[tuple[str, int], dict] = {}
    for event in socket.events:
        latest[(event["entityType"], event["entity"]["id"])] = event["entity"]
    routes = {
        "order": "order/list",
        "command": "command/list",
        "commandReport": "commandReport/list",
        "executionReport": "executionReport/list",
        "fill": "fill/list",
        "position": "position/list",
        "cashBalance": "cashBalance/list",
    }
    for entity_type, route in routes.items():
        listed = httpx.get(
            f"{sim.base_url}/{route}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        by_id = {item["id"]: item for item in listed}
        sent = {i: e for (t, i), e in latest.items() if t == entity_type}
        assert sent, entity_type
        assert {i: by_id[i] for i in sent} == sent, entity_type


def test_a_sync_taken_while_orders_land_misses_none_and_repeats_none(sim, client):
    done = threading.Event()
    placed: list[int] = []

    def place() -> None:
        body = oso(sim)
        # paced, so that the socket's reader, idle until the end, is not taken for slow
        while not done.wait(0.0005) and len(placed) < 900:
            placed.append(int(sim.exchange.place_oso(body)["orderId"]))

    placer = threading.Thread(target=place)
    with signed_in(sim, client) as socket:
        placer.start()
        wait_for(lambda: len(placed) > 50, what="orders landing")
        snapshot = socket.sync()
        at_sync = len(snapshot["orders"]) // 3
        wait_for(lambda: len(placed) > at_sync + 50, what="more orders")
        done.set()
        placer.join(10)
        last = placed[-1]
        socket.wait_for_event("order", {"id": last})
    in_snapshot = {o["id"] for o in snapshot["orders"] if o.get("parentId") is None}
    created = [
        e["entity"]["id"]
        for e in socket.events
        if e["entityType"] == "order" and e["eventType"] == "Created"
        if e["entity"].get("parentId") is None
    ]
    assert in_snapshot and created  # the sync landed while orders were being placed
    assert not in_snapshot & set(created)
    assert sorted(in_snapshot | set(created)) == sorted(placed)
    assert len(created) == len(set(created))


def test_malformed_requests_are_answered_with_errors(sim, client):
    with signed_in(sim, client) as socket:
        socket.send("user/syncrequest\nnot-a-number\n\n{}")
        socket.send("user/syncrequest")
        bad_id = [json.loads(socket.recv()[1:])[0] for _ in range(2)]
        answers = [
            socket.request("user/syncrequest", None),
            socket.request("user/syncrequest", [SIM_USER_ID]),
            socket.request("user/syncrequest", {"users": "me"}),
            socket.request("user/syncrequest", {"users": [SIM_USER_ID + 1]}),
            socket.request("user/syncrequest", {"users": [SIM_USER_ID], "entityTypes": "order"}),
            socket.request("user/nothing", {}),
        ]
        socket.send('user/syncrequest\n99\n\n{"users": [')
        broken = socket.answer(99)
        assert socket.request("user/syncrequest", {"users": [SIM_USER_ID]})["s"] == 200
    assert [(a["s"], a["i"]) for a in bad_id] == [(400, -1), (400, -1)]
    assert [a["s"] for a in answers] == [400, 400, 400, 404, 400, 404]
    assert broken["s"] == 400
    assert all(isinstance(a["d"], str) and a["d"] for a in [*bad_id, *answers, broken])


def test_shutdown_sends_the_reason_then_a_close_frame_and_closes(sim, client):
    with signed_in(sim, client) as socket:
        socket.sync()
        sim.user_socket.shutdown("Maintenance")
        shutdown, close = socket.recv(), socket.recv()
        with pytest.raises(ConnectionClosedOK):
            socket.recv()
    [message] = json.loads(shutdown[1:])
    assert message["e"] == "shutdown" and message["d"]["reasonCode"] == "Maintenance"
    assert isinstance(message["d"]["reason"], str)
    assert close.startswith("c[") and json.loads(close[1:])[0] == 1000
    wait_for(lambda: sim.user_socket.sockets == 0, what="the socket to be gone")


def test_drop_cuts_the_sockets_without_a_close_frame(sim, client):
    with signed_in(sim, client) as socket:
        socket.sync()
        assert sim.user_socket.sockets == 1 and sim.user_socket.syncs == 1
        sim.user_socket.drop()
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv()
    assert closed.value.rcvd is None  # no close frame came
    wait_for(lambda: sim.user_socket.sockets == 0, what="the socket to be gone")


def test_a_stalled_socket_holds_its_events_and_sends_them_in_order_after(sim, client):
    with signed_in(sim, client) as socket:
        socket.sync()
        sim.user_socket.stall = True
        placed = [post(sim, client, "order/placeoso", oso(sim))["orderId"] for _ in range(3)]
        assert socket.request("nothing/here")["s"] == 404  # answers still come
        assert socket.events == []
        sim.user_socket.stall = False
        socket.wait_for_event("order", {"id": placed[-1]})
    created = [e["entity"]["id"] for e in socket.events if e["entityType"] == "order"]
    assert [i for i in created if i in placed] == placed


def test_delayed_events_come_after_answers_sent_later(sim, client):
    with signed_in(sim, client) as socket:
        socket.sync()
        sim.user_socket.delay = 1.0
        order_id = post(sim, client, "order/placeoso", oso(sim))["orderId"]
        assert socket.request("nothing/here")["s"] == 404
        assert socket.events == []  # held back: the answer overtook it
        socket.wait_for_event("order", {"id": order_id})


@pytest.mark.slow
def test_a_reader_that_never_reads_is_closed_and_a_reading_one_keeps_up(sim, client):
    from .wire import RawSocket

    token = client.session.token.get_secret_value()
    slow = RawSocket(sim.user_ws_url, receive_buffer=4096)
    reader = signed_in(sim, client, max_queue=None)  # buffers all it is sent
    try:
        slow.send(f"authorize\n1\n\n{token}")
        slow.send(f'user/syncrequest\n2\n\n{{"users": [{SIM_USER_ID}]}}')
        reader.sync()
        # in step with the reader, which reads each batch before the next order: only the
        # slow socket's queue (1,000 frames, after what the kernel buffers) fills up
        for _ in range(20_000):  # bounded
            placed = int(sim.exchange.place_oso(oso(sim))["orderId"])
            assert reader.next_batch()[0]["entity"]["id"] == placed
            if sim.user_socket.closed_slow:
                break
        assert sim.user_socket.closed_slow == 1
        close = slow.read_until_closed()
    finally:
        slow.close()
        reader.close()
    assert int.from_bytes(close.data[:2], "big") == 1008
    assert sim.user_socket.closed_slow == 1  # the reading client was never taken for slow


@pytest.mark.parametrize("sim_limits", [RateLimits(per_second=3, per_minute=None)])
def test_socket_requests_count_towards_the_limits(sim, client):
    with signed_in(sim, client) as socket:
        answers = [socket.request("nothing/here") for _ in range(5)]
    # the token's REST requests this second count too: the fourth request at most is refused
    statuses = [a["s"] for a in answers]
    assert 429 in statuses and statuses[-1] == 429
    refused = next(a for a in answers if a["s"] == 429)
    assert refused == {"s": 429, "i": refused["i"]}


@pytest.mark.parametrize("sim_limits", [RateLimits(per_second=2, per_minute=None)])
def test_market_data_requests_do_not_count_towards_the_rest_limits(sim, client):
    from .wire import RawSocket

    market = RawSocket(sim.md_url)
    try:
        market.send(f"authorize\n0\n\n{client.session.md_token.get_secret_value()}")
        symbol = json.dumps({"symbol": sim.front("ES")})
        for n in range(1, 6):
            market.send(f"md/subscribeQuote\n{n}\n\n{symbol}")
        answers = market.read_answers(6)
    finally:
        market.close()
    assert [a["s"] for a in answers] == [200] * 6
