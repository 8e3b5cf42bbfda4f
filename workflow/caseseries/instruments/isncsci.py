"""ISNCSCI scoring and classification (International Standards, 2019 revision), vectorised.

Public API
----------
totals(exams)   -> uems, lems, motor_total, lt_total, pp_total (float; NaN when not determinable)
classify(exams) -> levels, NLI, AIS, completeness, totals and zones of partial preservation

Both take a DataFrame with the contract columns (contract.ISNCSCI_EXAM_COLUMNS; optional
`{side}_lowest_nonkey_muscle`), cells as written in the CSV (strings, or categoricals: those are
decoded without hashing a string per cell), already validated, and return a frame with the same
index. Several possible values are joined by "," in the project's order: levels rostral to
caudal, AIS A to E, yes before no, NA last.

What "correct" means here
-------------------------
The answer of the official ISNCSCI algorithm of the Praxis Spinal Cord Institute (npm `isncsci`
2.0.6, Apache-2.0), which the field uses: every result equals its result with its "*"
("variable") marks removed, as a set. tests/test_isncsci_official.py checks that on >= 20,000
generated exams per run and on the 300 reference cases. The engine is a port of that algorithm's
decision logic: each of its per-level checks is written once below as a function of the cell
strings (_sensory_step, _motor_step, ...), tabulated over all cell codes, and the walks down
(or up) the 29 levels run on whole arrays of exams at once.

The rules: the 2019 standard, and what the official algorithm does
------------------------------------------------------------------
(International Standards 2019: Rupp et al., Top Spinal Cord Inj Rehabil 2021;27(2):1-22.)

* Cells. Key muscles 0-5, dermatomes 0-2, NT = not testable. A non-SCI condition is marked as
  the official algorithm marks it: `X**` = rated normal for classification (key muscle 5,
  dermatome 2), `X*` = rated not normal, `NT*` and `NT**` likewise. `X**` cells behave as normal
  in every rule below. `X*` cells are impaired; where the grade decides a result the official
  algorithm lists the results of both readings, the examined grade and the one that makes the
  non-SCI cell not decisive: a key muscle `0*`-`2*` may be < 3 or >= 3 (a `2*` at C6 of an
  otherwise normal side gives motor level `C5,C6`; AIS may be `C,D`), a `0*` may or may not be
  motor function (B vs C), `0*` at S4-5 gives completeness `yes,no`. `NT*` mostly acts as an
  impaired cell (it stops the sensory level); plain NT may hold any grade.
* Totals: the examined number (`3*` and `3**` both add 3); NT, NT* or NT** in a contributing
  cell make the total not determinable (NaN). Same in the official algorithm.
* Sensory level (2019: the most caudal dermatome with normal LT and PP, all above normal; C1
  when C2 is impaired, INT when all down to S4-5 are normal). Official: walk down; an impaired
  next dermatome (0, 1, 0*, 1*, NT*) lists the level and stops; NT lists it and walks on.
* Motor level (2019: the lowest key muscle graded >= 3 with all key muscles above graded 5;
  where there is no key muscle (C1-C4, T2-L1, S2-S5) the motor level is presumed to be the
  sensory level if the testable motor function above is normal). Official: C4 (L1) is the level
  when C5 (L2) is < 3; at T1 (S1) the walk goes on only if the dermatomes C5-T2 (L2-S2) are
  normal. Below S3 the motor level needs VAC, the motor test of S4-5: a side normal down to S4-5
  has motor level S3 when VAC is No and S3,INT when VAC is NT (INT only with VAC Yes).
* Neurological level (2019: the most rostral of the four levels). Official: one walk over both
  sides; it does not consult VAC, so a normal exam with VAC No has NLI INT although its motor
  levels are S3. We match that.
* Completeness (2019: complete = no sacral sparing: no LT or PP at S4-5, no DAP, no VAC).
  Official: VAC No and DAP No and all four S4-5 cells 0 -> complete; `0*` there -> yes,no; `0**`
  -> incomplete; with NT (VAC, DAP or S4-5) -> yes,no where all may be absent.
* AIS (2019: A complete; B sensory incomplete with no motor function more than three levels
  below the motor level on either side, key or non-key muscles; C motor incomplete (VAC, or
  sensory incomplete with such motor function) with fewer than half of the key muscles below the
  NLI graded >= 3; D at least half; E all segments normal, in a person with a prior deficit,
  which every exam in this pipeline is). Official: E when the NLI is INT and VAC is not No;
  with VAC Yes and NLI INT it is E alone, whatever DAP says (so a normal exam with DAP No is E,
  with VAC NT it is B,E and never D). B needs VAC not Yes; the non-key muscle
  (`{side}_lowest_nonkey_muscle`) at or below the first key muscle more than three levels below
  the motor level counts as motor function (B vs C); any key muscle there that is not exactly 0
  may be motor function. C and D are judged for every listed NLI.
* ZPP (2019: per side, only when VAC is absent (motor ZPP) or DAP absent with no LT and PP at
  S4-5 on that side (sensory ZPP); else NA). Official sensory ZPP: DAP No or NT and S4-5 may be
  absent on that side; search up from S3: 0/0 passed, NT or 0* listed and passed, anything else
  listed and the search ends (C1 if none); NA also listed when DAP is NT or S4-5 is not 0/0.
  Official motor ZPP: VAC No (NT: NA and the search); search up from the lowest motor level (S1
  when none is below S1) to the highest: a key muscle with function (not 0, 0*, NT, NT*) is
  listed and ends the search, 0*, NT, NT* are listed and passed, a level without key muscle is
  listed if it is a motor level. When AIS may be C, a value more than three levels above the
  non-key muscle is replaced by the non-key muscle.

Where the official algorithm is not exact enumeration (and we follow it)
------------------------------------------------------------------------
With NT, the exact answer would list exactly the values some filling of the NT cells yields.
Measured on 19,923 generated exams with 1-3 plain NT cells and no marks (tests/oracle/generate.py,
seed 5, every filling classified): levels, NLI, completeness and sensory ZPP are exact in all;
AIS over-lists in 49 (0.25%; C or D judged on NLIs and motor incompleteness from different
fillings); with non-key muscles given (a quarter of the sides), the motor ZPP differs in 141 of
39,846 side-results (0.35%): once some filling makes C possible, the non-key muscle replaces the
values more than three levels above it for every filling (values missing and added). Without
non-key muscles the motor ZPP was exact. Reproduce with `python tests/oracle/enumerate_nt.py`.
"""

