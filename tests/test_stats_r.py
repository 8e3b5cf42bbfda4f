"""Differential test against R: every number of the paired comparisons and the Friedman test on
generated cohorts, recomputed by tests/r/reference.R with R's own tests (coin, exactRankTests,
wilcox.test, t.test, friedman.test, p.adjust, and a full enumeration for the exact Friedman p).

Needs Rscript with the coin and exactRankTests packages (Debian: r-base-core, r-cran-coin,
r-cran-exactranktests; tests/r/install.sh installs them). When CI=true a missing R is a failure,
elsewhere the test is skipped with the reason.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caseseries.analysis.stats import friedman, paired_changes

# On one xdist worker (--dist loadgroup): the module fixture (one R session's reference values) is made once.
pytestmark = pytest.mark.xdist_group("test_stats_r")

SEED = 20241106
R_SCRIPT = Path(__file__).parent / "r" / "reference.R"
TOLERANCE = {"rel": 1e-10, "abs": 1e-14}
# cohort -> (patients, visits): 7 and 4 patients are small enough for R to list every permutation
COHORTS = {"A": (7, 3), "B": (12, 3), "C": (40, 3), "D": (60, 3), "E": (4, 4)}
OUTCOMES = ["x", "y"]
BASE_CONFIG = {"alpha": 0.05, "ci_level": 0.95, "paired_t_sensitivity": True, "multiplicity": "holm"}


def r_available() -> str:
    """'' when Rscript with coin and exactRankTests can run, else the reason it cannot."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (install r-base-core, r-cran-coin, r-cran-exactranktests: tests/r/install.sh)"
    probe = subprocess.run(["Rscript", "-e", "library(coin); library(exactRankTests)"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"R packages coin / exactRankTests missing: {probe.stderr.strip()[-300:]}"
    return ""


def generated_cohorts(seed: int) -> pd.DataFrame:
    """Integer scores with ties, zero changes and a few missing values, like the case series."""
    rng = np.random.default_rng(seed)
    frames = []
    for cohort, (n, k) in COHORTS.items():
        ids = [f"{cohort}{i:02d}" for i in range(n)]
        visits = ["baseline"] + [f"day{90 * j}" for j in range(1, k)]
        columns = {}
        for outcome in OUTCOMES:
            values = np.empty((n, k))
            values[:, 0] = rng.integers(0, 40, n)
            for j in range(1, k):  # changes from -2 to +4, often 0
                values[:, j] = values[:, j - 1] + rng.choice([-2, -1, 0, 0, 0, 1, 2, 3, 4], n)
            values[0, :] = values[0, 0] + np.arange(k)  # every test has a patient that changed
            if n >= 7:  # a lost pair (never the first patient)
                values[rng.integers(1, n, max(1, n // 10)), rng.integers(1, k)] = np.nan
            columns[outcome] = values.ravel()
        frames.append(pd.DataFrame({"cohort": cohort, "patient_id": np.repeat(ids, k), "visit": visits * n} | columns))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    reason = r_available()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"R is required in CI: {reason}")
        pytest.skip(reason)
    print(f"cohorts generated with seed {SEED}")
    folder = tmp_path_factory.mktemp("r")
    data = generated_cohorts(SEED)
    data.to_csv(folder / "cohorts.csv", index=False, na_rep="NA")
    result = subprocess.run(["Rscript", str(R_SCRIPT), str(folder / "cohorts.csv"), str(folder / "r.csv")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    r = pd.read_csv(folder / "r.csv")
    return data, r.set_index(["cohort", "outcome", "visit", "quantity"])["value"]


def ours(data: pd.DataFrame, cohort: str, config: dict):
    one = data[data["cohort"] == cohort].drop(columns="cohort")
    visits = list(dict.fromkeys(one["visit"]))
    config = BASE_CONFIG | {"primary_endpoint": {"outcome": OUTCOMES[0], "visit": visits[-1]}} | config
    changes = paired_changes(one, OUTCOMES, visits[0], visits[1:], config).set_index(["outcome", "visit"])
    return changes, friedman(one, OUTCOMES, visits, config).set_index("outcome")


# (wilcoxon_mode, zero_method) -> the R quantity that reproduces it
MODES = [
    ("exact", "wilcox", "p exact wilcox"),                    # coin, zero.method = "Wilcoxon"
    ("exact", "wilcox", "p exactRankTests wilcox"),           # exactRankTests::wilcox.exact
    ("exact", "pratt", "p exact pratt"),                      # coin, zero.method = "Pratt"
    ("asymptotic", "wilcox", "p asymptotic wilcox"),          # wilcox.test(exact = FALSE, correct = FALSE)
    ("asymptotic-corrected", "wilcox", "p asymptotic-corrected wilcox"),  # correct = TRUE
    ("asymptotic", "pratt", "p asymptotic pratt"),            # coin, distribution = "asymptotic"
]


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("mode, zero_method, quantity", MODES)
def test_wilcoxon_p_and_smallest_attainable_p_equal_r(references, mode, zero_method, quantity, alternative):
    data, r = references
    config = {"wilcoxon_mode": mode, "zero_method": zero_method, "wilcoxon_alternative": alternative}
    compared = 0
    for cohort in COHORTS:
        changes, _ = ours(data, cohort, config)
        for (outcome, visit), row in changes.iterrows():
            assert row["p_value"] == pytest.approx(r[cohort, outcome, visit, f"{quantity} {alternative}"], **TOLERANCE)
            min_quantity = f"min {quantity.replace('exactRankTests', 'exact')} {alternative}"
            if (cohort, outcome, visit, min_quantity) in r.index:
                assert row["min_attainable_p"] == pytest.approx(r[cohort, outcome, visit, min_quantity], **TOLERANCE)
            compared += 1
    assert compared == sum(len(OUTCOMES) * (k - 1) for _, k in COHORTS.values())


def test_pairs_statistic_hodges_lehmann_effect_size_and_paired_t_equal_r(references):
    data, r = references
    for cohort in COHORTS:
        for zero_method, r_name in (("wilcox", "rank_biserial wilcox"), ("pratt", "rank_biserial pratt")):
            changes, _ = ours(data, cohort, {"zero_method": zero_method})
            for (outcome, visit), row in changes.iterrows():
                key = (cohort, outcome, visit)
                assert row["n_pairs"] == r[key + ("n_pairs",)]
                assert (row["n_improved"], row["n_worsened"]) == (r[key + ("n_improved",)], r[key + ("n_worsened",)])
                if zero_method == "wilcox":
                    assert row["wilcoxon_statistic"] == pytest.approx(r[key + ("V",)], **TOLERANCE)
                for column in ("hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level_achieved",
                               "t_p_value", "t_ci_low", "t_ci_high"):
                    assert row[column] == pytest.approx(r[key + (column,)], **TOLERANCE), (key, column)
                # r is withheld (NaN) only under zeros dropped with fewer than half of the pairs changed
                withheld = zero_method == "wilcox" and row["n_improved"] + row["n_worsened"] < row["n_pairs"] / 2
                if withheld:
                    assert np.isnan(row["rank_biserial"])
                else:
                    assert row["rank_biserial"] == pytest.approx(r[key + (r_name,)], **TOLERANCE)


@pytest.mark.parametrize("family", ["secondary", "within_outcome"])
def test_holm_adjustment_of_the_secondary_family_equals_r(references, family):
    data, r = references
    for cohort in COHORTS:
        changes, _ = ours(data, cohort, {"multiplicity_family": family, "wilcoxon_mode": "exact",
                                         "zero_method": "wilcox", "wilcoxon_alternative": "two-sided"})
        for (outcome, visit), row in changes.iterrows():
            if row["role"] == "primary":
                assert row["p_adjusted"] == row["p_value"]
            else:
                assert row["p_adjusted"] == pytest.approx(r[cohort, outcome, visit, f"holm {family}"], **TOLERANCE)


def test_friedman_statistic_chi_square_and_exact_p_equal_r(references):
    data, r = references
    enumerated = 0
    for cohort in COHORTS:
        _, chi = ours(data, cohort, {"friedman_method": "chi-square"})
        _, auto = ours(data, cohort, {"friedman_method": "auto"})
        for outcome in OUTCOMES:
            key = (cohort, outcome, "all")
            assert chi.loc[outcome, "n_complete"] == r[key + ("n_complete",)]
            assert chi.loc[outcome, "statistic"] == pytest.approx(r[key + ("friedman_q",)], **TOLERANCE)
            assert chi.loc[outcome, "p_value"] == pytest.approx(r[key + ("friedman_chi_square_p",)], **TOLERANCE)
            assert chi.loc[outcome, "kendall_w"] == pytest.approx(r[key + ("kendall_w",)], **TOLERANCE)
            assert auto.loc[outcome, "p_method"] == "exact"  # every cohort here is small enough
            if key + ("friedman_exact_p",) in r.index:
                assert auto.loc[outcome, "p_value"] == pytest.approx(r[key + ("friedman_exact_p",)], **TOLERANCE)
                assert auto.loc[outcome, "min_attainable_p"] == pytest.approx(
                    r[key + ("friedman_exact_min_p",)], **TOLERANCE)
                enumerated += 1
    assert enumerated == 2 * len(OUTCOMES)  # cohorts A (7 x 3) and E (4 x 4)
