"""Responder analysis: each patient's change from baseline against the minimal clinically important
difference (MCID) thresholds configured per outcome (config.yaml `responders`).

A patient "reaches" a threshold when the change is at least that many points; "worsened" means a
fall of at least the smallest threshold. Patients without both visits are named, never dropped.
"""

import re
from pathlib import Path

import pandas as pd

WORSENED = "worsened"
NO_IMPORTANT_CHANGE = "below MCID"


def check_config(responders: dict, outcomes: dict, bibliography: Path) -> None:
    """Each responder outcome must be an analysed outcome, its thresholds positive and distinct,
    and its citation a key of the bibliography (so that the manuscript can print it)."""
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", Path(bibliography).read_text(encoding="utf-8")))
    problems = []
    for outcome, spec in responders.items():
        where = f"config.yaml responders.{outcome}"
        if outcome not in outcomes:
            problems.append(f"{where}: not one of the outcomes ({', '.join(outcomes)})")
        points = list(spec["thresholds"].values())
        if len(set(points)) != len(points) or min(points) <= 0:
            problems.append(f"{where}.thresholds: {points} must be distinct positive numbers of points")
        if spec["citation"] not in keys:
            problems.append(f"{where}.citation: {spec['citation']!r} is not a key of {Path(bibliography).name}")
    if problems:
        raise ValueError("; ".join(problems))


def thresholds(spec: dict) -> list[tuple[str, float]]:
    """(name, points) from the smallest to the largest."""
    return sorted(spec["thresholds"].items(), key=lambda item: item[1])


def category(change: float, levels: list[tuple[str, float]]) -> str | None:
    """The largest threshold the change reaches, `worsened`, or `below MCID`; None when missing."""
    if pd.isna(change):
        return None
    reached = [name for name, points in levels if change >= points]
    if reached:
        return reached[-1]
    return WORSENED if change <= -levels[0][1] else NO_IMPORTANT_CHANGE


def patient_changes(outcomes: pd.DataFrame, responders: dict, baseline: str, followups: list[str]) -> pd.DataFrame:
    """One row per configured outcome, follow-up and patient: the two values, the change and its category."""
    by_visit = {visit: outcomes[outcomes["visit"] == visit].set_index("patient_id") for visit in [baseline, *followups]}
    patients = sorted(outcomes["patient_id"].unique())
    columns = ["outcome", "visit", "patient_id", "baseline", "followup", "change", "category"]
    parts = []
    for outcome, spec in responders.items():
        levels = thresholds(spec)
        before = by_visit[baseline][outcome].reindex(patients)
        for visit in followups:
            after = by_visit[visit][outcome].reindex(patients)
            change = after - before
            parts.append(pd.DataFrame({
                "outcome": outcome,
                "visit": visit,
                "patient_id": patients,
                "baseline": before.to_numpy(),
                "followup": after.to_numpy(),
                "change": change.to_numpy(),
                "category": [category(value, levels) for value in change.tolist()],
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def summary(changes: pd.DataFrame, responders: dict) -> pd.DataFrame:
    """Per outcome, follow-up and criterion (improved by at least each threshold; worsened by at least
    the smallest): patients meeting it of those with both visits, and who lacks a pair."""
    rows = []
    for (outcome, visit), group in changes.groupby(["outcome", "visit"], sort=False):
        paired = group.dropna(subset=["change"])
        missing = ",".join(group.loc[group["change"].isna(), "patient_id"])
        levels = thresholds(responders[outcome])
        criteria = [(name, points, paired["change"] >= points) for name, points in levels]
        criteria.append((WORSENED, levels[0][1], paired["change"] <= -levels[0][1]))
        for name, points, met in criteria:
            rows.append(
                {
                    "outcome": outcome,
                    "visit": visit,
                    "criterion": name,
                    "points": points,
                    "n_pairs": len(paired),
                    "patients": int(met.sum()),
                    "patient_ids": ",".join(paired.loc[met, "patient_id"]),
                    "missing_ids": missing,
                }
            )
    columns = ["outcome", "visit", "criterion", "points", "n_pairs", "patients", "patient_ids", "missing_ids"]
    return pd.DataFrame(rows, columns=columns)
