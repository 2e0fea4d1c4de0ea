"""Random trading sessions through the real window, against the simulator over real HTTP.

A trader fills the ticket, clicks Place (sometimes twice), confirms with Enter (sometimes twice,
sometimes backs out), answers whatever the guards ask, waits penalties out and resends, retries,
reconnects and cancels, while the simulator suffers a random fault on each order. After every
scenario the simulator's own book must agree with what the window reported: one press, at most
one card; one confirmed card, one request and one outcome; one clOrdId, at most one order;
placed means that very order, refused means none.

A failure names its seed and scenario; TICKET_RANDOM_SEED=<seed> draws the same sessions again.
"""

import functools
import os
import random
import time
import traceback
from collections import Counter

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from ticket.broker.budget import RequestBudget
from ticket.broker.orders import Outcome, Status
from ticket.domain.orders import FailureReason, OrdStatus
from ticket.sim.limits import RateLimits
from ticket.ui.orders_model import STATUS

from .conftest import find
from .test_window import PLACE, choose, type_into

SEED = int(os.environ.get("TICKET_RANDOM_SEED", "20261125"))
SCENARIOS = 300
READ_TIMEOUT = 0.3  # the client's read timeout while the latency fault is armed...
LATENCY = 1.0  # ...and the delay the simulator adds to the order, longer than that
FAULTS = {  # kind: weight
    "none": 8,
    "drop before": 1,
    "drop after": 1,
    "http 500": 1,
    "http 502": 1,
    "http 503": 1,
    "http 504": 1,
    "penalty": 1,
    "captcha penalty": 1,
    "reject": 1,
    "http 423": 1,
    "http 429": 1,
    "expired token": 1,
    "latency": 1,
    "garbage answer": 1,
}
PRESS = ("click", "double click", "enter in a field")
CONFIRM = ("enter", "enter twice", "double click send", "escape", "enter, then enter on the window")
BEHAVIOURS = (
    *PRESS,
    *CONFIRM,
    "new order",
    "same order again",
    "duplicate question",
    "switch question",
    "answer yes",
    "answer no",
    "penalty waited out and resent",
    "retry",
    "cancel",
    "reconnect",
)
REFUSED = (Status.REJECTED, Status.PENALISED, Status.NOT_PLACED)
REASONS = [r for r in FailureReason if r is not FailureReason.SUCCESS]
TEXTS = ["", "Max position 1", "Risk <check> & limits", "Ordre refusé", "x" * 300]
WAIT_MS = 15000


def entries(sim):
    """The simulator's entry orders (not bracket legs): (id, clOrdId, leg ids, status)."""
    with sim.exchange.lock:
        return [
            (o.id, o.cl_ord_id, list(o.legs), o.status)
            for o in sim.exchange.orders.values()
            if o.parent_id is None
        ]


def held_by(sim, cl_ord_id):
    return [e for e in entries(sim) if e[1] == cl_ord_id]


