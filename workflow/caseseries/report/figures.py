"""Figures: individual trajectories, per-visit distributions and AIS grade shifts.

Each figure is written as PNG (for HTML, PDF and DOCX) and SVG (for print), byte-reproducibly:
fixed seed for jitter, no dates in the SVG metadata, a fixed SVG hash salt.
"""

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from caseseries.data.contract import AIS_GRADES  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "caseseries", "font.size": 9, "axes.titlesize": 9})
PNG_DPI = 200


def save(fig: plt.Figure, png: Path, svg: Path) -> None:
    fig.savefig(png, dpi=PNG_DPI, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(svg, bbox_inches="tight", metadata={"Date": None, "Creator": None})
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


def trajectories(outcomes: pd.DataFrame, outcome_labels: dict, day_columns: dict) -> plt.Figure:
    """One panel per outcome: each patient's score against the day that instrument was assessed
    (`day_columns[outcome]`); colour and marker together tell the patients apart."""
    fig, axes = _grid(len(outcome_labels))
    patients = sorted(outcomes["patient_id"].unique())
    colours = sns.color_palette("colorblind", 10)
    # Ten colours, then the next marker: patients i and i + 10 differ in marker, not colour.
    style = {p: (colours[i % 10], MARKERS[(i // 10) % len(MARKERS)]) for i, p in enumerate(patients)}
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        day = day_columns[outcome]
        for patient, rows in outcomes.sort_values(day).groupby("patient_id"):
            colour, marker = style[patient]
            ax.plot(rows[day], rows[outcome], marker=marker, ms=3.5, lw=1, color=colour, label=patient)
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
    data = outcomes.assign(target=outcomes["visit"].map(visit_targets).astype(float))
    sites = sorted(data["site"].unique()) if "site" in data else []
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        by_visit = data.groupby("target")[outcome]
        if len(sites) > 1:
            for _, rows in data.groupby("site"):
                ax.plot(rows.groupby("target")[outcome].median(), lw=0.6, color="0.7")
        ax.fill_between(by_visit.quantile(0.25).index, by_visit.quantile(0.25), by_visit.quantile(0.75),
                        color="C0", alpha=0.25, lw=0)
        ax.plot(by_visit.median(), marker="o", ms=3.5, lw=1.5, color="C0")
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
    data = outcomes.assign(visit_label=outcomes["visit"].map(visit_labels))
    label_order = [visit_labels[v] for v in order]
    for ax, (outcome, label) in zip(axes, outcome_labels.items()):
        sns.boxplot(data=data, x="visit_label", y=outcome, order=label_order, ax=ax, color="0.85", width=0.55,
                    fliersize=0 if show_points else 1)
        if show_points:
            sns.stripplot(data=data, x="visit_label", y=outcome, order=label_order, ax=ax, color="0.15", size=3,
                          jitter=0.12)
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
