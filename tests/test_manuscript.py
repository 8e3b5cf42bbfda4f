"""The manuscript's sentences follow the results and the configuration, not a fixed story."""

import copy
import json

import numpy as np
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


def context(built, tmp_path, config=None, edit=None):
    """The template context for the example's tables, after `edit(name -> DataFrame)` changes them."""
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
    return ms.build_context(paths, config, dataset, PROVENANCE)


def render(built, tmp_path, config=None, edit=None):
    """The manuscript text (whitespace collapsed) for the example's tables, edited as `context` says."""
    text = ms.render_template(REPO / "report" / "manuscript.qmd.j2", context(built, tmp_path, config, edit))
    return " ".join(text.split())


def section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_example_declares_its_primary_endpoint_and_reads_it_as_inconclusive(built, tmp_path):
    text = render(built, tmp_path)
    abstract = section(text, "**Methods.**", "keywords:")
    assert "The primary endpoint was the change in the ISNCSCI motor score at day 180" in abstract
    assert "the other comparisons were secondary (Holm-adjusted) and the Friedman tests exploratory" in abstract
    # 4 improved, 3 unchanged: the exact two-sided p is at least 2 / 2^4 = 0.125
    assert ("For the primary endpoint the median change was 1.0 (four improved, three unchanged, none worsened; "
            "Hodges–Lehmann shift 1.75, 95% CI 0.00 to 4.00; p = 0.125): with four of seven patients changed "
            "no result could have reached p < 0.05, so it is inconclusive.") in abstract
    methods = section(text, "## Statistical analysis", "# Results")
    assert "tested at the 0.05 level without adjustment" in methods
    assert "secondary (17 comparisons), with p-values adjusted by the Holm [@holm1979] method across all secondary" in methods
    assert "The Friedman tests and paired t-tests are exploratory and not adjusted." in methods
    assert "descriptive and unadjusted" not in text
    results = section(text, "# Results", "# Discussion")
    assert "the primary comparison is inconclusive, not evidence of no change" in results
    assert "None of the 17 secondary comparisons (Holm-adjusted across all secondary comparisons) had an adjusted p" in results
    assert "significant at the 0.05 level after adjustment" not in text and "(increase)" not in text
    limitations = section(text, "## Limitations", "# References")
    assert "Only the primary comparison is confirmatory" in limitations
    # the conclusion does not read an unreachable primary as a null finding
    assert "No score changed significantly" not in abstract
    assert ("The primary comparison was inconclusive, too few patients having changed for any result to reach "
            "significance, and no other comparison reached it; a blinded controlled trial is needed.") in abstract


def test_the_exploratory_friedman_tests_are_reported_in_the_results(built, tmp_path):
    text = render(built, tmp_path)
    results = section(text, "# Results", "# Discussion")
    assert "Exploratory Friedman tests across all three visits (@tbl-friedman; not adjusted) gave p < 0.05 for" in results
    # UEMS: one patient changed, every order of his values gives the same statistic: exact p = 1
    assert "for the upper-extremity motor score and the SCIM-III self-care no result could have reached p < 0.05" in results
    assert "| Upper-extremity motor score | 7 | 2.00 | 2 | 1.000† | exact | 0.14 |" in " ".join(
        ms.render_template(REPO / "report" / "manuscript.qmd.j2", context(built, tmp_path)).split())
    assert "tests for change across all visits together" not in text  # the stray sentence after the table


def test_hodges_lehmann_values_have_two_decimals_in_text_tables_and_concordance(built, tmp_path):
    text = render(built, tmp_path)
    assert "Hodges–Lehmann shift 3.25, 95% CI 1.00 to 6.00" in text  # pin-prick day 180
    assert "| 3.25 (1.00 to 6.00) | 0.031 |" in text  # Table 3
    # the interval does not break across lines in the table
    assert "3.25\u00a0(1.00\u00a0to\u00a06.00)" in context(built, tmp_path)["tables"]["changes"]
    assert "HL 3.25, p = 0.031" in text  # concordance table: no half-to-even 3.2
    assert "HL 3.2," not in text and "shift 3.0," not in text


