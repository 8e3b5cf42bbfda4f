"""ISNCSCI scoring and classification (International Standards, 2019 revision), vectorised.

Public API
----------
totals(exams)   -> uems, lems, motor_total, lt_total, pp_total (float; NaN when not determinable)
classify(exams) -> levels, NLI, AIS, completeness, totals and zones of partial preservation

Both take a DataFrame with the contract columns (contract.ISNCSCI_EXAM_COLUMNS) holding the cell
strings as written in the CSV, already validated, and return a frame with the same index.

Conventions (the choices are documented here once)
--------------------------------------------------
* Totals add the *recorded* grade: a starred cell ("3*", "1*") counts as its number, because the
  2019 '*' only tags a non-SCI cause and keeps the score actually examined. A total is NaN when
  any contributing cell is NT or NT* (nothing was recorded). The Praxis/RHI algorithm instead
  reports "ND" for 0*-3* (motor) and 0*/NT* (sensory); we keep the examined number.
* Classification treats every starred cell ("0*".."4*", "1*", "0*", "NT*") as normal (motor 5,
  sensory 2): the examiner marked the deficit as not caused by the SCI.
* Levels are "C1" (C2 already abnormal) .. "S3", or "INT" when every dermatome (incl. S4-5) and
  every key muscle is normal. A sensory level cannot be "S4_5": normal S4-5 means intact.
* Motor level per side walks down the segments: in C1-C4, T2-L1 and S2-S5 (no key muscle) it
  follows the sensory exam; at C4/L1 it stops when the next key muscle is < 3; at a key muscle
  graded >= 3 with all above 5 it stops unless the muscle is 5 and the next one >= 3; below a
  normal (5) T1 or S1 it continues only if the sensory exam of that block (C5-T2, L2-S2) is normal.
* AIS E is given when the whole exam is normal. The standard reserves E for people with a
  prior deficit; every exam in this pipeline comes from a person with SCI, so that holds.
* "Motor function more than three levels below the motor level" (B vs C) is judged on the key
  muscles only: the contract has no non-key muscle column.
* ZPP (2019): motor ZPP only when VAC is "No"; sensory ZPP on a side only when DAP is "No" and
  that side has no LT and no PP at S4-5. Otherwise "NA". Motor ZPP = the most caudal key muscle
  with any function below the motor level, else the motor level. Sensory ZPP = the most caudal
  dermatome with any LT or PP sensation.

Not testable (NT)
-----------------
An NT cell may hold any value. Each result is a boolean "possible" mask over its candidate
values, computed array-wide from what each cell *can* be. Sensory levels, motor levels, the
neurological level (computed per side, then the two independent sides combined) and
completeness are exact: a value is listed iff some filling of the NT cells yields it. AIS and
ZPP combine several of these results; where they share NT cells the combination treats them
as independent, so the list can hold a value no single filling yields (it never misses one).
Several possible values are joined by "," in rostral-to-caudal (or A-to-E) order.
"""

import numpy as np
import pandas as pd

from caseseries.data import contract

# --- the segment scale -------------------------------------------------------------------
# Level positions 0..28: C1, C2..S3, INT. Dermatome d (0 = C2 .. 27 = S4_5) is the segment at
# position d + 1, so "the dermatome just below level k" is dermatome k.
LEVELS = ("C1",) + contract.SENSORY_LEVELS[:-1] + ("INT",)
N_LEVELS = len(LEVELS)
N_DERMATOMES = len(contract.SENSORY_LEVELS)
MUSCLE_POSITION = np.array([LEVELS.index(m) for m in contract.MOTOR_LEVELS])
AIS_GRADES = contract.AIS_GRADES

