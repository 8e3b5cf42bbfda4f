"""Responders against minimal clinically important differences: hand-worked cases."""

import math

import pandas as pd
import pytest

from caseseries.analysis import responders as resp

SCIM = {"scim_total": {"thresholds": {"small": 4, "substantial": 10}, "citation": "scivoletto2013"}}
LEVELS = [("small", 4), ("substantial", 10)]


@pytest.mark.parametrize(
    "change, expected",
    [
        (10, "substantial"), (12.5, "substantial"), (9.5, "small"), (4, "small"),  # at least the threshold
        (3.9, "below MCID"), (0, "below MCID"), (-3.9, "below MCID"),
        (-4, "worsened"), (-11, "worsened"),  # a fall of at least the smallest threshold
        (math.nan, None),
    ],
)
def test_category_is_the_largest_threshold_reached(change, expected):
    assert resp.category(change, LEVELS) == expected


def test_thresholds_are_ordered_whatever_the_config_order():
    assert resp.thresholds({"thresholds": {"substantial": 10, "small": 4}}) == LEVELS


OUTCOMES = pd.DataFrame(
    [
        # patient, visit, SCIM-III total
        ("P1", "baseline", 50), ("P1", "day90", 52), ("P1", "day180", 60),
        ("P2", "baseline", 70), ("P2", "day90", 74), ("P2", "day180", 65),
        ("P3", "baseline", 40), ("P3", "day90", None), ("P3", "day180", 44),
        ("P4", "baseline", None), ("P4", "day90", 30), ("P4", "day180", 31),
    ],
    columns=["patient_id", "visit", "scim_total"],
)


@pytest.fixture(scope="module")
def changes():
    return resp.patient_changes(OUTCOMES, SCIM, "baseline", ["day90", "day180"])


def test_each_patients_change_and_category(changes):
    at_180 = changes[changes["visit"] == "day180"].set_index("patient_id")
    # P1 60-50 = 10 (substantial), P2 65-70 = -5 (worsened), P3 44-40 = 4 (small), P4 no baseline.
    assert at_180["change"].tolist()[:3] == [10, -5, 4]
    assert at_180["category"].tolist()[:3] == ["substantial", "worsened", "small"]
    assert pd.isna(at_180.loc["P4", "change"]) and pd.isna(at_180.loc["P4", "category"])
    at_90 = changes[changes["visit"] == "day90"].set_index("patient_id")
    # P1 +2 (below), P2 +4 (small), P3 and P4 without a pair.
    assert at_90.loc[["P1", "P2"], "category"].tolist() == ["below MCID", "small"]
    assert at_90["change"].isna().tolist() == [False, False, True, True]


def test_summary_counts_patients_of_those_with_a_pair_and_names_the_rest(changes):
    summary = resp.summary(changes, SCIM).set_index(["visit", "criterion"])
    day180 = summary.loc["day180"]
    assert day180["n_pairs"].unique().tolist() == [3]
    # Reaching 4: P1 (10) and P3 (4); reaching 10: P1; worse by 4 or more: P2 (-5).
    assert day180["patients"].to_dict() == {"small": 2, "substantial": 1, "worsened": 1}
    assert day180.loc["small", "patient_ids"] == "P1,P3"
    assert day180.loc["worsened", "points"] == 4
    assert (day180["missing_ids"] == "P4").all()
    day90 = summary.loc["day90"]
    assert day90["patients"].to_dict() == {"small": 1, "substantial": 0, "worsened": 0}
    assert (day90["missing_ids"] == "P3,P4").all() and (day90["n_pairs"] == 2).all()


def test_config_must_name_analysed_outcomes_distinct_thresholds_and_a_known_citation(tmp_path):
    bib = tmp_path / "references.bib"
    bib.write_text("@article{scivoletto2013,\n  title = {x}\n}\n@book{other, title = {y}}\n")
    outcomes = {"scim_total": {}, "uems": {}}
    resp.check_config(SCIM, outcomes, bib)  # fine
    bad = {
        "scim_totl": {"thresholds": {"small": 4}, "citation": "scivoletto2013"},
        "uems": {"thresholds": {"a": 2, "b": 2}, "citation": "nobody2020"},
    }
    with pytest.raises(ValueError) as error:
        resp.check_config(bad, outcomes, bib)
    message = str(error.value)
    assert "responders.scim_totl: not one of the outcomes (scim_total, uems)" in message
    assert "responders.uems.thresholds: [2, 2] must be distinct positive numbers" in message
    assert "responders.uems.citation: 'nobody2020' is not a key of" in message
