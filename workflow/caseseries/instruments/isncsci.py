"""ISNCSCI scoring and classification (International Standards, 2019 revision), vectorised.

Public API
----------
totals(exams)   -> uems, lems, motor_total, lt_total, pp_total (float; NaN when not determinable)
classify(exams) -> levels, NLI, AIS, completeness, totals and zones of partial preservation

Both take a DataFrame with the contract columns (contract.ISNCSCI_EXAM_COLUMNS; optional
`{side}_lowest_nonkey_muscle`), cells as written in the CSV (strings, or categoricals: those are
decoded without hashing a string per cell), already validated, and return a frame with the same
index; the levels, AIS, completeness and zones are categoricals of their texts. Several possible
values are joined by "," in the project's order: levels rostral to caudal, AIS A to E, yes before
no, NA last.

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

import functools

import numpy as np
import pandas as pd

from caseseries.data import contract

# --- scales ---------------------------------------------------------------------------------
# Level positions 0..28: C1, C2..S3, INT. Dermatome d (0 = C2 .. 27 = S4_5) is the segment at
# position d + 1, so the step "from level i to the next segment" looks at dermatome i. Arrays are
# level-major, (levels, exams), so that every operation runs along the exams.
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
# A cell is stored as its index in the contract's tuple of legal values (uint8). What the rules
# need to know about a cell (or a pair of cells) is looked up once, as bit flags in one byte.
MOTOR_VALUES, SENSORY_VALUES, ANAL_VALUES = contract.MOTOR_VALUES, contract.SENSORY_VALUES, contract.ANAL_VALUES
ILLEGAL = 255
YES, NO, NT = (ANAL_VALUES.index(v) for v in ("Yes", "No", "NT"))

# Value groups exactly as the official algorithm lists them (see the docstring for their meaning).
KNOWN_WEAK = ("0", "1", "2")  # a key muscle certainly below grade 3 (never rated normal)
RATED_NORMAL = ("5", "0**", "1**", "2**", "3**", "4**", "NT**")
MAY_BE_WEAK = ("0", "1", "2", "0*", "1*", "2*", "NT", "NT*")
ABNORMAL_SENSORY = ("0", "1", "0*", "1*")
MAY_BE_ABSENT_SENSORY = ("0", "NT", "0*", "NT*")


# --- the official algorithm's level steps, one value (pair) at a time --------------------------
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


# --- lookup tables of bit flags ------------------------------------------------------------------
WALK_ON, LISTED = 1, 2  # of a step


def _flags(*bits: bool) -> int:
    return sum(1 << i for i, bit in enumerate(bits) if bit)


def _points(value: str) -> int:
    """For the totals: the examined grade ('3*' and '3**' count 3); NT forms count 0 (and are flagged)."""
    return 0 if value.startswith("NT") else int(value.rstrip("*"))


# A dermatome's LT/PP pair, indexed lt_code * 10 + pp_code: the sensory step; for the sensory ZPP
# whether both are 0 and whether both may be absent (0, NT, 0*, NT*); for the totals whether each
# is an NT form, and each one's points (2 bits each, from bit 6 for LT and bit 8 for PP).
BOTH_ZERO, BOTH_MAY_BE_ABSENT, LT_NT, PP_NT = 4, 8, 16, 32
LT_POINTS, PP_POINTS = 6, 8  # shifts
SENSORY_PAIR = np.array([
    _flags(*_sensory_step(lt, pp), lt == pp == "0",
           lt in MAY_BE_ABSENT_SENSORY and pp in MAY_BE_ABSENT_SENSORY, lt.startswith("NT"), pp.startswith("NT"))
    | _points(lt) << LT_POINTS | _points(pp) << PP_POINTS
    for lt in SENSORY_VALUES for pp in SENSORY_VALUES], dtype=np.uint16)
# A key muscle and the next one, indexed muscle_code * 19 + next_code: the motor step. Also with
# the muscle as its own "next" (T1 and S1 in the neurological level's walk).
MOTOR_PAIR = np.array([_flags(*_motor_step(m, nxt)) for m in MOTOR_VALUES for nxt in MOTOR_VALUES], dtype=np.uint8)
# T1 (S1) with the flags of the sensory block below it, indexed muscle_code * 4 + walks_on * 2 + listed.
END_OF_BLOCK = np.array([_flags(*_end_of_block_step(m, walks_on, listed))
                         for m in MOTOR_VALUES for walks_on in (False, True) for listed in (False, True)], dtype=np.uint8)
# One key muscle; its points for the totals from bit 9 (3 bits).
(BEFORE_WALK_ON, BEFORE_LISTED, MAY_BE_ABSENT, NOT_ZERO, MAY_BE_WEAK_, MAY_BE_ANTIGRAVITY, FUNCTION,
 MAYBE_FUNCTION, MOTOR_NT) = (1 << i for i in range(9))
MOTOR_POINTS = 9  # shift
MOTOR_CELL = np.array([_flags(
    *_before_key_muscles_step(m),
    m in ("0", "NT", "NT*", "0*"),  # canBeNoPreservedMotor is false: no motor function possible
    m != "0",  # canHaveMotorFunctionMoreThanThreeLevelsBelow: anything but 0 may be function
    m in MAY_BE_WEAK,  # C: may be graded < 3
    m not in KNOWN_WEAK,  # D: may be graded >= 3
    m not in ("0", "0*", "NT", "NT*"),  # motor ZPP: function, the search stops
    m in ("0*", "NT", "NT*"),  # motor ZPP: listed, the search goes on
    m.startswith("NT"),  # the totals are not determinable
) | _points(m) << MOTOR_POINTS for m in MOTOR_VALUES], dtype=np.uint16)
# One S4-5 cell, for completeness.
ZERO, ZERO_OR_0_STAR, ZERO_OR_0_STARS, MAY_BE_ABSENT_S45 = 1, 2, 4, 8
SENSORY_CELL = np.array([_flags(s == "0", s in ("0", "0*"), s in ("0", "0**"), s in MAY_BE_ABSENT_SENSORY)
                         for s in SENSORY_VALUES], dtype=np.uint8)

# Where each step of the motor walk looks at key muscles (all other steps look at the next dermatome).
BEFORE_KEY = {LEVELS.index("C4"): 0, LEVELS.index("L1"): 5}  # position -> first key muscle below
INSIDE_BLOCK = {LEVELS.index(m): j for j, m in enumerate(contract.MOTOR_LEVELS) if m not in ("T1", "S1")}
END_OF_BLOCK_AT = {LEVELS.index("T1"): (4, slice(3, 9)), LEVELS.index("S1"): (9, slice(20, 26))}  # muscle, dermatomes


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
HALF_BELOW_NLI = (N_MUSCLES - BELOW_NLI)[:, None]


# --- decoding -------------------------------------------------------------------------------
def _codes(exams: pd.DataFrame, columns, values: tuple) -> np.ndarray:
    """(len(columns), n) uint8 codes of the cells: the index in `values`.

    Categorical columns are decoded from their codes (no string hashing per cell), so a reader
    that yields categoricals makes this nearly free; string columns are factorized.
    """
    out = np.empty((len(columns), len(exams)), dtype=np.uint8)
    ours = pd.CategoricalDtype(values)
    for i, column in enumerate(columns):
        series = exams[column]
        # Our codes only if the categories are ours in our order: pandas counts two unordered
        # categoricals of the same values in another order as the same dtype.
        if series.dtype == ours and series.cat.categories.equals(ours.categories):
            out[i] = series.array.codes  # already our codes; -1 (missing) becomes 255 = ILLEGAL
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes, uniques = series.array.codes, series.cat.categories
        else:
            codes, uniques = pd.factorize(series.to_numpy(dtype=object))
        lookup = np.array([values.index(u) if u in values else ILLEGAL for u in uniques] + [ILLEGAL], dtype=np.uint8)
        out[i] = lookup[codes]  # code -1 (missing) reads the trailing ILLEGAL
    if (out == ILLEGAL).any():
        bad_column, bad_row = (found[0] for found in np.nonzero(out == ILLEGAL))
        raise ValueError(f"illegal ISNCSCI cell value {exams[columns[bad_column]].iloc[bad_row]!r} in column "
                         f"{columns[bad_column]}; validate the exams first")
    return out


class _Side:
    """One side's cells as codes, level-major: motor (10, n), lt and pp (28, n), and what the
    rules need from them (flags looked up once)."""

    def __init__(self, exams: pd.DataFrame, side: str):
        self.motor = _codes(exams, [contract.motor_column(side, lv) for lv in contract.MOTOR_LEVELS], MOTOR_VALUES)
        self.lt = _codes(exams, [contract.light_touch_column(side, lv) for lv in contract.SENSORY_LEVELS], SENSORY_VALUES)
        self.pp = _codes(exams, [contract.pin_prick_column(side, lv) for lv in contract.SENSORY_LEVELS], SENSORY_VALUES)
        # index of the non-key muscle's level among the key muscles, -1 when none is given
        self.nonkey = np.full(len(exams), -1, dtype=np.int8)
        column = f"{side}_lowest_nonkey_muscle"
        if column in exams.columns:
            codes, uniques = pd.factorize(exams[column])
            lookup = [contract.MOTOR_LEVELS.index(u) if u in contract.MOTOR_LEVELS else -1 for u in uniques]
            self.nonkey = np.array(lookup + [-1], dtype=np.int8)[codes]
        pairs = np.take(SENSORY_PAIR, self.lt * np.uint8(len(SENSORY_VALUES)) + self.pp)  # < 100: fits uint8
        self.sensory_walks_on = (pairs & WALK_ON) != 0  # (28, n)
        self.sensory_listed = (pairs & LISTED) != 0
        self.both_zero = (pairs & BOTH_ZERO) != 0
        self.both_may_be_absent = (pairs & BOTH_MAY_BE_ABSENT) != 0
        self.muscle = np.take(MOTOR_CELL, self.motor)  # (10, n) flags
        self.pairs = pairs
        self.motor_steps, self.nli_steps = _motor_steps(self)

    def muscles(self, flag: int) -> np.ndarray:
        return (self.muscle & flag) != 0


def _anal(exams: pd.DataFrame, column: str) -> np.ndarray:
    return _codes(exams, [column], ANAL_VALUES)[0]


# --- walks ----------------------------------------------------------------------------------
def _walk(walks_on: np.ndarray, listed: np.ndarray) -> np.ndarray:
    """Levels listed by a walk from C1 down: (29, n); the last row is 'walked past S3'.

    Step i is taken only if every step before it walked on; it lists level i if `listed`.
    """
    reached = np.ones((N_LEVELS, walks_on.shape[1]), dtype=bool)
    for i, step in enumerate(walks_on):  # a loop over rows: far faster than ufunc.accumulate here
        np.logical_and(reached[i], step, out=reached[i + 1])
    reached[:INT] &= listed
    return reached


def _motor_steps(side: _Side) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(walk on, listed) at the 28 steps of one side's motor walk, for the motor level and for
    the neurological level: the latter checks T1 (S1) against itself instead of against the
    sensory block below it, as determineNeurologicalLevelOfInjury does."""
    walks_on = side.sensory_walks_on.copy()
    listed = side.sensory_listed.copy()
    m = side.motor.astype(np.intp)
    for position, j in BEFORE_KEY.items():
        walks_on[position] = side.muscles(BEFORE_WALK_ON)[j]
        listed[position] = side.muscles(BEFORE_LISTED)[j]
    positions, muscles = list(INSIDE_BLOCK), list(INSIDE_BLOCK.values())
    steps = np.take(MOTOR_PAIR, m[muscles] * len(MOTOR_VALUES) + m[[j + 1 for j in muscles]])
    walks_on[positions], listed[positions] = steps & WALK_ON, steps & LISTED
    nli_walks_on, nli_listed = walks_on.copy(), listed.copy()
    for position, (j, dermatomes) in END_OF_BLOCK_AT.items():
        block_walks_on = side.sensory_walks_on[dermatomes].all(axis=0)
        block_listed = side.sensory_listed[dermatomes].any(axis=0)
        step = END_OF_BLOCK[m[j] * 4 + block_walks_on * 2 + block_listed]
        walks_on[position], listed[position] = step & WALK_ON, step & LISTED
        step = MOTOR_PAIR[m[j] * len(MOTOR_VALUES) + m[j]]
        nli_walks_on[position], nli_listed[position] = step & WALK_ON, step & LISTED
    return (walks_on, listed), (nli_walks_on, nli_listed)


