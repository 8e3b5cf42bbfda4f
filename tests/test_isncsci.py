"""Tests of caseseries.instruments.isncsci: hand-derived cases rule by rule, published worked examples, NT.

Every expected value below was derived by hand from the rules of the 2019 International
Standards (ISNCSCI booklet, 8th ed., Top Spinal Cord Inj Rehabil 2021;27(2):1-22) and, where the
standard leaves a choice open (non-SCI marks, NT, VAC below S3), from the decision rules of the
official algorithm (npm `isncsci` 2.0.6) as the engine's docstring states them; the derivation
is in the comment next to the case. tests/test_isncsci_official.py compares with that algorithm.
"""

import itertools
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caseseries.data import contract
from caseseries.instruments import isncsci
from isncsci_cases.praxis_2019_instep import CASES, expand

SIDES = contract.SIDES
DERMATOMES = contract.SENSORY_LEVELS
REFERENCE_DIR = Path(__file__).parent / "data" / "isncsci_reference"


# --- building exams ---------------------------------------------------------------------------
def intact() -> dict:
    """A normal exam: every key muscle 5, every dermatome 2, VAC and DAP present."""
    row = {c: "5" for c in contract.MOTOR_COLUMNS}
    row |= {c: "2" for c in contract.LIGHT_TOUCH_COLUMNS + contract.PIN_PRICK_COLUMNS}
    return row | {"vac": "Yes", "dap": "Yes"}


def sensory_from(level: str, value: str, sides=SIDES, kinds=("lt", "pp")) -> dict:
    """Overrides: LT and/or PP = value from `level` down to S4-5."""
    columns = {"lt": contract.light_touch_column, "pp": contract.pin_prick_column}
    levels = DERMATOMES[DERMATOMES.index(level):]
    return {columns[k](s, lv): value for s in sides for k in kinds for lv in levels}


def motor_from(level: str, value: str, sides=SIDES) -> dict:
    levels = contract.MOTOR_LEVELS[contract.MOTOR_LEVELS.index(level):]
    return {contract.motor_column(s, lv): value for s in sides for lv in levels}


def motor(side: str, level: str, value: str) -> dict:
    return {contract.motor_column(side, level): value}


def classify_one(*overrides: dict) -> pd.Series:
    row = intact()
    for change in overrides:
        row |= change
    return isncsci.classify(pd.DataFrame([row])).iloc[0]


COMPLETE_SACRUM = {"vac": "No", "dap": "No"}


def complete_c5(**extra) -> tuple:
    """A complete C5 injury: C6 and below numb, C6 and below paralysed, no sacral sparing."""
    return (sensory_from("C6", "0"), motor_from("C6", "0"), COMPLETE_SACRUM, extra)


# --- totals -----------------------------------------------------------------------------------
def test_totals_of_intact_exam_are_the_maxima():
    # 10 key muscles x 5 per side: UEMS 25 + 25, LEMS 25 + 25; 28 dermatomes x 2 x 2 sides = 112
    result = isncsci.totals(pd.DataFrame([intact()])).iloc[0]
    assert result.to_dict() == {"uems": 50, "lems": 50, "motor_total": 100, "lt_total": 112, "pp_total": 112}


@pytest.mark.parametrize("star", ["*", "**"])
def test_totals_count_starred_cells_at_their_examined_grade(star):
    row = intact() | motor("right", "C6", "3" + star) | motor("left", "L4", "0" + star)
    row |= {contract.light_touch_column("left", "T4"): "1" + star, contract.pin_prick_column("right", "S1"): "0" + star}
    result = isncsci.totals(pd.DataFrame([row])).iloc[0]
    # UEMS 50 - (5 - 3) = 48; LEMS 50 - 5 = 45; LT 112 - 1 = 111; PP 112 - 2 = 110
    assert (result.uems, result.lems, result.motor_total) == (48, 45, 93)
    assert (result.lt_total, result.pp_total) == (111, 110)


@pytest.mark.parametrize("cell", ["NT", "NT*", "NT**"])
def test_totals_with_an_untestable_cell_are_nan_only_where_the_cell_counts(cell):
    row = intact() | motor("left", "S1", cell) | {contract.pin_prick_column("right", "C2"): cell}
    result = isncsci.totals(pd.DataFrame([row])).iloc[0]
    assert result.uems == 50 and result.lt_total == 112
    assert math.isnan(result.lems) and math.isnan(result.motor_total) and math.isnan(result.pp_total)


