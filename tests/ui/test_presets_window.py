"""Presets in the window: a row of buttons per product and Alt+1..Alt+9 fill the ticket and the
plan, the plan says when the ticket was changed from the preset, a product's default fills only
a ticket nobody has touched, and the Presets… dialog writes the file the command line reads,
keeping what a broken file could not load. Real window, real simulator."""

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QListWidget

from ticket import presets_file
from ticket.domain.orders import TimeInForce
from ticket.domain.ticket import DistanceUnit
from ticket.ui.keys import KEYS

from .conftest import find
from .test_window import choose, type_into

SCALP_AND_SWING = """
[[preset]]
name = "Scalp 8/16"
product = "ES"
stop_ticks = 8
target_ticks = 16
qty = 2

[[preset]]
name = "Swing 2R"
product = "ES"
stop_ticks = 12
target_r = 2
qty = 1
tif = "gtc"
"""


def write_presets(text: str) -> Path:
    path = presets_file.presets_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def with_limit_price(qtbot, window):
    type_into(qtbot, find(window, "Limit price"), "5990.25")


def plan_title(window) -> str:
    return window.plan.title()


def test_a_click_and_alt_2_fill_the_ticket_and_the_plan(qtbot, make_window):
    write_presets(SCALP_AND_SWING)
    window = make_window()
    with_limit_price(qtbot, window)
    scalp, swing = find(window, "Preset Scalp 8/16"), find(window, "Preset Swing 2R")
    assert scalp.isVisible() and "Alt+1" in scalp.toolTip()
    assert plan_title(window) == "Plan"

    qtbot.mouseClick(scalp, Qt.MouseButton.LeftButton)
    assert find(window, "Quantity").value() == 2
    assert find(window, "Stop-loss distance").text() == "8"
    assert find(window, "Take-profit distance").text() == "16"
    assert find(window, "Take-profit unit").currentText() == "ticks"
    assert "200.00 USD" in find(window, "Risk").text()  # 2 contracts x 8 ticks x 12.50
    assert "400.00 USD" in find(window, "Reward").text()
    assert plan_title(window) == "Plan · preset Scalp 8/16"
    assert scalp.isChecked() and not swing.isChecked()

    # Alt+2 as a real key press, while the price field has the focus
    price = find(window, "Limit price")
    price.setFocus()
    qtbot.waitUntil(price.hasFocus)
    qtbot.keyClick(price, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert price.text() == "5990.25"  # the key applied the preset, it typed nothing
    assert find(window, "Quantity").value() == 1
    assert find(window, "Stop-loss distance").text() == "12"
    assert find(window, "Take-profit distance").text() == "2"
    assert find(window, "Take-profit unit").currentText().startswith("R")
    assert window.vm.draft.time_in_force is TimeInForce.GTC
    assert find(window, "Time in force").currentText() == "GTC"
    assert "150.00 USD" in find(window, "Risk").text()
    assert "300.00 USD" in find(window, "Reward").text()
    assert swing.isChecked() and not scalp.isChecked()
    assert plan_title(window) == "Plan · preset Swing 2R"

    qtbot.keyClick(price, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # no third preset
    assert "No preset 3 for ES" in window.outcome.text()
    assert any(keys.startswith("Alt+1") for keys, _ in KEYS)


def test_editing_a_field_the_preset_set_marks_the_ticket_changed_from_it(qtbot, make_window):
    write_presets(SCALP_AND_SWING)
    window = make_window()
    qtbot.mouseClick(find(window, "Preset Scalp 8/16"), Qt.MouseButton.LeftButton)
    type_into(qtbot, find(window, "Stop-loss distance"), "10")
    assert plan_title(window) == "Plan · preset changed from Scalp 8/16"
    assert not find(window, "Preset Scalp 8/16").isChecked()
    type_into(qtbot, find(window, "Stop-loss distance"), "8")  # back as the preset has it
    assert plan_title(window) == "Plan · preset Scalp 8/16"
    # a field the preset does not set is no change from it
    type_into(qtbot, find(window, "Order text"), "note")
    assert plan_title(window) == "Plan · preset Scalp 8/16"


DEFAULTS = """
[[preset]]
name = "ES default"
product = "ES"
default = true
stop_ticks = 6
target_ticks = 12
qty = 2

[[preset]]
name = "NQ default"
product = "NQ"
default = true
stop_ticks = 20
target_ticks = 40
qty = 1
"""


def test_a_products_default_fills_only_a_ticket_nobody_has_touched(qtbot, make_window, sim):
    write_presets(DEFAULTS)
    window = make_window()  # signs in and looks ES up: an untouched ticket
    assert find(window, "Quantity").value() == 2
    assert find(window, "Stop-loss distance").text() == "6"
    assert plan_title(window) == "Plan · preset ES default"

    type_into(qtbot, find(window, "Quantity").lineEdit(), "5")
    contract = find(window, "Contract")
    type_into(qtbot, contract, "NQ")
    qtbot.keyClick(contract, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.contract is not None and window.contract.contract.name == sim.front("NQ"),
        timeout=10000,
    )
    # what the trader typed stays; NQ's buttons are offered, its default is not forced on
    assert find(window, "Quantity").value() == 5
    assert find(window, "Stop-loss distance").text() == "6"
    assert find(window, "Preset NQ default").isVisible()
    assert not [w for w in window.preset_buttons if w.text() == "ES default"]
    assert plan_title(window) == "Plan"  # an ES preset says nothing of an NQ ticket


def open_dialog(qtbot, window):
    qtbot.mouseClick(find(window, "Presets"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find(window, "Preset name").isVisible())


def select(qtbot, window, name):
    listing: QListWidget = find(window, "Preset list")
    [item] = [
        listing.item(n)
        for n in range(listing.count())
        if f"{name}:" in listing.item(n).text() or f"{name} ·" in listing.item(n).text()
    ]
    rect = listing.visualItemRect(item)
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert listing.currentItem() is item


def click(qtbot, window, name):
    qtbot.mouseClick(find(window, name), Qt.MouseButton.LeftButton)


def on_file():
    report = presets_file.load()
    return report.book.for_product("ES")


def test_save_rename_reorder_default_and_delete_go_through_the_file(qtbot, make_window):
    window = make_window()
    assert window.presets.path == presets_file.presets_path()  # the command line's file
    type_into(qtbot, find(window, "Quantity").lineEdit(), "3")
    type_into(qtbot, find(window, "Stop-loss distance"), "10")
    type_into(qtbot, find(window, "Take-profit distance"), "3")  # R, as the ticket starts
    open_dialog(qtbot, window)
    message = find(window, "Presets message")

    type_into(qtbot, find(window, "Preset name"), "  ")
    click(qtbot, window, "Save ticket as preset")
    assert "Not saved: must not be empty" in message.text()
    assert not presets_file.presets_path().exists()

    type_into(qtbot, find(window, "Preset name"), "Mine")
    click(qtbot, window, "Save ticket as preset")
    assert 'Saved "Mine"' in message.text()
    [mine] = on_file()
    assert (mine.name, mine.stop.value, mine.stop.unit) == ("Mine", 10, DistanceUnit.TICKS)
    assert (mine.targets[0].value, mine.targets[0].unit) == (3, DistanceUnit.R)
    assert mine.size.amount == 3
    qtbot.waitUntil(lambda: find(window, "Preset Mine").isVisible())

    type_into(qtbot, find(window, "Stop-loss distance"), "6")
    type_into(qtbot, find(window, "Preset name"), "Other")
    click(qtbot, window, "Save ticket as preset")
    assert [p.name for p in on_file()] == ["Mine", "Other"]

    select(qtbot, window, "Other")
    click(qtbot, window, "Move up")
    assert [p.name for p in on_file()] == ["Other", "Mine"]
    assert [b.text() for b in window.preset_buttons] == ["Other", "Mine"]  # Alt+1 is Other

    click(qtbot, window, "Make default")
    assert [p.default for p in on_file()] == [True, False]

    type_into(qtbot, find(window, "Preset name"), "mine")
    click(qtbot, window, "Rename")
    assert 'already has a preset "Mine"' in message.text()
    type_into(qtbot, find(window, "Preset name"), "Fast")
    click(qtbot, window, "Rename")
    assert [(p.name, p.default) for p in on_file()] == [("Fast", True), ("Mine", False)]

    select(qtbot, window, "Fast")
    click(qtbot, window, "Delete")
    assert [p.name for p in on_file()] == ["Mine"]
    assert [b.text() for b in window.preset_buttons] == ["Mine"]
    find(window, "Presets dialog").reject()


BROKEN = """
[[preset]]
name = "Scalp"
product = "ES"
stop_ticks = 8
target_ticks = 16

[[preset]]
name = "Bad"
product = "ES"
stop_ticks = "eight"
"""


def test_a_broken_file_says_what_was_skipped_and_loses_nothing(qtbot, make_window):
    path = write_presets(BROKEN)
    window = make_window()
    assert find(window, "Preset Scalp").isVisible()
    assert [b.text() for b in window.preset_buttons] == ["Scalp"]
    notice = find(window, "Presets file problems")
    assert notice.isVisible() and notice.text() == "⚠ 1 skipped"
    assert 'line 11, preset "Bad", stop_ticks: must be a number' in notice.toolTip()

    qtbot.mouseClick(notice, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find(window, "Presets file problems list").isVisible())
    assert "this preset is not loaded" in find(window, "Presets file problems list").text()
    type_into(qtbot, find(window, "Preset name"), "New")
    click(qtbot, window, "Save ticket as preset")
    text = path.read_text()
    assert 'name = "Bad"' in text and 'stop_ticks = "eight"' in text  # kept for a fix by hand
    report = presets_file.load()
    assert [p.name for p in report.book.for_product("ES")] == ["Scalp", "New"]
    assert [p.preset for p in report.left_out] == ['"Bad"']
    find(window, "Presets dialog").reject()


def test_an_unreadable_file_is_not_written_over_and_the_window_says_why(qtbot, make_window):
    path = write_presets("[[preset]\nname = ")
    window = make_window()
    assert window.preset_buttons == []
    assert "not valid TOML" in find(window, "Presets file problems").toolTip()
    open_dialog(qtbot, window)
    type_into(qtbot, find(window, "Preset name"), "New")
    click(qtbot, window, "Save ticket as preset")
    assert "is not written over" in find(window, "Presets message").text()
    assert path.read_text() == "[[preset]\nname = "
    find(window, "Presets dialog").reject()


SCALE = """
[[preset]]
name = "Thirds"
product = "ES"
stop_ticks = 8
targets = [{ ticks = 8, qty = 1 }, { ticks = 16, qty = 1 }, { ticks = 24 }]
qty = 3
"""


def test_a_scale_out_preset_fills_the_target_rows(qtbot, make_window):
    write_presets(SCALE)
    window = make_window()
    with_limit_price(qtbot, window)
    qtbot.keyClick(find(window, "Limit price"), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert [find(window, f"Target {n} quantity").text() for n in (1, 2, 3)] == ["1", "1", "1"]
    assert find(window, "Take-profit distance").text() == "8"
    assert [find(window, f"Target {n} distance").text() for n in (2, 3)] == ["16", "24"]
    reward = find(window, "Reward").text()
    assert all(f"{price}</b> ×1" in reward for price in ("5992.25", "5994.25", "5996.25"))
    assert window.place_button.text().endswith("TP 5992.25 x1, 5994.25 x1, 5996.25 x1")
    # once the layout has settled (it is recomputed at the next turn of the event loop)
    qtbot.waitUntil(lambda: window.minimumSizeHint().height() <= 700)
    type_into(qtbot, find(window, "Target 3 quantity"), "2")
    assert plan_title(window) == "Plan · preset changed from Thirds"


@pytest.fixture(autouse=True)
def _no_dialog_left(qtbot):
    yield
    for widget in QApplication.topLevelWidgets():
        if widget.accessibleName() == "Presets dialog" and widget.isVisible():
            widget.reject()


MIXED = """
[[preset]]
name = "Runner"
product = "ES"
stop_ticks = 8
targets = [{ ticks = 8, qty = 1 }, { ticks = 16, qty = 1 }, { r = 3 }]
qty = 3
"""


def test_a_target_in_another_unit_keeps_it_and_says_so(qtbot, make_window):
    write_presets(MIXED)
    window = make_window()
    with_limit_price(qtbot, window)
    qtbot.mouseClick(find(window, "Preset Runner"), Qt.MouseButton.LeftButton)
    assert find(window, "Target 3 distance").text() == "3"
    tag = find(window, "Target 3 unit")
    assert tag.isVisible() and tag.text() == "R"
    assert not find(window, "Target 2 unit").isVisible()  # in ticks, as the panel
    # 3R of an 8-tick stop is 24 ticks above the entry
    assert "5996.25</b> ×1" in find(window, "Reward").text()
    choose(qtbot, window, "Take-profit unit", "price")  # every target converted, none moved
    assert find(window, "Target 3 distance").text() == "5996.25"
    assert not find(window, "Target 3 unit").isVisible()
    assert "5996.25</b> ×1" in find(window, "Reward").text()


def test_a_preset_saved_with_the_plans_risk_budget_sizes_each_ticket_from_it(qtbot, make_window):
    window = make_window()
    type_into(qtbot, find(window, "Stop-loss distance"), "8")
    type_into(qtbot, find(window, "Risk budget"), "300")
    open_dialog(qtbot, window)
    by_risk = find(window, "Size by risk")
    assert by_risk.isEnabled() and "300 at risk" in by_risk.text()
    qtbot.mouseClick(
        by_risk, Qt.MouseButton.LeftButton, pos=by_risk.rect().topLeft() + QPoint(8, 8)
    )
    assert by_risk.isChecked()
    type_into(qtbot, find(window, "Preset name"), "Risk 300")
    click(qtbot, window, "Save ticket as preset")
    [saved] = on_file()
    assert (saved.size.kind.value, saved.size.amount) == ("risk_money", 300)
    find(window, "Presets dialog").reject()
    type_into(qtbot, find(window, "Quantity").lineEdit(), "7")
    qtbot.waitUntil(lambda: find(window, "Preset Risk 300").isVisible())
    qtbot.mouseClick(find(window, "Preset Risk 300"), Qt.MouseButton.LeftButton)
    assert find(window, "Quantity").value() == 3  # 300 at 8 ticks x 12.50 a contract


def test_a_file_changed_by_another_program_is_read_again_before_anything_is_written(
    qtbot, make_window
):
    write_presets(SCALP_AND_SWING)
    window = make_window()
    open_dialog(qtbot, window)
    # meanwhile the command line imports a preset into the same file
    report = presets_file.load()
    added = report.book.add(report.book.find("ES", "Scalp 8/16").model_copy(update={"name": "CLI"}))
    presets_file.save(report.path, added, report)
    type_into(qtbot, find(window, "Preset name"), "Mine")
    click(qtbot, window, "Save ticket as preset")
    assert "changed by another program" in find(window, "Presets message").text()
    assert [p.name for p in on_file()] == ["Scalp 8/16", "Swing 2R", "CLI"]  # untouched
    assert find(window, "Preset name").text() == "Mine"
    click(qtbot, window, "Save ticket as preset")  # again, over the file as it now is
    assert [p.name for p in on_file()] == ["Scalp 8/16", "Swing 2R", "CLI", "Mine"]
    assert [b.text() for b in window.preset_buttons] == ["Scalp 8/16", "Swing 2R", "CLI", "Mine"]
    find(window, "Presets dialog").reject()
