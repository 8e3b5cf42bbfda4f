"""Generate a deterministic synthetic dataset in the raw-data contract format (no patient data).

`simulate_dataset(...)` returns the contract tables as DataFrames; `write_dataset(...)` writes
them (and dataset.yaml) byte-for-byte reproducibly: same arguments, same bytes.

Two profiles:
* `case-series` shapes the data like the published series (J Clin Med 2024;13:6072): years
  since injury spanning exactly 1.3 to 27, baseline AIS grades covering A-D, exactly one
  patient converting from AIS C to D at the last visit (all others keep their grade), no
  serious adverse event. `--example` is this profile with the options in EXAMPLE.
* `cohort` draws everything at random (a trial-like cohort): AIS conversions by chance,
  rare serious adverse events, optional arms, missed visits and rare NT cells.

Every ISNCSCI exam is built to classify (ISNCSCI 2019) to an intended neurological level and
AIS grade; `recorded_ais` holds that grade, `standard` the standard it was given under
(ISCSCI-92 in the case-series profile, as in the paper; ISNCSCI-2019 otherwise), and the
"exam_targets" table the intended NLI. Options add non-SCI marks in the official notation and
the lowest non-key muscles, both placed where they cannot change the classification.
The exams are built array-wide (numpy), so 10^5 patients x 5 visits take seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from caseseries.data import contract as c
from caseseries.tables import EXAM_DTYPES

PROFILES = ("cohort", "case-series")
EXAMPLE = {"n_patients": 7, "n_sites": 1, "seed": 6072, "visit_days": (0, 90, 180), "profile": "case-series",
           "mark_rate": 0.01}
DATASET_VERSION = "1.0.0"
EXAM_TARGETS = "exam_targets"  # extra table (not written): intended NLI and AIS per exam

# --- the segment scale -------------------------------------------------------------------------
# Rank of every segment, rostral to caudal: C1 = 0 .. S3 = 27, S4_5 = 28.
SEGMENTS = ("C1",) + c.SENSORY_LEVELS
RANK = {segment: rank for rank, segment in enumerate(SEGMENTS)}
SENSORY_RANK = np.array([RANK[lv] for lv in c.SENSORY_LEVELS])  # 1..28
MOTOR_RANK = np.array([RANK[lv] for lv in c.MOTOR_LEVELS])
S45 = len(c.SENSORY_LEVELS) - 1  # index of S4_5 among the dermatomes

# Intended neurological levels: cervical and thoracic. L1/T12 are left out because the motor
# level there is decided by the L2 muscle, which would blur "the intended level".
NLI_WEIGHTS = {
    "C4": 8, "C5": 14, "C6": 12, "C7": 8, "C8": 5, "T1": 3,
    "T2": 3, "T3": 3, "T4": 5, "T5": 4, "T6": 6, "T7": 5, "T8": 5, "T9": 4, "T10": 5, "T11": 4,
}
A, B, C, D = range(4)  # AIS grade codes; AIS E (normal exam) is never generated
BASELINE_AIS_WEIGHTS = (0.35, 0.15, 0.22, 0.28)
CONVERSION_PROBABILITY = (0.05, 0.10, 0.15, 0.0)  # one grade up by some follow-up (cohort)
ASYMMETRY_PROBABILITY = 0.35  # one side one segment lower than the other
STANDARD = {"case-series": "ISCSCI-92", "cohort": "ISNCSCI-2019"}  # under which recorded_ais was graded

CAUSES = {"traffic accident": 0.38, "fall": 0.28, "sports": 0.12, "diving": 0.06,
          "work accident": 0.10, "violence": 0.06}
COMPARATOR_RESPONSE = 0.3  # arms after the first (comparators): share of the treated response

# Adverse events: term, system organ class, early (onset day 0-2), relatedness choices, weight.
EVENT_CATALOGUE = (
    ("Fever", "General disorders and administration site conditions", True, ("possible", "probable", "definite"), 4),
    ("Headache", "Nervous system disorders", True, ("unlikely", "possible", "probable"), 4),
    ("Nausea", "Gastrointestinal disorders", True, ("unlikely", "possible", "probable"), 2),
    ("Infusion site reaction", "General disorders and administration site conditions", True, ("probable", "definite"), 2),
    ("Chills", "General disorders and administration site conditions", True, ("possible", "probable"), 2),
    ("Fatigue", "General disorders and administration site conditions", True, ("unlikely", "possible"), 2),
    ("Urinary tract infection", "Infections and infestations", False, ("unrelated", "unlikely"), 3),
    ("Muscle spasms", "Musculoskeletal and connective tissue disorders", False, ("unrelated", "unlikely", "possible"), 2),
    ("Neuropathic pain", "Nervous system disorders", False, ("unlikely", "possible"), 2),
    ("Nasopharyngitis", "Infections and infestations", False, ("unrelated",), 2),
)
SERIOUS_CATALOGUE = (
    ("Pneumonia", "Infections and infestations"),
    ("Pressure ulcer", "Skin and subcutaneous tissue disorders"),
    ("Sepsis", "Infections and infestations"),
)
SERIOUS_EVENT_PROBABILITY = 0.03  # per patient, cohort profile only
SAFETY_RESULT = "no"  # no tumour, no abnormal growth, no deterioration: the exams never worsen a grade

# SCIM-III item latent = a + b * arm_function + c * leg_function (all on a 0..1 scale), then
# mapped onto the item's allowed values. Tetraplegia lowers self-care; complete injuries lower
# mobility and sphincter control.
SCIM_ITEM_WEIGHTS = {
    "item_01": (0.10, 0.95, 0.05), "item_02": (0.00, 0.90, 0.10), "item_03": (0.00, 0.80, 0.20),
    "item_04": (0.00, 0.95, 0.05), "item_05": (0.00, 0.75, 0.25), "item_06": (0.05, 0.95, 0.00),
    "item_07": (0.55, 0.45, 0.00), "item_08": (0.20, 0.25, 0.50), "item_09": (0.20, 0.35, 0.45),
    "item_10": (0.10, 0.60, 0.30), "item_11": (0.05, 0.65, 0.30), "item_12": (0.00, 0.75, 0.25),
    "item_13": (0.00, 0.70, 0.30), "item_14": (0.05, 0.20, 0.75), "item_15": (0.03, 0.18, 0.75),
    "item_16": (0.00, 0.15, 0.75), "item_17": (0.00, 0.00, 0.90), "item_18": (0.00, 0.60, 0.30),
    "item_19": (0.00, 0.45, 0.30),
}
# Arm function by neurological level (rank); thoracic and below use the last value.
ARM_FUNCTION_BY_RANK = {3: 0.05, 4: 0.15, 5: 0.30, 6: 0.48, 7: 0.60, 8: 0.72}
THORACIC_ARM_FUNCTION = 0.92
LEG_FUNCTION_BY_AIS = np.array([0.0, 0.08, 0.30, 0.65])


# --- small helpers -----------------------------------------------------------------------------
def parse_int_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parse_name_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _ids(prefix: str, n: int, min_width: int) -> np.ndarray:
    width = max(min_width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def visit_day_range(target: int) -> tuple[int, int]:
    """Days on which a visit planned for `target` happens (baseline: -30..-1)."""
    if target == 0:
        return -30, -1
    return target - round(target / 18), target + round(target / 12)


def _check_visits(visit_days: tuple[int, ...]) -> None:
    if not visit_days or visit_days[0] != 0 or any(d <= 0 for d in visit_days[1:]):
        raise ValueError("visits must start with 0 (the pre-infusion baseline) followed by positive days")
    ranges = [visit_day_range(d) for d in visit_days]
    if any(low <= previous_high for (_, previous_high), (low, _) in zip(ranges, ranges[1:])):
        raise ValueError(f"visits {visit_days} are too close: their day ranges {ranges} overlap")


def _normal32(rng, sd: float, shape) -> np.ndarray:
    """Normal noise in float32: the exam arrays are large and need no more precision."""
    return np.float32(sd) * rng.standard_normal(shape, dtype=np.float32)


def _growth(days: np.ndarray) -> np.ndarray:
    """Share of the eventual gain reached by `days` after infusion (0 before)."""
    return np.where(days > 0, 1.0 - np.exp(-np.maximum(days, 0) / 100.0), 0.0)


# --- patients ----------------------------------------------------------------------------------
def _years_since_injury(n: int, profile: str, rng) -> np.ndarray:
    if profile == "case-series":
        # Spread over the published range, with its two ends hit exactly.
        raw = rng.uniform(size=n)
        raw = (raw - raw.min()) / (raw.max() - raw.min())
        return np.round(1.3 + raw * (27.0 - 1.3), 1)
    return np.round(np.clip(rng.lognormal(np.log(6.0), 0.8, size=n), 1.0, 35.0), 1)


def _patients(n: int, n_sites: int, arms: tuple[str, ...], profile: str, rng) -> pd.DataFrame:
    years = _years_since_injury(n, profile, rng)
    injury_age = 16 + (70 - years - 16) * rng.beta(2.0, 3.0, size=n)
    age = np.clip(np.round(injury_age + years), 20, 70).astype(int)
    weight_kg = np.clip(rng.normal(72, 12, size=n), 45, 110)
    dose_1e8 = np.clip(weight_kg * rng.uniform(0.9, 1.7, size=n) / 100, 0.5, 1.5)
    dose_per_kg = dose_1e8 * 100 / weight_kg
    table = {
        "patient_id": _ids("P", n, 2),
        "site": _ids("S", n_sites, 1)[rng.permutation(n) % n_sites],
    }
    if arms:
        arm_index = rng.permutation(n) % len(arms)
        table["arm"] = np.array(arms, dtype=object)[arm_index]
        # Comparator arms get no cells.
        dose_1e8 = np.where(arm_index == 0, dose_1e8, 0.0)
        dose_per_kg = np.where(arm_index == 0, dose_per_kg, 0.0)
    causes = np.array(list(CAUSES), dtype=object)
    table |= {
        "sex": np.where(rng.uniform(size=n) < 0.75, "M", "F").astype(object),
        "age": age,
        "years_since_injury": years,
        "cause": causes[rng.choice(len(causes), size=n, p=list(CAUSES.values()))],
        "cell_dose_1e8": np.round(dose_1e8, 2),
        "cell_dose_per_kg_1e6": np.round(dose_per_kg, 2),
    }
    return pd.DataFrame(table)


# --- injury targets ----------------------------------------------------------------------------
def _baseline_ais(n: int, profile: str, rng) -> np.ndarray:
    drawn = rng.choice(4, size=n, p=BASELINE_AIS_WEIGHTS)
    if profile == "case-series":
        # Every grade A-D at least once, the rest drawn, in random order.
        drawn = rng.permutation(np.concatenate([np.arange(4), drawn[: n - 4]]))
    return drawn


def _ais_by_visit(baseline: np.ndarray, n_visits: int, profile: str, rng) -> np.ndarray:
    """(patients, visits) intended AIS code: the baseline grade, one grade up after a conversion."""
    n = len(baseline)
    ais = np.repeat(baseline[:, None], n_visits, axis=1)
    if n_visits < 2:
        return ais
    if profile == "case-series":
        converter = rng.choice(np.flatnonzero(baseline == C))
        ais[converter, -1] = D
        return ais
    converts = rng.uniform(size=n) < np.array(CONVERSION_PROBABILITY)[baseline]
    first_visit = rng.integers(1, n_visits, size=n)
    after = np.arange(n_visits)[None, :] >= first_visit[:, None]
    return ais + (converts[:, None] & after)


def _nli_ranks(n: int, rng) -> np.ndarray:
    levels = list(NLI_WEIGHTS)
    weights = np.array(list(NLI_WEIGHTS.values()), dtype=float)
    return np.array([RANK[lv] for lv in levels])[rng.choice(len(levels), size=n, p=weights / weights.sum())]


def _side_levels(nli: np.ndarray, rng) -> np.ndarray:
    """(n, 2) sensory = motor level per side: one side at the NLI, the other maybe one lower."""
    lower = (rng.uniform(size=len(nli)) < ASYMMETRY_PROBABILITY).astype(int)
    lower_side = rng.integers(0, 2, size=len(nli))
    levels = np.repeat(nli[:, None], 2, axis=1)
    levels[np.arange(len(nli)), lower_side] += lower
    return levels


# --- ISNCSCI exams -----------------------------------------------------------------------------
def _exam_latents(side_levels: np.ndarray, severity: np.ndarray, rng) -> dict:
    """Per-patient continuous 'grades' below the lesion, before any gain.

    severity: 0 (A) .. 3 (D), fractional for a patient who will convert. Function fades
    with distance below the level for complete injuries and stays patchy for incomplete ones.
    """
    n = len(severity)
    grades = np.arange(4)
    near_motor = np.interp(severity, grades, (1.0, 1.2, 2.0, 3.6))
    fade_motor = np.interp(severity, grades, (0.9, 0.9, 0.04, 0.03))
    near_sensory = np.interp(severity, grades, (1.2, 1.0, 1.2, 1.5))
    fade_sensory = np.interp(severity, grades, (0.5, 0.15, 0.01, 0.01))
    patient_effect = rng.normal(0, 0.3, size=(n, 1, 1))

    motor_distance = MOTOR_RANK[None, None, :] - side_levels[:, :, None]
    motor = near_motor[:, None, None] - fade_motor[:, None, None] * motor_distance + patient_effect
    motor = motor.astype(np.float32) + _normal32(rng, 1.0, (n, 2, len(MOTOR_RANK)))

    sensory_distance = SENSORY_RANK[None, None, :] - side_levels[:, :, None]
    sensory = near_sensory[:, None, None] - fade_sensory[:, None, None] * sensory_distance
    sacral_bonus = np.where(SENSORY_RANK >= RANK["S3"], 0.6, 0.0) * (severity == B)[:, None, None]
    sensory = (sensory + sacral_bonus + patient_effect * 0.5).astype(np.float32)
    shape = (n, 2, len(SENSORY_RANK))
    return {
        "motor": motor,
        "lt": sensory + np.float32(0.1) + _normal32(rng, 0.5, shape),
        "pp": sensory - np.float32(0.1) + _normal32(rng, 0.5, shape),
        "motor_sensitivity": rng.random(motor.shape, dtype=np.float32),
        "lt_sensitivity": rng.random(shape, dtype=np.float32),
        "pp_sensitivity": rng.random(shape, dtype=np.float32),
        "dap_draw": rng.uniform(size=n),
    }


def _motor_grades(latent, priority, side_levels, nli, ais):
    """Round the latent motor grades and impose the motor level and the AIS motor rules."""
    motor = np.clip(np.rint(latent), 0, 5).astype(np.int8)
    level = side_levels[:, :, None]
    rank = MOTOR_RANK[None, None, :]
    above, at, below = rank < level, rank == level, rank > level
    motor[above] = 5
    motor[at] = np.clip(motor[at], 3, 4)  # a 5 here would let a strong muscle below take the level
    # A non-key motor level (C4) directly above a key muscle: that muscle must stay < 3.
    blocked = (rank == level + 1) & ~np.isin(level, MOTOR_RANK)
    motor[blocked] = np.minimum(motor[blocked], 2)

    complete_motor = (ais <= B)[:, None, None]
    # A and B: no motor function more than three levels below the motor level; weak within.
    motor[complete_motor & below & (rank > level + 3)] = 0
    limit = complete_motor & below
    motor[limit] = np.minimum(motor[limit], 2)

    # C and D: the share of key muscles below the NLI graded >= 3 decides the grade.
    below_nli = np.broadcast_to(rank > nli[:, None, None], motor.shape)
    forced = at & below_nli  # the lower side's motor-level muscle is >= 3 already
    eligible = below_nli & ~forced & ~blocked
    half = below_nli.sum(axis=(1, 2)) // 2
    n_forced = forced.sum(axis=(1, 2))
    flat_priority = np.where(eligible, priority, -np.inf).reshape(len(nli), -1)
    position = np.argsort(np.argsort(-flat_priority, axis=1, kind="stable"), axis=1, kind="stable")
    position = position.reshape(motor.shape)
    cap = eligible & (ais == C)[:, None, None] & (position >= (half - 1 - n_forced)[:, None, None])
    motor[cap] = np.minimum(motor[cap], 2)
    lift = eligible & (ais == D)[:, None, None] & (position < (half - n_forced)[:, None, None])
    motor[lift] = np.maximum(motor[lift], 3)
    return motor


def _sensory_grades(lt_latent, pp_latent, side_levels, ais, dap):
    """Round the latent sensory grades and impose the sensory level and the AIS sacral rules."""
    lt = np.clip(np.rint(lt_latent), 0, 2).astype(np.int8)
    pp = np.clip(np.rint(pp_latent), 0, 2).astype(np.int8)
    level = side_levels[:, :, None]
    rank = SENSORY_RANK[None, None, :]
    intact = np.broadcast_to(rank <= level, lt.shape)
    lt[intact] = 2
    pp[intact] = 2
    # The dermatome just below the sensory level must not be normal.
    just_below = (rank == level + 1) & (lt == 2) & (pp == 2)
    pp[just_below] = 1

    complete = np.broadcast_to((ais == A)[:, None, None], lt.shape)
    for grades in (lt, pp):
        grades[complete & (rank > level)] = np.minimum(grades[complete & (rank > level)], 1)
        grades[complete & (rank > level + 3)] = 0
        grades[complete[:, :, 0], S45] = 0

    # B needs sacral sparing; give light touch at S4-5 on the right when chance gave none.
    spared = (lt[:, :, S45] > 0).any(axis=1) | (pp[:, :, S45] > 0).any(axis=1) | dap
    lt[(ais == B) & ~spared, 0, S45] = 1
    return lt, pp


def exam_grades(side_levels, nli, ais, latents: dict, gain: np.ndarray, rng) -> dict:
    """Numeric exams, one per row: motor (n, 2, 10), lt and pp (n, 2, 28) grades, vac and dap.

    side_levels (n, 2): sensory = motor level rank per side; nli (n,): rank; ais (n,): code
    0-3; latents: _exam_latents rows; gain (n,): recovery reached, which raises the latent
    grades, and the ISNCSCI rules then keep every exam at its intended level and grade.
    """
    visit_noise = 0.12  # examiner variability: a grade near a boundary may flip between visits
    gain = gain.astype(np.float32)[:, None, None]
    motor_latent = latents["motor"] + gain * latents["motor_sensitivity"]
    motor_latent += _normal32(rng, visit_noise, motor_latent.shape)
    lt_latent = latents["lt"] + np.float32(0.8) * gain * latents["lt_sensitivity"]
    lt_latent += _normal32(rng, visit_noise, lt_latent.shape)
    pp_latent = latents["pp"] + np.float32(0.8) * gain * latents["pp_sensitivity"]
    pp_latent += _normal32(rng, visit_noise, pp_latent.shape)
    dap_chance = np.array([0.0, 0.5, 0.7, 0.9])[ais]
    dap = latents["dap_draw"] < dap_chance
    motor = _motor_grades(motor_latent, latents["motor"], side_levels, nli, ais)
    lt, pp = _sensory_grades(lt_latent, pp_latent, side_levels, ais, dap)
    return {"motor": motor, "lt": lt, "pp": pp, "vac": ais >= C, "dap": dap}


def _sprinkle_not_testable(exams: dict, side_levels: np.ndarray, rate: float, rng) -> None:
    """Mark a rare sensory cell NT where it cannot change levels or grade.

    Only dermatomes at least two below the sensory level and above S4-5: the dermatome just
    below the level (which ends the level) and S4-5 (which decides the grade) stay examined.
    """
    if rate <= 0:
        return
    rank = SENSORY_RANK[None, None, :]
    allowed = (rank > side_levels[:, :, None] + 1) & (rank < RANK["S4_5"])
    for key in ("lt", "pp"):
        hit = allowed & (rng.uniform(size=exams[key].shape) < rate)
        exams[key][hit] = c.SENSORY_VALUES.index("NT")


def _mark_non_sci(exams: dict, rate: float, rng) -> None:
    """Mark cells as impaired by a non-SCI condition (official notation) without changing the
    classification: a motor 3 or 4 or a sensory 1 becomes `X*` (rated not normal, so classified
    at its grade as before); a normal cell becomes `4**` / `1**` (examined one lower, rated
    normal). Totals count the examined grade: every `**` lowers its total by one.
    """
    if rate <= 0:
        return
    for key, values, normal, starred in (("motor", c.MOTOR_VALUES, 5, (3, 4)), ("lt", c.SENSORY_VALUES, 2, (1,)),
                                         ("pp", c.SENSORY_VALUES, 2, (1,))):
        grades = exams[key]  # codes: a plain grade g has code g
        hit = rng.uniform(size=grades.shape) < rate
        for grade in starred:
            grades[hit & (grades == grade)] = values.index(f"{grade}*")
        grades[hit & (grades == normal)] = values.index(f"{normal - 1}**")


def _nonkey_muscles(side_levels: np.ndarray, ais: np.ndarray, rate: float, rng) -> dict[str, np.ndarray]:
    """The lowest non-key muscle with motor function per side, where it cannot change the grade:
    in C and D (VAC present: motor incomplete anyway) any key-muscle level below the side's
    motor level; in B one to three levels below it (not "more than three"); never in A."""
    columns = {}
    for s, column in enumerate(c.NONKEY_MUSCLE_COLUMNS):
        level = side_levels[:, s, None]
        allowed = (MOTOR_RANK[None, :] > level) & ((ais >= C)[:, None] | ((ais == B)[:, None] & (MOTOR_RANK <= level + 3)))
        pick = np.where(allowed, rng.uniform(size=allowed.shape), -1).argmax(axis=1)
        given = allowed.any(axis=1) & (rng.uniform(size=len(ais)) < rate)
        columns[column] = np.where(given, np.array(c.MOTOR_LEVELS, dtype=object)[pick], "").astype(object)
    return columns


def build_exam(nli: str, ais: str, rng, lower_side: str | None = None, gain: float = 0.0) -> dict[str, str]:
    """One ISNCSCI exam (contract column -> cell string) that classifies to `nli` and `ais`.

    nli: "C4".."C8", "T1".."T11"; ais: "A".."D"; lower_side: None (symmetric) or the side
    ("right"/"left") whose sensory and motor levels are one segment below the NLI; gain: the
    recovery reached (0 = none), which only moves grades within what `ais` allows.
    """
    nli_rank = np.array([RANK[nli]])
    ais_code = np.array([c.AIS_GRADES.index(ais)])
    side_levels = np.repeat(nli_rank[:, None], 2, axis=1)
    if lower_side is not None:
        side_levels[0, c.SIDES.index(lower_side)] += 1
    latents = _exam_latents(side_levels, ais_code.astype(float), rng)
    exams = exam_grades(side_levels, nli_rank, ais_code, latents, np.array([gain]), rng)
    return {column: values[0] for column, values in _exam_cells(exams).items()}


def _exam_cells(exams: dict) -> dict[str, pd.Categorical]:
    """Contract columns as categoricals of the contract cell strings (codes = grades)."""
    # The contract's dtypes, built once (tables.EXAM_DTYPES): given `categories=`, from_codes builds
    # and checks a dtype for every column, 134 per exam (30 ms for a single exam).
    n = len(exams["vac"])
    cells = {}
    motor = exams["motor"].reshape(n, -1)  # side-major, as contract.MOTOR_COLUMNS
    for j, column in enumerate(c.MOTOR_COLUMNS):
        cells[column] = pd.Categorical.from_codes(motor[:, j], dtype=EXAM_DTYPES[c.MOTOR_VALUES])
    for key, columns in (("lt", c.LIGHT_TOUCH_COLUMNS), ("pp", c.PIN_PRICK_COLUMNS)):
        sensory = exams[key].reshape(n, -1)
        for j, column in enumerate(columns):
            cells[column] = pd.Categorical.from_codes(sensory[:, j], dtype=EXAM_DTYPES[c.SENSORY_VALUES])
    for key in ("vac", "dap"):
        codes = np.where(exams[key], c.ANAL_VALUES.index("Yes"), c.ANAL_VALUES.index("No"))
        cells[key] = pd.Categorical.from_codes(codes, dtype=EXAM_DTYPES[c.ANAL_VALUES])
    return cells


# --- SCIM-III ----------------------------------------------------------------------------------
def _scim_items(nli: np.ndarray, severity: np.ndarray, gain: np.ndarray, rng) -> np.ndarray:
    """(patients, visits, 19) SCIM-III item values consistent with level and grade.

    severity: 0 (A) .. 3 (D) per patient; function changes over time only through `gain`
    (patients, visits), so a grade conversion shows as a gain, not as a jump.
    """
    n, n_visits = gain.shape
    arm = np.array([ARM_FUNCTION_BY_RANK.get(r, THORACIC_ARM_FUNCTION) for r in nli])[:, None]
    leg = np.interp(severity, np.arange(4), LEG_FUNCTION_BY_AIS)[:, None]
    arm = arm + (1 - arm) * leg * 0.7  # incomplete injuries keep some hand function
    item_noise = rng.normal(0, 0.08, size=(n, 1, len(c.SCIM_ITEMS)))
    item_sensitivity = rng.uniform(0.2, 1.0, size=(n, 1, len(c.SCIM_ITEMS)))
    visit_noise = rng.normal(0, 0.02, size=(n, n_visits, len(c.SCIM_ITEMS)))
    weights = np.array([SCIM_ITEM_WEIGHTS[item] for item in c.SCIM_ITEMS])
    latent = weights[:, 0] + weights[:, 1] * arm[:, :, None] + weights[:, 2] * leg[:, :, None]
    latent = latent + item_noise + visit_noise + 0.08 * gain[:, :, None] * item_sensitivity
    values = np.empty(latent.shape, dtype=np.int64)
    for j, (_, allowed) in enumerate(c.SCIM_ITEMS.values()):
        index = np.clip(np.rint(latent[:, :, j] * (len(allowed) - 1)), 0, len(allowed) - 1).astype(int)
        values[:, :, j] = np.array(allowed)[index]
    return values


# --- adverse events and safety checks ----------------------------------------------------------
def _adverse_events(patient_ids, last_day: np.ndarray, profile: str, rng) -> pd.DataFrame:
    n = len(patient_ids)
    counts = rng.poisson(1.2, size=n)
    owner = np.repeat(np.arange(n), counts)
    weights = np.array([entry[4] for entry in EVENT_CATALOGUE], dtype=float)
    kind = rng.choice(len(EVENT_CATALOGUE), size=len(owner), p=weights / weights.sum())
    early = np.array([entry[2] for entry in EVENT_CATALOGUE])[kind]
    late_day = rng.integers(3, np.maximum(last_day[owner], 3) + 1)
    onset = np.where(early, rng.integers(0, 3, size=len(owner)), late_day)
    relatedness = np.empty(len(owner), dtype=object)
    pick = rng.uniform(size=len(owner))
    for k, entry in enumerate(EVENT_CATALOGUE):
        options = np.array(entry[3], dtype=object)
        mask = kind == k
        relatedness[mask] = options[(pick[mask] * len(options)).astype(int)]
    recovering = ~early & (rng.uniform(size=len(owner)) < 0.25)
    events = pd.DataFrame({
        "patient_id": patient_ids[owner],
        "onset_day": onset,
        "term": np.array([e[0] for e in EVENT_CATALOGUE], dtype=object)[kind],
        "system_organ_class": np.array([e[1] for e in EVENT_CATALOGUE], dtype=object)[kind],
        "grade": np.where(rng.uniform(size=len(owner)) < 0.75, 1, 2),
        "serious": "no",
        "relatedness": relatedness,
        "outcome": np.where(recovering, "recovering", "recovered").astype(object),
    })
    if profile == "cohort":
        events = pd.concat([events, _serious_events(patient_ids, last_day, rng)], ignore_index=True)
    # One report per patient and term (the first onset).
    events = events.sort_values(["patient_id", "onset_day", "term"], kind="stable")
    events = events.drop_duplicates(["patient_id", "term"]).reset_index(drop=True)
    return events


def _serious_events(patient_ids, last_day, rng) -> pd.DataFrame:
    owner = np.flatnonzero(rng.uniform(size=len(patient_ids)) < SERIOUS_EVENT_PROBABILITY)
    kind = rng.integers(0, len(SERIOUS_CATALOGUE), size=len(owner))
    return pd.DataFrame({
        "patient_id": patient_ids[owner],
        "onset_day": rng.integers(3, np.maximum(last_day[owner], 3) + 1),
        "term": np.array([e[0] for e in SERIOUS_CATALOGUE], dtype=object)[kind],
        "system_organ_class": np.array([e[1] for e in SERIOUS_CATALOGUE], dtype=object)[kind],
        "grade": 3,
        "serious": "yes",
        "relatedness": np.where(rng.uniform(size=len(owner)) < 0.7, "unrelated", "unlikely").astype(object),
        "outcome": "recovered",
    })


def _safety_findings(visit_patient_ids, visit_days) -> pd.DataFrame:
    """Each scheduled check at each follow-up visit; all negative."""
    n_checks = len(c.SAFETY_CHECKS)
    return pd.DataFrame({
        "patient_id": np.repeat(visit_patient_ids, n_checks),
        "day": np.repeat(visit_days, n_checks),
        "check": np.tile(np.array(c.SAFETY_CHECKS, dtype=object), len(visit_days)),
        "result": SAFETY_RESULT,
    })


# --- the dataset -------------------------------------------------------------------------------
def simulate_dataset(
    n_patients: int,
    n_sites: int = 1,
    seed: int = 0,
    visit_days: tuple[int, ...] = (0, 90, 180),
    arms: tuple[str, ...] = (),
    profile: str = "cohort",
    missing_rate: float = 0.0,
    nt_rate: float = 0.0,
    mark_rate: float = 0.0,
    nonkey_rate: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """The contract tables (keys of contract.RAW_FILES) plus EXAM_TARGETS.

    visit_days: planned days, 0 (pre-infusion baseline) first; actual days scatter around
    them (visit_day_range). missing_rate: chance that a follow-up visit is missed (baseline
    never is). nt_rate: chance that an eligible sensory cell is NT (see _sprinkle_not_testable).
    mark_rate: chance that an eligible cell carries a non-SCI mark (see _mark_non_sci).
    nonkey_rate: chance that a side records its lowest non-key muscle (see _nonkey_muscles);
    the two columns are written only when it is above 0.
    """
    visit_days = tuple(visit_days)
    _check_visits(visit_days)
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}")
    if profile == "case-series" and (n_patients < 4 or len(visit_days) < 2):
        raise ValueError("the case-series profile needs at least 4 patients and one follow-up visit")
    if n_patients < 1 or n_sites < 1 or n_sites > n_patients:
        raise ValueError("need at least one patient and one site, and no more sites than patients")
    # Streams by purpose; spawn(8)[:6] equals spawn(6), so new streams leave older data unchanged.
    streams = np.random.default_rng(seed).spawn(8)
    rng_patients, rng_visits, rng_injury, rng_exams, rng_scim, rng_events, rng_marks, rng_nonkey = streams
    n, n_visits = n_patients, len(visit_days)

    patients = _patients(n, n_sites, arms, profile, rng_patients)
    days = np.column_stack([rng_visits.integers(low, high + 1, size=n)
                            for low, high in map(visit_day_range, visit_days)])
    attended = rng_visits.uniform(size=(n, n_visits)) >= missing_rate
    attended[:, 0] = True

    baseline = _baseline_ais(n, profile, rng_injury)
    ais = _ais_by_visit(baseline, n_visits, profile, rng_injury)
    nli = _nli_ranks(n, rng_injury)
    side_levels = _side_levels(nli, rng_injury)
    response = rng_injury.gamma(4.0, 0.22, size=n)
    if arms:
        response = np.where(patients["arm"].to_numpy() == arms[0], response, COMPARATOR_RESPONSE * response)
    gain = response[:, None] * _growth(days)

    # A converting patient starts halfway between the two grades.
    severity = (ais[:, 0] + ais[:, -1]) / 2
    latents = _exam_latents(side_levels, severity, rng_exams)
    row_patient, row_visit = np.nonzero(attended)  # patient-major: rows sorted by patient, day
    exams = exam_grades(
        side_levels[row_patient], nli[row_patient], ais[row_patient, row_visit],
        {key: value[row_patient] for key, value in latents.items()}, gain[row_patient, row_visit], rng_exams,
    )
    _sprinkle_not_testable(exams, side_levels[row_patient], nt_rate, rng_exams)
    _mark_non_sci(exams, mark_rate, rng_marks)

    ids = patients["patient_id"].to_numpy()
    row_ids, row_days = ids[row_patient], days[row_patient, row_visit]
    isncsci = pd.DataFrame({"patient_id": row_ids, "day": row_days} | _exam_cells(exams))
    isncsci["recorded_ais"] = pd.Categorical.from_codes(ais[row_patient, row_visit], categories=c.AIS_GRADES)
    isncsci["standard"] = STANDARD[profile]
    if nonkey_rate > 0:
        isncsci = isncsci.assign(**_nonkey_muscles(side_levels[row_patient], ais[row_patient, row_visit],
                                                   nonkey_rate, rng_nonkey))

    items = _scim_items(nli, severity, gain, rng_scim)[row_patient, row_visit]
    scim = pd.DataFrame({"patient_id": row_ids, "day": row_days}
                        | {item: items[:, j] for j, item in enumerate(c.SCIM_ITEMS)})

    last_day = np.where(attended, days, days[:, :1]).max(axis=1)
    follow_up = row_visit > 0
    return {
        "patients": patients,
        "isncsci": isncsci,
        "scim": scim,
        "adverse_events": _adverse_events(ids, last_day, profile, rng_events),
        "safety_findings": _safety_findings(row_ids[follow_up], row_days[follow_up]),
        EXAM_TARGETS: pd.DataFrame({
            "patient_id": row_ids,
            "day": row_days,
            "neurological_level": np.array(SEGMENTS, dtype=object)[nli[row_patient]],
            "ais": np.array(c.AIS_GRADES, dtype=object)[ais[row_patient, row_visit]],
        }),
    }


# --- writing -----------------------------------------------------------------------------------
FLOAT_DECIMALS = {"years_since_injury": 1, "cell_dose_1e8": 2, "cell_dose_per_kg_1e6": 2}
WRITE_CHUNK_ROWS = 50_000
UNSAFE_CSV_BYTES = (b",", b'"', b"\n", b"\r")


def _cell_bytes(column: str, values: pd.Series) -> np.ndarray:
    """The column's cells as a numpy bytes array (UTF-8), formatted deterministically."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy().astype(bytes)  # digits and '-' only: always safe
    if pd.api.types.is_float_dtype(values.dtype):
        decimals = FLOAT_DECIMALS[column]
        return np.array([f"{v:.{decimals}f}".encode() for v in values.to_numpy()])
    # Text and categories: encode each distinct value once (long tables repeat a few values).
    codes, uniques = pd.factorize(values)
    if (codes < 0).any():
        raise ValueError(f"column {column} has missing values")
    encoded = np.array([str(u).encode() for u in uniques] or [b""])
    for unsafe in UNSAFE_CSV_BYTES:
        if any(unsafe in cell for cell in encoded):
            raise ValueError(f"column {column} holds a value with {unsafe!r}; this writer does not quote")
    return encoded[codes]


