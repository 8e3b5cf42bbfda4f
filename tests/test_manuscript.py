"""The manuscript's sentences follow the results and the configuration, not a fixed story.

Each scenario generates a small dataset (`caseseries.data.simulate`, the generator behind
`python -m caseseries simulate`), changes what the scenario needs, builds the results tables with
the workflow's own steps (tests/manuscript_helpers.py) and reads the rendered text.
"""

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from manuscript_helpers import as_read, build_tables, example_config, manuscript_context, manuscript_text, unescaped
from workflow_helpers import REPO

from caseseries.data import contract
from caseseries.data import simulate as sim
from caseseries.report import manuscript as ms

EXAMPLE = dict(sim.EXAMPLE)


def dataset(tmp_path_factory, name: str, change=None, **options) -> dict:
    """Simulate (the example's options unless given), apply `change(tables)`, write and build."""
    options = {**EXAMPLE, **options}
    tables = sim.simulate_dataset(**options)
    if change:
        change(tables)
    raw = tmp_path_factory.mktemp(name)
    sim.write_dataset(tables, raw / "raw", sim.describe_dataset(**options))
    config = example_config()
    paths = build_tables(raw / "raw", raw / "results", config)
    return {"paths": paths, "config": config, "tables": tables, "raw": raw / "raw"}


def text_of(built: dict, config: dict | None = None) -> str:
    return manuscript_text(built["paths"], config or built["config"])


def edited(built: dict, tmp_path, name: str, edit) -> dict:
    """The same results with one table changed by `edit(frame) -> frame`."""
    paths = dict(built["paths"])
    frame = edit(pd.read_csv(paths[name]))
    paths[name] = tmp_path / f"{name}.csv"
    frame.to_csv(paths[name], index=False)
    return {**built, "paths": paths}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return dataset(tmp_path_factory, "example")


# ----------------------------------------------------------------------------- the example








def test_a_positive_safety_finding_is_reported_with_its_acronyms(example, tmp_path):
    def tumour(table):
        table["patients_positive"] = table["patients_positive"].astype(object)
        table.loc[table["check"] == "cns_tumour_mri", ["positive_findings", "patients_positive"]] = [1, "P03"]
        return table

    text = text_of(edited(example, tmp_path, "safety_checks", tumour))
    assert "Scheduled checks found: CNS tumour on MRI (P03)" in text
    assert "no check found a CNS tumour" not in text
    assert "positive safety findings: CNS tumour on MRI (P03)" in text  # the abstract
    assert "cns tumour" not in text and "on mri" not in text  # acronyms keep their capitals


def test_the_running_head_is_the_configured_short_title(example):
    text = text_of(example)
    assert 'short-title: "Autologous MSC infusion in chronic SCI"' in text


def test_the_appendix_points_to_the_configuration_file_and_every_table_is_cited(example):
    text = text_of(example)
    assert "```yaml" not in text
    assert f"supplementary file `manuscript.config.yaml`, next to this manuscript (SHA-256 `{'0' * 64}`)" in text
    labels = {label for label in pd.Series(text.split("{#tbl-")[1:]).str.split("}").str[0]}
    assert len(labels) >= 14
    for label in labels:
        assert f"@tbl-{label}" in text, f"Table tbl-{label} is never cited in the text"


def test_responders_are_counted_against_the_configured_thresholds_with_their_source(example):
    text = text_of(example)
    outcomes = pd.read_csv(example["paths"]["outcomes"])
    scim = outcomes.pivot(index="patient_id", columns="visit", values="scim_total")
    change = scim["day180"] - scim["baseline"]  # independent of the responders module
    small, substantial, worse = (change >= 4).sum(), (change >= 10).sum(), (change <= -4).sum()
    assert f"| {small}/7 ({100 * small / 7:.0f}%) |" in text
    words = "zero one two three four five six seven".split()
    expected = (f"At day 180, {'none' if small == 0 else words[small]} of seven patients improved the SCIM-III total "
                f"by at least 4 points (small MCID) and {'none' if substantial == 0 else words[substantial]} by at "
                f"least 10 (substantial); {'none' if worse == 0 else words[worse]} worsened by 4 points or more.")
    assert expected in text
    assert "for the SCIM-III total, ≥4 points small and ≥10 points substantial of improvement [@scivoletto2013]" in text
    assert "**SCIM-III total** [@scivoletto2013]" in text
    assert "@fig-waterfall" in text and "{#fig-waterfall" in text


