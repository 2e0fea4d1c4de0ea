"""Presets in the domain: what a preset may hold, the ordered list per product with one default,
sizing from a risk budget, and applying a preset to the ticket and seeing it changed."""

from decimal import Decimal

import pytest

from ticket.domain.draft import Draft
from ticket.domain.instruments import BUILT_IN
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
    apply_preset,
    check_preset,
    describe,
    preset_from_draft,
    preset_quantity,
)
from ticket.domain.scaleout import TargetRow
from ticket.domain.ticket import DistanceUnit

ES = BUILT_IN["ES"]
TICKS, MONEY, R = DistanceUnit.TICKS, DistanceUnit.MONEY, DistanceUnit.R


def preset(name="Scalp 8/16", product="ES", stop=8, target=16, **more):
    if target is not None:
        more["targets"] = (PresetTarget(unit=TICKS, value=Decimal(target)),)
    return Preset(
        name=name,
        product=product,
        stop=Distance(unit=TICKS, value=Decimal(stop)) if stop is not None else None,
        **more,
    )


def qty(n):
    return Size(kind=SizeKind.QTY, amount=Decimal(n))


def scale(*targets, **more):
    return preset(
        name="Scale",
        target=None,
        targets=tuple(PresetTarget(unit=u, value=Decimal(v), qty=q) for u, v, q in targets),
        **more,
    )


# -- what a preset may hold ---------------------------------------------------------------------


def test_a_preset_is_cleaned_and_checked_as_a_whole():
    checked = check_preset(preset(name="  Scalp   8/16 ", product=" es"))
    assert (checked.name, checked.product) == ("Scalp 8/16", "ES")


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (preset(stop=None, target=None), "stop", "needs a stop, a target, or both"),
        (preset(stop="8.5"), "stop", "whole number of ticks"),
        (preset(target=0), "target", "above 0"),
        (preset(name=" "), "name", "must not be empty"),
        (preset(name="x" * 41), "name", "at most 40"),
        (preset(product="E S"), "product", "product root"),
        (
            preset(stop=None, target=None, targets=(PresetTarget(unit=R, value=Decimal(2)),)),
            "target",
            "needs a stop",
        ),
        (
            scale((TICKS, 8, None), (TICKS, 16, 1)),
            "targets[1].qty",
            "only the last target",
        ),
        (
            scale((TICKS, 8, 1), (TICKS, 16, 1), size=qty(3)),
            "targets",
            "add up to 2, not qty 3",
        ),
        (
            scale((TICKS, 8, 1), (TICKS, 16, 2), (TICKS, 24, None), size=qty(3)),
            "targets",
            "leave none for the last",
        ),
        (
            scale(*[(TICKS, n, 1) for n in (4, 8, 12, 16)]),
            "targets",
            "at most 3",
        ),
        (preset(size=Size(kind=SizeKind.RISK_PERCENT, amount=Decimal(101))), "risk_percent", "100"),
        (
            preset(stop=None, size=Size(kind=SizeKind.RISK_MONEY, amount=Decimal(300))),
            "risk_money",
            "needs a stop",
        ),
        (preset(time_in_force=TimeInForce.IOC), "tif", "Day or GTC"),
        (
            preset(break_even=BreakEven(after_ticks=4, plus_ticks=4)),
            "break_even.plus_ticks",
            "less than after_ticks",
        ),
        (preset(stop=None, trailing=Trailing(distance_ticks=4)), "trailing", "needs a stop"),
        (preset(trailing=Trailing(distance_ticks=0)), "trailing.distance_ticks", "above 0"),
    ],
)
def test_a_preset_that_cannot_be_names_its_field(bad, field, words):
    with pytest.raises(PresetError) as caught:
        check_preset(bad)
    assert caught.value.field == field and words in caught.value.message


# -- the list -----------------------------------------------------------------------------------


def book_of(*presets):
    book = PresetBook()
    for p in presets:
        book = book.add(p)
    return book


def test_names_are_unique_per_product_whatever_their_case():
    book = book_of(preset("Scalp"), preset("Scalp", product="NQ"))
    with pytest.raises(PresetError, match='ES already has a preset "Scalp"'):
        book.add(preset(" scalp "))
    assert book.find("es", "SCALP").product == "ES" and book.find("CL", "Scalp") is None


def test_one_default_per_product():
    book = book_of(preset("A", default=True), preset("B"), preset("N", product="NQ", default=True))
    book = book.add(preset("C", default=True))
    assert book.default_for("ES").name == "C" and book.default_for("NQ").name == "N"
    assert [p.default for p in book.for_product("ES")] == [False, False, True]
    book = book.set_default("ES", "b")
    assert book.default_for("ES").name == "B" and book.default_for("NQ").name == "N"
    assert book.set_default("ES", None).default_for("ES") is None


