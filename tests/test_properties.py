"""Property-based tests (hypothesis) of the scoring invariants of caseseries.instruments.isncsci and .scim.

Ranges and monotonicity of the totals, and "a better exam never classifies worse". Runs are
derandomized (same examples every run) so CI cannot flake; settings keep them to a few seconds.
"""

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from caseseries.data import contract as c
from caseseries.instruments import isncsci, scim

PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

SENSORY_COLUMNS = c.LIGHT_TOUCH_COLUMNS + c.PIN_PRICK_COLUMNS
NUMERIC_COLUMNS = c.MOTOR_COLUMNS + SENSORY_COLUMNS
MAX_VALUE = dict.fromkeys(c.MOTOR_COLUMNS, 5) | dict.fromkeys(SENSORY_COLUMNS, 2)
UPPER = [c.motor_column(s, lv) for s in c.SIDES for lv in c.UPPER_MOTOR_LEVELS]
LOWER = [c.motor_column(s, lv) for s in c.SIDES for lv in c.LOWER_MOTOR_LEVELS]
# Ranges from the contract: 10 key muscles x 2 sides x grade 5 = 100, half of them upper;
# 28 dermatomes x 2 sides x 2 = 112.
TOTAL_RANGES = {"uems": 50, "lems": 50, "motor_total": 100, "lt_total": 112, "pp_total": 112}
TOTAL_COLUMNS = {
    "uems": UPPER,
    "lems": LOWER,
    "motor_total": list(c.MOTOR_COLUMNS),
    "lt_total": list(c.LIGHT_TOUCH_COLUMNS),
    "pp_total": list(c.PIN_PRICK_COLUMNS),
}


def frame(*exams: dict) -> pd.DataFrame:
    return pd.DataFrame([{col: exam[col] for col in c.ISNCSCI_EXAM_COLUMNS} for exam in exams])


def classified(*exams: dict) -> pd.DataFrame:
    return isncsci.classify(frame(*exams))


# --- exam generators ----------------------------------------------------------------------------


@st.composite
def any_exam(draw) -> dict:
    """Every cell any contract value (starred marks included), with NT in half of the exams: with
    NT always allowed, one of 56 sensory cells would nearly always be NT and the totals NaN."""
    with_nt = draw(st.booleans())
    motor = [v for v in c.MOTOR_VALUES if with_nt or "NT" not in v]
    sensory = [v for v in c.SENSORY_VALUES if with_nt or "NT" not in v]
    exam = {col: draw(st.sampled_from(motor)) for col in c.MOTOR_COLUMNS}
    exam |= {col: draw(st.sampled_from(sensory)) for col in SENSORY_COLUMNS}
    return exam | {col: draw(st.sampled_from(c.ANAL_VALUES)) for col in ("vac", "dap")}


# Below the level, cells come from one pool per side, so that a side can be dense (all 0),
# spared (1-2) or nearly normal; uniform cells would almost all be "incomplete, scrambled".
SENSORY_POOLS = ((0,), (0, 1), (1, 2), (0, 1, 2), (2,))
MOTOR_POOLS = ((0,), (0, 1, 2), (3, 4), (0, 1, 2, 3, 4, 5), (4, 5), (5,))


@st.composite
def structured_exam(draw) -> dict:
    """An exam without NT or starred marks, normal above a sensory and a motor level per side,
    drawn from a pool below, plus a little noise anywhere; reaches every AIS grade."""
    exam = {}
    normal = draw(st.integers(0, 3)) == 0  # a quarter of the exams start intact (AIS E unless noise)
    for side in c.SIDES:
        sensory_level = len(c.SENSORY_LEVELS) if normal else draw(st.integers(0, len(c.SENSORY_LEVELS)))
        pool = draw(st.sampled_from(SENSORY_POOLS))
        for i, level in enumerate(c.SENSORY_LEVELS):
            for col in (c.light_touch_column(side, level), c.pin_prick_column(side, level)):
                exam[col] = 2 if i < sensory_level else draw(st.sampled_from(pool))
        motor_level = len(c.MOTOR_LEVELS) if normal else draw(st.integers(0, len(c.MOTOR_LEVELS)))
        pool = draw(st.sampled_from(MOTOR_POOLS))
        for i, level in enumerate(c.MOTOR_LEVELS):
            exam[c.motor_column(side, level)] = 5 if i < motor_level else draw(st.sampled_from(pool))
    for col in draw(st.lists(st.sampled_from(NUMERIC_COLUMNS), max_size=3)):
        exam[col] = draw(st.integers(0, MAX_VALUE[col]))
    for col in ("vac", "dap"):
        exam[col] = "Yes" if normal else draw(st.sampled_from(("Yes", "No")))
    return as_cells(exam)