import numpy as np
import pandas as pd

from caseseries.data import contract

# --- scales ---------------------------------------------------------------------------------
# Level positions 0..28: C1, C2..S3, INT. Dermatome d (0 = C2 .. 27 = S4_5) is the segment at
# position d + 1, so the step "from level i to the next segment" looks at dermatome i.
LEVELS = ("C1",) + contract.SENSORY_LEVELS[:-1] + ("INT",)
N_LEVELS = len(LEVELS)
INT, S1, S2, S3 = (LEVELS.index(name) for name in ("INT", "S1", "S2", "S3"))
MUSCLE_POSITION = np.array([LEVELS.index(m) for m in contract.MOTOR_LEVELS])
N_MUSCLES = len(contract.MOTOR_LEVELS)
AIS_GRADES = contract.AIS_GRADES

OUTPUT_COLUMNS = (
    "right_motor_level", "left_motor_level", "right_sensory_level", "left_sensory_level",
    "neurological_level", "ais", "complete", "uems", "lems", "motor_total", "lt_total", "pp_total",
    "right_motor_zpp", "left_motor_zpp", "right_sensory_zpp", "left_sensory_zpp",
)
TOTAL_COLUMNS = ("uems", "lems", "motor_total", "lt_total", "pp_total")

# --- cell codes -----------------------------------------------------------------------------
# A cell is stored as its index in the contract's tuple of legal values (uint8); every rule below
# is a lookup table over those codes, built once from the value strings themselves.
MOTOR_VALUES, SENSORY_VALUES, ANAL_VALUES = contract.MOTOR_VALUES, contract.SENSORY_VALUES, contract.ANAL_VALUES
ILLEGAL = 255


