"""Published-claims concordance: does this run reproduce what the paper reports?

report/published_claims.yaml lists each claim with the metric it concerns and what the paper
says; `metrics()` computes those metrics from this run's results tables; `concordance()` compares.
"""

import json
from pathlib import Path

import pandas as pd
import yaml

from caseseries import tables
from caseseries.report import formatting as fmt


def metrics(results: dict) -> dict:
    """Metric name -> this run's value, from the results tables named in `results`."""
    characteristics = tables.read(results["characteristics"])
    ais = json.loads(Path(results["ais_summary"]).read_text())
    ae_summary = tables.read(results["ae_summary"]).set_index("term")
    checks = tables.read(results["safety_checks"]).set_index("check")
    changes = tables.read(results["changes"])
    years = characteristics["years_since_injury"]
    values = {
        "n_patients": len(characteristics),
        "years_since_injury_range": [round(float(years.min()), 1), round(float(years.max()), 1)],
        "ais_improvements": sorted(t.split(": ", 1)[1] for t in ais["improved_transitions"]),
        "serious_adverse_events": int(ae_summary.loc["Serious adverse event", "events"]),
    }
    for check, row in checks.iterrows():
        values[f"positive_{check}"] = int(row["positive_findings"])
    for row in changes.itertuples():
        values[f"improved:{row.outcome}:{row.visit}"] = {"p_value": row.p_value, "hl_estimate": row.hl_estimate}
    return values


def _describe(value) -> str:
    if isinstance(value, dict):  # a paired comparison
        if pd.isna(value["hl_estimate"]) or pd.isna(value["p_value"]):
            return "not computable"  # e.g. fewer than two pairs
        # the rounding of the manuscript's tables, so that the two never disagree
        return f"HL {fmt.shift(value['hl_estimate'])}, {fmt.p_statement(fmt.p_value(value['p_value']))}"
    if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        return f"{value[0]:g} to {value[1]:g}"  # a range
    if isinstance(value, list) and len(set(value)) < len(value):  # e.g. many grade changes: counted by kind
        return ", ".join(f"{kind} ({n})" for kind, n in pd.Series(value).value_counts().sort_index().items())
    if isinstance(value, list):
        return " and ".join(value) if value else "none"
    return str(value)


def _agrees(expect: dict, value, alpha: float) -> bool:
    if "equals" in expect:
        return value == expect["equals"]
    if "significant_increase" in expect:
        significant = value["p_value"] < alpha and value["hl_estimate"] > 0
        return significant == expect["significant_increase"]
    raise ValueError(f"unknown expectation {expect}")


def concordance(claims_file: Path, results: dict) -> pd.DataFrame:
    """One row per claim: claim, source, published value, this run's value, agrees (yes/no)."""
    spec = yaml.safe_load(Path(claims_file).read_text(encoding="utf-8"))
    values = metrics(results)
    rows = []
    for claim in spec["claims"]:
        if claim["metric"] not in values:
            raise KeyError(f"{claims_file}: claim {claim['id']} names unknown metric {claim['metric']!r}")
        value = values[claim["metric"]]
        rows.append(
            {
                "id": claim["id"],
                "claim": claim["claim"],
                "source": spec["source"],
                "where": claim["where"],
                "published": str(claim["published"]),
                "this_run": _describe(value),
                "agrees": "yes" if _agrees(claim["expect"], value, spec["alpha"]) else "no",
            }
        )
    return pd.DataFrame(rows)
