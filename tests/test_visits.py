import pandas as pd
import pytest

from caseseries.analysis import visits

WINDOWS = [
    {"name": "baseline", "label": "Pre", "target": 0, "window": [-60, 0], "pick": "last"},
    {"name": "day90", "label": "D90", "target": 90, "window": [60, 120], "pick": "nearest"},
    {"name": "day180", "label": "D180", "target": 180, "window": [150, 210], "pick": "nearest"},
]


def assign(days_by_patient):
    rows = [{"patient_id": p, "day": d} for p, days in days_by_patient.items() for d in days]
    return visits.assign(pd.DataFrame(rows), WINDOWS).set_index(["patient_id", "day"])


def test_baseline_is_the_last_assessment_in_its_window():
    out = assign({"P01": [-45, -10, 0]})
    assert out.loc[("P01", 0), "visit"] == "baseline"
    assert out.loc[("P01", -10), "visit_status"] == visits.NOT_SELECTED


def test_follow_up_is_the_nearest_to_target_and_the_earlier_on_a_tie():
    out = assign({"P01": [80, 95, 100], "P02": [85, 95]})
    assert out.loc[("P01", 95), "visit"] == "day90"
    assert pd.isna(out.loc[("P01", 80), "visit"])
    assert out.loc[("P02", 85), "visit"] == "day90"  # 85 and 95 are both 5 days away


def test_window_edges_are_inclusive_and_outside_assessments_are_kept_and_flagged():
    out = assign({"P01": [-60, 120, 150, 140, 365]})
    assert out.loc[("P01", -60), "visit"] == "baseline"
    assert out.loc[("P01", 120), "visit"] == "day90"
    assert out.loc[("P01", 150), "visit"] == "day180"
    assert out.loc[("P01", 140), "visit_status"] == visits.OUTSIDE
    assert out.loc[("P01", 365), "visit_status"] == visits.OUTSIDE
    assert len(out) == 5  # nothing dropped


def test_patients_are_assigned_independently():
    out = assign({"P01": [-5, 90], "P02": [-20, 170]})
    assert out["visit"].value_counts().to_dict() == {"baseline": 2, "day90": 1, "day180": 1}


def test_overlapping_windows_are_refused():
    overlapping = [WINDOWS[0], {**WINDOWS[1], "window": [-10, 120]}]
    with pytest.raises(ValueError, match="overlap"):
        visits.check_windows(overlapping)
    visits.check_windows(WINDOWS)