def _sensory_level(side: _Side) -> np.ndarray:
    """determineSensoryLevel: (29, n) possible sensory levels."""
    return _walk(side.sensory_walks_on, side.sensory_listed)


def _motor_level(side: _Side, vac: np.ndarray) -> np.ndarray:
    """determineMotorLevel: (29, n) possible motor levels of one side."""
    out = _walk(*side.motor_steps)
    past_s3 = out[INT].copy()
    # Below S3 the motor level needs VAC, the motor test of S4-5: No -> S3, NT -> S3 or INT.
    out[S3] |= past_s3 & (vac != YES)
    out[INT] = past_s3 & (vac != NO)
    return out


def _neurological_level(right: _Side, left: _Side) -> np.ndarray:
    """determineNeurologicalLevelOfInjury: one walk over both sides at once."""
    walks_right, listed_right = right.nli_steps
    walks_left, listed_left = left.nli_steps
    # At a key-muscle step both sides' sensory steps and both motor steps must walk on; any of
    # them listing the level lists it.
    walks_on = walks_right & walks_left & right.sensory_walks_on & left.sensory_walks_on
    listed = listed_right | listed_left | right.sensory_listed | left.sensory_listed
    return _walk(walks_on, listed)


# --- completeness and AIS --------------------------------------------------------------------
def _s45(right: _Side, left: _Side, flag: int) -> np.ndarray:
    """True where all four S4-5 cells (LT and PP, both sides) have `flag`."""
    cells = SENSORY_CELL[[right.lt[-1], right.pp[-1], left.lt[-1], left.pp[-1]]]
    return (cells & flag).astype(bool).all(axis=0)


