"""Fat-finger limits per product: the built-in defaults, the limits file read and written, and
the notional limit."""

from __future__ import annotations

import os
from decimal import Decimal as D
from pathlib import Path

import pytest

from ticket.domain.instruments import BUILT_IN
from ticket.domain.limits import (
    BUILT_IN_LIMITS,
    FALLBACK,
    MICRO_OF,
    LimitError,
    built_in_settings,
    micro_ratio,
    read_text,
    settle,
)
from ticket.domain.rules import OVERRIDE_NOTIONAL, FatFingerLimits, Severity, assess
from ticket.domain.ticket import TicketField as F
from ticket.limits_file import HEADER, limits_path, load, save

from .forms import NOW, form

# -- the built-in defaults -----------------------------------------------------------------------

# root: contracts, money at risk, ticks from the last price (the distance in points in a comment)
TABLE = {
    "ES": (10, 1000, 200),  # 50 points
    "MES": (50, 1000, 200),
    "NQ": (10, 2000, 800),  # 200 points
    "MNQ": (50, 2000, 800),
    "RTY": (10, 1000, 250),  # 25 points
    "M2K": (50, 1000, 250),
    "YM": (10, 1000, 400),  # 400 points
    "MYM": (50, 1000, 400),
    "CL": (10, 1000, 200),  # $2.00
    "MCL": (50, 1000, 200),
    "NG": (10, 1000, 200),  # $0.200
    "GC": (10, 2000, 300),  # $30
    "MGC": (50, 2000, 300),
    "SI": (10, 2000, 200),  # $1.00
    "HG": (10, 2000, 200),  # $0.10
    "ZB": (10, 1000, 64),  # 2 points
    "ZN": (10, 1000, 64),  # 1 point
    "ZF": (10, 1000, 96),  # 3/4 point
    "ZT": (10, 1000, 64),  # 1/4 point
    "6E": (10, 1000, 200),  # 0.0100
    "6J": (10, 1000, 200),  # 0.0001000
    "6B": (10, 1000, 150),  # 0.0150
    "ZC": (10, 1000, 40),  # 10 cents
    "ZS": (10, 1000, 80),  # 20 cents
    "ZW": (10, 1000, 60),  # 15 cents
}


def test_every_product_in_the_table_has_its_own_defaults():
    assert set(BUILT_IN_LIMITS) == set(BUILT_IN) == set(TABLE)


@pytest.mark.parametrize("root", sorted(TABLE))
def test_the_defaults_of_each_product(root):
    limits = BUILT_IN_LIMITS[root]
    got = (limits.max_contracts, limits.max_risk, limits.max_ticks_from_last)
    assert got == TABLE[root]
    assert limits.max_notional is None  # off until the trader sets it


@pytest.mark.parametrize("micro", sorted(MICRO_OF))
def test_a_micro_risks_what_its_full_size_sibling_risks_in_half_its_exposure(micro):
    full = MICRO_OF[micro]
    mine, theirs = BUILT_IN_LIMITS[micro], BUILT_IN_LIMITS[full]
    assert micro_ratio(BUILT_IN[micro], BUILT_IN[full]) == 10
    assert mine.max_risk == theirs.max_risk
    assert mine.max_ticks_from_last == theirs.max_ticks_from_last
    assert BUILT_IN[micro].tick_size == BUILT_IN[full].tick_size  # so the ticks are the same move
    assert mine.max_contracts * BUILT_IN[micro].value_per_point * 2 == (
        theirs.max_contracts * BUILT_IN[full].value_per_point
    )
    # an extra zero on a usual micro order is still caught
    assert 10 <= mine.max_contracts < 100


def test_a_micro_and_its_sibling_must_share_the_tick():
    with pytest.raises(ValueError, match="not a fraction"):
        micro_ratio(BUILT_IN["MES"], BUILT_IN["CL"])