def test_totals_keep_the_index_and_are_float():
    frame = pd.DataFrame([intact(), intact()], index=[7, 3])
    result = isncsci.totals(frame)
    assert list(result.index) == [7, 3]
    assert all(result.dtypes == float)


# --- AIS A-E ----------------------------------------------------------------------------------
def test_ais_a_complete_c5():
    # C5 dermatome normal, C6 absent -> sensory C5; C5 muscle 5, C6 0 -> motor C5; no sacral sparing
    # -> complete, A; ZPP: no function below C5 on either side -> C5 everywhere.
    result = classify_one(*complete_c5())
    assert result[["right_sensory_level", "left_sensory_level", "right_motor_level", "left_motor_level",
                   "neurological_level", "ais", "complete"]].tolist() == ["C5"] * 5 + ["A", "yes"]
    assert result[["right_motor_zpp", "left_motor_zpp", "right_sensory_zpp", "left_sensory_zpp"]].tolist() == ["C5"] * 4


def test_ais_b_sensory_sparing_only():
    # As complete C5, but left S4-5 light touch 1: sensory incomplete, VAC absent, no motor
    # function below C5 -> B. Motor ZPP applies (VAC No) -> C5; sensory ZPP: DAP No but the left
    # side feels at S4-5 -> NA on the left; the right side is numb at S4-5 -> ZPP C5.
    result = classify_one(*complete_c5(), {contract.light_touch_column("left", "S4_5"): "1"})
    assert (result.ais, result.complete) == ("B", "no")
    assert (result.right_motor_zpp, result.left_motor_zpp) == ("C5", "C5")
    assert (result.right_sensory_zpp, result.left_sensory_zpp) == ("C5", "NA")


def test_ais_c_with_anal_contraction_and_weak_muscles():
    # VAC present -> motor incomplete. NLI C5; 18 key muscles below C5 (C6-T1, L2-S1 both sides);
    # make 8 of them >= 3 (C6 right and left 3, L2-L4 both sides 3) -> 8 < 9 -> C. ZPP NA (VAC yes,
    # DAP yes).
    result = classify_one(
        sensory_from("C6", "1"), motor_from("C6", "1"), {"vac": "Yes", "dap": "Yes"},
        motor("right", "C6", "3"), motor("left", "C6", "3"),
        *(motor(s, lv, "3") for s in SIDES for lv in ("L2", "L3", "L4")),
    )
    assert (result.neurological_level, result.ais, result.complete) == ("C5", "C", "no")
    assert (result.right_motor_zpp, result.right_sensory_zpp) == ("NA", "NA")


def test_ais_d_when_exactly_half_the_muscles_below_are_antigravity():
    # The C case above (8 of 18 muscles below C5 >= 3) plus right L5 = 3: 9 of 18 = exactly half
    # -> D (the rule says "at least half").
    base = (sensory_from("C6", "1"), motor_from("C6", "1"), motor("right", "C6", "3"), motor("left", "C6", "3"),
            *(motor(s, lv, "3") for s in SIDES for lv in ("L2", "L3", "L4")))
    assert classify_one(*base, motor("right", "L5", "3")).ais == "D"


def test_ais_e_for_a_normal_exam():
    result = classify_one()
    assert (result.ais, result.neurological_level, result.right_motor_level) == ("E", "INT", "INT")
    assert (result.complete, result.right_motor_zpp, result.left_sensory_zpp) == ("no", "NA", "NA")


# --- B vs C: motor function more than three levels below the motor level -------------------------
def test_categorical_cells_classify_alike_whatever_the_order_of_their_categories():
    # Validation types the cells as categories in the order the values first appear. pandas counts
    # such a dtype as equal to the contract's when it holds the same values, but its codes are not
    # the contract's: an exam with VAC "No" was read as "NT" (A became undetermined).
    complete = intact() | sensory_from("C6", "0") | motor_from("C6", "0") | COMPLETE_SACRUM
    exams = pd.DataFrame([intact() | {"vac": "NT", "dap": "NT"}, complete, intact()])
    as_text = isncsci.classify(exams)
    assert as_text["ais"].iloc[1] == "A"
    first_seen = exams.apply(lambda column: column.astype(pd.CategoricalDtype(list(dict.fromkeys(column)))))
    contract_order = pd.CategoricalDtype(contract.ANAL_VALUES)
    assert first_seen["vac"].dtype == contract_order  # the trap: equal dtypes ...
    assert list(first_seen["vac"].cat.categories) != list(contract_order.categories)  # ... other codes
    pd.testing.assert_frame_equal(isncsci.classify(first_seen), as_text)


