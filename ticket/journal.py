"""The audit journal: every action as one JSON line in the data folder, and an export to CSV.

Secrets never reach it: callers pass no credentials, and `scrub` drops any field whose name
looks like one, at any depth, as a second line of defence.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ticket.config import data_dir

if TYPE_CHECKING:
    from ticket.broker.orders import Outcome
    from ticket.domain.orders import PlaceOsoRequest

log = logging.getLogger(__name__)
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
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
        except OSError as exc:
            # A full disk must not turn a placed order into a crash: the report comes first.
            log.error("journal entry %s not written to %s: %s", kind, self.path, exc)
        return entry

    def order_sent(
        self,
        request: PlaceOsoRequest,
        *,
        summary: str,
        environment: str,
        source: str,
        p_ticket_resend: bool = False,
    ) -> None:
        """One order as it went out: the window and the command line write the same entry."""
        self.write(
            "place",
            cl_ord_id=request.cl_ord_id,
            order=summary,
            environment=environment,
            account=request.account_spec,
            body=request.to_wire(),
            p_ticket_resend=p_ticket_resend,
            source=source,
        )

    def order_outcome(self, outcome: Outcome, *, source: str) -> None:
        self.write(
            "outcome",
            cl_ord_id=outcome.cl_ord_id,
            status=outcome.status.value,
            order_id=outcome.order_id,
            oso1_id=outcome.oso1_id,
            oso2_id=outcome.oso2_id,
            failure_reason=outcome.failure_reason,
            failure_text=outcome.failure_text,
            latency_ms=outcome.latency_ms,
            reconciled=outcome.reconciled,
            message=outcome.message,
            source=source,
        )

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
