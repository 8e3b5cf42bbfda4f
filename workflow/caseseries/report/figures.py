"""Figures: individual trajectories, per-visit distributions and AIS grade shifts.

Each figure is written as PNG (for HTML, PDF and DOCX) and SVG (for print), byte-reproducibly:
fixed seed for jitter, no dates in the SVG metadata, a fixed SVG hash salt.
"""

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import StepPatch  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from caseseries.data.contract import AIS_GRADES  # noqa: E402
from caseseries.report.formatting import determinable  # noqa: E402

# Text as text in the SVG (editable, as journals ask for, and quicker to write than glyph outlines);
# figures laid out at the PNG's resolution, so that layout and PNG share one text-metrics cache.
PNG_DPI = 200
plt.rcParams.update({"svg.hashsalt": "caseseries", "svg.fonttype": "none", "figure.dpi": PNG_DPI, "font.size": 9,
                     "axes.titlesize": 9})


def save(fig: plt.Figure, png: Path, svg: Path) -> None:
    # The tight bounding box once for both files (bbox_inches="tight" lays the figure out again
    # for each save), and no layout engine left to run: each save then draws the figure once.
    bbox = fig.get_tightbbox().padded(0.1)
    fig.set_layout_engine(None)
    fig.savefig(png, dpi=PNG_DPI, bbox_inches=bbox, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    fig.savefig(svg, bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)


def _grid(n_panels: int, ncols: int = 3, panel=(2.6, 2.2)):
    nrows = -(-n_panels // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat


def _title(ax, label: str) -> None:
    ax.set_title(textwrap.fill(label, 30))


MARKERS = "osD^vP*Xph"
LINESTYLES = ("-", "--", ":", "-.")
LABEL_LINE_ENDS_UP_TO = 12  # patients; above that the end labels would overlap


def patient_styles(patients: list[str]) -> dict[str, dict]:
    """Colour, marker and line style per patient, so that patients differ in more than colour
    (print in grey, colour-blind readers): ten colours, nine markers and four line styles cycle
    at different lengths, so the first 180 patients have distinct combinations."""
    colours = sns.color_palette("colorblind", 10)
    return {
        patient: {"color": colours[i % 10], "marker": MARKERS[i % 9], "linestyle": LINESTYLES[i % 4]}
        for i, patient in enumerate(patients)
    }


def coincidence_offsets(values: pd.DataFrame, step: float) -> dict[str, float]:
    """Vertical offsets that keep coinciding lines apart. `values` is patient x visit. Patients who
    share a value at some visit are joined into groups (transitively); each group is spread
    symmetrically around its true values, `step` apart, in the order of the patient ids."""
    group = {patient: patient for patient in values.index}

    def root(patient):
        while group[patient] != patient:
            patient = group[patient]
        return patient

    for visit in values.columns:
        at_visit = values[visit].dropna()
        for _, tied in at_visit.groupby(at_visit):
            for patient in tied.index[1:]:
                group[root(patient)] = root(tied.index[0])
    members: dict[str, list[str]] = {}
    for patient in sorted(values.index):
        members.setdefault(root(patient), []).append(patient)
    return {
        patient: (i - (len(ids) - 1) / 2) * step for ids in members.values() for i, patient in enumerate(ids)
    }


def spread_labels(positions: dict[str, float], gap: float, top: float) -> dict[str, float]:
    """End-label heights at least `gap` apart and at most `top`, each as close to its line as
    that allows: pushed up from the lowest, then down from `top` where they ran over it."""
    order = sorted(positions, key=lambda patient: (positions[patient], patient))
    placed: dict[str, float] = {}
    for i, patient in enumerate(order):
        placed[patient] = positions[patient] if i == 0 else max(positions[patient], placed[order[i - 1]] + gap)
    for i in reversed(range(len(order))):
        ceiling = top if i == len(order) - 1 else placed[order[i + 1]] - gap
        placed[order[i]] = min(placed[order[i]], ceiling)
    return placed


def trajectories(outcomes: pd.DataFrame, outcome_labels: dict, day_columns: dict) -> plt.Figure:
    """One panel per outcome: each patient's score against the day that instrument was assessed
    (`day_columns[outcome]`). Patients differ in colour, marker and line style; lines whose values
    coincide are offset a little (coincidence_offsets), and with few patients each line end is
    labelled with the patient id."""
    fig, axes = _grid(len(outcome_labels))
    patients = sorted(outcomes["patient_id"].unique())
    style = patient_styles(patients)
    label_ends = len(patients) <= LABEL_LINE_ENDS_UP_TO
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        day = day_columns[outcome]
        values = outcomes.pivot_table(index="patient_id", columns="visit", values=outcome, observed=False)
        span = float(np.nanmax(values.to_numpy()) - np.nanmin(values.to_numpy())) if values.notna().any().any() else 0
        span = max(span, 1.0)
        offsets = coincidence_offsets(values.reindex(patients), step=min(0.015 * span, 0.08 * span / len(patients)))
        ends = {}
        for patient, rows in outcomes.sort_values(day).groupby("patient_id"):
            rows = rows.dropna(subset=[day, outcome])
            if rows.empty:
                continue
            y = rows[outcome] + offsets[patient]
            ax.plot(rows[day], y, ms=3.5, lw=1, label=patient, **style[patient])
            ends[patient] = (rows[day].iloc[-1], y.iloc[-1])
        if label_ends and ends:
            low, high = ax.get_ylim()
            gap = 0.085 * (high - low)
            heights = spread_labels({p: end[1] for p, end in ends.items()}, gap=gap, top=high - gap / 2)
            ax.set_ylim(min(low, min(heights.values()) - gap / 2), high)
            right = max(x for x, _ in ends.values())
            label_x = right + 0.04 * (right - ax.get_xlim()[0])
            # Leader lines from each line end to its label: one collection of plain segments, which
            # draws far faster than an annotation arrow per label (clipped to the text box).
            ax.add_collection(LineCollection([[(x, y), (label_x, heights[p])] for p, (x, y) in ends.items()],
                                             colors="0.75", linewidths=0.5), autolim=False)
            for patient in ends:
                ax.annotate(patient, (label_x, heights[patient]), xytext=(2, 0), textcoords="offset points",
                            fontsize=6, color=style[patient]["color"], va="center")
            low, high = ax.get_xlim()
            ax.set_xlim(low, high + 0.18 * (high - low))
        _title(ax, label)
        ax.set_xlabel("Days from infusion")
        ax.set_ylabel("Score")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(patients), 8), frameon=False, bbox_to_anchor=(0.5, -0.03))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def median_trajectories(outcomes: pd.DataFrame, outcome_labels: dict, visit_targets: dict) -> plt.Figure:
    """For a cohort too large for one line per patient: median and interquartile band at each
    visit (plotted at its target day), overall and, with several sites, one thin line per site."""
    fig, axes = _grid(len(outcome_labels))
    # Each summary once for all outcomes (grouping 10^5 patients per panel was the slow part).
    values = outcomes[list(outcome_labels)]
    target = outcomes["visit"].map(visit_targets).astype(float).rename("target")
    by_visit = values.groupby(target)
    q1, median, q3 = by_visit.quantile(0.25), by_visit.median(), by_visit.quantile(0.75)
    several_sites = "site" in outcomes and outcomes["site"].nunique() > 1
    site_medians = values.groupby([outcomes["site"], target]).median() if several_sites else None
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        if several_sites:
            for _, site in site_medians[outcome].groupby(level="site"):
                ax.plot(site.droplevel("site"), lw=0.6, color="0.7")
        ax.fill_between(q1.index, q1[outcome], q3[outcome], color="C0", alpha=0.25, lw=0)
        ax.plot(median[outcome], marker="o", ms=3.5, lw=1.5, color="C0")
        _title(ax, label)
        ax.set_xlabel("Days from infusion (visit)")
        ax.set_ylabel("Score")
    fig.tight_layout()
    return fig


