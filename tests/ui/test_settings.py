"""Settings: a product's fat-finger limits typed in a dialog are saved to the limits file and
checked at once; a limits file the ticket cannot use is reported at start and left as it is."""

import tomllib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from ticket.limits_file import limits_path
from ticket.ui.settings_dialog import SettingsDialog, open_settings

from .conftest import find
from .test_window import fill_limit_buy, type_into

QTY_OVERRIDE = "Allow more contracts than my limit"


def open_dialog(qtbot, window) -> SettingsDialog:
    """The window's Settings… button, or the call that button makes."""
    buttons = [b for b in window.findChildren(QPushButton) if b.accessibleName() == "Settings"]
    if buttons:
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    else:
        open_settings(window)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SettingsDialog))
    dialog = QApplication.activeModalWidget()
    qtbot.waitExposed(dialog)
    return dialog


def save(qtbot, dialog):
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(find(dialog, "Save"), Qt.MouseButton.LeftButton)


def test_a_max_contracts_saved_in_settings_is_the_quantity_rule_at_once(qtbot, window, sim):
    fill_limit_buy(qtbot, window, sim)  # ES, 2 contracts
    assert window.place_button.isEnabled()
    dialog = open_dialog(qtbot, window)
    field = find(dialog, "Max contracts")
    assert field.text() == "10"  # ES's built-in limit
    assert find(dialog, "Default max contracts").text() == "10"
    type_into(qtbot, field, "1")
    save(qtbot, dialog)

    note = window.entry.notes["entry.qty"]
    assert "2 contracts is above your limit of 1." in note.text()
    assert find(window, QTY_OVERRIDE).isVisible()
    assert not window.place_button.isEnabled()
    type_into(qtbot, find(window, "Quantity").lineEdit(), "1")
    assert window.place_button.isEnabled()
    saved = tomllib.loads(limits_path().read_text())
    assert saved == {"ES": {"max_contracts": 1}}  # only what was changed


def test_a_wrong_limit_is_refused_at_its_field_and_nothing_is_saved(qtbot, window, sim):
    dialog = open_dialog(qtbot, window)
    field = find(dialog, "Max money at risk")
    type_into(qtbot, field, "1,000")
    note = find(dialog, "Max money at risk note")
    assert note.isVisible()
    assert "without separators, such as 1000, got 1,000" in note.text()
    assert not find(dialog, "Save").isEnabled()
    qtbot.keyClick(field, Qt.Key.Key_Return)  # Enter does not save past the error either
    assert dialog.isVisible() and not limits_path().exists()
    type_into(qtbot, field, "750")
    assert not note.isVisible() and find(dialog, "Save").isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not limits_path().exists()
    assert window.vm.limits.max_risk == 1000


def test_a_broken_limits_file_is_reported_at_start_and_kept_byte_for_byte(qtbot, make_window, sim):
    path = limits_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"# my limits\n[ES]\nmax_contracts = 4\nmax_risk = \n"
    path.write_bytes(content)
    window = make_window()
    notice = find(window, "Limits file")
    assert notice.isVisible()
    assert "limits.toml, line 4, column 12: not valid TOML (Invalid value); the built-in " in (
        notice.text()
    )
    assert "is left as it is." in notice.text()
    fill_limit_buy(qtbot, window, sim)
    type_into(qtbot, find(window, "Quantity").lineEdit(), "11")
    assert "11 contracts is above your limit of 10." in window.entry.notes["entry.qty"].text()

    dialog = open_dialog(qtbot, window)
    assert not find(dialog, "Save").isEnabled()  # a file it cannot read is not written over
    assert "Save is off until the file can be read" in find(dialog, "Limits file problems").text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert path.read_bytes() == content


def test_a_bad_value_is_named_and_the_good_ones_are_used_until_settings_correct_it(
    qtbot, make_window, sim
):
    path = limits_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"[ES]\nmax_contracts = -3\nmax_risk = 150\n"
    path.write_bytes(content)
    window = make_window()
    notice = find(window, "Limits file")
    assert (
        "limits.toml, [ES] max_contracts: must be a whole number above 0, got -3; 10 is in use"
        in (notice.text())
    )
    fill_limit_buy(qtbot, window, sim)  # 200.00 at risk
    assert "above your limit of 150.00" in window.stop_loss.note.text()
    assert path.read_bytes() == content

    dialog = open_dialog(qtbot, window)
    assert "got -3" in find(dialog, "Max contracts note").text()
    type_into(qtbot, find(dialog, "Max contracts"), "3")
    type_into(qtbot, find(dialog, "Max money at risk"), "250")
    save(qtbot, dialog)
    assert not notice.isVisible()
    assert window.place_button.isEnabled()
    assert tomllib.loads(path.read_text()) == {"ES": {"max_contracts": 3, "max_risk": 250}}
