"""Large socket frames are parsed in steps: the result and the errors must be json.loads's."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket.broker import yielding_json
from ticket.broker.wsocket import YIELDING_FROM, parse_frame

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@given(values, st.sampled_from([None, 2]))
def test_the_same_value_as_json_loads(value, indent):
    text = json.dumps(value, indent=indent)
    assert yielding_json.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ["", "[1,2", "[1 2]", '{"a" 1}', '{"a":1,}', "[1,]", "{1:2}", '[{"a":1}] x', "[tru]", "]"],
)
def test_the_same_errors_as_json_loads(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        yielding_json.loads(text)
    assert got.value.pos == expected.value.pos


def test_a_large_sync_frame_parses_as_a_small_one_does():
    orders = [
        {"id": n, "ordStatus": "Working", "price": 5000.25, "parentId": None} for n in range(3000)
    ]
    message = [{"s": 200, "i": 3, "d": {"orders": orders, "fills": [], "users": [{"id": 1}]}}]
    text = "a" + json.dumps(message)
    assert len(text) > YIELDING_FROM
    assert parse_frame(text) == ("a", message)


def test_a_large_frame_pauses_the_collector_then_freezes_what_it_built():
    import gc

    from ticket.broker.wsocket import collector_paused

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with collector_paused(True):
        assert not gc.isenabled()
        with collector_paused(True):  # another socket's frame meanwhile
            assert not gc.isenabled()
        assert not gc.isenabled()  # still the first frame's pause
        built = [{"id": n} for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(built)
    gc.unfreeze()  # the test's own objects go back to the collector


def test_a_small_frame_leaves_the_collector_alone():
    import gc

    from ticket.broker.wsocket import collector_paused

    frozen = gc.get_freeze_count()
    with collector_paused(False):
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
