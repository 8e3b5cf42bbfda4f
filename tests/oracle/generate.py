"""Random ISNCSCI exams for the differential test against the official algorithm.

`exams(n, seed)` draws n exams in the contract columns (categoricals of the cell strings) plus
the optional non-key muscle columns and a `pattern` column. Each exam follows one pattern, then overlays are applied:

patterns   injury         levels per side and modality near a common level, preservation below
                          it from none (complete) to most (incomplete), a zone of partial
                          preservation just below the level
           brown_sequard  one side's motor and the other side's pin prick spared
           sacral         a complete-looking injury with S4-5, VAC and DAP drawn freely
           near_normal    a normal exam with one to three impaired cells
           normal_corner  one side or the whole exam normal, VAC and DAP drawn from Yes/No/NT
                          (the corner the official algorithm treats specially)
           scattered      any value in any cell
overlays   NT             1-3 NT cells (motor or sensory) in 25% of exams; VAC, DAP NT in 5% each
           non-SCI marks  1-3 cells in 30% of exams become `X*` or `X**` (incl. NT*, NT**)
           non-key        a lowest non-key muscle with motor function on a side, 25% of sides
"""

import numpy as np
import pandas as pd

from caseseries.data import contract

PATTERNS = ("injury", "brown_sequard", "sacral", "near_normal", "normal_corner", "scattered")
WEIGHTS = (0.35, 0.1, 0.1, 0.15, 0.15, 0.15)
N_DERMATOMES = len(contract.SENSORY_LEVELS)  # 28, C2..S4_5
MUSCLE_DERMATOME = np.array([contract.SENSORY_LEVELS.index(m) for m in contract.MOTOR_LEVELS])
NORMAL = {"motor": 5, "lt": 2, "pp": 2}


def _cells_below(rng, first_impaired, zone, keep, top, shape) -> np.ndarray:
    """Grades: normal (top) above the first impaired segment, any grade in the zone of partial
    preservation just below it, then normal with probability `keep` (0: complete, all 0), else
    0 or any grade below normal."""
    position = np.arange(shape[1])[None, :]
    impaired = position >= first_impaired[:, None]
    in_zone = impaired & (position < (first_impaired + zone)[:, None])
    kept = rng.random(shape) < keep[:, None]
    weak = np.where((rng.random(shape) < 0.5) | (keep == 0)[:, None], 0, rng.integers(0, top, size=shape))
    cells = np.where(impaired & ~kept, weak, top)
    return np.where(in_zone, rng.integers(0, top + 1, size=shape), cells)