def test_rename_delete_and_reorder_keep_other_products_in_place():
    book = book_of(preset("A"), preset("N", product="NQ"), preset("B"), preset("C"))
    moved = book.move("ES", "C", 0)
    assert [p.name for p in moved.presets] == ["C", "N", "A", "B"]
    assert [p.name for p in book.move("ES", "A", 99).for_product("ES")] == ["B", "C", "A"]
    renamed = book.rename("ES", "b", "Swing 2R")
    assert [p.name for p in renamed.for_product("ES")] == ["A", "Swing 2R", "C"]
    with pytest.raises(PresetError, match="already has"):
        book.rename("ES", "A", "c")
    assert [p.name for p in book.delete("ES", "A").presets] == ["N", "B", "C"]
    with pytest.raises(PresetError, match='no preset "Z" for ES'):
        book.delete("ES", "Z")


def test_saving_over_a_preset_keeps_its_button():
    book = book_of(preset("A"), preset("B"), preset("C"))
    saved = book.save(preset("b", stop=4))
    assert [p.name for p in saved.presets] == ["A", "b", "C"]
    assert saved.find("ES", "B").stop.value == 4


def test_buttons_are_a_products_first_nine():
    book = book_of(*[preset(f"P{n}") for n in range(1, 12)], preset("N", product="NQ"))
    assert book.button("ES", 1).name == "P1" and book.button("ES", 9).name == "P9"
    assert book.button("ES", 10) is None and book.button("NQ", 1).name == "N"
    assert book.button("NQ", 2) is None and book.button("ES", 0) is None


def test_an_import_renames_what_clashes_and_keeps_the_default():
    mine = book_of(preset("Scalp", default=True))
    theirs = book_of(preset("Scalp", stop=4, default=True), preset("Swing"))
    merged, notes = mine.merged(theirs)
    assert [p.name for p in merged.presets] == ["Scalp", "Scalp (2)", "Swing"]
    assert (
        merged.default_for("ES").name == "Scalp" and merged.find("ES", "Scalp (2)").stop.value == 4
    )
    assert notes == (
        'ES "Scalp" was imported as "Scalp (2)"',
        'ES "Scalp (2)" is not the default: "Scalp" stays',
    )


# -- sizing -------------------------------------------------------------------------------------


def test_a_money_budget_buys_whole_contracts_at_the_stop():
    budget = Size(kind=SizeKind.RISK_MONEY, amount=Decimal(300))
    assert preset_quantity(preset(size=budget), ES) == 3  # 8 ticks = 100 a contract
    assert preset_quantity(preset(stop=10, size=budget), ES) == 2  # 125: never above budget
    assert preset_quantity(preset(size=budget), ES, commission=Decimal("0.01")) == 2
    assert preset_quantity(preset(stop=32, size=budget), ES) == 0


def test_a_money_stop_rounds_to_whole_ticks_before_sizing():
    money_stop = preset(size=Size(kind=SizeKind.RISK_MONEY, amount=Decimal(300)))
    money_stop = money_stop.model_copy(update={"stop": Distance(unit=MONEY, value=Decimal(110))})
    assert preset_quantity(money_stop, ES) == 3  # 110 is 8 whole ticks: 100 at risk


def test_a_percent_budget_needs_the_balance():
    percent = preset(size=Size(kind=SizeKind.RISK_PERCENT, amount=Decimal("1")))
    assert preset_quantity(percent, ES, balance=Decimal(50_000)) == 5
    with pytest.raises(PresetError, match="balance is not known"):
        preset_quantity(percent, ES)


def test_a_preset_without_a_size_leaves_the_quantity_unless_its_targets_set_it():
    assert preset_quantity(preset(), ES) is None
    assert preset_quantity(scale((TICKS, 8, 1), (TICKS, 16, 2)), ES) == 3
    assert preset_quantity(scale((TICKS, 8, 1), (TICKS, 16, None)), ES) is None


# -- applying -----------------------------------------------------------------------------------


def test_applying_writes_what_the_preset_holds_and_keeps_the_rest():
    draft = Draft(symbol="ESZ6", price="5990.25", sl_distance="3", tp_unit=R, tp_distance="2")
    applied = apply_preset(draft, preset(size=qty(2), time_in_force=TimeInForce.GTC), ES)
    new = applied.draft
    assert (new.sl_unit, new.sl_distance, new.tp_unit, new.tp_distance) == (TICKS, "8", TICKS, "16")
    assert (new.qty, new.time_in_force, new.price, new.symbol) == (
        2,
        TimeInForce.GTC,
        "5990.25",
        "ESZ6",
    )
    assert applied.active.changes(new) == () and applied.active.label(new) == "Scalp 8/16"
    assert applied.active.notes == ()