def test_a_product_the_table_does_not_list_gets_the_fallback():
    settings = built_in_settings()
    assert settings.for_root("XYZ") == FALLBACK == settings.default
    assert (FALLBACK.max_contracts, FALLBACK.max_risk, FALLBACK.max_ticks_from_last) == (
        10,
        D(1000),
        200,
    )


# -- laying the trader's rows over the defaults --------------------------------------------------


def test_a_products_own_row_wins_field_by_field():
    settings = settle({"MES": {"max_contracts": 7}})
    assert settings.for_root("MES") == BUILT_IN_LIMITS["MES"].model_copy(
        update={"max_contracts": 7}
    )
    assert settings.for_root("ES") == BUILT_IN_LIMITS["ES"]


def test_money_in_the_default_row_applies_to_every_product_without_its_own():
    settings = settle(
        {"default": {"max_risk": D(500), "max_notional": D(2_000_000)}, "NQ": {"max_risk": D(900)}}
    )
    assert settings.for_root("ES").max_risk == D(500)
    assert settings.for_root("GC").max_risk == D(500)  # built-in 2000 is outranked
    assert settings.for_root("NQ").max_risk == D(900)
    assert settings.for_root("ZN").max_notional == D(2_000_000)
    assert settings.for_root("XYZ").max_notional == D(2_000_000)


def test_counts_in_the_default_row_apply_only_to_products_without_built_in_limits():
    settings = settle({"default": {"max_contracts": 3, "max_ticks_from_last": 20}})
    assert settings.for_root("MES").max_contracts == 50
    assert settings.for_root("ZN").max_ticks_from_last == 64
    assert settings.for_root("XYZ").max_contracts == 3
    assert settings.default.max_ticks_from_last == 20


def test_a_product_can_turn_off_the_notional_limit_of_the_default_row():
    settings = settle({"default": {"max_notional": D(10**6)}, "ES": {"max_notional": None}})
    assert settings.for_root("ES").max_notional is None
    assert settings.for_root("MES").max_notional == D(10**6)


# -- the notional limit in the rules -------------------------------------------------------------


def test_an_order_worth_more_than_the_notional_limit_needs_an_override():
    limits = FatFingerLimits(max_notional=D(1_000_000))
    ok = form(qty=3, price="5000.00")  # 3 x 5000 x 50 = 750,000
    assert not [p for p in assess(ok, limits, NOW).problems if p.code == OVERRIDE_NOTIONAL]
    big = form(qty=5, price="5000.00")  # 1,250,000
    [p] = [p for p in assess(big, limits, NOW).problems if p.code == OVERRIDE_NOTIONAL]
    assert p.field is F.QTY and p.severity is Severity.ERROR
    assert "worth 1,250,000.00 (5 × 5000.00 × 50)" in p.message
    assert "limit of 1,000,000.00" in p.message
    overridden = form(qty=5, price="5000.00", overrides=frozenset({OVERRIDE_NOTIONAL}))
    [p] = [p for p in assess(overridden, limits, NOW).problems if p.code == OVERRIDE_NOTIONAL]
    assert p.severity is Severity.WARNING


def test_exactly_the_notional_limit_passes_and_no_limit_never_blocks():
    at = form(qty=4, price="5000.00")  # 1,000,000
    assert assess(at, FatFingerLimits(max_notional=D(1_000_000)), NOW).can_place
    assert assess(form(qty=10, price="5000.00"), FatFingerLimits(), NOW).can_place


