"""The manuscript's sentences follow the results and the configuration, not a fixed story."""

import copy
import json

import pandas as pd
import pytest
import yaml
from workflow_helpers import REPO, copy_project, snakemake

from caseseries.report import manuscript as ms

TABLES = {
    "characteristics": "patient_characteristics.csv", "listing": "patient_listing.csv",
    "cohort_summary": "cohort_summary.csv", "site_summary": "site_summary.csv",
    "descriptives": "descriptives.csv", "changes": "paired_changes.csv", "friedman": "friedman.csv",
    "ais_shift": "ais_shift.csv", "ais_summary": "ais_summary.json", "ae_summary": "adverse_event_summary.csv",
    "ae_listing": "adverse_event_listing.csv", "safety_checks": "safety_checks.csv",
    "assignment": "visit_assignment.csv", "outcomes": "outcomes_by_visit.csv", "ais_check": "recorded_ais_check.csv",
    "claims": "published_claims.csv",
}
PROVENANCE = {"report_date": "2024-01-01", "git": {"commit": "abc", "dirty": False}, "engine": "test engine",
              "versions": {p: "1" for p in ("python", "pandas", "scipy", "pingouin", "statsmodels", "seaborn")},
              "checksum_table": "", "version_table": "", "config_yaml": ""}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("manuscript"))
    snakemake(project, "--cores", "2", "published_claims", "patient_tables", "validate_dataset", check=True)
    return project


def render(built, tmp_path, config=None, edit=None):
    """The manuscript text for the example's tables, after `edit(name -> DataFrame)` changes them."""
    config = config or yaml.safe_load((REPO / "config.yaml").read_text())
    paths = {}
    for role, name in TABLES.items():
        source = built / "results" / "tables" / name
        paths[role] = tmp_path / name
        if name.endswith(".csv") and edit:
            table = edit(name, pd.read_csv(source))
            table.to_csv(paths[role], index=False)
        else:
            paths[role].write_bytes(source.read_bytes())
    dataset = json.loads((built / "results" / "interim" / "validated" / "dataset.json").read_text())
    context = ms.build_context(paths, config, dataset, PROVENANCE)
    return " ".join(ms.render_template(REPO / "report" / "manuscript.qmd.j2", context).split())


def test_the_example_reads_as_an_increase(built, tmp_path):
    text = render(built, tmp_path)
    assert "Some scores rose after infusion" in text
    assert "(increase)" in text and "(decrease)" not in text
    assert "after adjustment across follow-ups" in text


def test_significant_falls_are_called_decreases(built, tmp_path):
    def negate(name, table):
        if name == "paired_changes.csv":
            for column in ("median_change", "hl_estimate", "hl_ci_low", "hl_ci_high", "mean_change"):
                table[column] = -table[column]
        return table

    text = render(built, tmp_path, edit=negate)
    assert "Some scores fell after infusion" in text
    assert "Some scores rose" not in text and "(increase)" not in text
    assert "SCIM-III total at day 180 (decrease)" in text
    assert "Some scores were lower at follow-up" in text


def test_no_adjustment_and_one_sided_tests_are_described_as_such(built, tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config = copy.deepcopy(config)
    config["statistics"]["multiplicity"] = "none"
    config["statistics"]["wilcoxon_alternative"] = "greater"
    text = render(built, tmp_path, config=config)
    assert "after adjustment" not in text
    assert "not adjusted (multiplicity: none)" in text
    assert "one-sided (alternative: greater) Wilcoxon signed-rank test" in text
    assert "two-sided" not in text.split("# Results")[0].split("## Statistical analysis")[1]


def test_a_positive_safety_finding_is_reported_not_hidden(built, tmp_path):
    def tumour(name, table):
        if name == "safety_checks.csv":
            table["patients_positive"] = table["patients_positive"].astype(object)
            table.loc[table["check"] == "cns_tumour_mri", ["positive_findings", "patients_positive"]] = [1, "P03"]
        return table

    text = render(built, tmp_path, edit=tumour)
    assert "Scheduled checks found: cns tumour on mri (P03)" in text
    assert "no check found a CNS tumour" not in text
    assert "positive safety findings: cns tumour on mri (P03)" in text  # the abstract


def test_recorded_grades_name_their_standard_and_classification_uses_2019(built, tmp_path):
    # The example's recorded grades were given under ISCSCI-92 (as in the paper). Change two of
    # them (one under another standard, one with none stated): the methods say the computed grade
    # always uses the 2019 rules, and the discrepancy table shows each recorded grade's standard.
    def disagree(name, table):
        if name == "recorded_ais_check.csv":
            table.loc[0, ["recorded_ais", "standard", "agrees"]] = ["C", "ISNCSCI-2011", "no"]
            table.loc[1, ["recorded_ais", "standard", "agrees"]] = ["B", None, "no"]
        return table

    text = render(built, tmp_path)
    assert "Classification always uses the 2019 rules, whatever standard a grade" in text
    assert "official ISNCSCI algorithm [@walden2016algorithm]" in text
    assert "The AIS grades on the case report forms were given under ISCSCI-92;" in text
    text = render(built, tmp_path, edit=disagree)
    assert "given under ISCSCI-92 and ISNCSCI-2011 (1 without a stated standard)" in text
    assert "| Patient | Day | Recorded AIS | Graded under | Computed AIS | Computed NLI |" in text
    assert "| C | ISNCSCI-2011 | D |" in text and "| B | not stated | D |" in text