def as_cells(exam: dict) -> dict:
    return {col: str(value) for col, value in exam.items()}


@st.composite
def exam_and_better(draw) -> tuple[dict, dict]:
    """An exam and one at least as good everywhere: a block of segments healed (sensation, or
    sensation and muscles) on one or both sides, random cells raised, VAC/DAP maybe No -> Yes."""
    worse = draw(structured_exam())
    better = {col: int(v) for col, v in worse.items() if col in MAX_VALUE}
    sides = draw(st.sampled_from((("right",), ("left",), c.SIDES)))
    first = draw(st.integers(0, len(c.SENSORY_LEVELS)))
    last = draw(st.integers(first, len(c.SENSORY_LEVELS)))
    heal_muscles = draw(st.booleans())
    for side in sides:
        for level in c.SENSORY_LEVELS[first:last]:
            for col in (c.light_touch_column(side, level), c.pin_prick_column(side, level)):
                better[col] = 2
            if heal_muscles and level in c.MOTOR_LEVELS:
                better[c.motor_column(side, level)] = 5
    for col in draw(st.lists(st.sampled_from(NUMERIC_COLUMNS), max_size=8)):
        better[col] = draw(st.integers(better[col], MAX_VALUE[col]))
    for col in ("vac", "dap"):
        better[col] = "Yes" if worse[col] == "Yes" else draw(st.sampled_from(("Yes", "No")))
    return worse, as_cells(better)


# --- ISNCSCI totals ---------------------------------------------------------------------------


@PROPERTY
@given(exam=any_exam())
def test_totals_in_range_or_nan_exactly_when_nt(exam):
    totals = isncsci.totals(frame(exam)).iloc[0]
    for total, columns in TOTAL_COLUMNS.items():
        has_nt = any(exam[col].startswith("NT") for col in columns)
        if has_nt:  # nothing was recorded in that cell, so the sum is unknown
            assert math.isnan(totals[total]), total
        else:
            assert 0 <= totals[total] <= TOTAL_RANGES[total], total


@PROPERTY
@given(exam=structured_exam(), data=st.data())
def test_raising_one_cell_never_lowers_a_total(exam, data):
    col = data.draw(st.sampled_from(NUMERIC_COLUMNS))
    raised = exam | {col: str(data.draw(st.integers(int(exam[col]), MAX_VALUE[col])))}
    before, after = isncsci.totals(frame(exam, raised)).to_numpy()
    assert (after >= before).all()
    # and exactly the totals that contain the cell grow, by the rise (independent sum)
    rise = int(raised[col]) - int(exam[col])
    for i, (total, columns) in enumerate(TOTAL_COLUMNS.items()):
        assert after[i] - before[i] == (rise if col in columns else 0), total


# --- ISNCSCI classification: a better exam is never classified worse -----------------------------

LEVEL_RANK = {level: i for i, level in enumerate(isncsci.LEVELS)}  # C1 (0, rostral) .. S3, INT (best)
AIS_RANK = {grade: i for i, grade in enumerate(c.AIS_GRADES)}  # A (0, worst) .. E


def single(value: str) -> str:
    assert "," not in value, value  # no NT: every result is determined
    return value