NORMAL_MOTOR, NORMAL_SENSORY = 5, 2
# Recorded value of each legal cell string (for totals), and its value for classification.
_MOTOR_RECORDED = {v: np.nan if v.startswith("NT") else float(v.rstrip("*")) for v in contract.MOTOR_VALUES}
_SENSORY_RECORDED = {v: np.nan if v.startswith("NT") else float(v.rstrip("*")) for v in contract.SENSORY_VALUES}
_MOTOR_CLASSIFY = {v: (NORMAL_MOTOR if v.endswith("*") else _MOTOR_RECORDED[v]) for v in contract.MOTOR_VALUES}
_SENSORY_CLASSIFY = {v: (NORMAL_SENSORY if v.endswith("*") else _SENSORY_RECORDED[v]) for v in contract.SENSORY_VALUES}

OUTPUT_COLUMNS = (
    "right_motor_level", "left_motor_level", "right_sensory_level", "left_sensory_level",
    "neurological_level", "ais", "complete", "uems", "lems", "motor_total", "lt_total", "pp_total",
    "right_motor_zpp", "left_motor_zpp", "right_sensory_zpp", "left_sensory_zpp",
)
TOTAL_COLUMNS = ("uems", "lems", "motor_total", "lt_total", "pp_total")


# --- parsing ------------------------------------------------------------------------------
def _decode(exams: pd.DataFrame, columns, mapping: dict) -> np.ndarray:
    """(n, len(columns)) float array of the cells mapped through `mapping` (NaN for NT)."""
    values = list(mapping)
    lookup = np.array([mapping[v] for v in values], dtype=float)
    cells = exams[list(columns)].to_numpy(dtype=object).ravel()
    codes = pd.Categorical(cells, categories=values).codes  # hashing, not a Python loop
    if (codes < 0).any():
        bad = cells[codes < 0][0]
        raise ValueError(f"illegal ISNCSCI cell value {bad!r}; validate the exams first")
    return lookup[codes].reshape(len(exams), len(columns))


def _motor(exams, side, mapping):
    return _decode(exams, [contract.motor_column(side, lv) for lv in contract.MOTOR_LEVELS], mapping)


def _sensory(exams, side, column_of, mapping):
    return _decode(exams, [column_of(side, lv) for lv in contract.SENSORY_LEVELS], mapping)


def _sum_or_nan(*arrays: np.ndarray) -> np.ndarray:
    """Row sums over all arrays; NaN (any NT) propagates, which is what we want."""
    return sum(a.sum(axis=1) for a in arrays)


# --- totals -------------------------------------------------------------------------------
def totals(exams: pd.DataFrame) -> pd.DataFrame:
    """UEMS (C5-T1), LEMS (L2-S1), motor total, LT and PP totals; NaN when any cell is NT."""
    motor = {s: _motor(exams, s, _MOTOR_RECORDED) for s in contract.SIDES}
    lt = {s: _sensory(exams, s, contract.light_touch_column, _SENSORY_RECORDED) for s in contract.SIDES}
    pp = {s: _sensory(exams, s, contract.pin_prick_column, _SENSORY_RECORDED) for s in contract.SIDES}
    upper, lower = slice(0, 5), slice(5, 10)
    uems = _sum_or_nan(*(motor[s][:, upper] for s in contract.SIDES))
    lems = _sum_or_nan(*(motor[s][:, lower] for s in contract.SIDES))
    return pd.DataFrame(
        {
            "uems": uems,
            "lems": lems,
            "motor_total": uems + lems,
            "lt_total": _sum_or_nan(*lt.values()),
            "pp_total": _sum_or_nan(*pp.values()),
        },
        index=exams.index,
    )


# --- what each cell can be ------------------------------------------------------------------
def _can(values: np.ndarray, test) -> np.ndarray:
    """True where the cell satisfies `test` or is NT (NaN: it may hold anything)."""
    with np.errstate(invalid="ignore"):
        return test(values) | np.isnan(values)


def _is(values: np.ndarray, test) -> np.ndarray:
    """True where the cell certainly satisfies `test` (NT never does)."""
    with np.errstate(invalid="ignore"):
        return test(values) & ~np.isnan(values)