def _csv_body(frame: pd.DataFrame) -> bytes:
    """CSV rows, built as one byte matrix: each cell padded with NULs to its column's width,
    followed by ',' (or '\n' at the row end); dropping the NULs leaves the CSV text."""
    columns = [_cell_bytes(column, frame[column]) for column in frame.columns]
    widths = [max(cells.dtype.itemsize, 1) for cells in columns]
    matrix = np.zeros((len(frame), sum(widths) + len(widths)), dtype=np.uint8)
    start = 0
    for cells, width in zip(columns, widths):
        padded = np.ascontiguousarray(cells.astype(f"S{width}"))
        matrix[:, start:start + width] = padded.view(np.uint8).reshape(len(frame), width)
        matrix[:, start + width] = ord(",")
        start += width + 1
    matrix[:, -1] = ord("\n")
    return matrix[matrix != 0].tobytes()


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write one table as CSV: UTF-8, "\\n" line endings, no index, no quoting needed."""
    with open(path, "wb") as out:
        out.write((",".join(frame.columns) + "\n").encode())
        for start in range(0, len(frame), WRITE_CHUNK_ROWS):
            out.write(_csv_body(frame.iloc[start:start + WRITE_CHUNK_ROWS]))


def command_line(n_patients, n_sites=1, seed=0, visit_days=(0, 90, 180), arms=(), profile="cohort",
                 missing_rate=0.0, nt_rate=0.0, mark_rate=0.0, nonkey_rate=0.0) -> str:
    """The `python -m caseseries simulate` command that makes this dataset (no --out)."""
    parts = ["python -m caseseries simulate", f"--patients {n_patients}", f"--sites {n_sites}", f"--seed {seed}",
             f"--visits {','.join(map(str, visit_days))}", f"--profile {profile}"]
    if arms:
        parts.append(f"--arms {','.join(arms)}")
    if missing_rate:
        parts.append(f"--missing-rate {missing_rate}")
    if nt_rate:
        parts.append(f"--nt-rate {nt_rate}")
    if mark_rate:
        parts.append(f"--mark-rate {mark_rate}")
    if nonkey_rate:
        parts.append(f"--nonkey-rate {nonkey_rate}")
    return " ".join(parts)


def describe_dataset(n_patients, n_sites=1, seed=0, visit_days=(0, 90, 180), arms=(), profile="cohort",
                     missing_rate=0.0, nt_rate=0.0, mark_rate=0.0, nonkey_rate=0.0) -> dict:
    """The dataset.yaml content: name, version, synthetic, source, licence, description, note."""
    options = dict(n_patients=n_patients, n_sites=n_sites, seed=seed, visit_days=tuple(visit_days),
                   arms=tuple(arms), profile=profile, missing_rate=missing_rate, nt_rate=nt_rate,
                   mark_rate=mark_rate, nonkey_rate=nonkey_rate)
    if profile == "case-series":
        name = "msc-sci-case-series-synthetic"
        description = (
            f"Synthetic example shaped like the published case series of intravenous autologous "
            f"mesenchymal stem cells in chronic spinal cord injury (J Clin Med 2024;13(20):6072): "
            f"{n_patients} patients, assessments at days {', '.join(map(str, visit_days))}.")
    else:
        name = f"synthetic-cohort-{n_patients}-patients-seed-{seed}"
        description = (f"Synthetic cohort of {n_patients} patients at {n_sites} site(s), assessments "
                       f"planned at days {', '.join(map(str, visit_days))}.")
    return {
        "name": name,
        "version": DATASET_VERSION,
        "synthetic": True,
        "source": {"generator": "caseseries.data.simulate", "command": command_line(**options), "seed": seed},
        "licence": "CC0-1.0",
        "description": description,
        "note": "These are not patient data: every value was generated at random by the command above.",
    }


def write_dataset(tables: dict[str, pd.DataFrame], out_dir, description: dict) -> list[Path]:
    """Write the contract files (contract.RAW_FILES) and dataset.yaml into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, file_name in c.RAW_FILES.items():
        write_table(tables[key], out_dir / file_name)
        written.append(out_dir / file_name)
    text = yaml.safe_dump(description, sort_keys=False, allow_unicode=True, width=10_000)
    (out_dir / c.DATASET_DESCRIPTION).write_bytes(text.encode())
    written.append(out_dir / c.DATASET_DESCRIPTION)
    return written