def test_b_rule_function_four_levels_below_motor_level_makes_c():
    # Complete-C5 pattern with S4-5 LT spared on the right (sensory incomplete, VAC absent).
    # Right T1 = 1: T1 is four levels below C5 (C6, C7, C8 are 1-3 below) -> motor incomplete. Only
    # 1 of 18 muscles below the NLI >= 3 -> C.
    spared = {contract.light_touch_column("right", "S4_5"): "1"}
    assert classify_one(*complete_c5(), spared, motor("right", "T1", "1")).ais == "C"


def test_b_rule_function_three_levels_below_motor_level_stays_b():
    # Right C8 = 2 is only three levels below C5 -> still B.
    spared = {contract.light_touch_column("right", "S4_5"): "1"}
    assert classify_one(*complete_c5(), spared, motor("right", "C8", "2")).ais == "B"


def test_b_rule_uses_the_motor_level_of_the_same_side():
    # Left side intact down to T1 motor (left motor level T1, by the sensory C5 -> T1 end rule),
    # right motor C5. Left L2 = 1 is > 3 below left T1 -> C, whatever the right side does.
    spared = {contract.light_touch_column("right", "S4_5"): "1"}
    left_arm_normal = {contract.motor_column("left", lv): "5" for lv in contract.UPPER_MOTOR_LEVELS}
    result = classify_one(*complete_c5(), spared, left_arm_normal, motor("left", "L2", "1"))
    assert result.left_motor_level == "T1" and result.right_motor_level == "C5"
    assert result.ais == "C"


# --- level rules --------------------------------------------------------------------------------
def test_sensory_level_needs_both_lt_and_pp_normal():
    # Only right T6 pin prick is 1: right sensory level T5, left intact; motor follows sensory in
    # T2-L1 -> right motor level T5; NLI T5. VAC/DAP present -> incomplete; all muscles below T5
    # are 5 -> D.
    result = classify_one({contract.pin_prick_column("right", "T6"): "1"})
    assert (result.right_sensory_level, result.left_sensory_level) == ("T5", "INT")
    assert (result.right_motor_level, result.left_motor_level) == ("T5", "INT")
    assert (result.neurological_level, result.ais) == ("T5", "D")


def test_motor_level_follows_sensory_in_c1_c4():
    # C4 dermatome abnormal on the right, all muscles 5: sensory C3 and motor C3 (no key muscle
    # for C4; the motor level is taken to be the sensory level there).
    result = classify_one({contract.light_touch_column("right", "C4"): "1"})
    assert (result.right_sensory_level, result.right_motor_level) == ("C3", "C3")


def test_c2_abnormal_gives_level_c1():
    result = classify_one({contract.pin_prick_column("left", "C2"): "0"})
    assert (result.left_sensory_level, result.left_motor_level, result.neurological_level) == ("C1", "C1", "C1")


def test_motor_level_c4_when_c5_is_weak_and_c4_dermatome_normal():
    # C4 dermatome normal, C5 key muscle 2 -> the C4 myotome is presumed normal -> motor C4.
    result = classify_one(motor("left", "C5", "2"))
    assert result.left_motor_level == "C4"


def test_key_muscle_grade_3_with_all_above_normal_is_the_motor_level():
    # C5 5, C6 5, C7 3, C8 0: lowest muscle >= 3 with all above 5 -> C7.
    result = classify_one(motor("right", "C7", "3"), motor_from("C8", "0", sides=("right",)))
    assert result.right_motor_level == "C7"


def test_muscle_graded_4_stops_the_level_even_with_normal_muscles_below():
    # C5 4, C6..T1 5: C6 has C5 (4) above it, not 5 -> motor level C5.
    assert classify_one(motor("right", "C5", "4")).right_motor_level == "C5"


def test_motor_level_t1_when_arm_normal_and_sensory_abnormal_above_t2():
    # All arm muscles 5 but C7 dermatome abnormal: the thoracic motor level cannot be judged from
    # sensation (C7 is abnormal), so the motor level stops at T1 (the normal-below rule).
    result = classify_one(sensory_from("C7", "0", sides=("left",)))
    assert (result.left_sensory_level, result.left_motor_level) == ("C6", "T1")


