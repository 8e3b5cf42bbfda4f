"""Safety tabulation: adverse events and the scheduled safety checks (CNS tumour on MRI,
abnormal cell growth, neurological deterioration)."""

import pandas as pd

from caseseries.data.contract import SAFETY_CHECKS

# Relatedness categories counted as "at least possibly related" to the infusion.
RELATED = ("possible", "probable", "definite")

CHECK_LABELS = {
    "cns_tumour_mri": "CNS tumour on MRI",
    "abnormal_cell_growth": "Abnormal cell growth",
    "neurological_deterioration": "Neurological deterioration",
}


def _patients_with(events: pd.DataFrame, n_patients: int) -> tuple[int, float]:
    n = events["patient_id"].nunique()
    return n, 100.0 * n / n_patients if n_patients else float("nan")


BEFORE_INFUSION = "Before the infusion (not counted above)"


def adverse_event_summary(all_events: pd.DataFrame, n_patients: int) -> pd.DataFrame:
    """Treatment-emergent events (onset on or after day 0): patients with at least one (n, %) and
    number of events, overall and by term; events before the infusion are counted apart."""
    events = all_events[all_events["onset_day"] >= 0]
    before = all_events[all_events["onset_day"] < 0]
    categories = {
        "Any adverse event": events,
        "Serious adverse event": events[events["serious"] == "yes"],
        "CTCAE grade 3 or higher": events[events["grade"] >= 3],
        "At least possibly related to the infusion": events[events["relatedness"].isin(RELATED)],
    }
    if len(before):
        categories[BEFORE_INFUSION] = before
    rows = []
    for label, subset in categories.items():
        n, pct = _patients_with(subset, n_patients)
        rows.append({"category": "overall", "term": label, "patients": n, "percent": pct, "events": len(subset)})
    for term, subset in events.groupby("term", sort=True):
        n, pct = _patients_with(subset, n_patients)
        rows.append(
            {
                "category": "by term",
                "term": term,
                "patients": n,
                "percent": pct,
                "events": len(subset),
                "max_grade": int(subset["grade"].max()),
                "related_events": int(subset["relatedness"].isin(RELATED).sum()),
            }
        )
    return pd.DataFrame(rows)


def adverse_event_listing(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event, ordered by patient and onset day."""
    columns = ["patient_id", "onset_day", "term", "system_organ_class", "grade", "serious", "relatedness", "outcome"]
    listing = events.reindex(columns=columns)
    return listing.sort_values(["patient_id", "onset_day", "term"]).reset_index(drop=True)


def safety_check_summary(findings: pd.DataFrame, patient_ids: list[str]) -> pd.DataFrame:
    """Per scheduled check: patients assessed, assessments, positive findings and who."""
    rows = []
    for check in SAFETY_CHECKS:
        of_check = findings[findings["check"] == check]
        positive = of_check[of_check["result"] == "yes"]
        assessed = set(of_check["patient_id"])
        rows.append(
            {
                "check": check,
                "label": CHECK_LABELS[check],
                "patients_assessed": len(assessed),
                "patients_not_assessed": ",".join(sorted(set(patient_ids) - assessed)),
                "assessments": len(of_check),
                "positive_findings": len(positive),
                "patients_positive": ",".join(sorted(set(positive["patient_id"]))),
                "last_day_assessed": int(of_check["day"].max()) if len(of_check) else None,
            }
        )
    return pd.DataFrame(rows)