def distributions(outcomes: pd.DataFrame, outcome_labels: dict, visit_labels: dict, seed: int,
                  show_points: bool = True) -> plt.Figure:
    """One panel per outcome: box plot per visit, with the individual values jittered on top
    unless there are too many to see (`show_points`)."""
    np.random.seed(seed)  # seaborn's stripplot jitter draws from NumPy's global generator
    fig, axes = _grid(len(outcome_labels))
    order = list(visit_labels)
    # Visits at positions 0, 1, ... of a numeric axis (native_scale), labelled below: seaborn then
    # groups numbers, instead of making a text of each of 10^5 visit labels in every panel.
    position = outcomes["visit"].map({v: i for i, v in enumerate(order)}).to_numpy(dtype=float, na_value=np.nan)
    data = outcomes[list(outcome_labels)].assign(position=position)
    # seaborn scales widths by the smallest gap between the positions that occur (2 if no visit
    # next to another occurs); divided out, a box is 0.55 of a visit's slot whatever occurs.
    present = np.unique(position[~np.isnan(position)])
    unit = float(np.diff(present).min()) if len(present) > 1 else 1.0
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        sns.boxplot(data=data, x="position", y=outcome, native_scale=True, ax=ax, color="0.85", width=0.55 / unit,
                    fliersize=0 if show_points else 1)
        if show_points:
            sns.stripplot(data=data, x="position", y=outcome, native_scale=True, ax=ax, color="0.15", size=3,
                          jitter=0.12 / unit)
        ax.set_xticks(range(len(order)), [visit_labels[v] for v in order])
        ax.set_xlim(-0.5, len(order) - 0.5)
        _title(ax, label)
        ax.set_xlabel("")
        ax.tick_params(axis="x", labelsize=7.5)
        ax.set_ylabel("Score")
    fig.tight_layout()
    return fig


