import pandas as pd

from caseseries.analysis import safety

EVENTS = pd.DataFrame(
    [
        # patient, onset, term, grade, serious, relatedness
        ("P01", 1, "Fever", 1, "no", "probable"),
        ("P01", 2, "Fever", 2, "no", "possible"),
        ("P02", 1, "Headache", 1, "no", "unlikely"),
        ("P03", 40, "Pneumonia", 3, "yes", "unrelated"),
    ],
    columns=["patient_id", "onset_day", "term", "grade", "serious", "relatedness"],
).assign(outcome="recovered")


def test_overall_counts_patients_once_and_events_each_time():
    summary = safety.adverse_event_summary(EVENTS, n_patients=7).set_index("term")
    assert summary.loc["Any adverse event", ["patients", "events"]].tolist() == [3, 4]
    assert summary.loc["Serious adverse event", ["patients", "events"]].tolist() == [1, 1]
    assert summary.loc["CTCAE grade 3 or higher", "events"] == 1
    assert summary.loc["At least possibly related to the infusion", ["patients", "events"]].tolist() == [1, 2]
    assert round(summary.loc["Any adverse event", "percent"], 1) == 42.9  # 3/7


def test_by_term_rows():
    summary = safety.adverse_event_summary(EVENTS, n_patients=7)
    fever = summary[(summary["category"] == "by term") & (summary["term"] == "Fever")].iloc[0]
    assert (fever["patients"], fever["events"], fever["max_grade"], fever["related_events"]) == (1, 2, 2, 2)


def test_no_events_gives_zero_rows_not_an_error():
    summary = safety.adverse_event_summary(EVENTS.iloc[:0], n_patients=7)
    assert summary["events"].sum() == 0


def test_safety_checks_name_positives_and_patients_never_assessed():
    findings = pd.DataFrame(
        [("P01", 90, "cns_tumour_mri", "no"), ("P02", 90, "cns_tumour_mri", "yes"), ("P01", 180, "cns_tumour_mri", "no")],
        columns=["patient_id", "day", "check", "result"],
    )
    checks = safety.safety_check_summary(findings, ["P01", "P02", "P03"]).set_index("check")
    mri = checks.loc["cns_tumour_mri"]
    assert (mri["patients_assessed"], mri["assessments"], mri["positive_findings"]) == (2, 3, 1)
    assert mri["patients_positive"] == "P02" and mri["patients_not_assessed"] == "P03"
    assert mri["last_day_assessed"] == 180
    assert checks.loc["abnormal_cell_growth", "assessments"] == 0
