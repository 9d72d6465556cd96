"""Weight-band tables from the engine (generator.calc.tables): bands of weights that get the
same dispensed course, rates at the band's lightest weight, one line of text per band."""

from __future__ import annotations

from pathlib import Path

from generator.calc import compute
from generator.calc.tables import weight_band_tables
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent


def test_bands_of_the_single_dose_with_privigen() -> None:
    program = load_handbook(ROOT / "content").programs["ivig-dose"]
    tables = weight_band_tables(program, {"adult": (40, 150, 5)})
    table = next(t for t in tables if t.regimen == "itp-1g-once")
    assert table.product_name == "Privigen"
    row = next(r for r in table.rows if r.low_kg <= 70 <= r.high_kg)
    # 1 g/kg: every weight from 68 to 72.5 kg is dispensed 70 g (the closest 5 g step, within
    # 10%); rates at 68 kg: 0.5 x 68 x 0.6 = 20.4, 4 x 68 x 0.6 = 163.2 mL/h;
    # 700 mL at 163.2 mL/h = 257.4 min -> at least 4 h 18 min.
    assert (
        row.text
        == "68 to 72.5 kg: 70 g = 40 + 20 + 10 g vials, 700 mL, start 20.4 mL/h, max 163.2 mL/h, at least 4 h 18 min"
    )
    assert (row.low_kg, row.high_kg, row.dispensed_course, row.presentations) == (
        68,
        72.5,
        70,
        ((40, 1), (20, 1), (10, 1)),
    )
    assert not row.capped and row.cap_reason is None
    # Each row is the engine's result at its lightest weight, and the bands tile the range.
    for previous, current in zip(table.rows, table.rows[1:], strict=False):
        assert current.low_kg == previous.high_kg + 0.5
    for r in table.rows:
        result = compute(program, {"weight_kg": r.low_kg, "regimen": "itp-1g-once", "product": "privigen", "renal_or_thrombotic_risk": False})
        assert (result["dispensed_course_total_g"], result["start_ml_per_h"]) == (r.dispensed_course, r.start_ml_per_h)


def test_five_day_band_says_the_course() -> None:
    program = load_handbook(ROOT / "content").programs["ivig-dose"]
    table = next(t for t in weight_band_tables(program, {"adult": (40, 150, 5)}) if t.regimen == "itp-400mg-5d")
    row = next(r for r in table.rows if r.low_kg <= 80 <= r.high_kg)
    # Each day from its own vials (second clinical review, D5): 0.4 g/kg at 75 kg = 30 g
    # (20 + 10); up to 83 kg (33.2 g a day, at most 33.2 under the 2 g/kg course) 30 g is
    # still within 10%; at 83.5 kg (33.4 g) no 5 g step fits. Rates at 75 kg: 0.5 x 75 x
    # 0.6 = 22.5 and 4 x 75 x 0.6 = 180 mL/h; 300 mL at 180 mL/h = 1 h 40 min.
    assert row.text == (
        "75 to 83 kg: 30 g a day × 5 = 150 g, each day 20 + 10 g vials, 300 mL, "
        "start 22.5 mL/h, max 180 mL/h, at least 1 h 40 min"
    )
    assert row.presentations == ((20, 5), (10, 5))  # the whole course issued: five days' own vials
    assert row.presentations_each == ((20, 1), (10, 1))  # what is hung each day: the pocket guide's column


def test_five_day_table_has_no_gaps_and_exact_bands_give_their_range() -> None:
    """With each day from its own vials some weights fit no vial combination; they form
    bands of their own (never a gap a reader would fill from a neighbouring row), their
    doses given as a range, each exact for the weight, with no volume (it varies)."""
    program = load_handbook(ROOT / "content").programs["ivig-dose"]
    table = next(t for t in weight_band_tables(program, {"adult": (40, 150, 5)}) if t.regimen == "itp-400mg-5d")
    for before, after in zip(table.rows, table.rows[1:], strict=False):
        assert after.low_kg == before.high_kg + 0.5
    row = next(r for r in table.rows if r.low_kg <= 47 <= r.high_kg)
    # 0.4 g/kg: 45 kg = 18 g, 49.5 kg = 19.8 g a day; 15 g and 20 g are more than 10% off
    # or above the 2 g/kg course share, so no Privigen combination fits; the band stops at
    # the next listed weight (50 kg). Rates at 45 kg: 0.5 x 45 x 0.6 = 13.5, 4 x 45 x 0.6 = 108.
    assert (row.low_kg, row.high_kg, row.dispensed_dose, row.dose, row.dose_high) == (45, 49.5, None, 18, 19.8)
    assert row.volume_ml is None and row.course_high == 99
    assert row.text == (
        "45 to 49.5 kg: 18 to 19.8 g a day × 5 (exact for the weight: no vials fit; ask pharmacy), "
        "start 13.5 mL/h, max 108 mL/h, at least 1 h 40 min"
    )


def test_day_2_maximum_of_a_repeated_single_dose_comes_from_the_engine() -> None:
    """1 g/kg may be repeated once within 2 g/kg a course: at 43 kg the first dose is 45 g
    (the band's dispensed dose), so day 2 may be at most 86 - 45 = 41 g, in whole Privigen
    vials within 10% and never above: 40 g. The five-day schedule has no single repeat."""
    from generator.calc.tables import day2_maximum

    program = load_handbook(ROOT / "content").programs["ivig-dose"]
    tables = {t.regimen: t for t in weight_band_tables(program, {"adult": (40, 150, 5)})}
    single = tables["itp-1g-once"]
    row = next(r for r in single.rows if r.low_kg == 43)
    assert row.dispensed_dose == 45
    assert day2_maximum(program, single, row) == ("amount", 40)
    five = tables["itp-400mg-5d"]
    assert day2_maximum(program, five, five.rows[0]) == ("n/a", None)