def ais_shift(shift: pd.DataFrame, baseline_label: str, followup_label: str) -> plt.Figure:
    """Heat map of patients by baseline (rows) and follow-up (columns) AIS grade."""
    counts = shift.reindex(index=list(AIS_GRADES), columns=list(AIS_GRADES), fill_value=0)
    fig, ax = plt.subplots(figsize=(3.6, 3.0))
    sns.heatmap(counts, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, linecolor="white", ax=ax)
    # The diagonal is "unchanged"; cells right of it are improvements (A is the most severe grade).
    for i in range(len(AIS_GRADES)):
        ax.add_patch(plt.Rectangle((i, i), 1, 1, fill=False, edgecolor="0.4", lw=1))
    ax.set_xlabel(f"AIS grade, {followup_label}")
    ax.set_ylabel(f"AIS grade, {baseline_label}")
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    return fig


# --- patient timeline (CARE "timeline") ------------------------------------------------------

# CTCAE grade 1..5: light orange to black, each visible on white.
GRADE_COLOURS = {1: "#fdae61", 2: "#f46d43", 3: "#d73027", 4: "#a50026", 5: "#000000"}


def timeline(patients: pd.DataFrame, assessments: pd.DataFrame, outcomes: pd.DataFrame,
             events: pd.DataFrame) -> plt.Figure:
    """One row per patient (labelled with the years since injury): the infusion at day 0, every
    ISNCSCI examination (circle, with the AIS grade at the visits analysed), every SCIM-III
    assessment (tick) and every adverse event at its onset day (triangle coloured by CTCAE grade,
    black-edged when serious)."""
    ids = sorted(patients["patient_id"])
    n = len(ids)
    row = min(0.38, max(0.16, 8.0 / max(n, 1)))
    height = max(2.6, 1.5 + row * n)  # room for the axis label and legend even with one patient
    fig, ax = plt.subplots(figsize=(7.0, height))
    y = {patient: n - 1 - i for i, patient in enumerate(ids)}
    text_size = 6.5 if n <= 20 else 5
    years = patients.set_index("patient_id")["years_since_injury"]
    for patient in ids:
        days = assessments.loc[assessments["patient_id"] == patient, "day"]
        if len(days):
            ax.plot([min(days.min(), 0), days.max()], [y[patient]] * 2, color="0.8", lw=1, zorder=1)
    scim = assessments[assessments["instrument"] == "SCIM-III"]
    ax.scatter(scim["day"], scim["patient_id"].map(y) - 0.22, marker="|", s=30, color="0.35", lw=0.8,
               zorder=2, label="SCIM-III assessment")
    exams = assessments[assessments["instrument"] == "ISNCSCI"]
    ax.scatter(exams["day"], exams["patient_id"].map(y), marker="o", s=80 if n <= 20 else 24,
               facecolor="white", edgecolor="0.2", lw=0.7, zorder=3, label="ISNCSCI examination (AIS grade)")
    graded = outcomes.dropna(subset=["isncsci_day"])
    for r in graded.itertuples():
        ax.text(r.isncsci_day, y[r.patient_id], determinable(r.ais), ha="center", va="center_baseline",
                fontsize=text_size - 0.5, zorder=4)
    if len(events):
        for grade, of_grade in events.groupby("grade"):
            serious = of_grade["serious"] == "yes"
            ax.scatter(of_grade["onset_day"], of_grade["patient_id"].map(y) + 0.32, marker="v", s=34 if n <= 20 else 12,
                       color=GRADE_COLOURS[int(grade)], edgecolor=np.where(serious, "black", "0.35").tolist(),
                       lw=np.where(serious, 1.3, 0.4).tolist(), zorder=5, label=f"Adverse event, CTCAE grade {int(grade)}")
    ax.axvline(0, color="0.3", lw=0.8, ls="--", zorder=0)
    ax.annotate("Infusion", (0, 1), xycoords=("data", "axes fraction"), xytext=(2, 2), textcoords="offset points",
                fontsize=7, ha="left", va="bottom")
    ax.set_yticks([y[p] for p in ids], [f"{p}  ({years[p]:.1f} y)" for p in ids], fontsize=text_size)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel("Days from infusion")
    ax.set_ylabel("Patient (years since injury)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    if len(events) and (events["serious"] == "yes").any():
        handles.append(plt.Line2D([], [], marker="v", ls="", color="white", markeredgecolor="black",
                                  markeredgewidth=1.3, markersize=6))
        labels.append("Serious adverse event (black edge)")
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.55 / height, 1, 1))
    return fig