def _complete(right: _Side, left: _Side, vac: np.ndarray, dap: np.ndarray) -> np.ndarray:
    """determineInjuryComplete: (2, n) possible [complete, incomplete]."""
    both_no = (vac == NO) & (dap == NO)
    all_zero, zero_or_star = _s45(right, left, ZERO), _s45(right, left, ZERO_OR_0_STAR)
    zero_or_stars = _s45(right, left, ZERO_OR_0_STARS)
    may_be_absent = (vac != YES) & (dap != YES) & _s45(right, left, MAY_BE_ABSENT_S45)
    complete = both_no & (all_zero | zero_or_star)
    complete |= ~(both_no & (all_zero | zero_or_star | zero_or_stars)) & may_be_absent
    incomplete = ~(both_no & all_zero)
    return np.stack([complete, incomplete])


def _suffix(mask: np.ndarray, reduce) -> np.ndarray:
    """out[j] = reduce(mask[j:]); one row longer (the empty suffix: all -> True, any -> False)."""
    out = np.empty((len(mask) + 1, mask.shape[1]), dtype=bool)
    out[-1] = reduce is np.logical_and
    for j in range(len(mask) - 1, -1, -1):
        reduce(mask[j], out[j + 1], out=out[j])
    return out


def _prefix_any(mask: np.ndarray) -> np.ndarray:
    """out[k] = any(mask[:k + 1])."""
    out = mask.copy()
    for k in range(1, len(mask)):
        out[k] |= out[k - 1]
    return out


