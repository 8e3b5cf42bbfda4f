"""Data-quality checks that need the visit windows or the computed AIS grade, so they cannot run
at validation: assessments in no visit window, patients without a baseline, and exams whose grade
on the case report form differs from the grade computed from the segmental exam.

Each check is configured (config.yaml `data_quality`) as `error` (stop, listing every case) or
`report` (carry on; the manuscript lists the cases in its data-quality section).
"""

import pandas as pd

from caseseries.analysis.visits import OUTSIDE, SELECTED


def outside_windows(scored: pd.DataFrame, file: str, visits: list[dict]) -> list[str]:
    windows = ", ".join(f"{v['name']} [{v['window'][0]}, {v['window'][1]}]" for v in visits)
    outside = scored[scored["visit_status"] == OUTSIDE]
    return [
        f"{file} line {row.line}, column day, value '{row.day}': assessment of {row.patient_id} "
        f"is in no visit window ({windows})"
        for row in outside.itertuples()
    ]


def missing_baseline(scored: pd.DataFrame, file: str, patient_ids: list[str], baseline: dict) -> list[str]:
    with_baseline = set(scored.loc[(scored["visit"] == baseline["name"]) & (scored["visit_status"] == SELECTED), "patient_id"])
    low, high = baseline["window"]
    return [
        f"{file}, patient {patient}: no assessment in the {baseline['name']} window [{low}, {high}]"
        for patient in patient_ids
        if patient not in with_baseline
    ]


def recorded_ais_mismatch(exams: pd.DataFrame, file: str) -> list[str]:
    recorded = exams.dropna(subset=["recorded_ais"])
    differ = recorded[recorded["recorded_ais"] != recorded["ais"]]
    return [
        f"{file} line {row.line}, column recorded_ais, value '{row.recorded_ais}': the segmental exam "
        f"of {row.patient_id} on day {row.day} classifies as AIS {row.ais}"
        for row in differ.itertuples()
    ]


def problems(isncsci_scored, scim_scored, patient_ids, visits, policy: dict) -> list[str]:
    """Every case of every check whose policy is `error`."""
    found = []
    for scored, file in ((isncsci_scored, "isncsci.csv"), (scim_scored, "scim.csv")):
        if policy["outside_visit_window"] == "error":
            found += outside_windows(scored, file, visits)
        if policy["missing_baseline"] == "error":
            found += missing_baseline(scored, file, patient_ids, visits[0])
    if policy["recorded_ais_mismatch"] == "error":
        found += recorded_ais_mismatch(isncsci_scored, "isncsci.csv")
    return found
