"""The trader's fat-finger limits file, `limits.toml` in the config folder.

Read at start by the window and the command line, written by the Settings dialog. What the file
gets wrong is reported (file, product, field, the value and why) and the built-in limit stands in
for it; the file itself is never rewritten by a read. A write replaces the file in one step (a
temporary file renamed over it), keeps everything else the file held, and reads it back.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w

from ticket.config import config_dir, write_atomically
from ticket.domain.instruments import BUILT_IN
from ticket.domain.limits import (
    DEFAULT_ROW,
    SPECS,
    LimitError,
    LimitValue,
    built_in_settings,
    read_value,
    settle,
    write_text,
)
from ticket.domain.rules import RiskSettings

FILE_NAME = "limits.toml"
HEADER = """\
# Fat-finger limits of the ticket, per product. An order past one of them needs an explicit
# override. A product's section ([ES], [MES], [CL]...) sets its own. In [default], the money
# limits (max_risk, max_notional) apply to every product that does not set its own; contracts
# and ticks, being in each product's own units, only to products without built-in limits.
#
#   max_contracts        the largest order quantity                          (whole number)
#   max_risk             money lost at the stop-loss, all contracts          (amount)
#   max_ticks_from_last  how far the entry may be from the last price        (whole number)
#   max_notional         contracts x entry price x value per point           (amount, or false)
#
# The Settings dialog saves this file anew: comments other than this header are not kept.

"""


def limits_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass(frozen=True)
class LimitsProblem:
    """Something in the file the ticket could not use, and where it is."""

    file: str
    message: str
    section: str | None = None  # the product root, or "default"
    key: str | None = None
    fallback: bool = False  # a bad value, for which another limit is used
    in_use: str = ""  # that limit

    def __str__(self) -> str:
        where = self.file
        if self.section is not None:
            where += f", [{self.section}]"
            if self.key is not None:
                where += f" {self.key}"
        elif self.key is not None:
            where += f", {self.key}"
        in_use = f"; {self.in_use} is in use" if self.in_use else ""
        return f"{where}: {self.message}{in_use}"


@dataclass(frozen=True)
class LimitsReport:
    """What a read of the file gave: the limits in force and what was wrong with it.

    `document` is the file as parsed (None when it could not be read at all: it must then not be
    written over) and `problems` what could not be used."""

    path: Path
    settings: RiskSettings
    document: dict[str, Any] | None
    problems: tuple[LimitsProblem, ...] = ()
    rows: Mapping[str, Mapping[str, LimitValue]] = field(default_factory=dict)

    @property
    def writable(self) -> bool:
        return self.document is not None

    def notice(self) -> list[str]:
        """What to tell the trader: each problem, then what became of the file. Empty when the
        file was read whole (or there is none)."""
        if not self.problems:
            return []
        return [*map(str, self.problems), f"{self.path} is left as it is."]


_AT = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _syntax_message(exc: tomllib.TOMLDecodeError) -> tuple[str, str]:
    text = str(exc)
    match = _AT.match(text)
    if match:
        return f"line {match['line']}, column {match['column']}", match["what"]
    return "", text.replace(" (at end of document)", " at the end of the file")


def load(path: Path | None = None) -> LimitsReport:
    """Read the limits file; a missing file means the built-in limits, with nothing to report."""
    path = path or limits_path()
    name = path.name
    kept = "the built-in limits are in use"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LimitsReport(path=path, settings=built_in_settings(), document={})
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        problem = LimitsProblem(name, f"cannot be read ({reason}); {kept}")
        return LimitsReport(path, built_in_settings(), None, (problem,))
    try:
        document = tomllib.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError:
        problem = LimitsProblem(name, f"is not UTF-8 text; {kept}")
        return LimitsReport(path, built_in_settings(), None, (problem,))
    except tomllib.TOMLDecodeError as exc:
        where, what = _syntax_message(exc)
        file = f"{name}, {where}" if where else name
        problem = LimitsProblem(file, f"not valid TOML ({what}); {kept}")
        return LimitsReport(path, built_in_settings(), None, (problem,))
    rows, problems = read_document(document, name)
    settings = settle(rows)
    return LimitsReport(path, settings, document, _with_stand_ins(problems, settings), rows)


def _with_stand_ins(
    problems: list[LimitsProblem], settings: RiskSettings
) -> tuple[LimitsProblem, ...]:
    """Each bad value's problem says which limit is used instead."""
    done = []
    for problem in problems:
        if problem.fallback and problem.section and problem.key:
            limits = (
                settings.default
                if problem.section == DEFAULT_ROW
                else settings.for_root(problem.section)
            )
            value = getattr(limits, problem.key)
            shown = "no limit" if value is None else write_text(problem.key, value)
            problem = replace(problem, in_use=shown)
        done.append(problem)
    return tuple(done)