def test_structured_exams_reach_every_ais_grade():
    seen = set()

    @PROPERTY
    @given(exam=structured_exam())
    def collect(exam):
        seen.add(single(classified(exam).loc[0, "ais"]))

    collect()
    assert seen == set(c.AIS_GRADES)


@PROPERTY
@given(pair=exam_and_better())
def test_better_exam_never_has_a_more_rostral_level(pair):
    result = classified(*pair)
    for column in (
        "neurological_level",
        "right_sensory_level",
        "left_sensory_level",
        "right_motor_level",
        "left_motor_level",
    ):
        worse, better = (single(v) for v in result[column])
        assert LEVEL_RANK[better] >= LEVEL_RANK[worse], column


# The AIS is NOT monotone in the exam, by the definitions of the standard (not a bug in
# isncsci.py): B and C hinge on "motor function more than three levels below the motor level",
# and C and D on "half of the key muscles below the NLI", and both reference levels move down
# when the exam improves. Hypothesis found (and shrank) the C -> B case below; the D -> C case was
# derived by hand from the same reasoning. Both are pinned as plain tests, and the property stays
# visible as a strict xfail (without shrinking, which would only re-find them slowly).
AIS_XFAIL = (
    "AIS is not monotone under ISNCSCI 2019: better sensation raises the motor level, so motor "
    "function that was 'more than three levels below' no longer is (C -> B): "
    "test_ais_counter_example_c_to_b; likewise D -> C: test_ais_counter_example_d_to_c"
)


@PROPERTY
@given(pair=exam_and_better())
def test_better_exam_is_never_complete_unless_the_worse_is(pair):
    # The part of the AIS that is monotone: sacral sparing only grows, so A can only be left.
    worse, better = (single(v) for v in classified(*pair)["ais"])
    assert better != "A" or worse == "A"
    assert worse != "E" or better == "E"  # a normal exam cannot be improved


def intact() -> dict:
    exam = dict.fromkeys(c.MOTOR_COLUMNS, "5") | dict.fromkeys(SENSORY_COLUMNS, "2")
    return exam | {"vac": "Yes", "dap": "Yes"}


def with_sensation(exam: dict, side: str, levels, value: str) -> dict:
    cells = {col(side, lv): value for lv in levels for col in (c.light_touch_column, c.pin_prick_column)}
    return exam | cells


def c_to_b_pair() -> tuple[dict, dict]:
    worse = dict.fromkeys(c.MOTOR_COLUMNS, "0") | dict.fromkeys(SENSORY_COLUMNS, "0")
    worse |= {"vac": "No", "dap": "Yes", c.motor_column("right", "C5"): "5"}
    return worse, with_sensation(worse, "right", ("C2", "C3"), "2")


def test_ais_counter_example_c_to_b():
    # Worse: no sensation and no motor function anywhere, except right C5 = 5; DAP Yes (sacral
    # sensory sparing, so incomplete), VAC No.
    #   Both sensory levels C1 (C2 is impaired), so both motor levels C1 (C1-C4 follow the
    #   sensory exam) and the NLI is C1. Right C5 moves and is more than three levels below the
    #   right motor level (C1 + 3 = C4) -> not B; VAC No but sensory sparing + that function ->
    #   motor incomplete; key muscles below C1: 20, graded >= 3: 1 < 10 -> AIS C.
    # Better: right C2 and C3 normal (every cell >= the worse exam's).
    #   Right sensory level C3, right motor level C3; right C5 is 2 levels below C3 and nothing
    #   moves below C6 (C3 + 3), left motor level still C1 with nothing moving -> AIS B.
    worse, better = c_to_b_pair()
    result = classified(worse, better)
    assert list(result["right_motor_level"]) == ["C1", "C3"]
    assert list(result["neurological_level"]) == ["C1", "C1"]
    assert list(result["ais"]) == ["C", "B"]


