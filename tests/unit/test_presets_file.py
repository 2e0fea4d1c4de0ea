"""presets.toml: a round trip keeps every preset; a bad line names its line and field, the good
presets load, the bad ones are listed, and neither a read nor a write loses one."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticket import presets_file
from ticket.domain.orders import TimeInForce
from ticket.domain.presets import (
    BreakEven,
    Distance,
    Preset,
    PresetBook,
    PresetTarget,
    Size,
    SizeKind,
    Trailing,
)
from ticket.domain.ticket import DistanceUnit

TICKS, MONEY, R = DistanceUnit.TICKS, DistanceUnit.MONEY, DistanceUnit.R

GOOD = """\
[[preset]]
name = "Scalp 8/16"
product = "ES"
default = true
stop_ticks = 8
target_ticks = 16
qty = 2
tif = "day"

[[preset]]
name = "Scale"
product = "ES"
stop_money = 112.5
targets = [
    { ticks = 8, qty = 1 },
    { money = 250, qty = 1 },
    { r = 3 },
]
risk_percent = 0.5
break_even = { after_ticks = 8, plus_ticks = 1 }
trailing = { after_ticks = 12, distance_ticks = 6 }
"""


def write(tmp_path, text):
    path = tmp_path / "presets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_file_is_an_empty_book_and_nothing_to_say(tmp_path):
    report = presets_file.load(tmp_path / "presets.toml")
    assert report.book == PresetBook() and report.notice() == [] and report.writable


def test_every_field_reads_as_written(tmp_path):
    report = presets_file.load(write(tmp_path, GOOD))
    assert report.problems == ()
    scalp, scale = report.book.presets
    assert scalp == Preset(
        name="Scalp 8/16",
        product="ES",
        default=True,
        stop=Distance(unit=TICKS, value=Decimal(8)),
        targets=(PresetTarget(unit=TICKS, value=Decimal(16)),),
        size=Size(kind=SizeKind.QTY, amount=Decimal(2)),
        time_in_force=TimeInForce.DAY,
    )
    assert scale.stop == Distance(unit=MONEY, value=Decimal("112.5"))
    assert scale.targets == (
        PresetTarget(unit=TICKS, value=Decimal(8), qty=1),
        PresetTarget(unit=MONEY, value=Decimal(250), qty=1),
        PresetTarget(unit=R, value=Decimal(3)),
    )
    assert scale.size == Size(kind=SizeKind.RISK_PERCENT, amount=Decimal("0.5"))
    assert scale.break_even == BreakEven(after_ticks=8, plus_ticks=1)
    assert scale.trailing == Trailing(after_ticks=12, distance_ticks=6)


def test_a_saved_book_reads_back_the_same(tmp_path):
    book = presets_file.load(write(tmp_path, GOOD)).book
    saved = presets_file.save(tmp_path / "copy" / "presets.toml", book)
    assert saved.book == book and saved.problems == ()
    text = saved.path.read_text()
    assert text.startswith(presets_file.HEADER) and "stop_ticks = 8\n" in text  # 8, not 8.0


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip())


@st.composite
def presets(draw):
    stop = draw(st.one_of(st.none(), st.integers(1, 200)))
    unit = draw(st.sampled_from([TICKS, MONEY] + ([R] if stop else [])))
    value = Decimal(draw(st.integers(1, 400)))
    if unit is R:
        value = value / 4
    return Preset(
        name=draw(names),
        product=draw(st.sampled_from(["ES", "MNQ", "6E", "ZN"])),
        stop=Distance(unit=TICKS, value=Decimal(stop)) if stop else None,
        targets=(PresetTarget(unit=unit, value=value),),
        size=draw(
            st.one_of(
                st.none(),
                st.integers(1, 50).map(lambda n: Size(kind=SizeKind.QTY, amount=Decimal(n))),
            )
        ),
        time_in_force=draw(st.sampled_from([None, TimeInForce.DAY, TimeInForce.GTC])),
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(presets(), max_size=6))
def test_any_book_survives_a_round_trip(tmp_path_factory, drawn):
    book = PresetBook()
    for preset in drawn:
        if book.find(preset.product, preset.name) is None:
            book = book.add(preset)
    path = tmp_path_factory.mktemp("round") / "presets.toml"
    assert presets_file.save(path, book).book == book


def test_a_bad_value_names_its_line_and_field_and_the_good_presets_load(tmp_path):
    path = write(
        tmp_path,
        GOOD
        + """
