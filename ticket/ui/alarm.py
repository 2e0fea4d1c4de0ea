"""The unprotected-position alarm: the banner, the grace an uncovered position gets before it
sounds, and what the window remembers of each bracket it placed."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ticket.domain.instruments import Instrument
from ticket.domain.orders import Action
from ticket.domain.protection import Exposure
from ticket.journal import Journal
from ticket.ui import theme
from ticket.ui.widgets import plain

# An uncovered position must stay so this long before the alarm: a bracket's legs may become
# working in the event after the fill that opened the position.
ALARM_GRACE_MS = 300


@dataclass
class Tracked:
    """A bracket this window placed: enough to name it, price its slippage and protect it."""

    cl_ord_id: str
    entry_id: int
    symbol: str
    contract_id: int
    action: Action
    instrument: Instrument
    planned_entry: Decimal | None
    planned_stop: Decimal | None
    market: bool


class AlarmBanner(QFrame):
    """Red, across the window, while a position is not covered by a working stop."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("alarm")
        self.setStyleSheet(
            f"QFrame#alarm {{ background: {theme.ALARM_FILL}; }}"
            "QFrame#alarm QLabel { color: white; font-weight: bold; }"
        )
        self.text = QLabel("")
        self.text.setAccessibleName("Alarm")
        self.text.setWordWrap(True)
        self.protect = QPushButton("Protect now")
        self.protect.setAccessibleName("Protect now")
        self.flatten = QPushButton("Flatten")
        self.flatten.setAccessibleName("Flatten position")
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.protect)
        layout.addWidget(self.flatten)
        self.setVisible(False)


class AlarmWatch(QObject):
    """On the GUI thread: which contracts are uncovered and since when; the banner for the one
    uncovered past the grace (the one shown stays while it is)."""

    def __init__(
        self,
        journal: Journal,
        tracked_for: Callable[[int], Tracked | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.tracked_for = tracked_for
        self.banner = AlarmBanner()
        self.grace_ms = ALARM_GRACE_MS
        self.exposure: Exposure | None = None  # the one the banner shows
        self._uncovered: dict[int, Exposure] = {}  # contract id -> exposure now
        self._since: dict[int, float] = {}  # contract id -> monotonic time it was first seen
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.show_due)

    @property
    def pending(self) -> bool:
        """An uncovered position is waiting out its grace."""
        return self._timer.isActive()

    def contracts(self) -> set[int]:
        return set(self._uncovered)

    def update(self, exposures: Mapping[int, Exposure | None]) -> None:
        """These contracts' exposures now (None: covered or flat)."""
        now = time.monotonic()
        for contract_id, exposure in exposures.items():
            if exposure is None:
                self._uncovered.pop(contract_id, None)
                self._since.pop(contract_id, None)
            else:
                self._uncovered[contract_id] = exposure
                self._since.setdefault(contract_id, now)
        self.show_due()

    def clear(self) -> None:
        self._uncovered.clear()
        self._since.clear()
        self._show(None)

    def grace_again(self) -> None:
        now = time.monotonic()
        self._since = {c: now for c in self._since}
        self.show_due()

    def show_due(self) -> None:
        """Alarm for what has stayed uncovered past the grace; wake up when the next is due."""
        now = time.monotonic()
        grace = self.grace_ms / 1000
        due = [
            self._uncovered[c]
            for c, since in sorted(self._since.items(), key=lambda item: item[1])
            if now - since >= grace
        ]
        waiting = [since + grace - now for since in self._since.values()]
        waiting = [w for w in waiting if w > 0]
        if waiting:
            self._timer.start(max(1, int(min(waiting) * 1000) + 1))
        shown = self.exposure
        keep = next((e for e in due if shown and e.contract_id == shown.contract_id), None)
        self._show(keep or (due[0] if due else None))

    def _show(self, exposure: Exposure | None) -> None:
        if exposure is None:
            if self.exposure is not None:
                self.journal.write("alarm cleared", contract_id=self.exposure.contract_id)
            self.exposure = None
            self.banner.setVisible(False)
            return
        if self.exposure != exposure:
            self.journal.write(
                "alarm",
                contract_id=exposure.contract_id,
                net=exposure.net,
                covered=exposure.covered,
            )
        self.exposure = exposure
        tracked = self.tracked_for(exposure.contract_id)
        name = tracked.symbol if tracked else f"contract {exposure.contract_id}"
        side = "LONG" if exposure.net > 0 else "SHORT"
        self.banner.text.setText(
            f"UNPROTECTED POSITION: {side} {abs(exposure.net)} {plain(name)}, "
            f"{exposure.uncovered} not covered by a working stop."
        )
        stop = tracked.planned_stop if tracked is not None else None
        self.banner.protect.setEnabled(stop is not None)
        self.banner.protect.setToolTip(
            f"Place a stop for {exposure.uncovered} at {tracked.instrument.format_price(stop)}"
            if tracked is not None and stop is not None
            else "No planned stop is known for this contract: flatten instead"
        )
        self.banner.setVisible(True)