def read_document(
    document: Mapping[str, Any], name: str = FILE_NAME
) -> tuple[dict[str, dict[str, LimitValue]], list[LimitsProblem]]:
    """The usable rows of a parsed file, and a problem for everything else in it."""
    rows: dict[str, dict[str, LimitValue]] = {}
    raw_names: dict[str, str] = {}
    problems: list[LimitsProblem] = []
    for raw_section, table in document.items():
        section = _section_name(raw_section)
        if not isinstance(table, dict):
            if raw_section in SPECS:
                message = (
                    "ignored: a limit goes in a product's section, such as [ES], or in [default]"
                )
            else:
                message = f"must be a section, [{section}] on a line of its own"
            problems.append(LimitsProblem(name, message, key=raw_section))
            continue
        if section in rows:
            message = f"also written [{raw_names[section]}]: this second one is ignored"
            problems.append(LimitsProblem(name, message, raw_section))
            continue
        raw_names[section] = raw_section
        if section != DEFAULT_ROW and section not in BUILT_IN:
            known = _closest(section, [*BUILT_IN, DEFAULT_ROW])
            hint = f" (did you mean [{known}]?)" if known else ""
            problems.append(
                LimitsProblem(
                    name,
                    f"not a product in the built-in table{hint}; its limits apply only to a "
                    f"product named {section}",
                    section,
                )
            )
        rows[section] = _read_row(table, section, name, problems)
    return rows, problems


def _closest(word: str, names: list[str]) -> str | None:
    """The name `word` was probably meant to be: one it begins, else the most alike."""
    begun = [n for n in names if word and n.startswith(word)]
    if len(begun) == 1:
        return begun[0]
    close = difflib.get_close_matches(word, names, n=1)
    return close[0] if close else None


def _section_name(raw: str) -> str:
    lowered = raw.strip().lower()
    return DEFAULT_ROW if lowered == DEFAULT_ROW else raw.strip().upper()


def _read_row(
    table: Mapping[str, Any], section: str, name: str, problems: list[LimitsProblem]
) -> dict[str, LimitValue]:
    row: dict[str, LimitValue] = {}
    for key, value in table.items():
        if key not in SPECS:
            close = _closest(key, list(SPECS))
            hint = f"did you mean {close}?" if close else f"known: {', '.join(SPECS)}"
            problems.append(LimitsProblem(name, f"not a limit ({hint}): ignored", section, key))
            continue
        try:
            row[key] = read_value(key, value)
        except LimitError as exc:
            problems.append(LimitsProblem(name, str(exc), section, key, fallback=True))
    return row


# -- writing -------------------------------------------------------------------------------------


def edited(
    document: Mapping[str, Any], changes: Mapping[str, Mapping[str, LimitValue]]
) -> dict[str, Any]:
    """The document with `changes` (per section, per limit) written into it; all else kept."""
    new = copy.deepcopy(dict(document))
    for section, limits in changes.items():
        if not limits:
            continue
        key = next((k for k in new if _section_name(k) == section), section)
        table = new.get(key)
        if not isinstance(table, dict):
            table = new[key] = {}
        for limit, value in limits.items():
            table[limit] = _toml_value(value)
    return new


def _toml_value(value: LimitValue) -> object:
    if value is None:
        return False
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def save(
    path: Path, document: Mapping[str, Any], changes: Mapping[str, Mapping[str, LimitValue]]
) -> LimitsReport:
    """Write the document with the changes, atomically, and read the file back.

    Raises OSError when the file cannot be written; the old file is then untouched."""
    write_atomically(path, HEADER + tomli_w.dumps(edited(document, changes)))
    return load(path)
