import pandas as pd

from caseseries.analysis import quality
from caseseries.analysis.visits import NOT_SELECTED, OUTSIDE, SELECTED

VISITS = [
    {"name": "baseline", "label": "Pre", "target": 0, "window": [-60, 0], "pick": "last"},
    {"name": "day90", "label": "D90", "target": 90, "window": [60, 120], "pick": "nearest"},
]
ERROR = {"outside_visit_window": "error", "missing_baseline": "error", "recorded_ais_mismatch": "error"}
REPORT = dict.fromkeys(ERROR, "report")


def scored(rows):
    return pd.DataFrame(rows, columns=["patient_id", "day", "line", "visit", "visit_status", "recorded_ais", "ais"])


ISNCSCI = scored(
    [
        ("P1", -5, 2, "baseline", SELECTED, "C", "C"),
        ("P1", 90, 3, "day90", SELECTED, "C", "D"),  # the form says C, the exam says D
        ("P2", 95, 4, "day90", SELECTED, None, "A"),  # P2 has no baseline
        ("P2", 130, 5, None, OUTSIDE, None, "A"),  # between the windows
        ("P1", 100, 6, None, NOT_SELECTED, "D", "D"),
    ]
)
SCIM = scored([("P1", -5, 2, "baseline", SELECTED, None, None), ("P2", -3, 3, "baseline", SELECTED, None, None)])


def test_every_case_is_named_with_file_line_and_value():
    found = quality.problems(ISNCSCI, SCIM, ["P1", "P2"], VISITS, ERROR)
    assert found == [
        "isncsci.csv line 5, column day, value '130': assessment of P2 is in no visit window "
        "(baseline [-60, 0], day90 [60, 120])",
        "isncsci.csv, patient P2: no assessment in the baseline window [-60, 0]",
        "isncsci.csv line 3, column recorded_ais, value 'C': the segmental exam of P1 on day 90 classifies as AIS D",
    ]


def test_report_policy_raises_nothing():
    assert quality.problems(ISNCSCI, SCIM, ["P1", "P2"], VISITS, REPORT) == []


def test_a_patient_with_no_assessment_at_all_has_no_baseline():
    found = quality.missing_baseline(SCIM, "scim.csv", ["P1", "P2", "P3"], VISITS[0])
    assert found == ["scim.csv, patient P3: no assessment in the baseline window [-60, 0]"]