class Trader:
    """Drives one window as a trader would, and keeps the record the invariants are checked on."""

    def __init__(self, qtbot, window, sim):
        self.qtbot, self.window, self.sim = qtbot, window, sim
        self.rng = random.Random(SEED)
        self.counts: Counter[str] = Counter()
        self.by_fault: Counter[str] = Counter()
        self.reports: list[tuple[Outcome, list, str]] = []  # outcome, server's entries, fault
        self.sent_in: dict[str, tuple[int, str]] = {}  # clOrdId: first reported in, its fault
        self.reconnected_in: list[int] = []
        self.fault = "none"
        self.n, self.where = 0, ""
        self.openers = 0  # trader actions not yet answered by a question or a card
        # The server ended the session, and no order has been placed since: the next order may
        # meet the ended token (or one that was never proven, while look-ups are paused).
        self.session_ended = False
        self.pressed = False  # Place was pressed and nothing has opened yet
        window.session.order_done.connect(self._on_order_done)
        contract = sim.catalog.by_name[sim.front("ES")]
        self.contract_id, self.tick = contract.id, contract.instrument.tick_size

    def _on_order_done(self, outcome: Outcome) -> None:
        self.reports.append((outcome, held_by(self.sim, outcome.cl_ord_id), self.fault))
        self.sent_in.setdefault(outcome.cl_ord_id, (self.n, self.fault))

    def wait(self, condition, what, timeout=WAIT_MS):
        try:
            self.qtbot.waitUntil(condition, timeout=timeout)
        except (AssertionError, QtTimeoutError):
            raise AssertionError(
                f"{self.where}: waited {timeout} ms for {what}; window says "
                f"{self.window.outcome.text()!r}, Place {self.window.place_button.text()!r}"
            ) from None

    # -- the ticket --

    def fill_new_order(self) -> None:
        qtbot, window, rng = self.qtbot, self.window, self.rng
        with self.sim.exchange.lock:
            last = self.sim.exchange.last[self.contract_id]
        side = rng.choice(["Buy", "Sell"])
        qtbot.mouseClick(find(window, side), Qt.MouseButton.LeftButton)
        type_into(qtbot, find(window, "Quantity").lineEdit(), str(rng.randint(1, 3)))
        kind = rng.choice(["Limit", "Limit", "Market", "Stop"])
        choose(qtbot, window, "Order type", kind)
        below = -1 if side == "Buy" else 1  # the side of the market where a limit rests
        away = rng.randint(1, 40) * self.tick
        if kind == "Limit":  # mostly resting, now and then through the market
            price = last + below * away if rng.random() < 0.85 else last - below * 2 * self.tick
            type_into(qtbot, find(window, "Limit price"), f"{price:.2f}")
        elif kind == "Stop":
            type_into(qtbot, find(window, "Stop price"), f"{last - below * away:.2f}")
        else:
            type_into(qtbot, find(window, "Market price"), f"{last:.2f}")
        type_into(qtbot, find(window, "Stop-loss distance"), str(rng.randint(4, 16)))
        type_into(qtbot, find(window, "Take-profit distance"), rng.choice(["1", "1.5", "2", "3"]))

    # -- the faults --

    def arm(self) -> None:
        sim, rng = self.sim, self.rng
        sim.faults.clear()
        fault = rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0]
        self.counts[f"fault {fault}"] += 1
        match fault.split():
            case ["drop", when]:
                sim.faults.drop_next(PLACE, when=when)
            case ["http", status]:
                sim.faults.fail_next(PLACE, status=int(status))
            case [*captcha, "penalty"]:
                seconds = rng.choice([0.3, 0.6, 1.0])
                sim.faults.penalise_next(PLACE, seconds=seconds, captcha=bool(captcha))
            case ["reject"]:
                sim.faults.reject_next(rng.choice(REASONS), text=rng.choice(TEXTS), path=PLACE)
            case ["expired", "token"]:
                sim.expire_tokens()
                self.session_ended = True
            case ["garbage", "answer"]:
                body = rng.choice(["<html>Bad gateway</html>", "", {"ok": True}, [1, 2]])
                sim.faults.answer_next(PLACE, body=body, status=rng.choice([200, 201]))
            case ["latency"]:
                http = self.window.session.connection.client.http
                self.timeout, http.timeout = http.timeout, httpx.Timeout(5.0, read=READ_TIMEOUT)
                sim.faults.add_latency(LATENCY, PLACE)
        self.fault = fault

    def disarm(self, outcome: Outcome) -> None:
        if self.fault == "latency":
            # The request is still inside the server: let it land before another fault is
            # armed, or it would take that fault for itself.
            self.wait(lambda: bool(held_by(self.sim, outcome.cl_ord_id)), "the slow order to land")
            self.window.session.connection.client.http.timeout = self.timeout
        self.sim.faults.clear()
        self.fault = "none"

    # -- pressing Place and answering what appears --

    def idle(self) -> bool:
        window = self.window
        return window.question is None and window.confirm is None and not window.in_flight

    def press_place(self, how: str) -> int:
        """Place by mouse or keyboard, then answer what appears. Returns the cards confirmed."""
        qtbot, window = self.qtbot, self.window
        self.counts[how] += 1
        self.wait(window.place_button.isEnabled, "Place to be enabled")
        self.openers = 1  # a double click is still one press: one question or card at most
        self.pressed = True
        if how == "enter in a field":
            self.focus_window()
            qtbot.keyClick(find(window, "Stop-loss distance"), Qt.Key.Key_Return)
        else:
            for _ in range(2 if how == "double click" else 1):
                qtbot.mouseClick(window.place_button, Qt.MouseButton.LeftButton)
        confirmed = self.respond()
        assert not self.pressed, f"{self.where}: Place was enabled, {how} opened nothing"
        return confirmed

    def focus_window(self) -> None:
        """Keys go to the active window; the offscreen platform does not hand activation back
        to the window when a card closes, as a desktop would."""
        self.window.activateWindow()
        self.wait(lambda: QApplication.activeWindow() is self.window, "the window to be active")

    def respond(self) -> int:
        window = self.window
        answered: list = []  # kept alive, so a new card can never share an old one's identity
        confirmed = 0

        def new_card():
            card = window.confirm
            return card if card is not None and all(card is not c for c in answered) else None

        while True:
            self.wait(
                lambda: window.question is not None or new_card() is not None or self.idle(),
                "a question, a card, or the window at rest",
            )
            if window.question is not None:
                self.opened("a question")
                self.answer_question()
            elif (card := new_card()) is not None:
                self.opened("a confirmation card")
                answered.append(card)
                confirmed += self.answer_card(card, last=len(answered) >= 3)
            else:
                return confirmed

    def opened(self, what: str) -> None:
        assert self.openers > 0, f"{self.where}: {what} opened with no press, Enter or Yes"
        self.openers -= 1
        self.pressed = False

    def answer_question(self) -> None:
        box = self.window.question
        self.wait(box.isVisible, "the question to show")
        text = box.text()
        if "same order" in text:
            self.counts["duplicate question"] += 1
        elif "changed the account or environment" in text:
            self.counts["switch question"] += 1
        else:
            self.counts["other question"] += 1
        yes = self.rng.random() < 0.6
        self.counts["answer yes" if yes else "answer no"] += 1
        self.openers += yes
        button = QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No
        self.qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
        self.wait(lambda: self.window.question is not box, "the question to close")

    def answer_card(self, card, last: bool) -> int:
        qtbot, window = self.qtbot, self.window
        self.wait(card.isVisible, "the card to show")
        how = "escape" if last else self.rng.choice(CONFIRM)
        self.counts[how] += 1
        if how == "escape":
            qtbot.keyClick(card, Qt.Key.Key_Escape)
            self.wait(lambda: window.confirm is not card, "the card to close")
            return 0
        self.arm()
        reported = len(self.reports)
        if how == "double click send":
            qtbot.mouseClick(card.send, Qt.MouseButton.LeftButton)
            qtbot.mouseClick(card.send, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(card, Qt.Key.Key_Return)
        if how == "enter twice":
            qtbot.keyClick(card, Qt.Key.Key_Return)
        if how == "enter, then enter on the window":
            self.wait(lambda: window.confirm is not card, "the card to close")
            self.focus_window()
            self.openers = 1
            qtbot.keyClick(window, Qt.Key.Key_Return)
            asked = window.question is not None or window.confirm is not None
            self.counts["second enter asked again" if asked else "second enter ignored"] += 1
        early: list[str] = []

        def answered() -> bool:
            if len(self.reports) == reported and window.place_button.isEnabled():
                early.append(window.outcome.text())
            return len(self.reports) > reported or not window.in_flight

        self.wait(answered, "the order's outcome")
        assert len(self.reports) == reported + 1, (
            f"{self.where}: one confirmed card, {len(self.reports) - reported} outcomes; "
            f"window says {window.outcome.text()!r}"
        )
        assert not early, f"{self.where}: Place enabled before the outcome, showing {early[0]!r}"
        outcome, _, fault = self.reports[-1]
        self.by_fault[f"{fault} -> {outcome.status.value}"] += 1
        self.disarm(outcome)
        if fault == "none" and self.session_ended and outcome.status is Status.NOT_PLACED:
            assert "HTTP 401" in outcome.message, (self.where, outcome)
            self.counts["refused on an ended session"] += 1
        elif fault == "none":
            assert outcome.status is Status.PLACED, (self.where, outcome)
        if outcome.status is Status.PLACED:
            self.session_ended = False
        if fault == "reject":
            assert outcome.status is Status.REJECTED, (self.where, outcome)
        return 1

    # -- after the outcome --

    def cancel(self, outcome: Outcome) -> None:
        """Select the order's row and click Cancel, as a trader would."""
        qtbot, window, table = self.qtbot, self.window, self.window.orders
        cl = outcome.cl_ord_id
        self.counts["cancel"] += 1

        def followed() -> bool:
            row = table.row_of(cl)
            return row >= 0 and table.item(row, STATUS).text().startswith("entry")

        self.wait(followed, "the placed order to be followed")
        item = table.item(table.row_of(cl), 0)
        table.scrollToItem(item)
        qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(item).center()
        )
        assert table.selected_cl_ord_id() == cl, self.where
        before = window.outcome.text()
        qtbot.mouseClick(find(window, "Cancel selected order"), Qt.MouseButton.LeftButton)
        answers = (
            "Cancelled",
            "nothing to cancel",
            "before the cancel",
            "exits stay",
            "Cancel failed",
        )
        self.wait(
            lambda: (
                window.outcome.text() != before and any(a in window.outcome.text() for a in answers)
            ),
            "the cancel to be answered",
        )
        said = window.outcome.text()
        with self.sim.exchange.lock:
            orders = self.sim.exchange.orders
            entry = orders[outcome.order_id]
            legs = [orders[i] for i in entry.legs]
            book = [(o.id, o.status.value, o.filled) for o in (entry, *legs)]
        if "Cancelled" in said:
            self.counts["cancel: cancelled"] += 1
            assert all(o.status is OrdStatus.CANCELED for o in (entry, *legs)), (
                self.where,
                said,
                book,
            )
        elif "nothing to cancel" in said or "before the cancel" in said:
            self.counts["cancel: already final"] += 1
            assert entry.status.is_final and entry.status is not OrdStatus.CANCELED, (
                self.where,
                said,
                book,
            )
        elif "exits stay" in said:
            self.counts["cancel: filled, exits kept"] += 1
            assert entry.filled > 0 and any(not o.status.is_final for o in legs), (
                self.where,
                said,
                book,
            )
        else:
            raise AssertionError(f"{self.where}: the window said {said!r}; the server: {book}")

    def reconnect(self) -> None:
        window = self.window
        self.counts["reconnect"] += 1
        self.reconnected_in.append(self.n)
        self.qtbot.mouseClick(find(window, "Practice"), Qt.MouseButton.LeftButton)
        self.wait(
            lambda: window.account is not None and window.contract is not None,
            "the window to reconnect",
        )

    # -- one scenario --

    def scenario(self, n: int) -> None:
        # Each scenario draws from its own stream: where timing decides what the window shows
        # (a renewal racing an order), later scenarios still draw the same choices.
        self.rng = rng = random.Random(f"{SEED}:{n}")
        sim = self.sim
        self.n, self.where = n, f"seed {SEED}, scenario {n}"
        requests, reported = len(sim.requests(PLACE)), len(self.reports)
        if rng.random() < 0.04:
            self.reconnect()
        if n == 0 or rng.random() < 0.7:
            self.counts["new order"] += 1
            self.fill_new_order()
        else:
            self.counts["same order again"] += 1
        confirmed = self.press_place(rng.choice(PRESS))
        last = self.reports[-1][0] if len(self.reports) > reported else None
        if last is not None and last.status is Status.PENALISED and rng.random() < 0.8:
            self.counts["penalty waited out and resent"] += 1
            resent_from = len(sim.requests(PLACE))
            confirmed += self.press_place(rng.choice(PRESS))
            resent = sim.requests(PLACE)[resent_from:]
            if resent:  # the same order: its clOrdId again, with the ticket when there is one
                body = resent[0].body
                assert body["clOrdId"] == last.cl_ord_id, (self.where, body)
                assert body.get("p-ticket") == last.p_ticket, (self.where, body, last)
        elif last is not None and last.status is not Status.PLACED and rng.random() < 0.5:
            self.counts["retry"] += 1
            confirmed += self.press_place(rng.choice(PRESS))
        last = self.reports[-1][0] if len(self.reports) > reported else None
        if last is not None and last.status is Status.PLACED and rng.random() < 0.3:
            self.cancel(last)
        sent = len(sim.requests(PLACE)) - requests
        assert sent == confirmed, f"{self.where}: {confirmed} cards confirmed, {sent} requests"
        for outcome, _, _ in self.reports[reported:]:
            self.counts[f"outcome {outcome.status.value}"] += 1
        self.check(reported)

    def check(self, since: int) -> None:
        """The invariants, against the simulator's own book."""
        where = self.where
        for outcome, held_then, fault in self.reports[since:]:  # as the window reported it
            ids = [e[0] for e in held_then]
            if outcome.status is Status.PLACED:
                assert ids == [outcome.order_id], (where, fault, outcome, held_then)
            elif outcome.status in REFUSED:
                assert ids == [], (where, fault, outcome, held_then)
        book = entries(self.sim)
        held = Counter(cl for _, cl, _, _ in book)
        assert max(held.values(), default=0) <= 1, (where, held.most_common(3))
        final = {o.cl_ord_id: o for o, _, _ in self.reports}  # a resend reuses its clOrdId
        strangers = [e for e in book if e[1] not in final]
        assert not strangers, f"{where}: orders no confirmed card sent: {strangers}"
        for cl, outcome in final.items():
            found = [(e[0], e[2]) for e in book if e[1] == cl]
            if outcome.status is Status.PLACED:
                legs = [i for i in (outcome.oso1_id, outcome.oso2_id) if i]
                assert found == [(outcome.order_id, legs)], (where, outcome, found)
            elif outcome.status in REFUSED:
                assert found == [], (where, outcome, found)
        # After an unknown outcome the window keeps looking the order up, and says what it found.
        book_ids = {cl: order_id for order_id, cl, _, _ in book}
        for entry in self.window.journal.read():
            if entry["kind"] != "reconciled":
                continue
            cl = entry["cl_ord_id"]
            sent_in, fault = self.sent_in[cl]
            if entry["status"] == "placed":
                assert book_ids.get(cl) == entry["order_id"], (where, sent_in, fault, entry)
            else:
                reconnects = [n for n in self.reconnected_in if n >= sent_in]
                assert cl not in book_ids, (
                    f"{where}: the order of scenario {sent_in} (fault {fault!r}, outcome "
                    f"unknown) was then reported {entry['status']!r}, but the server holds it "
                    f"as order {book_ids[cl]}; reconnected since in scenario(s) {reconnects}"
                )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_random_sessions_keep_the_window_and_the_server_in_agreement(
    qtbot, window, sim, monkeypatch
):
    # This test's churn (reconnects every few scenarios, look-ups every 200 ms) is far above a
    # trader's; the simulator's request limits and the client's budget have tests of their own.
    sim.rate_limits = RateLimits.off()
    roomy = functools.partial(RequestBudget, per_minute=100_000, per_hour=1_000_000)
    monkeypatch.setattr("ticket.broker.client.RequestBudget", roomy)  # for each reconnect
    window.session.connection.client.budget = roomy()
    window.session.reconcile_delays = (0.0, 0.05, 0.1)
    window.safety.unknowns.interval_ms = 200
    window.safety.unknowns.tries = 10
    choose(qtbot, window, "Stop-loss unit", "ticks")
    choose(qtbot, window, "Take-profit unit", "R")
    trader = Trader(qtbot, window, sim)
    started = time.monotonic()
    for n in range(SCENARIOS):
        with qtbot.captureExceptions() as exceptions:
            trader.scenario(n)
        assert not exceptions, f"seed {SEED}, scenario {n}:\n" + "".join(
            "".join(traceback.format_exception(*e)) for e in exceptions
        )
    elapsed = time.monotonic() - started

    counts = trader.counts
    journal = window.journal.read()
    found_later = [e for e in journal if e["kind"] == "reconciled" and e["status"] == "placed"]
    print(
        f"\nseed {SEED}: {SCENARIOS} scenarios in {elapsed:.0f} s, "
        f"{len(sim.requests(PLACE))} orders sent, {sim.entry_orders()} held, "
        f"{len(found_later)} found after an unknown outcome; "
        + ", ".join(f"{k}: {v}" for k, v in sorted((counts + trader.by_fault).items()))
    )
    # The journal says what the window said, in the order it said it.
    written = [
        (e["cl_ord_id"], e["status"], e["order_id"]) for e in journal if e["kind"] == "outcome"
    ]
    assert written == [(o.cl_ord_id, o.status.value, o.order_id) for o, _, _ in trader.reports]
    # What was generated covers what the test is for.
    assert [f for f in FAULTS if not counts[f"fault {f}"]] == []
    assert [b for b in BEHAVIOURS if not counts[b]] == []
    assert [s.value for s in Status if not counts[f"outcome {s.value}"]] == []