def timeline_summary(patients: pd.DataFrame, assessments: pd.DataFrame, outcomes: pd.DataFrame,
                     events: pd.DataFrame, visit_labels: dict) -> plt.Figure:
    """The timeline of a cohort too large for one row per patient: years since injury, the days of
    the assessments, the AIS grades at each visit and the adverse events by onset day and grade."""
    fig, axes = plt.subplots(2, 2, figsize=(7.8, 5.4))
    (injury, days), (grades, onsets) = axes
    injury.hist(patients["years_since_injury"], bins=20, color="0.55")
    injury.set_xlabel("Years since injury at infusion")
    injury.set_ylabel("Patients")
    injury.set_title("Time since injury")

    bins = np.arange(np.floor(assessments["day"].min() / 10) * 10, assessments["day"].max() + 11, 10)
    instruments = ["ISNCSCI", "SCIM-III"]  # side by side: both are usually taken on the same day
    days.hist([assessments.loc[assessments["instrument"] == i, "day"] for i in instruments], bins=bins,
              color=["C0", "C1"], label=instruments)
    days.axvline(0, color="0.3", lw=0.8, ls="--")
    days.set_xlabel("Days from infusion (10-day bins)")
    days.set_ylabel("Assessments")
    days.set_title("Assessments")
    days.legend(fontsize=7, frameon=False)

    levels = [*AIS_GRADES, "ND", "missing"]
    graded = outcomes.assign(grade=outcomes["ais"].map(lambda g: "missing" if pd.isna(g) else determinable(g)))
    shares = pd.crosstab(graded["visit"], graded["grade"], normalize="index").reindex(
        index=list(visit_labels), columns=levels, fill_value=0)
    colours = [*sns.color_palette("Blues", len(AIS_GRADES)), (0.85, 0.6, 0.6), (0.9, 0.9, 0.9)]
    left = np.zeros(len(shares))
    for level, colour in zip(levels, colours):
        if shares[level].any():
            grades.barh([visit_labels[v] for v in shares.index], shares[level], left=left, color=colour,
                        label=level if level in ("ND", "missing") else f"AIS {level}")
        left += shares[level].to_numpy()
    grades.invert_yaxis()
    grades.set_xlim(0, 1)
    grades.set_xlabel("Share of patients")
    grades.set_title("AIS grade at each visit")
    grades.legend(fontsize=6.5, frameon=False, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.22))

    if len(events):
        ae_bins = np.arange(np.floor(events["onset_day"].min() / 10) * 10, events["onset_day"].max() + 11, 10)
        stacked = [events.loc[events["grade"] == g, "onset_day"] for g in sorted(events["grade"].unique())]
        onsets.hist(stacked, bins=ae_bins, stacked=True, color=[GRADE_COLOURS[int(g)] for g in sorted(events["grade"].unique())],
                    label=[f"grade {int(g)}" for g in sorted(events["grade"].unique())])
        onsets.legend(fontsize=7, frameon=False, title="CTCAE", title_fontsize=7)
    else:
        onsets.text(0.5, 0.5, "No adverse events", ha="center", va="center", transform=onsets.transAxes)
    onsets.axvline(0, color="0.3", lw=0.8, ls="--")
    onsets.set_xlabel("Onset, days from infusion (10-day bins)")
    onsets.set_ylabel("Adverse events")
    onsets.set_title("Adverse events")
    fig.tight_layout()
    return fig


# --- responders ------------------------------------------------------------------------------

CATEGORY_COLOURS = {"worsened": "#b2182b", "below MCID": "0.7"}
REACHED_COLOURS = ("#92c5de", "#2166ac", "#053061")  # first, second, third threshold reached


