"""The trader's presets file, `presets.toml` in the config folder.

Read by the window at start and by `ticket place --preset` each time. A bad file never loses a
preset: every preset that reads well loads, each one that does not is reported (file, line,
preset, field, and why) and left out, and the file is never rewritten by a read. A write keeps
the presets that did not load, as they were, after the good ones, so that fixing the file by
hand later loses nothing; it replaces the file in one step and reads it back. Export writes the
same format; import reads one and adds its presets under names that do not clash.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w

from ticket.config import config_dir, write_atomically
from ticket.domain.instruments import BUILT_IN
from ticket.domain.limits import _shown
from ticket.domain.orders import TimeInForce
from ticket.domain.presets import (
    BreakEven,
    Distance,
    Preset,
    PresetBook,
    PresetError,
    PresetTarget,
    Size,
    SizeKind,
    Trailing,
    check_preset,
)
from ticket.domain.ticket import DistanceUnit
from ticket.limits_file import _closest, _syntax_message

FILE_NAME = "presets.toml"
TABLE = "preset"
HEADER = """\
# Presets of the ticket: named brackets per product. Each [[preset]] is one button, in this
# order per product; Alt+1..Alt+9 apply a product's first nine. A preset sets only what it says.
#
#   name          the button's label                                        (text, required)
#   product       the product's root: "ES", "MNQ", "CL"                      (text, required)
#   default       applied when the product is chosen; one per product       (true or false)
#   stop_ticks    the stop-loss distance in ticks, or
#   stop_money    in money per contract
#   target_ticks  the take-profit distance in ticks, or target_money, or target_r (R: multiples
#                 of the stop distance); or, to scale out, up to three targets with quantities:
#   targets       [{ ticks = 8, qty = 1 }, { ticks = 16, qty = 1 }, { r = 3 }]
#                 (each ticks, money or r; the last may leave out qty: it takes the rest)
#   qty           the contracts, or
#   risk_money    as many contracts as this money risks at the stop, or
#   risk_percent  as many as this percent of the account's balance risks at the stop
#   tif           "day" or "gtc": the entry's time in force
#   break_even    { after_ticks = 8, plus_ticks = 1 }: stop to entry +1 tick after 8 in profit
#   trailing      { after_ticks = 12, distance_ticks = 6 }: trail 6 ticks behind after 12
#
# The window saves this file anew: comments other than this header are not kept.