def _motor_below(side: _Side, motor_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(can have none, can have some) motor function more than three levels below a motor level.

    canHaveNoMotorFunctionMoreThanThreeLevelsBelow / canHaveMotorFunctionMoreThanThreeLevelsBelow:
    some listed motor level for which every key muscle from there down may be absent (0, NT,
    NT*, 0*) and the non-key muscle is not there; some for which a key muscle is not exactly 0 or
    the non-key muscle is there.
    """
    start = MORE_THAN_THREE_BELOW  # per level position
    nonkey_below = side.nonkey[None, :] >= start[:, None]
    quiet = _suffix(side.muscles(MAY_BE_ABSENT), np.logical_and)[start] & ~nonkey_below
    moving = _suffix(side.muscles(NOT_ZERO), np.logical_or)[start] | nonkey_below
    return (motor_level & quiet).any(axis=0), (motor_level & moving).any(axis=0)


def _count_below_nli(right: _Side, left: _Side, flag: int) -> np.ndarray:
    """(29, n): for an NLI at position k, how many key muscles below it (both sides) have `flag`."""
    per_muscle = right.muscles(flag).astype(np.int8) + left.muscles(flag)
    counts = np.zeros((N_MUSCLES + 1, per_muscle.shape[1]), dtype=np.int8)
    for j in range(N_MUSCLES - 1, -1, -1):  # counts[j] = muscles j..9
        np.add(per_muscle[j], counts[j + 1], out=counts[j])
    return counts[BELOW_NLI]


def _ais(right, left, motor_levels, nli, complete, vac, dap) -> np.ndarray:
    """determineASIAImpairmentScale: (5, n) possible grades A..E."""
    sensory_preserved = (dap != NO) | ~_s45(right, left, ZERO)
    quiet_right, moving_right = _motor_below(right, motor_levels[0])
    quiet_left, moving_left = _motor_below(left, motor_levels[1])
    grade_a = complete[0]
    grade_b = sensory_preserved & (vac != YES) & quiet_right & quiet_left
    motor_incomplete = (vac != NO) | (sensory_preserved & (moving_right | moving_left))
    weak = _count_below_nli(right, left, MAY_BE_WEAK_)
    antigravity = _count_below_nli(right, left, MAY_BE_ANTIGRAVITY)
    grade_c = motor_incomplete & (nli & (weak > HALF_BELOW_NLI)).any(axis=0)
    grade_d = motor_incomplete & (nli[:INT] & (antigravity[:INT] >= HALF_BELOW_NLI[:INT])).any(axis=0)
    grade_e = (vac != NO) & nli[INT]
    grades = np.stack([grade_a, grade_b, grade_c, grade_d, grade_e])
    # An exam whose only neurological level is INT, with VAC Yes, is E and nothing else.
    only_int = nli[INT] & ~nli[:INT].any(axis=0) & (vac == YES)
    grades[:4, only_int] = False
    return grades


# --- zones of partial preservation ------------------------------------------------------------
def _sensory_zpp(side: _Side, dap: np.ndarray) -> np.ndarray:
    """determineSensoryZPP: (30, n) possible values, the last row NA."""
    absent, both_zero = side.both_may_be_absent, side.both_zero  # (28, n)
    applies = (dap != YES) & absent[-1]
    out = np.empty((N_LEVELS + 1, len(dap)), dtype=bool)
    out[-1] = ~applies | (dap == NT) | ~both_zero[-1]
    # Search upwards from S3: a dermatome that may be absent but is not 0/0 is listed and passed;
    # one that cannot be absent is listed and ends the search; past C2 the zone reaches C1.
    reached = _suffix(absent[:-1], np.logical_and)  # (28, n): reached[d] = nothing stops above d's
    out[1:INT] = reached[1:] & ~both_zero[:-1] & applies  # dermatome d at level d + 1
    out[0] = reached[0] & applies
    out[INT] = False
    return out


def _motor_zpp(side: _Side, motor_level: np.ndarray, vac: np.ndarray, ais_c: np.ndarray) -> np.ndarray:
    """determineMotorZPP: (30, n) possible values, the last row NA."""
    n = len(vac)
    positions = np.arange(N_LEVELS)[:, None]
    # The range runs from the highest motor level down to the lowest one, capped at S3 (INT is
    # searched from S3), or down to S1 when no motor level is below S1.
    at_or_below_top = _prefix_any(motor_level)  # some motor level at or above
    at_or_above_bottom = _suffix(motor_level, np.logical_or)[:N_LEVELS]  # some motor level at or below
    at_or_above_bottom[INT] = False
    below_s1 = motor_level[S2:].any(axis=0)
    at_or_above_bottom[S2:] &= below_s1
    at_or_above_bottom[:S2] |= ~below_s1
    in_range = at_or_below_top & at_or_above_bottom
    # Search upwards from the bottom: a key muscle with function is listed and ends the search;
    # 0*, NT, NT* are listed and passed; 0 is passed; a level without key muscle is listed if it
    # is one of the motor levels.
    function = np.zeros((N_LEVELS, n), dtype=bool)
    function[MUSCLE_POSITION] = side.muscles(FUNCTION)
    stopped_below = _suffix(function & in_range, np.logical_or)[1:]  # a stop strictly below
    candidates = motor_level.copy()
    candidates[MUSCLE_POSITION] = side.muscles(FUNCTION | MAYBE_FUNCTION)
    found = candidates & in_range & ~stopped_below
    # With AIS C possible, a non-key muscle more than three levels below a found level replaces it.
    has_nonkey = side.nonkey >= 0
    nonkey_position = np.where(has_nonkey, MUSCLE_POSITION[np.maximum(side.nonkey, 0)], -1)
    replaced = (ais_c & has_nonkey) & (positions < nonkey_position - 3)
    out = np.zeros((N_LEVELS + 1, n), dtype=bool)
    out[:N_LEVELS] = found & ~replaced
    add_nonkey = np.flatnonzero((found & replaced).any(axis=0))
    out[nonkey_position[add_nonkey], add_nonkey] = True
    out[:N_LEVELS, vac == YES] = False
    out[-1] = vac != NO
    return out


# --- totals ---------------------------------------------------------------------------------
def _total(points: list, untestable: list) -> np.ndarray:
    """Sums over all cells of the given arrays, as float; NaN where any cell is an NT form."""
    total = sum(p.sum(axis=0, dtype=np.int32) for p in points).astype(float)
    total[np.logical_or.reduce([u.any(axis=0) for u in untestable])] = np.nan
    return total


def _totals(right: _Side, left: _Side, index) -> pd.DataFrame:
    sides = (right, left)
    motor_points = [s.muscle >> MOTOR_POINTS for s in sides]
    motor_nt = [(s.muscle & MOTOR_NT) != 0 for s in sides]
    uems = _total([p[:5] for p in motor_points], [u[:5] for u in motor_nt])
    lems = _total([p[5:] for p in motor_points], [u[5:] for u in motor_nt])
    lt = _total([(s.pairs >> LT_POINTS) & 3 for s in sides], [(s.pairs & LT_NT) != 0 for s in sides])
    pp = _total([(s.pairs >> PP_POINTS) & 3 for s in sides], [(s.pairs & PP_NT) != 0 for s in sides])
    return pd.DataFrame({"uems": uems, "lems": lems, "motor_total": uems + lems, "lt_total": lt, "pp_total": pp},
                        index=index)


def totals(exams: pd.DataFrame) -> pd.DataFrame:
    """UEMS (C5-T1), LEMS (L2-S1), motor total, LT and PP totals; NaN when any cell is NT."""
    return _totals(_Side(exams, "right"), _Side(exams, "left"), exams.index)


# --- formatting -------------------------------------------------------------------------------
def _format(possible: np.ndarray, labels) -> pd.Categorical:
    """Join the labels of each exam's possible values with ',' (rows of `possible` = labels).
    Categorical: each distinct set of values is joined once, and no string is made per exam."""
    key = np.zeros(possible.shape[1], dtype=np.uint32)  # bit i = value i possible (<= 30 values)
    for i, row in enumerate(possible):
        key |= row.view(np.uint8).astype(np.uint32) << i
    codes, unique = pd.factorize(key)
    return pd.Categorical.from_codes(codes, [_joined(tuple(labels), int(k)) for k in unique], validate=False)


@functools.lru_cache(maxsize=4096)
def _joined(labels: tuple, key: int) -> str:
    return ",".join(label for i, label in enumerate(labels) if key >> i & 1)


def classify(exams: pd.DataFrame) -> pd.DataFrame:
    """Classify each exam (one output row per input row, same index); see the module docstring."""
    right, left = _Side(exams, "right"), _Side(exams, "left")
    vac, dap = _anal(exams, "vac"), _anal(exams, "dap")
    motor_levels = (_motor_level(right, vac), _motor_level(left, vac))
    nli = _neurological_level(right, left)
    complete = _complete(right, left, vac, dap)
    ais = _ais(right, left, motor_levels, nli, complete, vac, dap)
    zpp_labels = LEVELS + ("NA",)
    out = {
        "right_motor_level": _format(motor_levels[0], LEVELS),
        "left_motor_level": _format(motor_levels[1], LEVELS),
        "right_sensory_level": _format(_sensory_level(right), LEVELS),
        "left_sensory_level": _format(_sensory_level(left), LEVELS),
        "neurological_level": _format(nli, LEVELS),
        "ais": _format(ais, AIS_GRADES),
        "complete": _format(complete, ("yes", "no")),
    }
    ais_c = ais[AIS_GRADES.index("C")]
    for name, side, level in (("right", right, motor_levels[0]), ("left", left, motor_levels[1])):
        out[f"{name}_motor_zpp"] = _format(_motor_zpp(side, level, vac, ais_c), zpp_labels)
    for name, side in (("right", right), ("left", left)):
        out[f"{name}_sensory_zpp"] = _format(_sensory_zpp(side, dap), zpp_labels)
    result = pd.DataFrame(out, index=exams.index)
    result = pd.concat([result, _totals(right, left, exams.index)], axis=1)
    return result[list(OUTPUT_COLUMNS)]