def _runs_as_stairs(ax, values: np.ndarray, categories: np.ndarray, colours: dict) -> None:
    """Bars of width 1 at 0, 1, ...: each run of one category drawn as one filled step outline."""
    starts = np.flatnonzero(np.r_[True, categories[1:] != categories[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(values)]):
        ax.add_artist(StepPatch(values[start:end], np.arange(start, end + 1) - 0.5, baseline=0, fill=True,
                                color=colours[categories[start]], linewidth=0))
    # add_artist leaves the axes' limits alone (ax.stairs would walk every step of every outline to
    # grow them: 20 s at 10^5 patients); the corners of all bars grow them at once.
    ax.update_datalim([(-0.5, min(values.min(), 0)), (len(values) - 0.5, max(values.max(), 0))])
    ax.autoscale_view()


def waterfall(changes: pd.DataFrame, responders: dict, outcome_labels: dict, visit_labels: dict) -> plt.Figure:
    """One panel per responder outcome (rows) and follow-up (columns): each patient's change from
    baseline as a bar, largest first, coloured by the largest threshold reached; dashed lines at
    the thresholds (and at minus the smallest: worsened). Patients without a pair are left out
    and counted in the panel title."""
    outcomes, visits = list(responders), list(dict.fromkeys(changes["visit"]))
    fig, axes = plt.subplots(len(outcomes), len(visits), figsize=(3.4 * len(visits), 2.6 * len(outcomes)),
                             squeeze=False, sharey="row")
    legend = {}  # label -> bar colour, over all panels
    for row, outcome in enumerate(outcomes):
        levels = sorted(responders[outcome]["thresholds"].items(), key=lambda item: item[1])
        colours = {**CATEGORY_COLOURS, **{name: REACHED_COLOURS[min(i, 2)] for i, (name, _) in enumerate(levels)}}
        legend |= {f"reached {name} (≥{points:g})": colours[name] for name, points in levels}
        for col, visit in enumerate(visits):
            ax = axes[row][col]
            panel = changes[(changes["outcome"] == outcome) & (changes["visit"] == visit)]
            paired = panel.dropna(subset=["change"]).sort_values(["change", "patient_id"], ascending=[False, True])
            x = np.arange(len(paired))
            if len(paired) <= 30:
                ax.bar(x, paired["change"], color=[colours[c] for c in paired["category"]], width=0.75)
                # a dot on each bar, so that a change of 0 shows too
                ax.scatter(x, paired["change"], s=6, color="0.1", zorder=3)
            else:  # one filled outline per run of a colour: 10^4 single bars take seconds to draw
                _runs_as_stairs(ax, paired["change"].to_numpy(), paired["category"].to_numpy(), colours)
            for name, points in levels:
                ax.axhline(points, color="0.25", lw=0.8, ls="--")
                ax.annotate(f"{name} (≥{points:g})", (1, points), xycoords=("axes fraction", "data"),
                            xytext=(-2, 2), textcoords="offset points", ha="right", va="bottom", fontsize=6.5)
            ax.axhline(-levels[0][1], color="#b2182b", lw=0.8, ls=":")
            ax.annotate(f"worsened (≤−{levels[0][1]:g})", (1, -levels[0][1]), xycoords=("axes fraction", "data"),
                        xytext=(-2, -2), textcoords="offset points", ha="right", va="top", fontsize=6.5,
                        color="#b2182b")
            ax.axhline(0, color="0.2", lw=0.6)
            if len(paired) <= 30:
                ax.set_xticks(x, paired["patient_id"], rotation=90, fontsize=6.5)
            else:
                ax.set_xticks([])
                ax.set_xlabel("Patients, by change")
            missing = len(panel) - len(paired)
            ax.set_title(f"{visit_labels[visit]} (n = {len(paired)}" + (f"; {missing} without a pair)" if missing else ")"))
            if col == 0:
                ax.set_ylabel(textwrap.fill(f"{outcome_labels[outcome]}: change from baseline", 28))
            low, high = ax.get_ylim()  # room for the threshold labels
            ax.set_ylim(min(low, -levels[0][1] * 1.6), max(high, levels[-1][1] * 1.15))
    legend |= {"below MCID": CATEGORY_COLOURS["below MCID"], "worsened": CATEGORY_COLOURS["worsened"]}
    fig.legend([plt.Rectangle((0, 0), 1, 1, color=colour) for colour in legend.values()], list(legend),
               loc="lower center", ncol=len(legend), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.35 / (2.6 * len(outcomes)), 1, 1))
    return fig