def _table(values: tuple, test) -> np.ndarray:
    """Boolean lookup table: table[code] = test(values[code])."""
    return np.array([test(v) for v in values], dtype=bool)


def _points(values: tuple) -> np.ndarray:
    """The examined grade of each value (0 for NT forms): '3*' and '3**' both count 3."""
    return np.array([0 if v.startswith("NT") else int(v.rstrip("*")) for v in values], dtype=np.int16)


# Value groups exactly as the official algorithm lists them (see the docstring for their meaning).
KNOWN_WEAK = ("0", "1", "2")  # a key muscle certainly below grade 3 (never rated normal)
RATED_NORMAL = ("5", "0**", "1**", "2**", "3**", "4**", "NT**")
MAY_BE_WEAK = ("0", "1", "2", "0*", "1*", "2*", "NT", "NT*")
MAY_BE_ABSENT_MOTOR = ("0", "NT", "NT*", "0*")
MAY_BE_ABSENT_SENSORY = ("0", "NT", "0*", "NT*")
ABNORMAL_SENSORY = ("0", "1", "0*", "1*")


# --- the official algorithm's level steps, one value pair at a time ----------------------------
def _sensory_step(lt: str, pp: str) -> tuple[bool, bool]:
    """checkSensoryLevel: at level i, looking at the next dermatome -> (walk on, list level i)."""
    if lt == "2" and pp == "2":
        return True, False
    if lt in ABNORMAL_SENSORY or pp in ABNORMAL_SENSORY or "NT*" in (lt, pp):
        return False, True
    if "NT" in (lt, pp):
        return True, True
    return True, False  # rated normal: 2 with X** or NT**


def _motor_step(muscle: str, next_muscle: str) -> tuple[bool, bool]:
    """checkMotorLevel: at a key muscle with another key muscle below it."""
    walk_on = (muscle not in KNOWN_WEAK + ("0*", "1*", "2*", "NT*", "3", "4", "3*", "4*")
               and next_muscle not in KNOWN_WEAK)
    listed = not (muscle in RATED_NORMAL and next_muscle not in MAY_BE_WEAK)
    return walk_on, listed


def _before_key_muscles_step(next_muscle: str) -> tuple[bool, bool]:
    """checkMotorLevelBeforeStartOfKeyMuscles: at C4 (L1), looking at C5 (L2)."""
    return next_muscle not in KNOWN_WEAK, next_muscle in MAY_BE_WEAK


def _end_of_block_step(muscle: str, block_walks_on: bool, block_listed: bool) -> tuple[bool, bool]:
    """checkWithSensoryCheckLevelResult: at T1 (S1), with the sensory steps over C5-T2 (L2-S2)."""
    walk_on = muscle not in ("3", "4", "0*", "1*", "2*", "3*", "4*", "NT*") and block_walks_on
    listed = muscle == "NT" or not (muscle in RATED_NORMAL and block_walks_on and not block_listed)
    return walk_on, listed


