"""The manuscript's sentences follow the results and the configuration, not a fixed story.

Each scenario generates a small dataset (`caseseries.data.simulate`, the generator behind
`python -m caseseries simulate`), changes what the scenario needs, builds the results tables with
the workflow's own steps (tests/manuscript_helpers.py) and reads the rendered text.
"""

import copy
import re

import pandas as pd
import pytest
from manuscript_helpers import build_tables, example_config, manuscript_text
from workflow_helpers import REPO

from caseseries.data import contract
from caseseries.data import simulate as sim

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


def test_the_example_reads_as_an_increase(example):
    text = text_of(example)
    assert "Some scores rose after infusion" in text
    assert "(increase)" in text and "(decrease)" not in text
    assert "after adjustment across follow-ups" in text


def test_significant_falls_are_called_decreases(example, tmp_path):
    def negate(table):
        for column in ("median_change", "hl_estimate", "hl_ci_low", "hl_ci_high", "mean_change"):
            table[column] = -table[column]
        return table

    text = text_of(edited(example, tmp_path, "changes", negate))
    assert "Some scores fell after infusion" in text
    assert "Some scores rose" not in text and "(increase)" not in text
    assert "SCIM-III total at day 180 (decrease)" in text
    assert "Some scores were lower at follow-up" in text


def test_no_adjustment_and_one_sided_tests_are_described_as_such(example):
    config = copy.deepcopy(example["config"])
    config["statistics"]["multiplicity"] = "none"
    config["statistics"]["wilcoxon_alternative"] = "greater"
    text = text_of(example, config)
    assert "after adjustment" not in text
    assert "not adjusted (multiplicity: none)" in text
    assert "one-sided (alternative: greater) Wilcoxon signed-rank test" in text
    assert "two-sided" not in text.split("# Results")[0].split("## Statistical analysis")[1]


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
    context = __import__("yaml").safe_load((REPO / "report" / "context.yaml").read_text())
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
    assert "pneumonia (1)" in text


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
    assert "| Patient | Day | Recorded AIS | Computed AIS | Computed NLI |" in text
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
    for wrong in ("One patients", "1 patients", "one patients", "1 men", "1 women", "Zero", "zero patients", " nan", "Each received"):
        assert wrong not in text, wrong
    assert "of one patient improved by at least one AIS grade" in text
    assert "The patient received a single intravenous infusion" in text
    assert "assessment the grade was AIS " in text
    assert "No patient moved to a better AIS grade." in text or "One patient moved to a better AIS grade" in text


def test_two_hundred_patients_get_cohort_summaries_and_no_dangling_references(tmp_path_factory):
    text = text_of(dataset(tmp_path_factory, "large", n_patients=200, n_sites=5, seed=11, profile="cohort"))
    assert "Per-patient listings are omitted because the dataset has more than 50 patients" in text
    assert "@tbl-sites describes each of the 5 sites." in text
    assert "@fig-timeline summarises the course of the cohort" in text
    assert "tbl-listing" not in text and "tbl-ae-listing" not in text
    assert "| 6. Clinical findings | @tbl-patients |" in text  # the listing is not there to point to
    assert "| 9. Clear reporting of the presenting sites' demographic information | @tbl-sites |" in text
    assert "1 serious adverse events" not in text and " 1 patients" not in text
    # Patients the report does not list are not named in its sentences: grade changes are counted by kind.
    abstract = text.split("# Introduction")[0]
    assert re.search(r"improved by at least one AIS grade by day 180 \((?:[A-E]\u2192[A-E] \d+(?:, )?)+\)", abstract)
    assert not re.search(r"\bP\d{3}\b", text.split("# Appendix")[0].split("{#tbl-patients}")[1])