def test_motor_level_follows_sensory_below_normal_t1():
    # Arm normal and sensation normal to T9, T10 absent -> motor level T9 (follows sensory).
    result = classify_one(sensory_from("T10", "0"), motor_from("L2", "0"))
    assert (result.right_motor_level, result.left_sensory_level) == ("T9", "T9")


def test_motor_level_l1_when_l2_weak():
    # Sensation intact through L1 (L2 dermatome 1), L2 muscle 2 -> motor L1.
    result = classify_one(sensory_from("L2", "1"), motor_from("L2", "2"))
    assert (result.right_motor_level, result.right_sensory_level) == ("L1", "L1")


def test_motor_level_s1_then_follows_sensory_to_s3():
    # Legs normal, S4-5 absent on both sides: sensory S3; legs normal and L2-S2 dermatomes
    # normal -> the motor level continues below S1 and follows the sensory level: S3.
    result = classify_one({contract.pin_prick_column(s, "S4_5"): "0" for s in SIDES})
    assert (result.right_motor_level, result.right_sensory_level, result.neurological_level) == ("S3", "S3", "S3")


def test_nli_is_the_most_rostral_of_the_four_levels():
    # Right T4 LT 1 -> right sensory T3 (and right motor T3). Left C6 = 4 -> left motor C6; left
    # sensory INT. Most rostral of {T3, T3, C6, INT} -> C6.
    result = classify_one({contract.light_touch_column("right", "T4"): "1"}, motor("left", "C6", "4"))
    assert (result.right_sensory_level, result.left_motor_level, result.neurological_level) == ("T3", "C6", "C6")


# --- non-SCI marks (official notation: X** rated normal, X* rated not normal) ----------------------
def test_double_starred_cells_are_rated_normal_but_totals_keep_the_examined_grade():
    # 2019: a deficit from a non-SCI condition that the examiner rates normal is classified as
    # normal: right C6 "2**" counts as 5, left T8 LT "0**" as 2 -> the exam is intact: levels INT,
    # AIS E. Totals add the examined grade: UEMS 50 - (5 - 2) = 47, LT 112 - 2 = 110.
    result = classify_one(motor("right", "C6", "2**"), {contract.light_touch_column("left", "T8"): "0**"})
    assert (result.right_motor_level, result.left_sensory_level, result.neurological_level) == ("INT",) * 3
    assert result.ais == "E"
    assert (result.uems, result.lt_total) == (47, 110)


def test_single_starred_weak_key_muscle_lists_both_readings():
    # Right C6 "2*", rated not normal: read at its examined grade 2 (< 3), C5 = 5 is the lowest
    # muscle >= 3 with all above 5 -> motor level C5; read as a weakness that does not decide the
    # level (>= 3 but not 5), C6 is the motor level -> "C5,C6" (the example of issue 9). NLI = most
    # rostral of the levels: C5 or C6. VAC Yes -> motor incomplete; below C5 or C6 every other key
    # muscle is 5 (>= half) -> D. Totals keep the 2: UEMS 47.
    result = classify_one(motor("right", "C6", "2*"))
    assert (result.right_motor_level, result.left_motor_level) == ("C5,C6", "INT")
    assert (result.neurological_level, result.ais, result.uems) == ("C5,C6", "D", 47)


def test_single_starred_antigravity_key_muscle_is_the_motor_level():
    # Right C6 "4*": >= 3 but not normal, with C5 = 5 above -> motor level C6 (2019 motor level
    # rule); nothing else is impaired: NLI C6, AIS D (VAC Yes, all muscles below C6 are 5).
    result = classify_one(motor("right", "C6", "4*"))
    assert (result.right_motor_level, result.neurological_level, result.ais) == ("C6", "C6", "D")


@pytest.mark.parametrize("cell", ["0*", "NT*"])
def test_single_starred_dermatome_is_impaired(cell):
    # Left T8 LT "0*" or "NT*" (rated not normal): the dermatome is not normal -> left sensory level
    # T7 (the most caudal normal dermatome), left motor level T7 (T2-L1 follow the sensory level),
    # NLI T7; VAC Yes and every key muscle below 5 -> D. Unlike plain NT, NT* does not list INT.
    result = classify_one({contract.light_touch_column("left", "T8"): cell})
    assert (result.left_sensory_level, result.left_motor_level, result.neurological_level) == ("T7",) * 3
    assert result.ais == "D"