def test_significant_falls_are_called_falls(built, tmp_path):
    def fall(name, table):
        if name == "paired_changes.csv":
            for column in ("median_change", "hl_estimate", "hl_ci_low", "hl_ci_high", "mean_change"):
                table[column] = -table[column]
            scim = table["outcome"] == "scim_total"
            table.loc[scim, ["p_value", "p_adjusted", "min_attainable_p"]] = [0.01, 0.02, 0.001]
        return table

    text = render(built, tmp_path, edit=fall)
    assert "Some scores fell after infusion" in text
    assert "Some scores rose" not in text and "(rise)" not in text
    assert "two had an adjusted p below 0.05: the SCIM-III total at day 90 (fall) and day 180 (fall)" in text
    assert "Some scores were lower at follow-up" in text


def test_a_significant_primary_endpoint_is_called_so(built, tmp_path):
    def significant(name, table):
        if name == "paired_changes.csv":
            primary = table["role"] == "primary"
            table.loc[primary, ["p_value", "p_adjusted", "min_attainable_p"]] = [0.016, 0.016, 0.016]
        return table

    text = render(built, tmp_path, edit=significant)
    assert "The increase is significant at the 0.05 level." in text
    assert "inconclusive" not in section(text, "# Results", "# Discussion")
    assert "the ISNCSCI motor score at day 180, rose significantly" in text


def test_without_a_primary_endpoint_every_comparison_is_secondary(built, tmp_path):
    config = copy.deepcopy(yaml.safe_load((REPO / "config.yaml").read_text()))
    config["statistics"]["primary_endpoint"] = None

    def no_primary(name, table):
        if name == "paired_changes.csv":
            table["role"] = "secondary"
        return table

    text = render(built, tmp_path, config=config, edit=no_primary)
    assert "No primary endpoint was declared: every comparison was secondary (Holm-adjusted)." in text
    assert "secondary (18 comparisons)" in text
    assert "primary endpoint, the change" not in text and "Only the primary comparison" not in text