# -- a value typed in the Settings dialog --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("max_contracts", " 12 ", 12),
        ("max_risk", "1000", D(1000)),
        ("max_risk", "1000.50", D("1000.5")),
        ("max_ticks_from_last", "64", 64),
        ("max_notional", "", None),
        ("max_notional", "2500000", D(2_500_000)),
    ],
)
def test_typed_limits_are_read(name, text, value):
    assert read_text(name, text) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("max_contracts", "-3", "must be a whole number above 0, got -3"),
        ("max_contracts", "0", "must be a whole number above 0, got 0"),
        ("max_contracts", "2.5", "must be a whole number above 0, got 2.5"),
        ("max_contracts", "", "must be a whole number above 0"),
        ("max_contracts", "ten", "must be a whole number above 0, got ten"),
        ("max_contracts", "٣", "must be a whole number above 0, got ٣"),
        ("max_contracts", "1000000", "must be at most 100,000, got 1000000"),
        ("max_risk", "1,000", "without separators"),
        ("max_risk", "10.005", "must be in whole cents, got 10.005"),
        ("max_risk", "1e3", "must be an amount above 0, got 1e3"),
        ("max_risk", "NaN", "must be an amount above 0, got NaN"),
        ("max_notional", "0", "must be an amount above 0, or empty for no limit, got 0"),
        ("max_ticks_from_last", "1" * 40, "got 111111111111111111111..."),
    ],
)
def test_typed_limits_that_are_wrong_say_why(name, text, message):
    with pytest.raises(LimitError) as caught:
        read_text(name, text)
    assert message in str(caught.value)


# -- the limits file -----------------------------------------------------------------------------


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "limits.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def messages(path: Path) -> list[str]:
    return load(path).notice()


def test_the_file_is_in_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKET_CONFIG_DIR", str(tmp_path))
    assert limits_path() == tmp_path / "limits.toml"


def test_no_file_means_the_built_in_limits_and_nothing_to_say(tmp_path):
    report = load(tmp_path / "limits.toml")
    assert report.settings == built_in_settings()
    assert report.notice() == [] and report.writable
    assert not (tmp_path / "limits.toml").exists()  # nothing is written by a read


def test_a_good_file_sets_the_limits_it_names(tmp_path):
    path = write(
        tmp_path,
        """
# mine
[default]
max_risk = 750
max_notional = 3_000_000.00

[MES]
max_contracts = 20
max_ticks_from_last = 120

[es]  # the case of a root does not matter
max_risk = 1250.50
max_notional = false
""",
    )
    report = load(path)
    assert report.notice() == []
    mes, es = report.settings.for_root("MES"), report.settings.for_root("ES")
    assert (mes.max_contracts, mes.max_risk, mes.max_ticks_from_last) == (20, D(750), 120)
    assert mes.max_notional == D(3_000_000)
    assert (es.max_contracts, es.max_risk, es.max_notional) == (10, D("1250.50"), None)
    assert report.settings.for_root("CL").max_risk == D(750)


BAD_VALUES = [
    ("-3", "must be a whole number above 0, got -3"),
    ("0", "must be a whole number above 0, got 0"),
    ("2.5", "must be a whole number above 0, got 2.5"),
    ('"12"', 'must be a whole number above 0, written without quotes, got "12"'),
    ("true", "must be a whole number above 0, got true"),
    ("false", "must be a whole number above 0, got false"),
    ("inf", "must be a whole number above 0, got inf"),
    ("nan", "must be a whole number above 0, got nan"),
    ("[1, 2]", "must be a whole number above 0, got a list"),
    ("{ n = 1 }", "must be a whole number above 0, got a table"),
    ("2026-01-02", "must be a whole number above 0, got 2026-01-02"),
    ("1_000_000", "must be at most 100,000, got 1000000"),
]