def _pair_tables(step, first: tuple, second: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(walk on, listed) tables indexed by first_code * len(second) + second_code."""
    results = [step(a, b) for a in first for b in second]
    return np.array([r[0] for r in results]), np.array([r[1] for r in results])


SENSORY_STEP = _pair_tables(_sensory_step, SENSORY_VALUES, SENSORY_VALUES)
MOTOR_STEP = _pair_tables(_motor_step, MOTOR_VALUES, MOTOR_VALUES)
BEFORE_KEY_STEP = tuple(_table(MOTOR_VALUES, lambda v, k=k: _before_key_muscles_step(v)[k]) for k in (0, 1))
# indexed by muscle_code * 4 + block_walks_on * 2 + block_listed
END_OF_BLOCK_STEP = _pair_tables(lambda m, flags: _end_of_block_step(m, *flags), MOTOR_VALUES,
                                 ((False, False), (False, True), (True, False), (True, True)))

# Motor walk: the steps that look at key muscles (all others look at the next dermatome).
BEFORE_KEY = {LEVELS.index("C4"): 0, LEVELS.index("L1"): 5}  # position -> first key muscle below
INSIDE_BLOCK = {LEVELS.index(m): j for j, m in enumerate(contract.MOTOR_LEVELS) if m not in ("T1", "S1")}
END_OF_BLOCK = {LEVELS.index("T1"): (4, slice(3, 9)), LEVELS.index("S1"): (9, slice(20, 26))}  # muscle, dermatomes


def _starting_muscle(position: int) -> int:
    """startingMotorIndex: the first key muscle at or below SensoryLevels[position] (10 = none)."""
    if 1 <= position <= 3:
        return 0
    if 4 <= position <= 8:
        return position - 4
    if 9 <= position <= 20:
        return 5
    if 21 <= position <= 25:
        return position - 16
    return N_MUSCLES


# For a motor level at position k: the first key muscle more than three levels below it (INT: none).
MORE_THAN_THREE_BELOW = np.array([_starting_muscle(k + 4 if k < INT else 28) for k in range(N_LEVELS)])
# For a neurological level at position k: the first key muscle below it, and the count per side.
BELOW_NLI = np.array([_starting_muscle(k + 1) for k in range(N_LEVELS)])
HALF_BELOW_NLI = N_MUSCLES - BELOW_NLI

MOTOR_POINTS, SENSORY_POINTS = _points(MOTOR_VALUES), _points(SENSORY_VALUES)
MOTOR_NT, SENSORY_NT = _table(MOTOR_VALUES, lambda v: v.startswith("NT")), _table(SENSORY_VALUES, lambda v: v.startswith("NT"))
M_MAY_BE_ABSENT = _table(MOTOR_VALUES, lambda v: v in MAY_BE_ABSENT_MOTOR)
M_NOT_ZERO = _table(MOTOR_VALUES, lambda v: v != "0")
M_MAY_BE_WEAK = _table(MOTOR_VALUES, lambda v: v in MAY_BE_WEAK)
M_MAY_BE_ANTIGRAVITY = _table(MOTOR_VALUES, lambda v: v not in KNOWN_WEAK)
# Motor ZPP: a muscle with function stops the upward search; NT, NT* and 0* are listed and passed.
M_FUNCTION = _table(MOTOR_VALUES, lambda v: v not in ("0", "0*", "NT", "NT*"))
M_MAYBE_FUNCTION = _table(MOTOR_VALUES, lambda v: v in ("0*", "NT", "NT*"))
S_ZERO = _table(SENSORY_VALUES, lambda v: v == "0")
S_MAY_BE_ABSENT = _table(SENSORY_VALUES, lambda v: v in MAY_BE_ABSENT_SENSORY)
S_ZERO_OR_0_STAR = _table(SENSORY_VALUES, lambda v: v in ("0", "0*"))
S_ZERO_OR_0_STARS = _table(SENSORY_VALUES, lambda v: v in ("0", "0**"))
YES, NO, NT = (ANAL_VALUES.index(v) for v in ("Yes", "No", "NT"))


# --- decoding -------------------------------------------------------------------------------
def _codes(exams: pd.DataFrame, columns, values: tuple) -> np.ndarray:
    """(n, len(columns)) uint8 codes of the cells: index in `values`; categoricals cost no hashing."""
    out = np.empty((len(exams), len(columns)), dtype=np.uint8)
    for i, column in enumerate(columns):
        series = exams[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
        else:
            codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
        lookup = np.array([values.index(u) if u in values else ILLEGAL for u in uniques] + [ILLEGAL], dtype=np.uint8)
        out[:, i] = lookup[codes]  # code -1 (missing) reads the trailing ILLEGAL
        if (out[:, i] == ILLEGAL).any():
            bad = series[out[:, i] == ILLEGAL].iloc[0]
            raise ValueError(f"illegal ISNCSCI cell value {bad!r} in column {column}; validate the exams first")
    return out


class _Side:
    """The cells of one side as codes: motor (n, 10), lt and pp (n, 28), lowest non-key muscle."""

    def __init__(self, exams: pd.DataFrame, side: str):
        self.motor = _codes(exams, [contract.motor_column(side, lv) for lv in contract.MOTOR_LEVELS], MOTOR_VALUES)
        self.lt = _codes(exams, [contract.light_touch_column(side, lv) for lv in contract.SENSORY_LEVELS], SENSORY_VALUES)
        self.pp = _codes(exams, [contract.pin_prick_column(side, lv) for lv in contract.SENSORY_LEVELS], SENSORY_VALUES)
        # index of the non-key muscle's level among the key muscles, -1 when none is given
        self.nonkey = np.full(len(exams), -1, dtype=np.int8)
        column = f"{side}_lowest_nonkey_muscle"
        if column in exams.columns:
            given = exams[column].to_numpy(dtype=object)
            for j, muscle in enumerate(contract.MOTOR_LEVELS):
                self.nonkey[given == muscle] = j
        pair = self.lt.astype(np.intp) * len(SENSORY_VALUES) + self.pp
        self.sensory_walks_on, self.sensory_listed = (table[pair] for table in SENSORY_STEP)  # (n, 28)


def _anal(exams: pd.DataFrame, column: str) -> np.ndarray:
    return _codes(exams, [column], ANAL_VALUES)[:, 0]


# --- walks ----------------------------------------------------------------------------------
def _walk(walks_on: np.ndarray, listed: np.ndarray) -> np.ndarray:
    """Levels listed by a walk from C1 down: (n, 29) mask; the last column is 'walked past S3'.

    Step i is taken only if every step before it walked on; it lists level i if `listed`.
    """
    reached = np.ones((len(walks_on), N_LEVELS), dtype=bool)
    np.logical_and.accumulate(walks_on, axis=1, out=reached[:, 1:])
    out = np.zeros_like(reached)
    out[:, :INT] = reached[:, :INT] & listed
    out[:, INT] = reached[:, INT]
    return out


def _sensory_level(side: _Side) -> np.ndarray:
    """determineSensoryLevel: (n, 29) possible sensory levels."""
    return _walk(side.sensory_walks_on, side.sensory_listed)


def _motor_steps(side: _Side, nli_style: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(walk on, listed) at the 28 steps of one side's motor walk.

    nli_style: the neurological level's walk checks T1 (S1) against itself instead of against
    the sensory block below it, as determineNeurologicalLevelOfInjury does.
    """
    walks_on = side.sensory_walks_on.copy()
    listed = side.sensory_listed.copy()
    m = side.motor.astype(np.intp)
    for position, j in BEFORE_KEY.items():
        walks_on[:, position], listed[:, position] = (t[m[:, j]] for t in BEFORE_KEY_STEP)
    for position, j in INSIDE_BLOCK.items():
        pair = m[:, j] * len(MOTOR_VALUES) + m[:, j + 1]
        walks_on[:, position], listed[:, position] = (t[pair] for t in MOTOR_STEP)
    for position, (j, dermatomes) in END_OF_BLOCK.items():
        if nli_style:
            pair = m[:, j] * len(MOTOR_VALUES) + m[:, j]
            walks_on[:, position], listed[:, position] = (t[pair] for t in MOTOR_STEP)
        else:
            block_walks_on = side.sensory_walks_on[:, dermatomes].all(axis=1)
            block_listed = side.sensory_listed[:, dermatomes].any(axis=1)
            index = m[:, j] * 4 + block_walks_on * 2 + block_listed
            walks_on[:, position], listed[:, position] = (t[index] for t in END_OF_BLOCK_STEP)
    return walks_on, listed


def _motor_level(side: _Side, vac: np.ndarray) -> np.ndarray:
    """determineMotorLevel: (n, 29) possible motor levels of one side."""
    out = _walk(*_motor_steps(side))
    past_s3 = out[:, INT].copy()
    # Below S3 the motor level needs VAC, the motor test of S4-5: No -> S3, NT -> S3 or INT.
    out[:, S3] |= past_s3 & (vac != YES)
    out[:, INT] = past_s3 & (vac != NO)
    return out


def _neurological_level(right: _Side, left: _Side) -> np.ndarray:
    """determineNeurologicalLevelOfInjury: one walk over both sides at once."""
    walks_right, listed_right = _motor_steps(right, nli_style=True)
    walks_left, listed_left = _motor_steps(left, nli_style=True)
    # At a key-muscle step both sides' sensory steps and both motor steps must walk on; any of
    # them listing the level lists it.
    walks_on = walks_right & walks_left & right.sensory_walks_on & left.sensory_walks_on
    listed = listed_right | listed_left | right.sensory_listed | left.sensory_listed
    return _walk(walks_on, listed)


# --- completeness and AIS --------------------------------------------------------------------
def _s45(right: _Side, left: _Side) -> np.ndarray:
    """(n, 4) codes of S4-5 LT and PP on both sides."""
    return np.column_stack([right.lt[:, -1], right.pp[:, -1], left.lt[:, -1], left.pp[:, -1]])


def _complete(s45: np.ndarray, vac: np.ndarray, dap: np.ndarray) -> np.ndarray:
    """determineInjuryComplete: (n, 2) possible [complete, incomplete]."""
    both_no = (vac == NO) & (dap == NO)
    all_zero = S_ZERO[s45].all(axis=1)
    zero_or_star = S_ZERO_OR_0_STAR[s45].all(axis=1)
    zero_or_stars = S_ZERO_OR_0_STARS[s45].all(axis=1)
    may_be_absent = (vac != YES) & (dap != YES) & S_MAY_BE_ABSENT[s45].all(axis=1)
    complete = both_no & (all_zero | zero_or_star)
    complete |= ~(both_no & (all_zero | zero_or_star | zero_or_stars)) & may_be_absent
    incomplete = ~(both_no & all_zero)
    return np.column_stack([complete, incomplete])


def _suffix(mask: np.ndarray, reduce) -> np.ndarray:
    """out[:, j] = reduce(mask[:, j:]); one column longer (the empty suffix: all -> True, any -> False)."""
    empty = np.full((len(mask), 1), reduce is np.logical_and)
    return np.concatenate([reduce.accumulate(mask[:, ::-1], axis=1)[:, ::-1], empty], axis=1)


def _motor_below(side: _Side, motor_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(can have none, can have some) motor function more than three levels below a motor level.

    canHaveNoMotorFunctionMoreThanThreeLevelsBelow / canHaveMotorFunctionMoreThanThreeLevelsBelow:
    some listed motor level for which every key muscle from there down may be absent (0, NT,
    NT*, 0*) and the non-key muscle is not there; some for which a key muscle is not exactly 0 or
    the non-key muscle is there.
    """
    start = MORE_THAN_THREE_BELOW  # per level position
    nonkey_below = side.nonkey[:, None] >= start[None, :]
    quiet = _suffix(M_MAY_BE_ABSENT[side.motor], np.logical_and)[:, start] & ~nonkey_below
    moving = _suffix(M_NOT_ZERO[side.motor], np.logical_or)[:, start] | nonkey_below
    return (motor_level & quiet).any(axis=1), (motor_level & moving).any(axis=1)


def _count_below_nli(right: _Side, left: _Side, table: np.ndarray) -> np.ndarray:
    """(n, 29): for an NLI at position k, how many key muscles below it (both sides) pass `table`."""
    per_muscle = table[right.motor].astype(np.int16) + table[left.motor]
    counts = np.zeros((len(per_muscle), N_MUSCLES + 1), dtype=np.int16)
    counts[:, :N_MUSCLES] = np.cumsum(per_muscle[:, ::-1], axis=1)[:, ::-1]  # muscles j..9
    return counts[:, BELOW_NLI]


def _ais(right, left, motor_levels, nli, complete, s45, vac, dap) -> np.ndarray:
    """determineASIAImpairmentScale: (n, 5) possible grades A..E."""
    sensory_preserved = (dap != NO) | ~S_ZERO[s45].all(axis=1)
    quiet_right, moving_right = _motor_below(right, motor_levels[0])
    quiet_left, moving_left = _motor_below(left, motor_levels[1])
    grade_a = complete[:, 0]
    grade_b = sensory_preserved & (vac != YES) & quiet_right & quiet_left
    motor_incomplete = (vac != NO) | (sensory_preserved & (moving_right | moving_left))
    weak = _count_below_nli(right, left, M_MAY_BE_WEAK)
    antigravity = _count_below_nli(right, left, M_MAY_BE_ANTIGRAVITY)
    grade_c = motor_incomplete & (nli & (weak > HALF_BELOW_NLI)).any(axis=1)
    nli_not_int = nli.copy()
    nli_not_int[:, INT] = False
    grade_d = motor_incomplete & (nli_not_int & (antigravity >= HALF_BELOW_NLI)).any(axis=1)
    grade_e = (vac != NO) & nli[:, INT]
    grades = np.column_stack([grade_a, grade_b, grade_c, grade_d, grade_e])
    # An exam whose only neurological level is INT, with VAC Yes, is E and nothing else.
    only_int = nli[:, INT] & (nli.sum(axis=1) == 1) & (vac == YES)
    grades[only_int] = [False, False, False, False, True]
    return grades


# --- zones of partial preservation ------------------------------------------------------------
def _sensory_zpp(side: _Side, dap: np.ndarray) -> np.ndarray:
    """determineSensoryZPP: (n, 30) possible values, the last column NA."""
    absent = S_MAY_BE_ABSENT[side.lt] & S_MAY_BE_ABSENT[side.pp]  # (n, 28)
    both_zero = S_ZERO[side.lt] & S_ZERO[side.pp]
    applies = (dap != YES) & absent[:, -1]
    out = np.zeros((len(dap), N_LEVELS + 1), dtype=bool)
    out[:, -1] = ~applies | (dap == NT) | ~both_zero[:, -1]
    # Search upwards from S3: a dermatome that may be absent but is not 0/0 is listed and passed;
    # one that cannot be absent is listed and ends the search; past C2 the zone reaches C1.
    stop_at = ~absent[:, :-1]
    reached = _suffix(~stop_at, np.logical_and)[:, 1:]  # nothing stops strictly below d
    out[:, 1:INT] = applies[:, None] & reached & ~both_zero[:, :-1]
    out[:, 0] = applies & reached[:, 0] & ~stop_at[:, 0]
    return out


def _motor_zpp(side: _Side, motor_level: np.ndarray, vac: np.ndarray, ais_c: np.ndarray) -> np.ndarray:
    """determineMotorZPP: (n, 30) possible values, the last column NA."""
    n = len(vac)
    positions = np.arange(N_LEVELS)
    top = np.argmax(motor_level, axis=1)
    lowest = N_LEVELS - 1 - np.argmax(motor_level[:, ::-1], axis=1)
    below_s1 = motor_level[:, S2:].any(axis=1)
    bottom = np.where(below_s1, np.minimum(lowest, S3), S1)
    in_range = (positions >= top[:, None]) & (positions <= bottom[:, None])
    # Search upwards from the bottom: a key muscle with function is listed and ends the search;
    # 0*, NT, NT* are listed and passed; 0 is passed; a level without key muscle is listed if it
    # is one of the motor levels.
    function = np.zeros((n, N_LEVELS), dtype=bool)
    function[:, MUSCLE_POSITION] = M_FUNCTION[side.motor]
    stopped_below = _suffix(function & in_range, np.logical_or)[:, 1:]  # a stop strictly below
    candidates = motor_level.copy()
    candidates[:, MUSCLE_POSITION] = function[:, MUSCLE_POSITION] | M_MAYBE_FUNCTION[side.motor]
    found = candidates & in_range & ~stopped_below
    # With AIS C possible, a non-key muscle more than three levels below a found level replaces it.
    has_nonkey = side.nonkey >= 0
    nonkey_position = np.where(has_nonkey, MUSCLE_POSITION[np.maximum(side.nonkey, 0)], -1)
    replaced = (ais_c & has_nonkey)[:, None] & (nonkey_position[:, None] - positions[None, :] > 3)
    out = np.zeros((n, N_LEVELS + 1), dtype=bool)
    out[:, :N_LEVELS] = found & ~replaced
    add_nonkey = (found & replaced).any(axis=1)
    out[add_nonkey, nonkey_position[add_nonkey]] = True
    out[vac == YES, :N_LEVELS] = False
    out[:, -1] = vac != NO
    return out


# --- totals ---------------------------------------------------------------------------------
def _sum(points: np.ndarray, untestable: np.ndarray) -> np.ndarray:
    """Row sums as float, NaN where any cell is NT (not determinable)."""
    total = points.sum(axis=1, dtype=np.int32).astype(float)
    total[untestable.any(axis=1)] = np.nan
    return total


def _totals(right: _Side, left: _Side, index) -> pd.DataFrame:
    motor = np.concatenate([right.motor, left.motor], axis=1)
    upper = np.r_[0:5, 10:15]
    lower = np.r_[5:10, 15:20]
    uems = _sum(MOTOR_POINTS[motor[:, upper]], MOTOR_NT[motor[:, upper]])
    lems = _sum(MOTOR_POINTS[motor[:, lower]], MOTOR_NT[motor[:, lower]])
    lt = np.concatenate([right.lt, left.lt], axis=1)
    pp = np.concatenate([right.pp, left.pp], axis=1)
    return pd.DataFrame(
        {"uems": uems, "lems": lems, "motor_total": uems + lems,
         "lt_total": _sum(SENSORY_POINTS[lt], SENSORY_NT[lt]), "pp_total": _sum(SENSORY_POINTS[pp], SENSORY_NT[pp])},
        index=index,
    )


def totals(exams: pd.DataFrame) -> pd.DataFrame:
    """UEMS (C5-T1), LEMS (L2-S1), motor total, LT and PP totals; NaN when any cell is NT."""
    return _totals(_Side(exams, "right"), _Side(exams, "left"), exams.index)


# --- formatting -------------------------------------------------------------------------------
def _format(possible: np.ndarray, labels) -> np.ndarray:
    """Join the labels of each row's possible values with ','; unique rows formatted once."""
    bits = np.left_shift(1, np.arange(possible.shape[1], dtype=np.int64))  # <= 30 values: fits int64
    keys = possible.astype(np.int64) @ bits
    inverse, unique = pd.factorize(keys)
    labels = np.asarray(labels, dtype=object)
    texts = np.array([",".join(labels[(key & bits) > 0]) for key in unique], dtype=object)
    return texts[inverse]


def classify(exams: pd.DataFrame) -> pd.DataFrame:
    """Classify each exam (one output row per input row, same index); see the module docstring."""
    right, left = _Side(exams, "right"), _Side(exams, "left")
    vac, dap = _anal(exams, "vac"), _anal(exams, "dap")
    sensory_levels = (_sensory_level(right), _sensory_level(left))
    motor_levels = (_motor_level(right, vac), _motor_level(left, vac))
    nli = _neurological_level(right, left)
    s45 = _s45(right, left)
    complete = _complete(s45, vac, dap)
    ais = _ais(right, left, motor_levels, nli, complete, s45, vac, dap)
    zpp_labels = LEVELS + ("NA",)
    out = {
        "right_motor_level": _format(motor_levels[0], LEVELS),
        "left_motor_level": _format(motor_levels[1], LEVELS),
        "right_sensory_level": _format(sensory_levels[0], LEVELS),
        "left_sensory_level": _format(sensory_levels[1], LEVELS),
        "neurological_level": _format(nli, LEVELS),
        "ais": _format(ais, AIS_GRADES),
        "complete": _format(complete, ("yes", "no")),
    }
    ais_c = ais[:, AIS_GRADES.index("C")]
    for name, side, level in (("right", right, motor_levels[0]), ("left", left, motor_levels[1])):
        out[f"{name}_motor_zpp"] = _format(_motor_zpp(side, level, vac, ais_c), zpp_labels)
    for name, side in (("right", right), ("left", left)):
        out[f"{name}_sensory_zpp"] = _format(_sensory_zpp(side, dap), zpp_labels)
    result = pd.DataFrame(out, index=exams.index)
    result = pd.concat([result, _totals(right, left, exams.index)], axis=1)
    return result[list(OUTPUT_COLUMNS)]