def test_no_adjustment_and_one_sided_tests_are_described_as_such(built, tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config = copy.deepcopy(config)
    config["statistics"]["multiplicity"] = "none"
    config["statistics"]["wilcoxon_alternative"] = "greater"
    text = render(built, tmp_path, config=config)
    assert "an adjusted p" not in text and "Holm-adjusted" not in text and ", adjusted p =" not in text
    assert "not adjusted for multiplicity (multiplicity: none)" in text
    assert "None of the 17 secondary comparisons (not adjusted for multiplicity (multiplicity: none)) had a p below" \
        not in text  # the in-text wording has no nested brackets
    assert "None of the 17 secondary comparisons" in text
    assert "one-sided (alternative: greater) Wilcoxon signed-rank test" in text
    assert "two-sided" not in text.split("# Results")[0].split("## Statistical analysis")[1]


def test_the_wilcoxon_mode_and_zero_method_are_named_in_methods_and_footnote(built, tmp_path):
    config = copy.deepcopy(yaml.safe_load((REPO / "config.yaml").read_text()))
    config["statistics"] |= {"wilcoxon_mode": "asymptotic-corrected", "zero_method": "pratt"}

    def corrected(name, table):
        if name == "paired_changes.csv":
            table["p_method"] = "normal approximation with continuity correction"
        return table

    text = render(built, tmp_path, config=config, edit=corrected)
    methods = section(text, "## Statistical analysis", "# Results")
    assert "from the normal approximation with tie-corrected variance, with continuity correction" in methods
    assert "(R's wilcox.test with exact = FALSE and correct = TRUE)" in methods
    assert "ranked with the others and then dropped (Pratt's method" in methods
    assert "over all pairs, so that unchanged pairs pull r towards zero" in methods
    assert "p, Wilcoxon signed-rank test (normal approximation with continuity correction)" in text
    # a table mixing methods marks each p with the method used
    def mixed(name, table):
        if name == "paired_changes.csv":
            table.loc[0, "p_method"] = "normal approximation"
        return table

    text = render(built, tmp_path, edit=mixed)
    assert "p, Wilcoxon signed-rank test (a, exact; b, normal approximation)" in text
    assert "0.125†^b^" in text and "0.125†^a^" in text


def test_an_unattainable_confidence_level_is_stated(built, tmp_path):
    def five_pairs(name, table):
        if name == "paired_changes.csv":
            table.loc[0, ["n_pairs", "hl_ci_level_achieved"]] = [5, 0.9375]
        return table

    text = render(built, tmp_path, edit=five_pairs)
    assert "achieved confidence level 93.75% with 5 pairs and 95.31% with 7 pairs" in text
    assert "‡ a 95% interval cannot be attained with 5 pairs" in text
    assert "| 1.00 (0.00 to 3.00)‡ | 0.125†" in text


def test_lost_pairs_are_named_with_the_reason_and_not_called_complete(built, tmp_path):
    def not_determinable(name, table):
        if name == "paired_changes.csv":
            lt180 = (table["outcome"] == "lt_total") & (table["visit"] == "day180")
            table[["missing_ids", "missing_reasons"]] = table[["missing_ids", "missing_reasons"]].astype(object)
            table.loc[lt180, ["n_pairs", "missing_ids", "missing_reasons"]] = [6, "P03", "P03 day180 not determinable"]
        if name == "friedman.csv":
            table[["excluded_ids", "missing_reasons"]] = table[["excluded_ids", "missing_reasons"]].astype(object)
            table.loc[table["outcome"] == "lt_total", ["n_complete", "excluded_ids", "missing_reasons"]] = [
                6, "P03", "P03 day180 not determinable"]
        return table

    text = render(built, tmp_path, edit=not_determinable)
    assert "Every patient was assessed at every visit, and every total could be determined" not in text
    assert "Every patient was assessed at every visit, but not every total could be determined." in text
    assert ("Totals not determinable because of untestable segments, excluded from the comparisons that need "
            "them: light-touch score: P03 (day 180).") in text
    assert "patients left out of a comparison, and why: @tbl-lost" in text
    assert "patients without complete data, left out, and why: @tbl-lost" in text
    assert ("| Day 180: light-touch score; All visits (Friedman): light-touch score | P03 (not determinable at "
            "day 180) |") in text

    def skipped(name, table):  # the ISNCSCI exam not done at a visit that took place (SCIM-III was)
        if name == "paired_changes.csv":
            m90 = (table["outcome"] == "motor_total") & (table["visit"] == "day90")
            table[["missing_ids", "missing_reasons"]] = table[["missing_ids", "missing_reasons"]].astype(object)
            table.loc[m90, ["n_pairs", "missing_ids", "missing_reasons"]] = [6, "P05", "P05 day90 missed"]
        return table

    text = render(built, tmp_path, edit=skipped)
    assert "| Day 90: ISNCSCI motor score | P05 (day 90 missed) |" in text
    assert "patients without complete data" not in text  # the Friedman table was not edited: nobody lost
    assert "Every patient was assessed at every visit" not in text
    assert ("Every patient attended every visit, but not every instrument was given at every visit; missing, "
            "excluded from the comparisons that need them: ISNCSCI motor score: P05 (day 90).") in text

    def missed_visit(name, table):  # P05 missed day 90 altogether
        table = skipped(name, table)
        if name == "outcomes_by_visit.csv":
            gone = (table["patient_id"] == "P05") & (table["visit"] == "day90")
            table.loc[gone, table.columns.difference(["patient_id", "visit"])] = np.nan
        return table

    text = render(built, tmp_path, edit=missed_visit)
    assert "Every patient" not in text
    assert "Missing visits, excluded from the comparisons that need them: P05 (Day 90)." in text


def test_a_single_pair_is_not_tested_and_says_so(built, tmp_path):
    def one_pair(name, table):
        if name == "paired_changes.csv":
            primary = table["role"] == "primary"
            table["p_method"] = table["p_method"].astype(object)
            table.loc[primary, ["n_pairs", "p_value", "p_adjusted", "min_attainable_p", "p_method"]] = [
                1, None, None, None, ""]
        return table

    text = render(built, tmp_path, edit=one_pair)
    assert "With fewer than two pairs the primary comparison could not be tested." in text
    assert "too few pairs for a test" in text


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