@pytest.mark.parametrize(("written", "message"), BAD_VALUES)
def test_a_bad_count_is_named_with_its_product_and_field_and_the_built_in_stands_in(
    tmp_path, written, message
):
    path = write(tmp_path, f"[MES]\nmax_contracts = {written}\nmax_risk = 400\n")
    report = load(path)
    assert report.notice() == [
        f"limits.toml, [MES] max_contracts: {message}; 50 is in use",
        f"{path} is left as it is.",
    ]
    assert report.settings.for_root("MES").max_contracts == 50
    assert report.settings.for_root("MES").max_risk == D(400)  # what was good is used


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("-5", "must be an amount above 0, got -5"),
        ("0.0", "must be an amount above 0, got 0.0"),
        ("100.001", "must be in whole cents, got 100.001"),
        ("1e10", "must be at most 1,000,000,000, got 1E+10"),
        ('"$1,000"', 'written without quotes, got "$1,000"'),
        ("-inf", "must be an amount above 0, got inf"),
    ],
)
def test_a_bad_amount_is_named_and_the_default_stands_in(tmp_path, written, message):
    path = write(tmp_path, f"[default]\nmax_risk = {written}\n")
    [problem, _] = messages(path)
    assert problem.startswith("limits.toml, [default] max_risk: ")
    assert message in problem and problem.endswith("; 1000 is in use")


def test_a_notional_limit_is_an_amount_or_false(tmp_path):
    path = write(tmp_path, "[CL]\nmax_notional = 0\n[ES]\nmax_notional = true\n")
    assert messages(path)[:2] == [
        "limits.toml, [CL] max_notional: must be an amount above 0, or false for no limit, "
        "got 0; no limit is in use",
        "limits.toml, [ES] max_notional: must be an amount above 0, or false for no limit, "
        "got true; no limit is in use",
    ]


def test_a_syntax_error_names_the_line_and_the_built_in_limits_are_used(tmp_path):
    text = "[ES]\nmax_contracts = 4\n\n[MES]\nmax_contracts = \n"
    path = write(tmp_path, text)
    report = load(path)
    assert report.notice() == [
        "limits.toml, line 5, column 17: not valid TOML (Invalid value); the built-in limits "
        "are in use",
        f"{path} is left as it is.",
    ]
    assert report.settings == built_in_settings()
    assert not report.writable  # the dialog may not write over it


def test_a_file_that_is_not_utf8_or_cannot_be_read_is_reported(tmp_path):
    path = write(tmp_path, b"[ES]\nmax_contracts = 4 # \xe9t\xe9\n")
    assert messages(path)[0] == ("limits.toml: is not UTF-8 text; the built-in limits are in use")
    folder = tmp_path / "as-folder" / "limits.toml"
    folder.mkdir(parents=True)
    report = load(folder)
    assert report.notice()[0].startswith("limits.toml: cannot be read (")
    assert not report.writable and report.settings == built_in_settings()


