"""What the simulator accepts as a request body: strict JSON, and the JSON types the OpenAPI spec
gives each order call's fields. A body that fails here is malformed (HTTP 400 with errorText);
one that passes may still be refused by the exchange with a failureReason (HTTP 200).

Only the JSON types are checked here. Values (an unknown action, a missing price, a quantity
of 0) are business rules: the exchange refuses them the way Tradovate does.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

MAX_DEPTH = 32  # Tradovate's bodies nest two levels; anything this deep is no order


class Malformed(ValueError):
    """A body the simulator will not act on; its message is the answer's errorText."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Malformed(f"number out of range: {text[:40]}")
    return number


def _no_constant(name: str) -> float:
    raise Malformed(f"{name} is not a JSON number")


def parse(raw: bytes) -> Any:
    """The JSON value of `raw`, or `Malformed`. An empty body is None."""
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("The body is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except Malformed:
        raise
    except RecursionError:
        raise Malformed(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise Malformed(f"Malformed JSON: {exc}") from None
    if _depth_above(value, MAX_DEPTH):
        raise Malformed(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _depth_above(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


# -- the order calls' field types, from the spec's schemas, under the spec's names --


class _Shape(BaseModel):
    # strict: a string is no number, 2.0 is no integer, true is no integer; other fields (the
    # p-ticket of a resend, fields the spec adds) are let through untouched
    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False)


class RestrainedOrderVersion(_Shape):
    action: str | None = None
    clOrdId: str | None = None
    orderType: str | None = None
    price: float | None = None
    stopPrice: float | None = None
    maxShow: int | None = None
    pegDifference: float | None = None
    timeInForce: str | None = None
    expireTime: str | None = None
    text: str | None = None


class PlaceOrder(RestrainedOrderVersion):
    accountSpec: str | None = None
    accountId: int | None = None
    symbol: str | None = None
    orderQty: int | None = None
    activationTime: str | None = None
    customTag50: str | None = None
    isAutomated: bool | None = None


class PlaceOCO(PlaceOrder):
    other: RestrainedOrderVersion | None = None


class PlaceOSO(PlaceOrder):
    bracket1: RestrainedOrderVersion | None = None
    bracket2: RestrainedOrderVersion | None = None


class ModifyOrder(RestrainedOrderVersion):
    orderId: int | None = None
    orderQty: int | None = None
    activationTime: str | None = None
    customTag50: str | None = None
    isAutomated: bool | None = None


class CancelOrder(_Shape):
    orderId: int | None = None
    clOrdId: str | None = None
    activationTime: str | None = None
    customTag50: str | None = None
    isAutomated: bool | None = None


class LiquidatePosition(_Shape):
    accountId: int | None = None
    contractId: int | None = None
    admin: bool | None = None
    customTag50: str | None = None


class CashBalanceSnapshot(_Shape):
    accountId: int | None = None


def check(shape: type[BaseModel], body: Any) -> dict[str, Any]:
    """`body` if it is a JSON object whose fields have the spec's types, else `Malformed`."""
    if not isinstance(body, dict):
        raise Malformed(f"A JSON object ({shape.__name__}) is required")
    try:
        shape.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Malformed(f"{where}: {first['msg']}") from None
    return body