def _prefix_all(mask: np.ndarray) -> np.ndarray:
    """out[:, k] = all(mask[:, :k]); one column longer than mask (out[:, 0] is True)."""
    ones = np.ones((mask.shape[0], 1), dtype=bool)
    return np.concatenate([ones, np.logical_and.accumulate(mask, axis=1)], axis=1)


def _suffix_any(mask: np.ndarray) -> np.ndarray:
    """out[:, k] = any(mask[:, k:]); one column longer than mask (last column False)."""
    zeros = np.zeros((mask.shape[0], 1), dtype=bool)
    return np.concatenate([np.logical_or.accumulate(mask[:, ::-1], axis=1)[:, ::-1], zeros], axis=1)


def _on_levels(muscle_mask: np.ndarray, fill: bool = False) -> np.ndarray:
    """Spread a (n, 10) key-muscle mask onto the (n, 29) level scale."""
    out = np.full((muscle_mask.shape[0], N_LEVELS), fill)
    out[:, MUSCLE_POSITION] = muscle_mask
    return out


class _Side:
    """What every cell of one side can be, as arrays over exams."""

    def __init__(self, exams: pd.DataFrame, side: str):
        motor = _motor(exams, side, _MOTOR_CLASSIFY)
        lt = _sensory(exams, side, contract.light_touch_column, _SENSORY_CLASSIFY)
        pp = _sensory(exams, side, contract.pin_prick_column, _SENSORY_CLASSIFY)
        normal = lambda v: v == NORMAL_SENSORY  # noqa: E731
        below_normal = lambda v: v < NORMAL_SENSORY  # noqa: E731
        self.derm_can_normal = _can(lt, normal) & _can(pp, normal)
        self.derm_can_abnormal = _can(lt, below_normal) | _can(pp, below_normal)
        self.derm_is_normal = _is(lt, normal) & _is(pp, normal)
        self.derm_can_feel = _can(lt, lambda v: v > 0) | _can(pp, lambda v: v > 0)
        self.derm_can_numb = _can(lt, lambda v: v == 0) & _can(pp, lambda v: v == 0)
        self.derm_does_feel = _is(lt, lambda v: v > 0) | _is(pp, lambda v: v > 0)
        self.can5 = _can(motor, lambda v: v == 5)
        self.can34 = _can(motor, lambda v: (v == 3) | (v == 4))
        self.can_ge3 = _can(motor, lambda v: v >= 3)
        self.can_lt3 = _can(motor, lambda v: v < 3)
        self.can_move = _can(motor, lambda v: v > 0)
        self.can_zero = _can(motor, lambda v: v == 0)
        self.is_ge3 = _is(motor, lambda v: v >= 3)
        self.moves = _is(motor, lambda v: v > 0)
        self.is5 = _is(motor, lambda v: v == 5)
        # dermatomes 0..k-1 can all be normal / muscles above level k can all be 5
        self.normal_through = _prefix_all(self.derm_can_normal)  # (n, 29)
        muscles_above = _prefix_all(self.can5)  # [:, j] = muscles 0..j-1 can be 5
        count_above = np.searchsorted(MUSCLE_POSITION, np.arange(N_LEVELS))  # muscles at positions < k
        self.five_above = muscles_above[:, count_above]  # (n, 29)
        # dermatome just below level k can be abnormal; "below INT" always stops the walk
        trues = np.ones((len(exams), 1), dtype=bool)
        self.stops_below = np.concatenate([self.derm_can_abnormal, trues], axis=1)  # (n, 29)


# Where each level sits in the walk.
_BEFORE_KEY = {"C4": 0, "L1": 5}  # level -> index of the first key muscle below it
_END_OF_BLOCK = {"T1": (LEVELS.index("C5") - 1, LEVELS.index("T2")),  # dermatomes C5..T2
                 "S1": (LEVELS.index("L2") - 1, LEVELS.index("S2"))}  # dermatomes L2..S2