def test_a_byte_order_mark_is_fine(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf[ES]\nmax_contracts = 4\n")
    report = load(path)
    assert report.notice() == [] and report.settings.for_root("ES").max_contracts == 4


def test_unknown_keys_and_products_are_reported_and_the_rest_is_used(tmp_path):
    path = write(
        tmp_path,
        """
max_contracts = 3
ES = 4

[MES]
max_contract = 20
max_ticks = 20
colour = "red"
max_risk = 300

[MSE]
max_contracts = 4

[MBT]
max_contracts = 2
""",
    )
    report = load(path)
    assert report.notice() == [
        "limits.toml, max_contracts: ignored: a limit goes in a product's section, such as "
        "[ES], or in [default]",
        "limits.toml, ES: must be a section, [ES] on a line of its own",
        "limits.toml, [MES] max_contract: not a limit (did you mean max_contracts?): ignored",
        "limits.toml, [MES] max_ticks: not a limit (did you mean max_ticks_from_last?): ignored",
        "limits.toml, [MES] colour: not a limit (known: max_contracts, max_risk, "
        "max_ticks_from_last, max_notional): ignored",
        "limits.toml, [MSE]: not a product in the built-in table (did you mean [MES]?); its "
        "limits apply only to a product named MSE",
        "limits.toml, [MBT]: not a product in the built-in table; its limits apply only to a "
        "product named MBT",
        f"{path} is left as it is.",
    ]
    assert report.settings.for_root("MES").max_risk == D(300)
    assert report.settings.for_root("MES").max_contracts == 50
    assert report.settings.for_root("MBT").max_contracts == 2
    assert report.writable


def test_a_product_written_twice_in_two_cases_uses_the_first(tmp_path):
    path = write(tmp_path, "[mes]\nmax_contracts = 20\n[MES]\nmax_contracts = 30\n")
    report = load(path)
    assert report.notice()[0] == (
        "limits.toml, [MES]: also written [mes]: this second one is ignored"
    )
    assert report.settings.for_root("MES").max_contracts == 20


@pytest.mark.parametrize(
    "text",
    [
        "[MES]\nmax_contracts = -3\n",
        "[ES]\nmax_contracts = \n",
        "max_contracts = 3\n[XYZ]\nfoo = 1\n",
        "[ES]\r\nmax_risk = 1e999\r\n",
    ],
)
def test_a_bad_file_is_kept_byte_for_byte(tmp_path, text):
    path = write(tmp_path, text.encode())
    before = path.read_bytes(), path.stat().st_mtime_ns
    assert load(path).notice()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["limits.toml"]


# -- writing -------------------------------------------------------------------------------------


def test_saving_writes_the_changes_keeps_the_rest_and_reads_the_file_back(tmp_path):
    path = write(
        tmp_path,
        "[default]\nmax_risk = 800\n\n[CL]\nmax_contracts = -3\nnote = 'mine'\n\n[mes]\n"
        "max_ticks_from_last = 100\n",
    )
    before = load(path)
    after = save(
        path,
        before.document,
        {
            "MES": {"max_contracts": 12, "max_risk": D("450.50")},
            "ES": {"max_notional": None},
            "default": {},
        },
    )
    text = path.read_text()
    assert text.startswith(HEADER)
    assert "[mes]\nmax_ticks_from_last = 100\nmax_contracts = 12\nmax_risk = 450.50\n" in text
    assert "[ES]\nmax_notional = false\n" in text
    assert "max_contracts = -3" in text and 'note = "mine"' in text  # not the dialog's to drop
    mes = after.settings.for_root("MES")
    assert (mes.max_contracts, mes.max_risk, mes.max_ticks_from_last) == (12, D("450.50"), 100)
    assert after.settings.for_root("ES").max_risk == D(800)
    assert load(path).settings == after.settings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["limits.toml"]  # no temp file left


def test_saving_creates_the_folder_and_the_file(tmp_path):
    path = tmp_path / "new" / "limits.toml"
    report = save(path, load(path).document or {}, {"ES": {"max_contracts": 4}})
    assert report.settings.for_root("ES").max_contracts == 4
    assert report.notice() == []


def test_a_whole_amount_is_written_as_a_whole_number(tmp_path):
    path = tmp_path / "limits.toml"
    save(path, {}, {"default": {"max_risk": D("1000.00"), "max_notional": D(2_000_000)}})
    assert "max_risk = 1000\nmax_notional = 2000000\n" in path.read_text()


def test_a_failed_save_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    path = write(tmp_path, "[ES]\nmax_contracts = 4\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        save(path, load(path).document or {}, {"ES": {"max_contracts": 5}})
    assert path.read_text() == "[ES]\nmax_contracts = 4\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["limits.toml"]


def test_saving_through_a_symlink_keeps_the_link(tmp_path):
    real = write(tmp_path, "[ES]\nmax_contracts = 4\n")
    link_dir = tmp_path / "config"
    link_dir.mkdir()
    link = link_dir / "limits.toml"
    link.symlink_to(real)
    save(link, load(link).document or {}, {"ES": {"max_contracts": 6}})
    assert link.is_symlink()
    assert load(real).settings.for_root("ES").max_contracts == 6


def test_saving_keeps_the_files_permissions(tmp_path):
    path = write(tmp_path, "[ES]\nmax_contracts = 4\n")
    path.chmod(0o640)
    save(path, load(path).document or {}, {"ES": {"max_contracts": 6}})
    assert path.stat().st_mode & 0o777 == 0o640
