import json

import pandas as pd
import pytest
import yaml

from caseseries.analysis.claims import concordance

CLAIMS = {
    "source": "Paper",
    "alpha": 0.05,
    "claims": [
        {"id": "n", "claim": "Patients", "where": "Abstract", "published": 7, "metric": "n_patients", "expect": {"equals": 7}},
        {"id": "years", "claim": "Years", "where": "Abstract", "published": "1.3 to 27", "metric": "years_since_injury_range",
         "expect": {"equals": [1.3, 27.0]}},
        {"id": "ais", "claim": "AIS", "where": "Abstract", "published": "C to D", "metric": "ais_improvements",
         "expect": {"equals": ["C->D"]}},
        {"id": "sae", "claim": "SAE", "where": "Abstract", "published": "none", "metric": "serious_adverse_events",
         "expect": {"equals": 0}},
        {"id": "mri", "claim": "Tumour", "where": "Abstract", "published": "none", "metric": "positive_cns_tumour_mri",
         "expect": {"equals": 0}},
        {"id": "scim90", "claim": "SCIM d90", "where": "Abstract", "published": "significant", "metric": "improved:scim_total:day90",
         "expect": {"significant_increase": True}},
        {"id": "scim180", "claim": "SCIM d180", "where": "Abstract", "published": "significant", "metric": "improved:scim_total:day180",
         "expect": {"significant_increase": True}},
    ],
}


@pytest.fixture
def results(tmp_path):
    paths = {name: tmp_path / f"{name}.csv" for name in ("characteristics", "ae_summary", "safety_checks", "changes")}
    pd.DataFrame({"patient_id": [f"P0{i}" for i in range(1, 8)],
                  "years_since_injury": [1.3, 5, 8, 12, 20, 27.0, 3]}).to_csv(paths["characteristics"], index=False)
    pd.DataFrame({"category": ["overall"], "term": ["Serious adverse event"], "patients": [1], "events": [1]}).to_csv(
        paths["ae_summary"], index=False)
    pd.DataFrame({"check": ["cns_tumour_mri"], "positive_findings": [0]}).to_csv(paths["safety_checks"], index=False)
    pd.DataFrame({"outcome": ["scim_total", "scim_total"], "visit": ["day90", "day180"], "p_value": [0.25, 0.016],
                  "median_change": [1.0, 4.0], "hl_estimate": [1.0, 3.25]}).to_csv(paths["changes"], index=False)
    paths["ais_summary"] = tmp_path / "ais.json"
    paths["ais_summary"].write_text(json.dumps({"improved_transitions": ["P02: C->D"]}))
    claims = tmp_path / "claims.yaml"
    claims.write_text(yaml.safe_dump(CLAIMS))
    return claims, paths


def test_each_claim_is_compared_with_this_run(results):
    claims, paths = results
    table = concordance(claims, paths).set_index("id")
    assert table.loc["n", "agrees"] == "yes"
    assert table.loc["years", ["this_run", "agrees"]].tolist() == ["1.3 to 27", "yes"]
    assert table.loc["ais", "agrees"] == "yes"
    assert table.loc["sae", ["this_run", "agrees"]].tolist() == ["1", "no"]  # one SAE where the paper had none
    assert table.loc["mri", "agrees"] == "yes"
    assert table.loc["scim90", "agrees"] == "no"  # p = 0.25
    assert table.loc["scim180", "agrees"] == "yes"  # p = 0.016, HL 3.25 > 0
    # rounded as the manuscript's tables round (3.25 stays 3.25; no half-to-even 3.2)
    assert table.loc["scim180", "this_run"] == "HL 3.25, p = 0.016"
    assert table.loc["scim180", ["source", "where"]].tolist() == ["Paper", "Abstract"]


def test_an_unknown_metric_is_an_error_naming_the_claim(results):
    claims, paths = results
    spec = yaml.safe_load(claims.read_text())
    spec["claims"][0]["metric"] = "no_such_metric"
    claims.write_text(yaml.safe_dump(spec))
    with pytest.raises(KeyError, match="claim n names unknown metric"):
        concordance(claims, paths)


def test_a_comparison_without_a_result_is_not_computable_and_does_not_agree(results):
    claims, paths = results
    changes = pd.read_csv(paths["changes"])
    changes.loc[changes["visit"] == "day180", ["p_value", "hl_estimate"]] = float("nan")  # e.g. one patient
    changes.to_csv(paths["changes"], index=False)
    table = concordance(claims, paths).set_index("id")
    assert table.loc["scim180", ["this_run", "agrees"]].tolist() == ["not computable", "no"]
    assert table.loc["scim90", "this_run"] == "HL 1.00, p = 0.250"  # two decimals, as in the tables


def test_many_results_are_summarised_not_spelled_out(results):
    claims, paths = results
    paths["ais_summary"].write_text(json.dumps({"improved_transitions": ["P01: C->D", "P02: A->B", "P03: C->D"]}))
    changes = pd.read_csv(paths["changes"])
    changes.loc[changes["visit"] == "day180", "p_value"] = 0.0004
    changes.to_csv(paths["changes"], index=False)
    table = concordance(claims, paths).set_index("id")
    assert table.loc["ais", ["this_run", "agrees"]].tolist() == ["A->B (1), C->D (2)", "no"]
    assert table.loc["scim180", "this_run"] == "HL 3.25, p < 0.001"