"""

TOP_KEYS = (
    "name",
    "product",
    "default",
    "stop_ticks",
    "stop_money",
    "target_ticks",
    "target_money",
    "target_r",
    "targets",
    "qty",
    "risk_money",
    "risk_percent",
    "tif",
    "break_even",
    "trailing",
)
_STOPS = {"stop_ticks": DistanceUnit.TICKS, "stop_money": DistanceUnit.MONEY}
_TARGETS = {
    "target_ticks": DistanceUnit.TICKS,
    "target_money": DistanceUnit.MONEY,
    "target_r": DistanceUnit.R,
}
_TARGET_UNITS = {"ticks": DistanceUnit.TICKS, "money": DistanceUnit.MONEY, "r": DistanceUnit.R}
_SIZES = {k.value: k for k in SizeKind}
_TIFS = {"day": TimeInForce.DAY, "gtc": TimeInForce.GTC}
_BREAK_EVEN = ("after_ticks", "plus_ticks")
_TRAILING = ("after_ticks", "distance_ticks")


def presets_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass(frozen=True)
class PresetsProblem:
    """Something in the file the ticket could not use, and where it is. `loaded` is True when
    the preset loaded all the same (a note), False when it was left out."""

    file: str
    message: str
    line: int | None = None
    preset: str | None = None  # its name, or its number in the file when it has none
    key: str | None = None
    loaded: bool = False

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.preset is not None:
            where += f", preset {self.preset}"
        if self.key is not None:
            where += f", {self.key}"
        after = "" if self.loaded or self.preset is None else "; this preset is not loaded"
        return f"{where}: {self.message}{after}"


@dataclass(frozen=True)
class PresetsReport:
    """What a read gave: the presets that loaded, what was wrong, and what a write must keep.

    `document` is None when the file could not be read at all: it must then not be written
    over. `kept` holds the presets that did not load, as the file had them."""

    path: Path
    book: PresetBook
    document: dict[str, Any] | None
    problems: tuple[PresetsProblem, ...] = ()
    kept: tuple[dict[str, Any], ...] = ()

    @property
    def writable(self) -> bool:
        return self.document is not None

    @property
    def left_out(self) -> tuple[PresetsProblem, ...]:
        return tuple(p for p in self.problems if not p.loaded)

    def notice(self) -> list[str]:
        """What to tell the trader: each problem, then what became of the file."""
        if not self.problems:
            return []
        return [*map(str, self.problems), f"{self.path} is left as it is."]


class PresetsFileError(OSError):
    """The file cannot be written (or was unreadable, and is not written over)."""


# -- reading ------------------------------------------------------------------------------------


def load(path: Path | None = None) -> PresetsReport:
    """Read the presets file; a missing file is an empty book, with nothing to report."""
    path = path or presets_path()
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return PresetsReport(path, PresetBook(), {})
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return _unreadable(path, PresetsProblem(name, f"cannot be read ({reason})"))
    try:
        text = data.decode("utf-8-sig")
        document = tomllib.loads(text, parse_float=Decimal)
    except UnicodeDecodeError:
        return _unreadable(path, PresetsProblem(name, "is not UTF-8 text"))
    except tomllib.TOMLDecodeError as exc:
        where, what = _syntax_message(exc)
        line = re.match(r"line (\d+)", where)
        problem = PresetsProblem(
            name, f"not valid TOML ({what})", line=int(line[1]) if line else None
        )
        return _unreadable(path, problem)
    book, problems, kept = read_document(document, text, name)
    return PresetsReport(path, book, document, tuple(problems), tuple(kept))


def _unreadable(path: Path, problem: PresetsProblem) -> PresetsReport:
    note = "no preset is loaded, and the file is not written over until it is fixed"
    problem = PresetsProblem(problem.file, f"{problem.message}; {note}", line=problem.line)
    return PresetsReport(path, PresetBook(), None, (problem,))


class _Lines:
    """Where each preset and each of its fields starts in the text: tomllib gives values, not
    places, so the text is searched for the `[[preset]]` headers and `key =` lines."""

    _HEADER = re.compile(r"^\s*\[\[\s*\"?" + TABLE + r"\"?\s*\]\]")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.starts = [n for n, line in enumerate(self.lines) if self._HEADER.match(line)]

    def preset(self, index: int) -> int | None:
        return self.starts[index] + 1 if index < len(self.starts) else None

    def field(self, index: int, key: str) -> int | None:
        if index >= len(self.starts):
            return None
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        pattern = re.compile(
            rf"^\s*(\"?{re.escape(key)}\"?\s*=|\[\[?\s*{TABLE}\.\"?{re.escape(key)}\"?\s*\]\]?)"
        )
        for n in range(start + 1, end):
            if pattern.match(self.lines[n]):
                return n + 1
        return start + 1


def read_document(
    document: Mapping[str, Any], text: str = "", name: str = FILE_NAME
) -> tuple[PresetBook, list[PresetsProblem], list[dict[str, Any]]]:
    """The presets that read well, a problem for everything else, and the tables left out."""
    lines = _Lines(text)
    problems: list[PresetsProblem] = []
    for key in document:
        if key != TABLE:
            problems.append(
                PresetsProblem(
                    name, f"not part of a preset: ignored (each starts [[{TABLE}]])", key=key
                )
            )
    tables = document.get(TABLE, [])
    if isinstance(tables, dict):  # written [preset] once instead of [[preset]]
        tables = [tables]
    if not isinstance(tables, list):
        problems.append(PresetsProblem(name, f"must be [[{TABLE}]] tables", key=TABLE))
        return PresetBook(), problems, []
    book = PresetBook()
    kept: list[dict[str, Any]] = []
    for index, table in enumerate(tables):
        label = f"#{index + 1}"
        if not isinstance(table, dict):
            problems.append(
                PresetsProblem(name, f"must be a table, got {_shown(table)}", preset=label)
            )
            continue
        if isinstance(table.get("name"), str) and table["name"].strip():
            label = f'"{table["name"].strip()}"'
        try:
            preset = read_preset(table)
        except PresetError as exc:
            top = exc.field.split(".")[0].split("[")[0]
            line = lines.field(index, top) if top else lines.preset(index)
            problems.append(PresetsProblem(name, exc.message, line, label, exc.field or None))
            kept.append(table)
            continue
        book = _add(book, preset, index, lines, name, problems, kept, table)
    return book, problems, kept


def _add(
    book: PresetBook,
    preset: Preset,
    index: int,
    lines: _Lines,
    name: str,
    problems: list[PresetsProblem],
    kept: list[dict[str, Any]],
    table: dict[str, Any],
) -> PresetBook:
    label = f'"{preset.name}"'
    same = book.find(preset.product, preset.name)
    if same is not None:
        message = f'{preset.product} already has a preset "{same.name}" above it'
        problems.append(PresetsProblem(name, message, lines.field(index, "name"), label, "name"))
        kept.append(table)
        return book
    if preset.default and book.default_for(preset.product) is not None:
        first = book.default_for(preset.product)
        assert first is not None
        problems.append(
            PresetsProblem(
                name,
                f'{preset.product} already has its default, "{first.name}": this one loads '
                "without being the default",
                lines.field(index, "default"),
                label,
                "default",
                loaded=True,
            )
        )
        preset = preset.model_copy(update={"default": False})
    if preset.product not in BUILT_IN:
        close = _closest(preset.product, list(BUILT_IN))
        if close:
            problems.append(
                PresetsProblem(
                    name,
                    f"{preset.product} is not in the built-in table (did you mean {close}?); the "
                    f"preset applies only to a product named {preset.product}",
                    lines.field(index, "product"),
                    label,
                    "product",
                    loaded=True,
                )
            )
    return book.add(preset)


def _number(key: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        quoted = ", written without quotes" if isinstance(value, str) else ""
        raise PresetError(key, f"must be a number{quoted}, got {_shown(value)}")
    number = Decimal(value)
    if not number.is_finite():
        raise PresetError(key, f"must be a number, got {_shown(value)}")
    return number


def _whole(key: str, value: object) -> int:
    number = _number(key, value)
    if number != number.to_integral_value():
        raise PresetError(key, f"must be a whole number, got {_shown(value)}")
    return int(number)


def _text(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise PresetError(key, f"must be text in quotes, got {_shown(value)}")
    return value


def _unknown(key: str, known: Iterable[str], where: str = "") -> PresetError:
    names = list(known)
    close = _closest(key, names)
    hint = f"did you mean {close}?" if close else f"known: {', '.join(names)}"
    return PresetError(f"{where}{key}", f"not a preset field ({hint})")


def _one_of(table: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    given = [k for k in keys if k in table]
    if len(given) > 1:
        raise PresetError(given[1], f"give one of {' or '.join(given)}, not both")
    return given[0] if given else None


def _sub_table(key: str, value: object, keys: tuple[str, ...]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise PresetError(key, f"must be a table such as {{ {keys[0]} = 8 }}, got {_shown(value)}")
    for sub in value:
        if sub not in keys:
            raise _unknown(sub, keys, f"{key}.")
    return {sub: _whole(f"{key}.{sub}", v) for sub, v in value.items()}


def _target(n: int, value: object) -> PresetTarget:
    field = f"targets[{n}]"
    if not isinstance(value, dict):
        raise PresetError(
            field, f"must be a table such as {{ ticks = 8, qty = 1 }}, got {_shown(value)}"
        )
    for sub in value:
        if sub not in (*_TARGET_UNITS, "qty"):
            raise _unknown(sub, (*_TARGET_UNITS, "qty"), f"{field}.")
    unit_key = _one_of(value, _TARGET_UNITS)
    if unit_key is None:
        raise PresetError(field, "needs its distance: ticks, money or r")
    qty = value.get("qty")
    return PresetTarget(
        unit=_TARGET_UNITS[unit_key],
        value=_number(f"{field}.{unit_key}", value[unit_key]),
        qty=_whole(f"{field}.qty", qty) if qty is not None else None,
    )


def read_preset(table: Mapping[str, Any]) -> Preset:
    """One `[[preset]]` table as a checked Preset. Raises PresetError naming the field."""
    for key in table:
        if key not in TOP_KEYS:
            raise _unknown(key, TOP_KEYS)
    for key in ("name", "product"):
        if key not in table:
            raise PresetError(key, "is missing")
    default = table.get("default", False)
    if not isinstance(default, bool):
        raise PresetError("default", f"must be true or false, got {_shown(default)}")
    stop = None
    if (stop_key := _one_of(table, _STOPS)) is not None:
        stop = Distance(unit=_STOPS[stop_key], value=_number(stop_key, table[stop_key]))
    targets: tuple[PresetTarget, ...] = ()
    single = _one_of(table, (*_TARGETS, "targets"))
    if single == "targets":
        listed = table["targets"]
        if not isinstance(listed, list) or not listed:
            raise PresetError("targets", f"must be a list of targets, got {_shown(listed)}")
        targets = tuple(_target(n, t) for n, t in enumerate(listed, 1))
    elif single is not None:
        targets = (PresetTarget(unit=_TARGETS[single], value=_number(single, table[single])),)
    size = None
    if (size_key := _one_of(table, _SIZES)) is not None:
        size = Size(kind=_SIZES[size_key], amount=_number(size_key, table[size_key]))
    tif = None
    if "tif" in table:
        word = _text("tif", table["tif"]).strip().lower()
        if word not in _TIFS:
            raise PresetError("tif", f'must be "day" or "gtc", got {_shown(table["tif"])}')
        tif = _TIFS[word]
    break_even = trailing = None
    if "break_even" in table:
        values = _sub_table("break_even", table["break_even"], _BREAK_EVEN)
        if "after_ticks" not in values:
            raise PresetError("break_even.after_ticks", "is missing")
        break_even = BreakEven(**values)
    if "trailing" in table:
        values = _sub_table("trailing", table["trailing"], _TRAILING)
        if "distance_ticks" not in values:
            raise PresetError("trailing.distance_ticks", "is missing")
        trailing = Trailing(**values)
    preset = Preset(
        name=_text("name", table["name"]),
        product=_text("product", table["product"]),
        default=default,
        stop=stop,
        targets=targets,
        size=size,
        time_in_force=tif,
        break_even=break_even,
        trailing=trailing,
    )
    try:
        return check_preset(preset)
    except PresetError as exc:
        # The domain names the stop and the target; the file, the key they were written with.
        written = {"stop": stop_key, "target": single}.get(exc.field) or exc.field
        raise PresetError(written, exc.message) from None


# -- writing ------------------------------------------------------------------------------------


def _plain(value: Decimal) -> int | Decimal:
    """8, not 8.0: a whole number is written as one."""
    return int(value) if value == value.to_integral_value() else value.normalize()


_STOP_KEYS = {v: k for k, v in _STOPS.items()}
_TARGET_KEYS = {v: k for k, v in _TARGETS.items()}
_UNIT_KEYS = {v: k for k, v in _TARGET_UNITS.items()}


def preset_table(preset: Preset) -> dict[str, Any]:
    """A preset as the file holds it; `read_preset` reads it back the same."""
    table: dict[str, Any] = {"name": preset.name, "product": preset.product}
    if preset.default:
        table["default"] = True
    if preset.stop is not None:
        table[_STOP_KEYS[preset.stop.unit]] = _plain(preset.stop.value)
    if len(preset.targets) == 1 and preset.targets[0].qty is None:
        only = preset.targets[0]
        table[_TARGET_KEYS[only.unit]] = _plain(only.value)
    elif preset.targets:
        table["targets"] = [
            {_UNIT_KEYS[t.unit]: _plain(t.value), **({"qty": t.qty} if t.qty is not None else {})}
            for t in preset.targets
        ]
    if preset.size is not None:
        table[preset.size.kind.value] = _plain(preset.size.amount)
    if preset.time_in_force is not None:
        table["tif"] = preset.time_in_force.value.lower()
    if preset.break_even is not None:
        table["break_even"] = preset.break_even.model_dump()
    if preset.trailing is not None:
        table["trailing"] = preset.trailing.model_dump()
    return table


def dumps(book: PresetBook, kept: Iterable[Mapping[str, Any]] = ()) -> str:
    """The file's text: the header, the book's presets in order, then those kept as they were."""
    tables = [preset_table(p) for p in book.presets] + [dict(t) for t in kept]
    return HEADER + (tomli_w.dumps({TABLE: tables}) if tables else "")


def save(path: Path, book: PresetBook, read: PresetsReport | None = None) -> PresetsReport:
    """Write `book` to `path` in one step, keeping the presets `read` (the report the book came
    from) could not load, and read the file back. Raises PresetsFileError when the file cannot
    be written, or was unreadable when read: the old file is then untouched."""
    if read is not None and not read.writable:
        raise PresetsFileError(
            f"{path} could not be read, so it is not written over: fix it or move it away first"
        )
    try:
        write_atomically(path, dumps(book, read.kept if read is not None else ()))
    except OSError as exc:
        raise PresetsFileError(f"{path} cannot be written ({exc.strerror or exc})") from exc
    return load(path)


def export(book: PresetBook, path: Path, products: Iterable[str] | None = None) -> int:
    """Write the book (or the given products' presets) to `path`; the number written."""
    wanted = {p.strip().upper() for p in products} if products is not None else None
    chosen = PresetBook(
        presets=tuple(p for p in book.presets if wanted is None or p.product in wanted)
    )
    try:
        write_atomically(path, dumps(chosen))
    except OSError as exc:
        raise PresetsFileError(f"{path} cannot be written ({exc.strerror or exc})") from exc
    return len(chosen.presets)


def import_into(book: PresetBook, path: Path) -> tuple[PresetBook, PresetsReport, tuple[str, ...]]:
    """`book` with the presets of the file at `path` added (names made unique), the report of
    reading that file, and what was renamed or not made a default."""
    report = load(path)
    if report.document == {} and not path.exists():
        raise PresetsFileError(f"{path} does not exist")
    merged, notes = book.merged(report.book)
    return merged, report, notes