def test_ais_counter_example_d_to_c():
    # Worse, both sides: sensation normal C2-C5, 1 from C6 down (S4-5 too: incomplete); motor
    # C5-T1 5, L2-S1 0 except right L2 = 3; VAC Yes (motor incomplete), DAP No.
    #   Sensory level C5. Motor level T1 (all upper muscles 5, but the C5-T2 dermatomes are not
    #   normal, so the walk stops at T1). NLI = C5. Key muscles below C5: C6-T1 + L2-S1 = 9 per
    #   side = 18; graded >= 3: C6-T1 (4 per side) + right L2 = 9 >= 18 / 2 -> AIS D.
    worse = intact() | {"dap": "No", c.motor_column("right", "L2"): "3"}
    worse |= {c.motor_column(side, lv): "0" for side in c.SIDES for lv in c.LOWER_MOTOR_LEVELS[1:]}
    worse |= {c.motor_column("left", "L2"): "0"}
    for side in c.SIDES:
        worse = with_sensation(worse, side, c.SENSORY_LEVELS[c.SENSORY_LEVELS.index("C6") :], "1")
    # Better: C6-T1 sensation normal on both sides.
    #   Sensory level T1 (T2 is 1), motor level T1, NLI T1. Key muscles below T1: L2-S1 = 10;
    #   graded >= 3: right L2 = 1 < 5 -> AIS C.
    better = worse
    for side in c.SIDES:
        better = with_sensation(better, side, ("C6", "C7", "C8", "T1"), "2")
    result = classified(worse, better)
    assert list(result["neurological_level"]) == ["C5", "T1"]
    assert list(result["ais"]) == ["D", "C"]


# --- SCIM-III -------------------------------------------------------------------------------------

SUBSCALE_RANGES = {"scim_self_care": 20, "scim_respiration_sphincter": 40, "scim_mobility": 40}
SCORE_COLUMNS = list(SUBSCALE_RANGES) + ["scim_total"]


@st.composite
def assessment(draw) -> dict:
    row = {"patient_id": "P01", "day": 0}
    return row | {item: draw(st.sampled_from(values)) for item, (_, values) in c.SCIM_ITEMS.items()}


def test_scim_maximum_is_the_contract_maximum():
    # By hand from contract.SCIM_ITEMS: items 1-6: 3+3+3+4+4+3 = 20; items 7-10: 15+10+5+10 = 40;
    # items 11-19: 6+2+2+8+8+8+3+2+1 = 40; total 100.
    best = {"patient_id": "P01", "day": 0} | {item: max(v) for item, (_, v) in c.SCIM_ITEMS.items()}
    scored = scim.score(pd.DataFrame([best])).iloc[0]
    assert [scored[col] for col in SCORE_COLUMNS] == [20, 40, 40, 100]


@PROPERTY
@given(row=assessment())
def test_scim_scores_in_range(row):
    scored = scim.score(pd.DataFrame([row])).iloc[0]
    for subscale, maximum in SUBSCALE_RANGES.items():
        assert 0 <= scored[subscale] <= maximum, subscale
    assert 0 <= scored["scim_total"] <= 100


@PROPERTY
@given(row=assessment(), data=st.data())
def test_raising_one_scim_item_never_lowers_a_score(row, data):
    item = data.draw(st.sampled_from(list(c.SCIM_ITEMS)))
    higher = [v for v in c.SCIM_ITEMS[item][1] if v >= row[item]]
    raised = row | {item: data.draw(st.sampled_from(higher))}
    before, after = scim.score(pd.DataFrame([row, raised]))[SCORE_COLUMNS].to_numpy()
    assert (after >= before).all()
    assert after[-1] - before[-1] == raised[item] - row[item]  # the total grows by the rise


@pytest.mark.xfail(strict=True, reason=AIS_XFAIL)
@settings(PROPERTY, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(pair=exam_and_better())
@example(pair=c_to_b_pair())  # fails on every machine, not only where the example database has it
def test_better_exam_never_gets_a_worse_ais_grade(pair):
    worse, better = (single(v) for v in classified(*pair)["ais"])
    assert AIS_RANK[better] >= AIS_RANK[worse]