def test_double_starred_nt_is_rated_normal():
    # Left T8 LT "NT**": not testable but rated normal -> intact, E; the LT total is not
    # determinable (NT in any form), the PP total is 112.
    result = classify_one({contract.light_touch_column("left", "T8"): "NT**"})
    assert (result.left_sensory_level, result.ais) == ("INT", "E")
    assert math.isnan(result.lt_total) and result.pp_total == 112


def test_single_starred_zero_at_s45_may_or_may_not_be_sacral_sparing():
    # Complete C5 (VAC No, DAP No) with right S4-5 LT "0*": rated not normal, but whether the
    # absence is from the SCI decides completeness -> complete yes or no, AIS A or B (no motor
    # function below C5: not C); the right sensory ZPP applies only if complete -> "C5,NA".
    result = classify_one(*complete_c5(), {contract.light_touch_column("right", "S4_5"): "0*"})
    assert (result.complete, result.ais, result.right_sensory_zpp) == ("yes,no", "A,B", "C5,NA")


def test_double_starred_zero_at_s45_is_sacral_sparing():
    # The same with "0**": rated normal (2) -> right S4-5 LT present: sensory incomplete, B; the
    # right sensory ZPP does not apply (NA), the left one does (C5).
    result = classify_one(*complete_c5(), {contract.light_touch_column("right", "S4_5"): "0**"})
    assert (result.complete, result.ais) == ("no", "B")
    assert (result.right_sensory_zpp, result.left_sensory_zpp) == ("NA", "C5")


# --- normal sides with VAC or DAP absent (issue 9's corner) ----------------------------------------
def test_vac_absent_on_an_otherwise_normal_exam():
    # VAC is the motor test of S4-5 (2019), so with VAC No the motor level cannot pass S3: both
    # motor levels S3. The NLI walk of the official algorithm does not consult VAC: NLI INT.
    # Sensation at S4-5 and DAP present -> sensory incomplete; VAC No and no key muscle more than
    # three levels below S3 moves -> B. Motor ZPP applies (VAC No): the search from S3 up to the
    # motor level S3 lists S3. Sensory ZPP: DAP Yes -> NA.
    result = classify_one({"vac": "No"})
    assert (result.right_motor_level, result.left_motor_level, result.neurological_level) == ("S3", "S3", "INT")
    assert (result.ais, result.complete) == ("B", "no")
    assert (result.right_motor_zpp, result.left_sensory_zpp) == ("S3", "NA")


def test_vac_untestable_on_an_otherwise_normal_exam():
    # VAC NT: No gives the case above (motor S3, B), Yes gives an intact exam (INT, E). No filling
    # gives D. Motor ZPP: S3 if VAC No, NA if Yes.
    result = classify_one({"vac": "NT"})
    assert (result.right_motor_level, result.neurological_level) == ("S3,INT", "INT")
    assert (result.ais, result.right_motor_zpp) == ("B,E", "S3,NA")


@pytest.mark.parametrize("dap", ["No", "NT"])
def test_dap_absent_on_an_otherwise_normal_exam_is_e(dap):
    # Every segment normal, LT and PP 2 at S4-5 and VAC Yes: all sensation and motor function
    # normal -> E (2019), whatever DAP says. ZPP: VAC Yes -> motor NA; S4-5 sensation present on
    # both sides -> sensory NA.
    result = classify_one({"dap": dap})
    assert (result.ais, result.neurological_level, result.right_motor_level) == ("E", "INT", "INT")
    assert (result.right_motor_zpp, result.left_sensory_zpp) == ("NA", "NA")


# --- non-key muscles: B versus C ----------------------------------------------------------------------
SPARED_RIGHT_S45 = {contract.light_touch_column("right", "S4_5"): "1"}


@pytest.mark.parametrize(("nonkey", "ais", "right_motor_zpp"), [("", "B", "C5"), ("C8", "B", "C5"), ("T1", "C", "T1")])
def test_lowest_nonkey_muscle_decides_b_versus_c(nonkey, ais, right_motor_zpp):
    # Complete-C5 pattern with right S4-5 LT spared: sensory incomplete, VAC No, no key muscle
    # below C5 moves. 2019: motor function more than three levels below the motor level, key or
    # non-key muscle, makes the injury motor incomplete. Right motor level C5: C6, C7, C8 are 1-3
    # levels below, T1 is 4 below. A non-key muscle at C8 -> still B; at T1 -> C (NLI C5: 0 of 18
    # key muscles below it >= 3, fewer than half). Motor ZPP (VAC No): C5 (no key muscle below C5
    # moves); with AIS C the official algorithm replaces it by the non-key muscle more than three
    # levels below it -> T1.
    result = classify_one(*complete_c5(), SPARED_RIGHT_S45, {"right_lowest_nonkey_muscle": nonkey})
    assert (result.ais, result.right_motor_zpp, result.left_motor_zpp) == (ais, right_motor_zpp, "C5")


