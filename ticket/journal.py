"""The audit journal: every action as one JSON line in the data folder, and an export to CSV.

Secrets never reach it: callers pass no credentials, and `scrub` drops any field whose name
looks like one, at any depth, as a second line of defence.
"""

from __future__ import annotations

import csv
import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticket.config import data_dir

_SECRET = re.compile(r"password|secret|^sec$|token", re.IGNORECASE)


def scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not _SECRET.search(str(k))}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class Journal:
    """Append-only JSON lines. Safe to call from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> Journal:
        return cls(data_dir() / "journal.jsonl")

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "kind": kind}
        entry.update(scrub(fields))
        line = json.dumps(entry, default=str, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return entry

    def read(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a crash is skipped, not fatal
        return entries

    def export_csv(self, destination: Path) -> int:
        entries = self.read()
        columns = ["time", "kind"]
        for entry in entries:
            columns += [k for k in entry if k not in columns]
        with destination.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            for entry in entries:
                writer.writerow(
                    {
                        k: (json.dumps(v) if isinstance(v, dict | list) else v)
                        for k, v in entry.items()
                    }
                )
        return len(entries)
