"""JSON parsed in small steps, for frames large enough to stall the window.

`json.loads` is one C call: on a socket thread it holds the interpreter lock for the whole
parse (about 30 ms for a 5,000-order sync reply), and the GUI thread cannot paint meanwhile.
`loads` walks the outer levels of containers in Python and parses each value below them (an
order, a version, a fill) with the json module's own scanner, so the lock can change hands
between values. The result, and the errors, are those of `json.loads`.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Callable
from typing import Any, cast

Scanner = Callable[[str, int], tuple[Any, int]]
# the scanner json.loads itself uses (its C version), with json.loads's defaults
_scan = cast(Callable[[json.JSONDecoder], Scanner], json.scanner.make_scanner)(json.JSONDecoder())
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder's
WALKED_LEVELS = 4  # frame list, message, its d, a list of entities; entities parse whole


def loads(text: str) -> Any:
    value, end = _value(text, _skip(text, 0), 0)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, i: int) -> int:
    match = _SPACE.match(text, i)
    return match.end() if match else i


def _value(text: str, i: int, depth: int) -> tuple[Any, int]:
    opener = text[i : i + 1]
    if depth < WALKED_LEVELS and opener == "[":
        return _array(text, i, depth)
    if depth < WALKED_LEVELS and opener == "{":
        return _object(text, i, depth)
    try:
        return _scan(text, i)
    except StopIteration as exc:
        raise json.JSONDecodeError("Expecting value", text, exc.value) from None


def _array(text: str, i: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _skip(text, i + 1)
    if text[i : i + 1] == "]":
        return items, i + 1
    while True:
        value, i = _value(text, i, depth + 1)
        items.append(value)
        i = _skip(text, i)
        after = text[i : i + 1]
        if after == "]":
            return items, i + 1
        if after != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)


def _object(text: str, i: int, depth: int) -> tuple[dict[str, Any], int]:
    members: dict[str, Any] = {}
    i = _skip(text, i + 1)
    if text[i : i + 1] == "}":
        return members, i + 1
    while True:
        if text[i : i + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
        key, i = _scan(text, i)
        i = _skip(text, i)
        if text[i : i + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
        value, i = _value(text, _skip(text, i + 1), depth + 1)
        members[key] = value
        i = _skip(text, i)
        after = text[i : i + 1]
        if after == "}":
            return members, i + 1
        if after != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)