def test_lowest_nonkey_muscle_does_not_touch_a_complete_injury():
    # Complete (no sacral sparing at all) -> A whatever the non-key muscle; ZPP C5 on both sides.
    result = classify_one(*complete_c5(), {"right_lowest_nonkey_muscle": "T1"})
    assert (result.ais, result.right_motor_zpp) == ("A", "C5")


# --- NT: every possible value ---------------------------------------------------------------------
def test_nt_dermatome_lists_both_sensory_levels():
    # Right C6 LT NT, all else normal. If C6 is abnormal: sensory C5, motor T1 (arm normal, block
    # sensation abnormal), AIS D (VAC present, all muscles below 5); if normal: all INT, AIS E.
    result = classify_one({contract.light_touch_column("right", "C6"): "NT"})
    assert result.right_sensory_level == "C5,INT"
    assert result.right_motor_level == "T1,INT"
    assert result.neurological_level == "C5,INT"
    assert result.ais == "D,E"
    assert math.isnan(result.lt_total) and result.pp_total == 112


def test_nt_key_muscle_lists_both_motor_levels():
    # Sensation normal to C8, T1 dermatome absent; C5 5, C6 NT, C7 0. C6 >= 3 -> motor C6;
    # C6 < 3 -> motor C5 (C5 is 5 with a weak muscle below it).
    result = classify_one(sensory_from("T1", "0"), motor_from("C7", "0"), motor("right", "C6", "NT"),
                          COMPLETE_SACRUM)
    assert result.right_motor_level == "C5,C6"
    assert result.left_motor_level == "C6"
    assert result.right_sensory_level == "C8"
    assert result.neurological_level == "C5,C6"
    # Complete; motor ZPP right: C6 graded 1-2 would be function below C5 -> C6; graded 0 -> C5;
    # graded >= 3 makes it the motor level -> C6.
    assert (result.ais, result.right_motor_zpp) == ("A", "C5,C6")


def test_nt_vac_lists_complete_and_incomplete():
    # Complete C5 with VAC NT: VAC No -> A (complete, ZPP C5); VAC Yes -> motor incomplete with
    # no muscle below C5 >= 3 -> C (motor ZPP then NA). Sensory ZPP is unaffected by VAC.
    result = classify_one(*complete_c5(), {"vac": "NT"})
    assert (result.ais, result.complete) == ("A,C", "yes,no")
    assert result.right_motor_zpp == "C5,NA"
    assert result.right_sensory_zpp == "C5"


def test_nt_sacral_sensation_lists_a_and_b():
    # Complete C5 with right S4-5 PP NT: absent -> A, present -> B (no motor below). Right sensory
    # ZPP applies only when S4-5 is numb -> "C5,NA"; the left side is numb for sure -> C5.
    result = classify_one(*complete_c5(), {contract.pin_prick_column("right", "S4_5"): "NT"})
    assert (result.ais, result.complete) == ("A,B", "yes,no")
    assert (result.right_sensory_zpp, result.left_sensory_zpp) == ("C5,NA", "C5")


def test_nt_in_leg_muscles_lists_c_and_d():
    # The C case above (8 of 18 below C5 >= 3) with right L5 NT: >= 3 -> 9/18 -> D; < 3 -> C.
    result = classify_one(
        sensory_from("C6", "1"), motor_from("C6", "1"), motor("right", "C6", "3"), motor("left", "C6", "3"),
        *(motor(s, lv, "3") for s in SIDES for lv in ("L2", "L3", "L4")), motor("right", "L5", "NT"))
    assert result.ais == "C,D"


