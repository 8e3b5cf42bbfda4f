"""Figures: what a reader must be able to see in them, checked on the drawn matplotlib objects."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from caseseries.report import figures  # noqa: E402


def test_patients_differ_in_more_than_colour():
    styles = figures.patient_styles([f"P{i:03d}" for i in range(180)])
    combinations = {(s["color"], s["marker"], s["linestyle"]) for s in styles.values()}
    assert len(combinations) == 180
    first_ten = list(styles.values())[:10]
    assert len({s["marker"] for s in first_ten}) >= 9 and len({s["linestyle"] for s in first_ten}) == 4


def test_coinciding_lines_are_spread_around_their_values():
    values = pd.DataFrame(
        {"baseline": [50, 50, 40, 30, 12], "day180": [50, 50, 50, 31, 12]},
        index=["P1", "P2", "P3", "P4", "P5"],
    )
    offsets = figures.coincidence_offsets(values, step=0.5)
    # P1 and P2 coincide at both visits, P3 joins them at day 180: one group of three, spread
    # -0.5, 0, +0.5 in id order. P4 and P5 coincide with nobody.
    assert offsets == {"P1": -0.5, "P2": 0.0, "P3": 0.5, "P4": 0.0, "P5": 0.0}


def test_end_labels_keep_their_distance_and_stay_below_the_top():
    placed = figures.spread_labels({"a": 0.0, "b": 0.1, "c": 5.0}, gap=1.0, top=10.0)
    assert placed == {"a": 0.0, "b": 1.0, "c": 5.0}
    crowded = figures.spread_labels({"a": 9.8, "b": 9.9}, gap=1.0, top=10.0)
    assert crowded == {"a": 9.0, "b": 10.0}


OUTCOMES = pd.DataFrame(
    [
        ("P1", "baseline", -5, -5, "A", 10), ("P1", "day90", 88, 88, "A", 12), ("P1", "day180", 181, 181, "B", 15),
        ("P2", "baseline", -3, -3, "C,D", 40), ("P2", "day90", None, None, None, None),
        ("P2", "day180", 179, 179, "D", 38),
    ],
    columns=["patient_id", "visit", "day", "isncsci_day", "ais", "scim_total"],
)
PATIENTS = pd.DataFrame({"patient_id": ["P1", "P2"], "years_since_injury": [2.0, 14.5], "site": ["A", "A"]})
ASSESSMENTS = pd.DataFrame(
    [("ISNCSCI", p, d) for p, d in (("P1", -5), ("P1", 88), ("P1", 181), ("P2", -3), ("P2", 179))]
    + [("SCIM-III", p, d) for p, d in (("P1", -5), ("P1", 88), ("P1", 181), ("P2", -3), ("P2", 179), ("P2", 240))],
    columns=["instrument", "patient_id", "day"],
)
EVENTS = pd.DataFrame(
    [("P1", 1, 1, "no"), ("P1", 40, 3, "yes"), ("P2", -10, 2, "no")],
    columns=["patient_id", "onset_day", "grade", "serious"],
)


def test_the_timeline_shows_every_assessment_grade_and_event():
    fig = figures.timeline(PATIENTS, ASSESSMENTS, OUTCOMES, EVENTS)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P1  (2.0 y)", "P2  (14.5 y)"]
    points = {c.get_label(): c.get_offsets() for c in ax.collections}
    assert len(points["ISNCSCI examination (AIS grade)"]) == 5 and len(points["SCIM-III assessment"]) == 6
    events = np.concatenate([xy for label, xy in points.items() if label.startswith("Adverse event")])
    assert sorted(events[:, 0]) == [-10, 1, 40]  # onset days, the one before the infusion too
    grades = [t.get_text() for t in ax.texts if t.get_text() != "Infusion"]
    assert sorted(grades) == ["A", "A", "B", "D", "ND"]  # "C,D" is not determinable
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Serious adverse event (black edge)" in legend and "Adverse event, CTCAE grade 3" in legend


def test_the_cohort_timeline_has_the_same_four_facts_in_aggregate():
    fig = figures.timeline_summary(PATIENTS, ASSESSMENTS, OUTCOMES, EVENTS, {"baseline": "Pre", "day90": "Day 90",
                                                                            "day180": "Day 180"})
    assert [ax.get_title() for ax in fig.axes] == ["Time since injury", "Assessments", "AIS grade at each visit",
                                                  "Adverse events"]
    grades = fig.axes[2]
    assert {t.get_text() for t in grades.get_legend().get_texts()} >= {"AIS A", "ND", "missing"}


def test_the_waterfall_draws_each_change_and_the_thresholds():
    changes = pd.DataFrame(
        [("scim_total", "day180", "P1", 10.0, "substantial"), ("scim_total", "day180", "P2", -5.0, "worsened"),
         ("scim_total", "day180", "P3", 0.0, "below MCID"), ("scim_total", "day180", "P4", None, None)],
        columns=["outcome", "visit", "patient_id", "change", "category"],
    )
    responders = {"scim_total": {"thresholds": {"small": 4, "substantial": 10}, "citation": "x"}}
    fig = figures.waterfall(changes, responders, {"scim_total": "SCIM-III total"}, {"day180": "Day 180"})
    ax = fig.axes[0]
    assert [bar.get_height() for bar in ax.patches] == [10.0, 0.0, -5.0]  # largest first, P4 left out
    assert [t.get_text() for t in ax.get_xticklabels()] == ["P1", "P3", "P2"]
    lines = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert lines == [-4, 0, 4, 10]
    assert ax.get_title() == "Day 180 (n = 3; 1 without a pair)"


@pytest.mark.parametrize("n", [7, 50])
def test_trajectories_label_line_ends_only_while_they_stay_readable(n):
    rows = [(f"P{i:02d}", visit, day, 50.0 if i % 2 else float(i)) for i in range(n)
            for visit, day in (("baseline", -2), ("day180", 180))]
    outcomes = pd.DataFrame(rows, columns=["patient_id", "visit", "isncsci_day", "uems"])
    fig = figures.trajectories(outcomes, {"uems": "UEMS"}, {"uems": "isncsci_day"})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == n
    labels = [t.get_text() for t in ax.texts]
    assert labels == (sorted(outcomes["patient_id"].unique()) if n <= figures.LABEL_LINE_ENDS_UP_TO else [])
    at_ceiling = [line.get_ydata()[0] for line in ax.get_lines() if abs(line.get_ydata()[0] - 50) < 5]
    assert len(set(at_ceiling)) == len(at_ceiling)  # no two lines on top of each other


def test_the_cohort_trajectories_draw_the_median_band_and_one_median_line_per_site():
    # Two sites, two visits; medians and quartiles by hand (numpy's linear quantile is R type 7).
    rows = [("S1", "baseline", 10), ("S1", "baseline", 20), ("S1", "day90", 30), ("S1", "day90", 50),
            ("S2", "baseline", 0), ("S2", "baseline", 4), ("S2", "baseline", 8), ("S2", "day90", 60)]
    outcomes = pd.DataFrame(rows, columns=["site", "visit", "motor_total"])
    fig = figures.median_trajectories(outcomes, {"motor_total": "Motor"}, {"baseline": 0, "day90": 90})
    lines = fig.axes[0].get_lines()
    site_lines = [line for line in lines if line.get_color() == "0.7"]
    assert [list(line.get_xdata()) for line in site_lines] == [[0, 90], [0, 90]]
    assert [list(line.get_ydata()) for line in site_lines] == [[15, 40], [4, 60]]  # S1, then S2
    (overall,) = [line for line in lines if line.get_color() == "C0"]
    assert list(overall.get_ydata()) == [8, 50]  # medians of (0, 4, 8, 10, 20) and (30, 50, 60)
    band = fig.axes[0].collections[0].get_paths()[0].vertices
    assert {tuple(v) for v in band} >= {(0, 4), (0, 10), (90, 40), (90, 55)}  # quartiles, type 7
    one_site = figures.median_trajectories(outcomes.assign(site="S1"), {"motor_total": "Motor"},
                                           {"baseline": 0, "day90": 90})
    assert not [line for line in one_site.axes[0].get_lines() if line.get_color() == "0.7"]


# seaborn 0.13.2 still passes matplotlib 3.11 the deprecated `vert=` (its concern, not this test's)
@pytest.mark.filterwarnings("ignore:vert. bool was deprecated")
@pytest.mark.parametrize("occurring", [["baseline", "day90", "day180"], ["baseline", "day180"], ["day90"]])
def test_each_visit_box_sits_in_its_own_slot_whatever_visits_occur(occurring):
    # Visits are drawn at positions 0, 1, 2 under their labels. A box is 0.55 of a slot wide and
    # centred on its visit, also when a visit in between never occurs (the smallest gap is then 2).
    visit_labels = {"baseline": "Pre-infusion", "day90": "Day 90", "day180": "Day 180"}
    values = {"baseline": [10, 20, 30], "day90": [15, 25, 35], "day180": [20, 30, 40]}
    outcomes = pd.DataFrame([(f"P{i}", visit, value) for visit in occurring for i, value in enumerate(values[visit])],
                            columns=["patient_id", "visit", "motor_total"])
    for show_points in (True, False):
        ax = figures.distributions(outcomes, {"motor_total": "Motor"}, visit_labels, seed=1,
                                   show_points=show_points).axes[0]
        boxes = [patch.get_path().get_extents() for patch in ax.patches]
        position = {visit: i for i, visit in enumerate(visit_labels)}
        assert [(round(box.x0, 3), round(box.x1, 3)) for box in boxes] == [
            (round(position[visit] - 0.275, 3), round(position[visit] + 0.275, 3)) for visit in occurring]
        assert [tick.get_text() for tick in ax.get_xticklabels()] == list(visit_labels.values())
        assert ax.get_xlim() == (-0.5, 2.5)
