"""Visit windows: which assessment counts as baseline, day 90, day 180 (config `visits`).

Every assessment gets a status, so nothing is dropped silently: `selected` (it is the patient's
assessment for that visit), `not selected` (in a window, but another assessment was chosen) or
`outside windows` (in no window; listed in the report's data-quality section).
"""

import pandas as pd

SELECTED, NOT_SELECTED, OUTSIDE = "selected", "not selected", "outside windows"


def assign(assessments: pd.DataFrame, visits: list[dict]) -> pd.DataFrame:
    """Add `visit` (name or missing) and `visit_status` to a frame with patient_id and day.

    baseline-style windows (`pick: last`) take the latest assessment in the window; the others
    (`pick: nearest`) the one nearest the target day, the earlier one on a tie.
    """
    out = assessments.copy()
    out["visit"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["visit_status"] = OUTSIDE
    for visit in visits:
        low, high = visit["window"]
        in_window = out["day"].between(low, high)
        out.loc[in_window, "visit_status"] = NOT_SELECTED
        candidates = out.loc[in_window, ["patient_id", "day"]]
        if visit["pick"] == "last":
            order = candidates.sort_values(["patient_id", "day"], ascending=[True, False])
        else:
            order = candidates.assign(distance=(candidates["day"] - visit["target"]).abs())
            order = order.sort_values(["patient_id", "distance", "day"])
        chosen = order.drop_duplicates("patient_id").index
        out.loc[chosen, "visit"] = visit["name"]
        out.loc[chosen, "visit_status"] = SELECTED
    return out


def check_windows(visits: list[dict]) -> None:
    """Windows must be well-formed and must not overlap (an assessment belongs to one visit)."""
    spans = sorted((v["window"][0], v["window"][1], v["name"]) for v in visits)
    for low, high, name in spans:
        if low > high:
            raise ValueError(f"visit {name}: window [{low}, {high}] is empty")
    for (_, high_a, a), (low_b, _, b) in zip(spans, spans[1:]):
        if low_b <= high_a:
            raise ValueError(f"visit windows of {a} and {b} overlap")