def test_without_responder_thresholds_there_is_no_responder_analysis(example):
    config = copy.deepcopy(example["config"])
    del config["responders"]
    text = text_of(example, config)
    assert "MCID" not in text and "responder" not in text.lower()
    assert "fig-waterfall" not in text
    assert "| 10. Follow-up and outcomes | @tbl-changes, @tbl-adverse-events, @sec-data-quality |" in text


def test_the_discussion_quotes_the_context_figures_from_their_source_file(example):
    context = yaml.safe_load((REPO / "report" / "context.yaml").read_text())
    text = text_of(example)
    recovery, error = context["spontaneous_recovery"], context["measurement_error"]
    assert (f"of {recovery['cohort']} people with traumatic SCI examined one and five years after injury, "
            f"{recovery['complete_stayed_complete_percent']}% of those with a neurologically complete injury at one "
            f"year were still complete at five years") in text
    assert f"[@{recovery['citation']}]" in text and f"[@{error['citation']}]" in text
    assert f"differed by less than {error['repeatability_complete_points']['motor']} motor" in text
    # Every patient of the example is past the first year after injury.
    assert "earlier than the period these figures describe" not in text


def test_the_checklist_names_a_part_of_the_report_or_says_the_data_lack_it(example):
    text = text_of(example)
    assert "| **JBI** [@munn2020jbi] | 1. Clear criteria for inclusion | not available in these data (" in text
    assert "| 7. Timeline | @fig-timeline |" in text
    assert "| 12. Patient perspective | not available in these data (not recorded) |" in text
    assert "| 9. Clear reporting of the presenting sites' demographic information | not available in these data" in text


# ----------------------------------------------------------------------------- statistics


def context(example: dict, tmp_path, config=None, edit=None) -> dict:
    """The template context for the example's tables, after `edit(file name, frame) -> frame`."""
    paths = dict(example["paths"])
    for role, path in example["paths"].items():
        if edit and str(path).endswith(".csv") and role not in ("context", "checklist"):
            paths[role] = tmp_path / Path(path).name
            edit(Path(path).name, pd.read_csv(path)).to_csv(paths[role], index=False)
    return manuscript_context(paths, config or example["config"])


def render(example: dict, tmp_path, config=None, edit=None) -> str:
    """The manuscript text (whitespace collapsed) for the example's tables, edited as `context` says."""
    return as_read(ms.render_template(REPO / "report" / "manuscript.qmd.j2", context(example, tmp_path, config, edit)))


