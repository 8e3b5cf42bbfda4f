"""The raw-data contract (../shared/DESIGN.md, 'Data contract'): file names, columns and allowed values.

Every module that reads or writes raw data takes its column names from here, so the
contract is written down exactly once.
"""

SIDES = ("right", "left")

# ISNCSCI key muscles (motor) and dermatomes (sensory), rostral to caudal.
MOTOR_LEVELS = ("C5", "C6", "C7", "C8", "T1", "L2", "L3", "L4", "L5", "S1")
UPPER_MOTOR_LEVELS = MOTOR_LEVELS[:5]
LOWER_MOTOR_LEVELS = MOTOR_LEVELS[5:]
SENSORY_LEVELS = (
    ("C2", "C3", "C4", "C5", "C6", "C7", "C8")
    + tuple(f"T{i}" for i in range(1, 13))
    + ("L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4_5")
)

# Cell values in the notation of the official ISNCSCI algorithm (Praxis, npm `isncsci`): plain
# grades, NT (not testable) and the marks for impairment due to a non-SCI condition: `X*` = rated
# "not normal" for classification, `X**` = rated normal (key muscle 5, dermatome 2).
MOTOR_VALUES = ("0", "1", "2", "3", "4", "5", "NT") + tuple(
    f"{v}{star}" for star in ("*", "**") for v in ("0", "1", "2", "3", "4", "NT")
)
SENSORY_VALUES = ("0", "1", "2", "NT") + tuple(f"{v}{star}" for star in ("*", "**") for v in ("0", "1", "NT"))
ANAL_VALUES = ("Yes", "No", "NT")  # vac, dap
AIS_GRADES = ("A", "B", "C", "D", "E")


def motor_column(side: str, level: str) -> str:
    return f"{side}_motor_{level}"


def light_touch_column(side: str, level: str) -> str:
    return f"{side}_lt_{level}"


def pin_prick_column(side: str, level: str) -> str:
    return f"{side}_pp_{level}"


MOTOR_COLUMNS = tuple(motor_column(s, lv) for s in SIDES for lv in MOTOR_LEVELS)
LIGHT_TOUCH_COLUMNS = tuple(light_touch_column(s, lv) for s in SIDES for lv in SENSORY_LEVELS)
PIN_PRICK_COLUMNS = tuple(pin_prick_column(s, lv) for s in SIDES for lv in SENSORY_LEVELS)
ISNCSCI_EXAM_COLUMNS = MOTOR_COLUMNS + LIGHT_TOUCH_COLUMNS + PIN_PRICK_COLUMNS + ("vac", "dap")


def exam_values(column: str) -> tuple[str, ...]:
    """The values an exam cell (a column of ISNCSCI_EXAM_COLUMNS) may hold."""
    if column in MOTOR_COLUMNS:
        return MOTOR_VALUES
    return ANAL_VALUES if column in ("vac", "dap") else SENSORY_VALUES

# SCIM-III, 19 items numbered as on the SCIM-III form (sub-items 2A/2B, 3A/3B counted separately):
# 7 respiration, 8 bladder, 9 bowel, 10 use of toilet. Each item has its own allowed scores.
SCIM_ITEMS = {
    "item_01": ("feeding", (0, 1, 2, 3)),
    "item_02": ("bathing, upper body", (0, 1, 2, 3)),
    "item_03": ("bathing, lower body", (0, 1, 2, 3)),
    "item_04": ("dressing, upper body", (0, 1, 2, 3, 4)),
    "item_05": ("dressing, lower body", (0, 1, 2, 3, 4)),
    "item_06": ("grooming", (0, 1, 2, 3)),
    "item_07": ("respiration", (0, 2, 4, 6, 8, 10)),
    "item_08": ("sphincter management, bladder", (0, 3, 6, 9, 11, 13, 15)),
    "item_09": ("sphincter management, bowel", (0, 5, 8, 10)),
    "item_10": ("use of toilet", (0, 1, 2, 4, 5)),
    "item_11": ("mobility in bed and prevention of pressure sores", (0, 2, 4, 6)),
    "item_12": ("transfers: bed-wheelchair", (0, 1, 2)),
    "item_13": ("transfers: wheelchair-toilet-tub", (0, 1, 2)),
    "item_14": ("mobility indoors", tuple(range(9))),
    "item_15": ("mobility for moderate distances (10-100 m)", tuple(range(9))),
    "item_16": ("mobility outdoors (more than 100 m)", tuple(range(9))),
    "item_17": ("stair management", (0, 1, 2, 3)),
    "item_18": ("transfers: wheelchair-car", (0, 1, 2)),
    "item_19": ("transfers: ground-wheelchair", (0, 1)),
}
SCIM_SUBSCALES = {
    "scim_self_care": tuple(f"item_{i:02d}" for i in range(1, 7)),
    "scim_respiration_sphincter": tuple(f"item_{i:02d}" for i in range(7, 11)),
    "scim_mobility": tuple(f"item_{i:02d}" for i in range(11, 20)),
}
SCIM_SUBSCALE_MAX = {"scim_self_care": 20, "scim_respiration_sphincter": 40, "scim_mobility": 40}

SEXES = ("F", "M")
YES_NO = ("yes", "no")
RELATEDNESS = ("unrelated", "unlikely", "possible", "probable", "definite")
SAFETY_CHECKS = ("cns_tumour_mri", "abnormal_cell_growth", "neurological_deterioration")

RAW_FILES = {
    "patients": "patients.csv",
    "isncsci": "isncsci.csv",
    "scim": "scim.csv",
    "adverse_events": "adverse_events.csv",
    "safety_findings": "safety_findings.csv",
}
DATASET_DESCRIPTION = "dataset.yaml"

PATIENT_COLUMNS = ("patient_id", "site", "sex", "age", "years_since_injury", "cause", "cell_dose_1e8")
# `arm` (free category) for a controlled trial; in a comparator arm the cell doses may be 0.
PATIENT_OPTIONAL_COLUMNS = ("cell_dose_per_kg_1e6", "arm")
SCIM_COLUMNS = ("patient_id", "day") + tuple(SCIM_ITEMS)
ADVERSE_EVENT_COLUMNS = ("patient_id", "onset_day", "term", "grade", "serious", "relatedness", "outcome")
ADVERSE_EVENT_OPTIONAL_COLUMNS = ("system_organ_class",)
SAFETY_FINDING_COLUMNS = ("patient_id", "day", "check", "result")
ISNCSCI_COLUMNS = ("patient_id", "day") + ISNCSCI_EXAM_COLUMNS
# recorded_ais: the grade on the case report form, given under `standard` (e.g. ISNCSCI-2019,
# ISCSCI-92); {side}_lowest_nonkey_muscle: the lowest non-key muscle with motor function (a motor
# level or empty), used as the official algorithm uses it for AIS B versus C.
NONKEY_MUSCLE_COLUMNS = tuple(f"{side}_lowest_nonkey_muscle" for side in SIDES)
ISNCSCI_OPTIONAL_COLUMNS = ("recorded_ais", "standard") + NONKEY_MUSCLE_COLUMNS
# Values of `standard`: the revisions of the International Standards (a reprint takes the name of
# the revision it reprints). A fixed list, not free text: the manuscript prints the standard next
# to each recorded grade, so "ISNCSCI 2019" or "2019" must be caught at validation, not in print.
STANDARDS = ("ISCSCI-92", "ISCSCI-96", "ISNCSCI-2000", "ISNCSCI-2011", "ISNCSCI-2015", "ISNCSCI-2019")