# --- command line ------------------------------------------------------------------------------
EXAMPLE_HELP = ("the committed 7-patient example, same as --patients 7 --sites 1 --seed 6072 "
                "--visits 0,90,180 --profile case-series --mark-rate 0.01")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--example", action="store_true", help=EXAMPLE_HELP)
    parser.add_argument("--patients", type=int, help="number of patients")
    parser.add_argument("--sites", type=int, help="number of sites (default 1)")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--visits", type=parse_int_list, help="planned days, baseline 0 first (default 0,90,180)")
    parser.add_argument("--arms", type=parse_name_list,
                        help="e.g. msc,placebo: adds an `arm` column; the first arm is treated, others get no cells")
    parser.add_argument("--profile", choices=PROFILES, help="default cohort")
    parser.add_argument("--missing-rate", type=float, help="chance a follow-up visit is missed (default 0)")
    parser.add_argument("--nt-rate", type=float, help="chance an eligible sensory cell is NT (default 0)")
    parser.add_argument("--mark-rate", type=float,
                        help="chance an eligible cell carries a non-SCI mark, X* or X** (default 0)")
    parser.add_argument("--nonkey-rate", type=float,
                        help="chance a side records its lowest non-key muscle with motor function (default 0)")
    parser.add_argument("--out", required=True, type=Path, help="output directory (e.g. data/raw)")


def options_from_args(args: argparse.Namespace) -> dict:
    given = {"n_patients": args.patients, "n_sites": args.sites, "seed": args.seed, "visit_days": args.visits,
             "arms": args.arms, "profile": args.profile, "missing_rate": args.missing_rate, "nt_rate": args.nt_rate,
             "mark_rate": args.mark_rate, "nonkey_rate": args.nonkey_rate}
    if args.example:
        if any(value is not None for value in given.values()):
            raise SystemExit("--example takes no other options than --out")
        return dict(EXAMPLE)
    if args.patients is None:
        raise SystemExit("give --patients N (or --example)")
    defaults = {"n_sites": 1, "seed": 0, "visit_days": (0, 90, 180), "arms": (), "profile": "cohort",
                "missing_rate": 0.0, "nt_rate": 0.0, "mark_rate": 0.0, "nonkey_rate": 0.0}
    return {key: (defaults[key] if value is None else value) for key, value in given.items()}


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    tables = simulate_dataset(**options)
    write_dataset(tables, args.out, describe_dataset(**options))
    n_exams = len(tables["isncsci"])
    print(f"wrote {options['n_patients']} synthetic patients, {n_exams} exams to {args.out}")
    return 0