def section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_example_declares_its_primary_endpoint_and_reads_it_as_inconclusive(example, tmp_path):
    text = render(example, tmp_path)
    abstract = section(text, "**Methods.**", "keywords:")
    assert "The primary endpoint was the change in the ISNCSCI motor score at day 180" in abstract
    assert "the other comparisons were secondary (Holm-adjusted) and the Friedman tests exploratory" in abstract
    # Changes 3, 6, 4, 1, 0, 0, 0: 4 improved, 3 unchanged, so the exact two-sided p is at least
    # 2 / 2^4 = 0.125. Their 28 Walsh averages have median 2.00; with 7 pairs P(V <= 2) = 3/128, so
    # the interval runs from the 3rd to the 26th Walsh average, 0.00 to 4.50 (checked in R).
    assert ("For the primary endpoint the median change was 1.0 (four improved, three unchanged, none worsened; "
            "Hodges–Lehmann shift 2.00, 95% CI 0.00 to 4.50; p = 0.125): with four of seven patients changed "
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


def test_the_exploratory_friedman_tests_are_reported_in_the_results(example, tmp_path):
    text = render(example, tmp_path)
    results = section(text, "# Results", "# Discussion")
    assert "Exploratory Friedman tests across all three visits (@tbl-friedman; not adjusted) gave p < 0.05 for" in results
    # UEMS changed in three patients: ranks (1, 2.5, 2.5) twice and (1, 2, 3) once, 3 x 3 x 6 = 54
    # equally likely orders. The most extreme puts every lowest value at one visit (3 visits x 2
    # orders of the (1, 2, 3) patient's others): 6/54 = 0.111 > 0.05, so it cannot reach significance.
    # Q = 2.60 (R friedman.test), W = Q / (n (k - 1)) = 2.6 / 14 = 0.19.
    assert "for the upper-extremity motor score and the SCIM-III self-care no result could have reached p < 0.05" in results
    assert "| Upper-extremity motor score | 7 | 2.60 | 2 | 0.444† | exact | 0.19 |" in as_read(
        ms.render_template(REPO / "report" / "manuscript.qmd.j2", context(example, tmp_path)))
    assert "tests for change across all visits together" not in text  # the stray sentence after the table


def test_hodges_lehmann_values_have_two_decimals_in_text_tables_and_concordance(example, tmp_path):
    text = render(example, tmp_path)
    assert "Hodges–Lehmann shift 3.25, 95% CI 1.00 to 6.00" in text  # light-touch day 180 (R: Walsh averages)
    assert "| 3.25 (1.00 to 6.00) | 0.031 |" in text  # Table 3
    # the interval does not break across lines in the table
    assert "3.25 (1.00\u00a0to\u00a06.00)" in unescaped(context(example, tmp_path)["tables"]["changes"])
    assert "HL 3.25, p = 0.031" in text  # concordance table: no half-to-even 3.2
    assert "HL 3.2," not in text and "shift 3.0," not in text


def test_significant_falls_are_called_falls(example, tmp_path):
    def fall(name, table):
        if name == "paired_changes.csv":
            for column in ("median_change", "hl_estimate", "hl_ci_low", "hl_ci_high", "mean_change"):
                table[column] = -table[column]
            scim = table["outcome"] == "scim_total"
            table.loc[scim, ["p_value", "p_adjusted", "min_attainable_p"]] = [0.01, 0.02, 0.001]
        return table

    text = render(example, tmp_path, edit=fall)
    assert "Some scores fell after infusion" in text
    assert "Some scores rose" not in text and "(rise)" not in text
    assert "two had an adjusted p below 0.05: the SCIM-III total at day 90 (fall) and day 180 (fall)" in text
    assert "Some scores were lower at follow-up" in text


def test_a_significant_primary_endpoint_is_called_so(example, tmp_path):
    def significant(name, table):
        if name == "paired_changes.csv":
            primary = table["role"] == "primary"
            table.loc[primary, ["p_value", "p_adjusted", "min_attainable_p"]] = [0.016, 0.016, 0.016]
        return table

    text = render(example, tmp_path, edit=significant)
    assert "The increase is significant at the 0.05 level." in text
    assert "inconclusive" not in section(text, "# Results", "# Discussion")
    assert "the ISNCSCI motor score at day 180, rose significantly" in text


def test_without_a_primary_endpoint_every_comparison_is_secondary(example, tmp_path):
    config = copy.deepcopy(yaml.safe_load((REPO / "config.yaml").read_text()))
    config["statistics"]["primary_endpoint"] = None

    def no_primary(name, table):
        if name == "paired_changes.csv":
            table["role"] = "secondary"
        return table

    text = render(example, tmp_path, config=config, edit=no_primary)
    assert "No primary endpoint was declared: every comparison was secondary (Holm-adjusted)." in text
    assert "secondary (18 comparisons)" in text
    assert "primary endpoint, the change" not in text and "Only the primary comparison" not in text


def test_no_adjustment_and_one_sided_tests_are_described_as_such(example, tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config = copy.deepcopy(config)
    config["statistics"]["multiplicity"] = "none"
    config["statistics"]["wilcoxon_alternative"] = "greater"
    text = render(example, tmp_path, config=config)
    assert "an adjusted p" not in text and "Holm-adjusted" not in text and ", adjusted p =" not in text
    assert "not adjusted for multiplicity (multiplicity: none)" in text
    assert "None of the 17 secondary comparisons (not adjusted for multiplicity (multiplicity: none)) had a p below" \
        not in text  # the in-text wording has no nested brackets
    assert "None of the 17 secondary comparisons" in text
    assert "one-sided (alternative: greater) Wilcoxon signed-rank test" in text
    assert "two-sided" not in text.split("# Results")[0].split("## Statistical analysis")[1]


def test_the_wilcoxon_mode_and_zero_method_are_named_in_methods_and_footnote(example, tmp_path):
    config = copy.deepcopy(yaml.safe_load((REPO / "config.yaml").read_text()))
    config["statistics"] |= {"wilcoxon_mode": "asymptotic-corrected", "zero_method": "pratt"}

    def corrected(name, table):
        if name == "paired_changes.csv":
            table["p_method"] = "normal approximation with continuity correction"
        return table

    text = render(example, tmp_path, config=config, edit=corrected)
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

    text = render(example, tmp_path, edit=mixed)
    assert "p, Wilcoxon signed-rank test (a, exact; b, normal approximation)" in text
    assert "0.188†^b^" in text and "0.125†^a^" in text  # motor score, day 90 (row 0) and day 180


def test_an_unattainable_confidence_level_is_stated(example, tmp_path):
    def five_pairs(name, table):
        if name == "paired_changes.csv":
            table.loc[0, ["n_pairs", "hl_ci_level_achieved"]] = [5, 0.9375]
        return table

    text = render(example, tmp_path, edit=five_pairs)
    assert "achieved confidence level 93.75% with 5 pairs and 95.31% with 7 pairs" in text
    assert "‡ a 95% interval cannot be attained with 5 pairs" in text
    assert "| 1.25 (−0.50 to 3.00)‡ | 0.188†" in text


def test_lost_pairs_are_named_with_the_reason_and_not_called_complete(example, tmp_path):
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

    text = render(example, tmp_path, edit=not_determinable)
    assert "Every patient was assessed at every visit, and every total could be determined" not in text
    assert "Every patient was assessed at every visit, but not every total could be determined." in text
    assert ("Totals not determinable because of untestable segments, excluded from the comparisons that need "
            "them: light-touch score: P03 (day 180).") in text
    assert "patients left out of a comparison, and why: @tbl-lost" in text
    assert "patients without complete data, left out, and why: @tbl-lost" in text
    assert ("| Day 180: light-touch score; All visits (Friedman): light-touch score | P03 (not determinable at "
            "day 180) |") in text

    def missed(name, table):
        if name == "paired_changes.csv":
            m90 = (table["outcome"] == "motor_total") & (table["visit"] == "day90")
            table[["missing_ids", "missing_reasons"]] = table[["missing_ids", "missing_reasons"]].astype(object)
            table.loc[m90, ["n_pairs", "missing_ids", "missing_reasons"]] = [6, "P05", "P05 day90 missed"]
        return table

    text = render(example, tmp_path, edit=missed)
    assert "| Day 90: ISNCSCI motor score | P05 (day 90 missed) |" in text
    assert "patients without complete data" not in text  # the Friedman table was not edited: nobody lost
    assert "every total could be determined" in text  # nothing was undeterminable here


def test_a_single_pair_is_not_tested_and_says_so(example, tmp_path):
    def one_pair(name, table):
        if name == "paired_changes.csv":
            primary = table["role"] == "primary"
            table["p_method"] = table["p_method"].astype(object)
            table.loc[primary, ["n_pairs", "p_value", "p_adjusted", "min_attainable_p", "p_method"]] = [
                1, None, None, None, ""]
        return table

    text = render(example, tmp_path, edit=one_pair)
    assert "With fewer than two pairs the primary comparison could not be tested." in text
    assert "too few pairs for a test" in text




def test_recorded_grades_name_their_standard_and_classification_uses_2019(example, tmp_path):
    # The example's recorded grades were given under ISCSCI-92 (as in the paper). Change two of
    # them (one under another standard, one with none stated): the methods say the computed grade
    # always uses the 2019 rules, and the discrepancy table shows each recorded grade's standard.
    def disagree(name, table):
        if name == "recorded_ais_check.csv":
            table.loc[0, ["recorded_ais", "standard", "agrees"]] = ["C", "ISNCSCI-2011", "no"]
            table.loc[1, ["recorded_ais", "standard", "agrees"]] = ["B", None, "no"]
        return table

    text = render(example, tmp_path)
    assert "Classification always uses the 2019 rules, whatever standard a grade" in text
    assert "official ISNCSCI algorithm [@walden2016algorithm]" in text
    assert "The AIS grades on the case report forms were given under ISCSCI-92;" in text
    text = render(example, tmp_path, edit=disagree)
    assert "given under ISCSCI-92 and ISNCSCI-2011 (1 without a stated standard)" in text
    assert "| Patient | Day | Recorded AIS | Graded under | Computed AIS | Computed NLI |" in text
    assert "| C | ISNCSCI-2011 | D |" in text and "| B | not stated | D |" in text


# ----------------------------------------------------------------------------- other datasets


def no_events(tables):
    tables["adverse_events"] = tables["adverse_events"].iloc[0:0]


def test_no_adverse_events(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "no_events", no_events))
    assert "No adverse events occurred; no check found" in text  # abstract
    assert "No adverse events occurred after the infusion (@tbl-adverse-events)." in text
    assert "No adverse event was recorded." in text and "{#tbl-ae-listing}" not in text
    assert "Zero" not in text and "zero adverse" not in text
    assert "a single intravenous infusion was well tolerated" in text
    assert "no serious adverse event occurred" in text  # discussion


def one_serious_event(tables):
    serious = pd.DataFrame([{"patient_id": "P03", "onset_day": 40, "term": "Pneumonia",
                             "system_organ_class": "Infections and infestations", "grade": 3, "serious": "yes",
                             "relatedness": "unrelated", "outcome": "recovered"}])
    tables["adverse_events"] = pd.concat([tables["adverse_events"], serious], ignore_index=True)


def test_one_serious_adverse_event(tmp_path_factory):
    built = dataset(tmp_path_factory, "one_serious", one_serious_event)
    text = text_of(built)
    n_events = len(built["tables"]["adverse_events"])
    assert f"adverse events occurred, one serious;" in text  # abstract
    assert "a single intravenous infusion was followed by one serious adverse event." in text
    assert f"In all, {n_events} adverse events occurred" in text and "one was serious, one reached CTCAE grade 3" in text
    assert "one serious adverse event occurred" in text  # discussion
    assert "1 serious adverse events" not in text and "followed by serious adverse events" not in text
    assert "Pneumonia (1)" in text  # a term as written (data text keeps its capitals)


def all_not_testable(tables):
    exams = tables["isncsci"]
    first = exams.index[exams["patient_id"] == "P01"][0]  # P01's baseline examination
    for column in contract.ISNCSCI_EXAM_COLUMNS:
        exams[column] = exams[column].astype(object)
        exams.loc[first, column] = "NT"


def test_an_exam_with_every_cell_not_testable_prints_not_determinable(tmp_path_factory):
    built = dataset(tmp_path_factory, "all_nt", all_not_testable)
    text = text_of(built)
    characteristics = pd.read_csv(built["paths"]["characteristics"], dtype=str)
    assert "," in characteristics.loc[0, "baseline_ais"]  # the candidates are kept in the results table
    assert "| P01 | M |" in text or "| P01 | F |" in text
    row_p01 = text.split("| P01 |")[1].split("| P02 |")[0]
    assert [cell.strip() for cell in row_p01.split("|")].count("ND") == 2  # NLI and baseline AIS
    assert "A,B,C,D,E" not in text and "C2,C3" not in text
    assert "ND, not determinable: untestable (NT) segments" in text.split("{#tbl-patients}")[0]
    assert "ND, not determinable" in text.split("{#tbl-listing}")[0].split("{#tbl-patients}")[1]
    # The recorded grade differs from the undeterminable computed one: listed, printed as ND.
    assert "| Patient | Day | Recorded AIS | Graded under | Computed AIS | Computed NLI |" in text
    discrepancies = text.split("{#tbl-ais-discrepancies}")[0].split("| Computed NLI |")[1]
    assert "| ND | ND |" in discrepancies and "ND, not determinable" in discrepancies


def lose_scim_day180(tables):
    tables["scim"] = tables["scim"][~((tables["scim"]["patient_id"] == "P03") & (tables["scim"]["day"] > 150))]


def test_a_lost_pair_is_named_in_the_responder_analysis(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "lost_pair", lose_scim_day180))
    assert "At day 180, " in text and "worsened by 4 points or more (P03 without both visits)." in text
    responder_table = text.split("| Outcome (MCID source) |")[1].split("{#tbl-responders}")[0]
    assert "/6 (" in responder_table.split("| Day 180 |")[1] and "/6 (" not in responder_table.split("| Day 180 |")[0]