[[preset]]
name = "Half tick"
product = "NQ"
target_ticks = 12
stop_ticks = 8.5
""",
    )
    before = path.read_bytes()
    report = presets_file.load(path)
    assert [p.name for p in report.book.presets] == ["Scalp 8/16", "Scale"]
    [problem] = report.problems
    assert str(problem) == (
        'presets.toml, line 27, preset "Half tick", stop_ticks: must be a whole number of ticks '
        "above 0, got 8.5; this preset is not loaded"
    )
    assert report.notice()[-1] == f"{path} is left as it is."
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("lines", "line", "field", "words"),
    [
        ("stop_tick = 8\ntarget_ticks = 4", 4, "stop_tick", "did you mean stop_ticks?"),
        ('target_ticks = 4\ncolour = "red"', 5, "colour", "not a preset field (known: name"),
        ('stop_ticks = "8"', 4, "stop_ticks", "must be a number, written without quotes"),
        (
            "stop_ticks = 8\nstop_money = 50",
            5,
            "stop_money",
            "give one of stop_ticks or stop_money",
        ),
        (
            "stop_ticks = 8\ntargets = [{ ticks = 4, qty = 1 }, { ticks = 8, qtty = 1 }]",
            5,
            "targets[2].qtty",
            "did you mean qty?",
        ),
        ("stop_ticks = 8\ntargets = [{ qty = 1 }]", 5, "targets[1]", "needs its distance"),
        ('stop_ticks = 8\ntif = "ioc"', 5, "tif", 'must be "day" or "gtc", got "ioc"'),
        ("stop_ticks = 8\ndefault = 1", 5, "default", "must be true or false, got 1"),
        (
            "stop_ticks = 8\n\n[preset.trailing]\nafter_ticks = 4",
            6,
            "trailing.distance_ticks",
            "is missing",
        ),
        (
            "stop_ticks = 8\nbreak_even = { after = 4 }",
            5,
            "break_even.after",
            "did you mean after_ticks?",
        ),
        ("target_r = 2", 4, "target_r", "a target in R needs a stop"),
    ],
)
def test_bad_fields_are_named_with_their_line(tmp_path, lines, line, field, words):
    path = write(tmp_path, f'[[preset]]\nname = "Bad"\nproduct = "ES"\n{lines}\n')
    report = presets_file.load(path)
    assert report.book.presets == ()
    [problem] = report.problems
    assert (problem.line, problem.key, problem.preset) == (line, field, '"Bad"')
    assert words in problem.message and not problem.loaded


def test_a_preset_without_a_name_is_named_by_its_place(tmp_path):
    report = presets_file.load(write(tmp_path, GOOD + '\n[[preset]]\nproduct = "ES"\n'))
    [problem] = report.problems
    assert (problem.preset, problem.key, problem.line) == ("#3", "name", 23)


def test_a_syntax_error_loads_nothing_and_the_file_is_not_written_over(tmp_path):
    path = write(tmp_path, GOOD + "\n[[preset]\nname = \n")
    before = path.read_bytes()
    report = presets_file.load(path)
    assert report.book.presets == () and not report.writable
    [problem] = report.problems
    assert problem.line == 23 and "not valid TOML" in problem.message
    assert "not written over until it is fixed" in str(problem)
    with pytest.raises(presets_file.PresetsFileError, match="not written over"):
        presets_file.save(path, report.book, report)
    assert path.read_bytes() == before


def test_a_write_keeps_the_presets_that_did_not_load(tmp_path):
    path = write(tmp_path, GOOD + '\n[[preset]]\nname = "Typo"\nproduct = "NQ"\nstop_tick = 8\n')
    report = presets_file.load(path)
    book = report.book.delete("ES", "Scale")
    again = presets_file.save(path, book, report)
    assert [p.name for p in again.book.presets] == ["Scalp 8/16"]
    [problem] = again.problems
    assert (problem.preset, problem.key) == ('"Typo"', "stop_tick")
    assert 'name = "Typo"' in path.read_text()


def test_a_second_preset_of_the_same_name_or_a_second_default_is_reported(tmp_path):
    path = write(
        tmp_path,
        GOOD
        + """
[[preset]]
name = "scalp 8/16"
product = "ES"
stop_ticks = 4

[[preset]]
name = "Other"
product = "ES"
default = true
stop_ticks = 4
""",
    )
    report = presets_file.load(path)
    assert [p.name for p in report.book.presets] == ["Scalp 8/16", "Scale", "Other"]
    assert report.book.default_for("ES").name == "Scalp 8/16"
    same, default = report.problems
    assert (same.line, same.key, same.loaded) == (24, "name", False)
    assert (default.line, default.key, default.loaded) == (31, "default", True)
    assert "loads without being the default" in str(default)


def test_a_product_that_looks_like_a_typo_is_noted_and_still_loads(tmp_path):
    report = presets_file.load(
        write(tmp_path, '[[preset]]\nname = "X"\nproduct = "ESS"\nstop_ticks = 4\n')
    )
    [note] = report.problems
    assert note.loaded and "did you mean ES?" in note.message and report.book.find("ESS", "x")


def test_keys_outside_a_preset_are_reported(tmp_path):
    report = presets_file.load(write(tmp_path, "version = 2\n" + GOOD))
    [problem] = report.problems
    assert problem.key == "version" and "not part of a preset" in problem.message
    assert len(report.book.presets) == 2


def test_text_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "presets.toml"
    path.write_bytes(b'[[preset]]\nname = "\xff"\n')
    report = presets_file.load(path)
    assert not report.writable and "not UTF-8" in report.problems[0].message


def test_export_then_import_adds_presets_under_names_that_do_not_clash(tmp_path):
    book = presets_file.load(write(tmp_path, GOOD)).book
    book = book.add(
        Preset(name="NQ one", product="NQ", stop=Distance(unit=TICKS, value=Decimal(20)))
    )
    exported = tmp_path / "out" / "es.toml"
    assert presets_file.export(book, exported, products=["es"]) == 2
    merged, report, notes = presets_file.import_into(book, exported)
    assert report.problems == ()
    assert [p.name for p in merged.for_product("ES")] == [
        "Scalp 8/16",
        "Scale",
        "Scalp 8/16 (2)",
        "Scale (2)",
    ]
    assert merged.default_for("ES").name == "Scalp 8/16" and len(notes) == 3
    with pytest.raises(presets_file.PresetsFileError, match="does not exist"):
        presets_file.import_into(book, tmp_path / "none.toml")