def _grades(rng, pattern, n):
    """{modality: (n, 2 sides, width) int grades} before overlays."""
    base = rng.integers(0, N_DERMATOMES + 1, size=n)  # first impaired dermatome; 28 = none
    keep = rng.choice([0.0, 0.0, 0.0, 0.05, 0.2, 0.5, 0.8], size=n)  # 0: complete below the zone
    zone = rng.integers(0, 4, size=n)
    grades = {}
    for modality, top in NORMAL.items():
        width = 10 if modality == "motor" else N_DERMATOMES
        sides = []
        for side in range(2):
            first = np.clip(base + rng.integers(-2, 3, size=n), 0, N_DERMATOMES)
            # brown_sequard: the right side keeps its motor function, the left its pin prick
            spared = (pattern == "brown_sequard") & ((side == 0) == (modality == "motor"))
            first = np.where(spared, N_DERMATOMES, first)
            first = np.where(pattern == "near_normal", N_DERMATOMES, first)
            corner_normal = (pattern == "normal_corner") & ((side == 0) | (rng.random(n) < 0.5))
            first = np.where(corner_normal, N_DERMATOMES, first)
            if modality == "motor":  # a muscle is impaired from its segment's dermatome on
                first = np.searchsorted(MUSCLE_DERMATOME, first)
            cells = _cells_below(rng, first, zone if modality != "motor" else zone // 2, keep, top, (n, width))
            scattered = (pattern == "scattered")[:, None] & (rng.random((n, width)) < 0.3)
            cells = np.where(scattered, rng.integers(0, top + 1, size=(n, width)), cells)
            sides.append(cells)
        grades[modality] = np.stack(sides, axis=1)
    # near_normal: one to three impaired cells anywhere
    for _ in range(3):
        rows = np.flatnonzero((pattern == "near_normal") & (rng.random(n) < 0.7))
        modality = rng.choice(list(NORMAL), size=len(rows))
        for name, top in NORMAL.items():
            chosen = rows[modality == name]
            width = grades[name].shape[2]
            grades[name][chosen, rng.integers(0, 2, len(chosen)), rng.integers(0, width, len(chosen))] = (
                rng.integers(0, top, len(chosen)))
    # sacral: S4-5 drawn freely
    rows = np.flatnonzero(pattern == "sacral")
    for name in ("lt", "pp"):
        grades[name][rows, :, -1] = rng.integers(0, 3, size=(len(rows), 2))
    return grades


def _anal(rng, pattern, n, grades) -> dict:
    """VAC and DAP: free in the sacral, corner and scattered patterns; else mostly present only
    with S4-5 sensation."""
    s45_felt = (grades["lt"][:, :, -1] > 0).any(axis=1) | (grades["pp"][:, :, -1] > 0).any(axis=1)
    out = {}
    for column, given_sparing in (("vac", 0.5), ("dap", 0.7)):
        follows = np.where((s45_felt & (rng.random(n) < given_sparing)) | (rng.random(n) < 0.1), "Yes", "No")
        free = rng.choice(np.array(contract.ANAL_VALUES), size=n)
        values = np.where(np.isin(pattern, ["sacral", "normal_corner", "scattered"]), free, follows)
        values = np.where(rng.random(n) < 0.05, "NT", values)
        out[column] = values.astype(object)
    return out


CELL_VALUES = contract.MOTOR_VALUES  # every legal motor or sensory cell string
CODE = {value: code for code, value in enumerate(CELL_VALUES)}


def _cells(rng, grades, n) -> dict:
    """Cell columns (categoricals over CELL_VALUES) with the NT and non-SCI overlays."""
    names, columns = [], []
    for modality, array in grades.items():
        levels = contract.MOTOR_LEVELS if modality == "motor" else contract.SENSORY_LEVELS
        for s, side in enumerate(contract.SIDES):
            names += [f"{side}_{modality}_{level}" for level in levels]
            columns.append(array[:, s, :])
    codes = np.concatenate(columns, axis=1)  # plain grade g has code g
    is_motor = np.array(["_motor_" in name for name in names])
    # NT: 1-3 cells in a quarter of the exams
    for _ in range(3):
        rows = np.flatnonzero(rng.random(n) < 0.09)
        codes[rows, rng.integers(0, len(names), len(rows))] = CODE["NT"]
    # non-SCI marks: 1-3 cells in 30% of exams; a random impaired grade (or NT) with * or **
    starred = np.array([[CODE[f"{g}{star}"] for g in ("0", "1", "2", "3", "4", "NT")] for star in ("*", "**")])
    for _ in range(3):
        rows = np.flatnonzero(rng.random(n) < 0.11)
        at = rng.integers(0, len(names), len(rows))
        grade = (rng.random(len(rows)) * np.where(is_motor[at], 5, 2)).astype(int)
        grade[rng.random(len(rows)) < 0.15] = 5  # NT
        codes[rows, at] = starred[rng.integers(0, 2, len(rows)), grade]
    return {name: pd.Categorical.from_codes(codes[:, i], categories=CELL_VALUES) for i, name in enumerate(names)}


def exams(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pattern = rng.choice(np.array(PATTERNS), size=n, p=WEIGHTS)
    grades = _grades(rng, pattern, n)
    columns = _cells(rng, grades, n)
    columns |= _anal(rng, pattern, n, grades)
    for side in contract.SIDES:
        nonkey = rng.choice(np.array(contract.MOTOR_LEVELS, dtype=object), size=n)
        columns[f"{side}_lowest_nonkey_muscle"] = np.where(rng.random(n) < 0.25, nonkey, "").astype(object)
    frame = pd.DataFrame(columns)
    frame.insert(0, "pattern", pattern)
    return frame[["pattern", *contract.ISNCSCI_EXAM_COLUMNS, *contract.NONKEY_MUSCLE_COLUMNS]]
