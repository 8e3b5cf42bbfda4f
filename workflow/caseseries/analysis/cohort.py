"""Cohort description for a large dataset, where one row per patient no longer reads: Table 1 as
a summary (n, %, median [IQR]) and one row per site."""

import pandas as pd

from caseseries.report import formatting as fmt
from caseseries.data.contract import AIS_GRADES


# A grade that NT left open ("C,D") is undetermined; no exam at the visit is missing.
GRADE_GAPS = ("undetermined", "missing")


def cohort_grade(grade) -> str:
    if fmt.is_missing(grade):
        return "missing"
    return grade if grade in AIS_GRADES else "undetermined"


def _median_iqr(values: pd.Series, digits: int = 1) -> str:
    return fmt.median_iqr(values.median(), values.quantile(0.25), values.quantile(0.75), digits)


def _counts(values: pd.Series, n: int, order=None) -> list[tuple[str, str]]:
    counts = values.value_counts()
    order = [o for o in (order or sorted(counts.index)) if o in counts.index]
    return [(str(level), fmt.percent(int(counts[level]), n)) for level in order]


REGIONS = ("cervical", "thoracic", "lumbar", "sacral", "intact", *GRADE_GAPS)


REGION_OF_SEGMENT = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}


def _region(level) -> str:
    """C5 -> cervical; a level NT left open across regions ("T12,L1", or every candidate
    from C1 to INT of an exam with nothing testable) is undetermined."""
    if fmt.is_missing(level):
        return "missing"
    regions = {"intact" if part == "INT" else REGION_OF_SEGMENT[part[0]] for part in level.split(",")}
    return regions.pop() if len(regions) == 1 else "undetermined"


def summary(characteristics: pd.DataFrame, first: str, first_label: str) -> pd.DataFrame:
    """Table 1 for a cohort: characteristic, level, value (text, journal formatted)."""
    n = len(characteristics)
    rows = [("Patients", "", str(n)), ("Sites", "", str(characteristics["site"].nunique()))]
    if "arm" in characteristics:
        rows += [("Arm", level, value) for level, value in _counts(characteristics["arm"], n)]
    rows += [("Sex", level, value) for level, value in _counts(characteristics["sex"], n, ["F", "M"])]
    rows += [
        ("Age (years), median [IQR]", "", _median_iqr(characteristics["age"], 0)),
        ("Years since injury, median [IQR]", "", _median_iqr(characteristics["years_since_injury"])),
        ("Years since injury, range", "", fmt.span(characteristics["years_since_injury"].min(),
                                                   characteristics["years_since_injury"].max())),
        ("Cells (×10⁸), median [IQR]", "", _median_iqr(characteristics["cell_dose_1e8"], 2)),
    ]
    rows += [("Cause", level, value) for level, value in _counts(characteristics["cause"], n)]
    baseline_ais = characteristics[f"{first}_ais"].map(cohort_grade)
    rows += [(f"AIS grade, {first_label.lower()}", level, value)
             for level, value in _counts(baseline_ais, n, [*AIS_GRADES, *GRADE_GAPS])]
    rows += [(f"Neurological level, {first_label.lower()}", level, value)
             for level, value in _counts(characteristics[f"{first}_neurological_level"].map(_region), n, REGIONS)]
    return pd.DataFrame(rows, columns=["characteristic", "level", "value"])


def by_site(characteristics: pd.DataFrame, outcomes: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """One row per site: patients, age, baseline grades, follow-up completeness, grade improvements."""
    grades = outcomes.pivot_table(index="patient_id", columns="visit", values="ais", aggfunc="first", observed=False)
    rank = {g: i for i, g in enumerate(AIS_GRADES)}
    improved = grades[first].map(rank) < grades[last].map(rank)
    completed = outcomes[outcomes["visit"] == last].set_index("patient_id")["day"].notna()
    rows = []
    for site, group in characteristics.groupby("site", sort=True):
        ids = group["patient_id"]
        n = len(group)
        ais = group[f"{first}_ais"].value_counts()
        rows.append(
            {
                "site": site,
                "patients": n,
                "age_median_iqr": _median_iqr(group["age"], 0),
                "baseline_ais": " / ".join(f"{g} {int(ais.get(g, 0))}" for g in AIS_GRADES[:4]),
                "completed_last_visit": fmt.percent(int(completed.reindex(ids).fillna(False).sum()), n),
                "improved_ais": fmt.percent(int(improved.reindex(ids).fillna(False).sum()), n),
            }
        )
    return pd.DataFrame(rows)