# --- published worked examples ------------------------------------------------------------------
def exam_from_case(case: dict) -> dict:
    row = {"vac": case["vac"], "dap": case["dap"]}
    for side in SIDES:
        row |= dict(zip((contract.motor_column(side, lv) for lv in contract.MOTOR_LEVELS), expand(case[f"{side}_motor"])))
        row |= dict(zip((contract.light_touch_column(side, lv) for lv in DERMATOMES), expand(case[f"{side}_lt"])))
        row |= dict(zip((contract.pin_prick_column(side, lv) for lv in DERMATOMES), expand(case[f"{side}_pp"])))
    assert set(row) == set(contract.ISNCSCI_EXAM_COLUMNS)
    return row


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_instep_worked_examples(case):
    for side in SIDES:  # guard the transcription
        assert len(expand(case[f"{side}_motor"])) == 10
        assert len(expand(case[f"{side}_lt"])) == len(expand(case[f"{side}_pp"])) == 28
    result = isncsci.classify(pd.DataFrame([exam_from_case(case)])).iloc[0]
    got = {key: result[key] for key in case["expected"]}
    assert got == case["expected"]


def reference_dir() -> Path:
    """The reference cases: the copy in tests/data, or ISNCSCI_REFERENCE_DIR (e.g. a newer set)."""
    return Path(os.environ.get("ISNCSCI_REFERENCE_DIR") or REFERENCE_DIR)


def test_reference_folder_cases():
    """Every case of the reference folder (cases.csv + the official algorithm's expected.csv)."""
    folder = reference_dir()
    cases = pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False)
    expected = pd.read_csv(folder / "expected.csv", dtype=str, keep_default_na=False)
    assert len(cases) == len(expected) >= 300 and (cases.patient_id == expected.patient_id).all()
    result = isncsci.classify(cases)
    for column in isncsci.TOTAL_COLUMNS:  # written as whole numbers, empty when not determinable
        result[column] = [("" if math.isnan(v) else str(int(v))) for v in result[column]]
    for column in isncsci.OUTPUT_COLUMNS:
        differ = np.flatnonzero(result[column].to_numpy(dtype=str) != expected[column].to_numpy(dtype=str))
        shown = [(expected.patient_id[i], result[column].iloc[i], expected[column].iloc[i]) for i in differ[:5]]
        assert not len(differ), f"{column}: {len(differ)} cases differ (case, ours, official): {shown}"


# --- NT logic against brute force ------------------------------------------------------------------
EXACT_COLUMNS = ("right_motor_level", "left_motor_level", "right_sensory_level", "left_sensory_level",
                 "neurological_level", "complete")


def _fillings(row: dict, nt_columns: list[str]):
    choices = [contract.ANAL_VALUES[:2] if c in ("vac", "dap") else
               ("0", "1", "2", "3", "4", "5") if c in contract.MOTOR_COLUMNS else ("0", "1", "2")
               for c in nt_columns]
    for values in itertools.product(*choices):
        yield row | dict(zip(nt_columns, values))


@pytest.mark.parametrize("seed", range(60))
def test_nt_lists_match_brute_force_enumeration(seed):
    """Levels and completeness list exactly the values some filling of the NT cells yields;
    AIS and ZPP list at least those (they may over-list: see the module docstring)."""
    rng = np.random.default_rng(seed)
    # a plausible injury: normal above a random level, random impairment below, then 1-3 NTs
    level = rng.integers(3, 26)
    row = intact()
    for column in contract.ISNCSCI_EXAM_COLUMNS:
        if column in ("vac", "dap"):
            row[column] = rng.choice(["Yes", "No"])
            continue
        segment = column.split("_", 2)[2]
        position = DERMATOMES.index(segment)
        if position >= level + rng.integers(-1, 2):
            top = 6 if column in contract.MOTOR_COLUMNS else 3
            row[column] = str(rng.integers(0, top))
    nt_columns = list(rng.choice(contract.ISNCSCI_EXAM_COLUMNS, size=rng.integers(1, 4), replace=False))
    with_nt = isncsci.classify(pd.DataFrame([row | {c: "NT" for c in nt_columns}])).iloc[0]
    filled = isncsci.classify(pd.DataFrame(list(_fillings(row, nt_columns))))
    for column in isncsci.OUTPUT_COLUMNS:
        if column in isncsci.TOTAL_COLUMNS:
            continue
        listed = set(with_nt[column].split(","))
        reachable = set(filled[column])
        assert "" not in listed and all(value and "," not in value for value in reachable)
        if column in EXACT_COLUMNS:
            assert listed == reachable, column
        else:
            assert reachable <= listed, column