# key muscle -> the level just above its block (C4 or L1), whose sensation must be normal
_ABOVE_BLOCK = {m: LEVELS.index("C4" if m in contract.UPPER_MOTOR_LEVELS else "L1") for m in contract.MOTOR_LEVELS}


def _sensory_level(side: _Side) -> np.ndarray:
    """Possible sensory levels (n, 29): normal down to level k and the next dermatome abnormal."""
    return side.normal_through & side.stops_below


def _motor_level(side: _Side) -> np.ndarray:
    """Possible motor levels (n, 29); see the module docstring for the walk."""
    out = np.zeros_like(side.normal_through)
    for k, name in enumerate(LEVELS):
        if name in contract.MOTOR_LEVELS:
            j = contract.MOTOR_LEVELS.index(name)
            reached = side.normal_through[:, _ABOVE_BLOCK[name]] & side.five_above[:, k]
            if name in _END_OF_BLOCK:
                first, last = _END_OF_BLOCK[name]
                block_abnormal = side.derm_can_abnormal[:, first:last].any(axis=1)
                stops = side.can34[:, j] | (side.can5[:, j] & block_abnormal)
            else:
                stops = side.can34[:, j] | (side.can5[:, j] & side.can_lt3[:, j + 1])
            out[:, k] = reached & stops
        elif name in _BEFORE_KEY:
            reached = side.normal_through[:, k] & side.five_above[:, k]
            out[:, k] = reached & side.can_lt3[:, _BEFORE_KEY[name]]
        else:  # no key muscle here (or INT): the motor level follows the sensory exam
            out[:, k] = side.normal_through[:, k] & side.five_above[:, k] & side.stops_below[:, k]
    return out


def _side_neurological_level(side: _Side) -> np.ndarray:
    """Possible min(sensory level, motor level) of one side (n, 29), exact under NT.

    Level k is the side's level iff the sensory exam is normal and the motor walk continues down
    to k, and at k either the next dermatome is abnormal or the motor walk stops.
    """
    out = np.zeros_like(side.normal_through)
    for k, name in enumerate(LEVELS):
        reached = side.normal_through[:, k] & side.five_above[:, k]
        sensory_stop = side.stops_below[:, k]
        if name in contract.MOTOR_LEVELS:
            j = contract.MOTOR_LEVELS.index(name)
            stops = side.can34[:, j] | (side.can_ge3[:, j] & sensory_stop)
            if name not in _END_OF_BLOCK:  # inside a block: a weak next muscle stops too
                stops |= side.can5[:, j] & side.can_lt3[:, j + 1]
        elif name in _BEFORE_KEY:
            stops = sensory_stop | side.can_lt3[:, _BEFORE_KEY[name]]
        else:
            stops = sensory_stop
        out[:, k] = reached & stops
    return out


def _min_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Possible values of min(x, y) for independent x in mask a and y in mask b."""
    return (a & _suffix_any(b)[:, :-1]) | (b & _suffix_any(a)[:, :-1])


# --- AIS -----------------------------------------------------------------------------------
def _motor_below(side: _Side, motor_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(possible, certain): a key muscle more than three levels below the motor level moves."""
    def below(moves_mask):
        moves_from = _suffix_any(_on_levels(moves_mask))  # [:, p] = a muscle at >= p moves
        shifted = np.zeros_like(motor_level)
        shifted[:, : N_LEVELS - 4] = moves_from[:, 4:N_LEVELS]  # muscles at > k + 3
        return shifted
    possible = (motor_level & below(side.can_move)).any(axis=1)
    certain = ~(motor_level & ~below(side.moves)).any(axis=1)
    return possible, certain