def test_editing_a_field_the_preset_set_marks_the_ticket_changed():
    applied = apply_preset(Draft(symbol="ESZ6"), preset(), ES)
    active, draft = applied.active, applied.draft
    assert active.changes(draft.with_(sl_distance=" 8.0")) == ()  # the same number
    assert active.changes(draft.with_(price="5990.25")) == ()  # a field it did not set
    edited = draft.with_(tp_distance="20")
    assert active.changes(edited) == ("tp_distance",)
    assert active.label(edited) == "Scalp 8/16 (changed)"


def test_a_scale_out_preset_fills_the_target_rows_with_the_rest():
    p = scale((TICKS, 8, 1), (TICKS, 16, 1), (R, 3, None), size=qty(5))
    applied = apply_preset(Draft(symbol="ESZ6"), p, ES)
    assert applied.draft.targets == (
        TargetRow(unit=TICKS, distance="8", qty="1"),
        TargetRow(unit=TICKS, distance="16", qty="1"),
        TargetRow(unit=R, distance="3", qty="3"),
    )
    assert (applied.draft.tp_unit, applied.draft.tp_distance) == (TICKS, "8")
    assert applied.active.changes(applied.draft.with_(targets=())) == ("targets",)
    single = apply_preset(applied.draft, preset(), ES)
    assert single.draft.targets == ()


def test_a_budget_that_does_not_cover_a_contract_is_said_and_leaves_zero():
    p = preset(stop=100, size=Size(kind=SizeKind.RISK_MONEY, amount=Decimal(50)))
    applied = apply_preset(Draft(symbol="ESZ6", qty=4), p, ES)
    assert applied.draft.qty == 0
    assert applied.active.notes == ("The risk budget does not cover one contract at this stop.",)


def test_a_percent_budget_without_a_balance_leaves_the_quantity_and_says_why():
    p = preset(size=Size(kind=SizeKind.RISK_PERCENT, amount=Decimal(1)))
    applied = apply_preset(Draft(symbol="ESZ6", qty=4), p, ES)
    assert applied.draft.qty == 4
    assert "balance is not known" in applied.active.notes[0]
    assert "left at 4" in applied.active.notes[0]


def test_the_ticket_saved_as_a_preset_applies_back_the_same():
    draft = Draft(
        symbol="ESZ6",
        qty=3,
        sl_distance="6",
        time_in_force=TimeInForce.GTC,
        targets=(
            TargetRow(unit=TICKS, distance="6", qty="1"),
            TargetRow(unit=MONEY, distance="150", qty="2"),
        ),
    )
    saved = preset_from_draft(draft, "Mine", "es", default=True)
    assert saved.product == "ES" and saved.default and saved.size == qty(3)
    again = apply_preset(Draft(symbol="ESZ6"), saved, ES).draft
    fields = ("qty", "sl_unit", "sl_distance", "time_in_force", "targets")
    assert [getattr(again, f) for f in fields] == [getattr(draft, f) for f in fields]


def test_a_price_cannot_be_saved_in_a_preset():
    draft = Draft(symbol="ESZ6", tp_unit=DistanceUnit.PRICE, tp_distance="5999.00")
    with pytest.raises(PresetError, match="distances, not prices") as caught:
        preset_from_draft(draft, "Mine", "ES")
    assert caught.value.field == "target"


def test_saving_over_a_preset_keeps_its_trade_management_rules():
    kept = preset(break_even=BreakEven(after_ticks=8, plus_ticks=1))
    saved = preset_from_draft(Draft(symbol="ESZ6"), "Scalp 8/16", "ES", keep=kept)
    assert saved.break_even == BreakEven(after_ticks=8, plus_ticks=1)


def test_a_preset_reads_in_one_line():
    p = scale(
        (TICKS, 8, 1),
        (MONEY, "187.5", 1),
        (R, 3, None),
        size=Size(kind=SizeKind.RISK_PERCENT, amount=Decimal("0.5")),
        time_in_force=TimeInForce.GTC,
        trailing=Trailing(after_ticks=12, distance_ticks=6),
    )
    assert describe(p.model_copy(update={"stop": Distance(unit=MONEY, value=Decimal(110))})) == (
        "stop 110 a contract, targets 8 ticks x1, 187.5 a contract x1, 3R the rest, "
        "risk 0.5% of the balance, GTC, trail 6 ticks after 12"
    )
    assert describe(preset(size=qty(2))) == "stop 8 ticks, target 16 ticks, 2 contracts"