def miss_day180(tables):
    for name in ("isncsci", "scim"):
        table = tables[name]
        tables[name] = table[~((table["patient_id"] == "P03") & (table["day"] > 150))]


def test_a_missed_visit_is_named(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "missed_visit", miss_day180))
    assert "Missing visits, excluded from the comparisons that need them: P03 (Day 180)." in text
    assert "(P03 without both visits)." in text
    assert "A grade is missing at one of the two visits for P03." in text
    assert "of six patients improved by at least one AIS grade by day 180" in text


def test_one_patient(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "one_patient", n_patients=1, profile="cohort", seed=3))
    assert "Case series of 1 patient with chronic SCI (" in text and " years after injury)." in text
    assert "The series comprises 1 patient with chronic SCI treated at 1 site." in text
    assert "The patient (a man), aged" in text or "The patient (a woman), aged" in text
    assert " to " not in text.split("Case series of 1 patient with chronic SCI (")[1].split(" years after injury")[0]
    for wrong in ("One patients", "1 patients", "one patients", "1 men", "1 women", "Zero of"):
        assert wrong not in text, wrong
    assert "of one patient improved by at least one AIS grade" in text


def test_two_hundred_patients_get_cohort_summaries_and_no_dangling_references(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "large", n_patients=200, n_sites=5, seed=11, profile="cohort"))
    assert "Per-patient listings are omitted because the dataset has more than 50 patients" in text
    assert "@tbl-sites describes each of the 5 sites." in text
    assert "@fig-timeline summarises the course of the cohort" in text
    assert "tbl-listing" not in text and "tbl-ae-listing" not in text
    assert "| 6. Clinical findings | @tbl-patients |" in text  # the listing is not there to point to
    assert "| 9. Clear reporting of the presenting sites' demographic information | @tbl-sites |" in text
    assert "1 serious adverse events" not in text and " 1 patients" not in text