def _half_below_ok(right: _Side, left: _Side, nli: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(D possible, C possible): >= half the key muscles below the NLI graded >= 3, or not."""
    def ge3_below(mask_r, mask_l):  # [:, k] = number of muscles below level k graded >= 3
        counts = _on_levels(mask_r).astype(int) + _on_levels(mask_l).astype(int)
        return np.cumsum(counts[:, ::-1], axis=1)[:, ::-1] - counts  # strictly below k
    n_below = 2 * (MUSCLE_POSITION[None, :] > np.arange(N_LEVELS)[:, None]).sum(axis=1)
    most = ge3_below(right.can_ge3, left.can_ge3)
    least = ge3_below(right.is_ge3, left.is_ge3)
    d_possible = (nli & (2 * most >= n_below)).any(axis=1)
    c_possible = (nli & (2 * least < n_below)).any(axis=1)
    return d_possible, c_possible


def _anal(exams: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(can be Yes, can be No, is Yes, is No) for vac or dap."""
    values = exams[column].to_numpy(dtype=object)
    return values != "No", values != "Yes", values == "Yes", values == "No"


def _sacral(right: _Side, left: _Side, exams: pd.DataFrame) -> dict:
    """Sacral sparing (S4-5 LT/PP, DAP, VAC): what can be and what is."""
    s45 = N_DERMATOMES - 1
    found = {}
    for column in ("vac", "dap"):
        can_yes, can_no, is_yes, is_no = _anal(exams, column)
        found |= {f"{column}_can_yes": can_yes, f"{column}_can_no": can_no,
                  f"{column}_is_yes": is_yes, f"{column}_is_no": is_no}
    sides = (right, left)
    found["feel_can"] = np.logical_or.reduce([s.derm_can_feel[:, s45] for s in sides] + [found["dap_can_yes"]])
    found["feel_sure"] = np.logical_or.reduce([s.derm_does_feel[:, s45] for s in sides] + [found["dap_is_yes"]])
    numb_can = np.logical_and.reduce([s.derm_can_numb[:, s45] for s in sides] + [found["dap_can_no"]])
    found["complete_can"] = numb_can & found["vac_can_no"]
    found["incomplete_can"] = found["feel_can"] | found["vac_can_yes"]
    return found


def _normal_exam(right: _Side, left: _Side, sacral: dict) -> tuple[np.ndarray, np.ndarray]:
    """(possible, certain) that the whole exam is normal."""
    sides = (right, left)
    can = np.logical_and.reduce([s.derm_can_normal.all(axis=1) & s.can5.all(axis=1) for s in sides])
    sure = np.logical_and.reduce([s.derm_is_normal.all(axis=1) & s.is5.all(axis=1) for s in sides])
    can &= sacral["vac_can_yes"] & sacral["dap_can_yes"]
    sure &= sacral["vac_is_yes"] & sacral["dap_is_yes"]
    return can, sure


def _ais(right, left, motor_levels, nli, sacral) -> np.ndarray:
    """Possible AIS grades (n, 5) in A..E order."""
    below_r = _motor_below(right, motor_levels["right"])
    below_l = _motor_below(left, motor_levels["left"])
    normal_can, normal_sure = _normal_exam(right, left, sacral)
    motor_incomplete_can = sacral["vac_can_yes"] | (sacral["feel_can"] & (below_r[0] | below_l[0]))
    d_cond, c_cond = _half_below_ok(right, left, nli)
    grade_a = sacral["complete_can"]
    grade_b = sacral["feel_can"] & sacral["vac_can_no"] & ~below_r[1] & ~below_l[1]
    grade_c = motor_incomplete_can & c_cond & ~normal_sure
    grade_d = motor_incomplete_can & d_cond & ~normal_sure
    return np.column_stack([grade_a, grade_b, grade_c, grade_d, normal_can])


# --- zones of partial preservation ------------------------------------------------------------
def _sensory_zpp(side: _Side) -> np.ndarray:
    """Possible sensory ZPP (n, 29) given that S4-5 on this side has no sensation."""
    numb_below = ~_suffix_any(~side.derm_can_numb)  # [:, d] = dermatomes d.. can all be numb
    lowest = side.derm_can_feel & numb_below[:, 1:]  # dermatome d is the lowest that feels
    lowest[:, -1] = False  # S4-5 feels -> not applicable
    out = np.zeros_like(side.normal_through)
    out[:, 1:] = lowest  # dermatome d sits at level d + 1
    out[:, 0] = numb_below[:, 0]  # nothing felt anywhere: the sensory level (C1)
    return out


def _motor_zpp(side: _Side, motor_level: np.ndarray) -> np.ndarray:
    """Possible motor ZPP (n, 29): lowest moving key muscle below the motor level, else the level."""
    still_below = ~_suffix_any(~side.can_zero)  # [:, j] = muscles j.. can all be 0
    lowest = _on_levels(side.can_move & still_below[:, 1:])
    none_moves = still_below[:, 0]
    lowest_upto = np.logical_or.accumulate(lowest, axis=1)  # candidate lowest at <= k
    top_level = np.argmax(motor_level, axis=1)
    at_level = motor_level & (none_moves[:, None] | lowest_upto)
    below_level = lowest & (np.arange(N_LEVELS)[None, :] > top_level[:, None])
    return at_level | below_level


# --- formatting -------------------------------------------------------------------------------
def _format(possible: np.ndarray, labels) -> np.ndarray:
    """Join the labels of each row's possible values with ','; unique rows formatted once."""
    bits = np.left_shift(1, np.arange(possible.shape[1], dtype=np.int64))  # <= 30 values: fits int64
    keys = possible.astype(np.int64) @ bits
    unique, inverse = np.unique(keys, return_inverse=True)
    labels = np.asarray(labels, dtype=object)
    texts = np.array([",".join(labels[(key & bits) > 0]) for key in unique], dtype=object)
    return texts[inverse]


def _with_na(values: np.ndarray, applies_can: np.ndarray, applies_sure: np.ndarray) -> np.ndarray:
    """Append an 'NA' column (possible unless the ZPP certainly applies); clear values if it cannot."""
    values = values & applies_can[:, None]
    return np.column_stack([values, ~applies_sure])


def classify(exams: pd.DataFrame) -> pd.DataFrame:
    """Classify each exam (one output row per input row, same index); see the module docstring."""
    sides = {s: _Side(exams, s) for s in contract.SIDES}
    right, left = sides["right"], sides["left"]
    sensory_levels = {s: _sensory_level(sides[s]) for s in contract.SIDES}
    motor_levels = {s: _motor_level(sides[s]) for s in contract.SIDES}
    nli = _min_of(_side_neurological_level(right), _side_neurological_level(left))
    sacral = _sacral(right, left, exams)
    complete = np.column_stack([sacral["complete_can"], sacral["incomplete_can"]])
    out = {}
    for s in contract.SIDES:
        out[f"{s}_motor_level"] = _format(motor_levels[s], LEVELS)
    for s in contract.SIDES:
        out[f"{s}_sensory_level"] = _format(sensory_levels[s], LEVELS)
    out["neurological_level"] = _format(nli, LEVELS)
    out["ais"] = _format(_ais(right, left, motor_levels, nli, sacral), AIS_GRADES)
    out["complete"] = _format(complete, ("yes", "no"))
    result = pd.DataFrame(out, index=exams.index)
    result = pd.concat([result, totals(exams)], axis=1)
    zpp_labels = LEVELS + ("NA",)
    vac_applies = (sacral["vac_can_no"], sacral["vac_is_no"])
    s45 = N_DERMATOMES - 1
    for s in contract.SIDES:
        zpp = _motor_zpp(sides[s], motor_levels[s])
        result[f"{s}_motor_zpp"] = _format(_with_na(zpp, *vac_applies), zpp_labels)
    for s in contract.SIDES:
        side = sides[s]
        applies_can = sacral["dap_can_no"] & side.derm_can_numb[:, s45]
        applies_sure = sacral["dap_is_no"] & ~side.derm_can_feel[:, s45]
        zpp = _sensory_zpp(side)
        result[f"{s}_sensory_zpp"] = _format(_with_na(zpp, applies_can, applies_sure), zpp_labels)
    return result[list(OUTPUT_COLUMNS)]
