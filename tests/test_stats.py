"""Tests of caseseries.analysis.stats against independent references.

Reference numbers come from R 4.2.2 (Debian bookworm r-base-core, r-cran-coin 1.4-2,
r-cran-exactranktests 0.8-35) with options(digits = 15); the exact R call is in a comment next
to each number. Brute-force references (all Walsh averages sorted, all sign patterns, all
within-patient permutations) are written inline. R is not needed to run these tests; the
differential test against R on generated cohorts is tests/test_stats_r.py.
"""

import itertools
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from caseseries.analysis import endpoints, exact, stats
from caseseries.analysis.stats import (
    adjust_p,
    ais_shift,
    describe,
    friedman,
    hodges_lehmann,
    kth_walsh_average,
    paired_changes,
    signed_rank_cdf,
)

CONFIG = {
    "alpha": 0.05,
    "ci_level": 0.95,
    "wilcoxon_alternative": "two-sided",
    "zero_method": "wilcox",
    "wilcoxon_mode": "exact",
    "multiplicity": "holm",
    "multiplicity_family": "within_outcome",
    "friedman": True,
    "friedman_method": "auto",
    "paired_t_sensitivity": True,
}
VISITS = ["baseline", "day90", "day180"]
IDS = ["P01", "P02", "P03", "P04", "P05", "P06", "P07"]

# The 7-patient fixture. P05 has no day90 row at all.
MOTOR = {  # baseline, day90, day180
    "P01": (50, 54, 57), "P02": (32, 32, 35), "P03": (71, 74, 72), "P04": (18, 20, 26),
    "P05": (44, None, 47), "P06": (60, 66, 70), "P07": (25, 26, 25),
}
SCIM = {
    "P01": (30, 34, 33), "P02": (45, 52, 49), "P03": (22, 20, 21), "P04": (61, 72, 70),
    "P05": (38, None, 41), "P06": (27, 36, 35), "P07": (50, 56, 55),
}
AIS = {  # baseline, day90, day180
    "P01": ("A", "A", "A"), "P02": ("B", "B", "C"), "P03": ("C", "C", "D"),
    "P04": ("C", "C", "C,D"), "P05": ("D", None, None), "P06": ("D", "D", "C"),
    "P07": ("A", "B", "B"),
}


def fixture_outcomes() -> pd.DataFrame:
    rows = []
    for pid in IDS:
        for i, (visit, day) in enumerate(zip(VISITS, (-5, 90, 180))):
            if MOTOR[pid][i] is None:  # no assessment at this visit: no row
                continue
            rows.append(
                {"patient_id": pid, "visit": visit, "day": day,
                 "motor_total": float(MOTOR[pid][i]), "scim_total": float(SCIM[pid][i]),
                 "ais": AIS[pid][i]}
            )
    return pd.DataFrame(rows)


def outcomes_from_differences(differences, name="x") -> pd.DataFrame:
    """baseline 0 and day90 = difference, one patient per difference."""
    ids = [f"S{i:06d}" for i in range(len(differences))]
    base = pd.DataFrame({"patient_id": ids, "visit": "baseline", "day": 0, name: 0.0})
    follow = pd.DataFrame({"patient_id": ids, "visit": "day90", "day": 90,
                           name: np.asarray(differences, dtype=float)})
    return pd.concat([base, follow], ignore_index=True)


def brute_force_walsh(d) -> np.ndarray:
    d = np.asarray(d, dtype=float)
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2)


# ----------------------------------------------------------------------------- describe


def test_describe_matches_r_quantile_type7_and_counts_missing():
    table = describe(fixture_outcomes(), ["motor_total"], VISITS).set_index(["outcome", "visit"])
    base = table.loc[("motor_total", "baseline")]
    # mb <- c(50,32,71,18,44,60,25); quantile(mb, c(.25,.5,.75), type=7); sd(mb); mean(mb)
    assert base["n"] == 7 and base["n_missing"] == 0
    assert base[["q1", "median", "q3"]].tolist() == pytest.approx([28.5, 44, 55])
    assert base["sd"] == pytest.approx(19.1174315868055, rel=1e-12)
    assert base["mean"] == pytest.approx(42.8571428571429, rel=1e-12)
    assert (base["min"], base["max"]) == (18, 71)
    day90 = table.loc[("motor_total", "day90")]
    # m90 <- c(54,32,74,20,NA,66,26); quantile(na.omit(m90), c(.25,.5,.75), type=7); sd(m90, na.rm=TRUE)
    assert day90["n"] == 6 and day90["n_missing"] == 1
    assert day90[["q1", "median", "q3"]].tolist() == pytest.approx([27.5, 43, 63])
    assert day90["sd"] == pytest.approx(22.4380628991601, rel=1e-12)


def test_describe_visit_without_any_data_gives_n_zero():
    table = describe(fixture_outcomes(), ["motor_total"], ["baseline", "day365"])
    empty = table.set_index("visit").loc["day365"]
    assert empty["n"] == 0 and empty["n_missing"] == 7 and np.isnan(empty["mean"])


def test_outcomes_of_several_types_and_names_given_once_are_all_described_and_compared():
    # One pivot for all outcomes must not turn an Int64 column with a missing value into objects
    # (a pivot of several columns gives them one type), nor read a one-shot iterable of names twice.
    outcomes = pd.DataFrame({"patient_id": ["p1", "p1", "p2", "p2", "p3", "p3"], "visit": ["b", "f"] * 3,
                             "x": pd.array([1, 2, None, 4, 5, 9], dtype="Int64"), "y": [1.5, 2.5, 2.0, 3.0, 0.5, 4.5]})
    table = describe(outcomes, (name for name in ["x", "y"]), ["b", "f"]).set_index(["outcome", "visit"])
    assert table.loc[("x", "b"), ["n", "n_missing", "mean"]].tolist() == [2, 1, 3.0]
    assert table.loc[("y", "f"), ["n", "mean"]].tolist() == [3, 10 / 3]
    changes = stats.paired_changes(outcomes, (name for name in ["x", "y"]), "b", ["f"], {"alpha": 0.05})
    assert changes["outcome"].tolist() == ["x", "y"] and changes["n_pairs"].tolist() == [2, 3]


# ----------------------------------------------------------------------------- Hodges-Lehmann


def test_signed_rank_cdf_small_n_by_hand():
    # n = 3: rank sums 0,1,2,3,3,4,5,6 over the 8 sign patterns
    assert signed_rank_cdf(3).tolist() == pytest.approx(np.cumsum([1, 1, 1, 2, 1, 1, 1]) / 8)


def test_hodges_lehmann_exact_ci_untied_n7():
    # d7 <- c(4, 7, -2, 11, 3, 9, 6); wilcox.test(d7, exact=TRUE, conf.int=TRUE)
    # -> (pseudo)median 5.75, 95% CI 1 9
    # q <- qsignrank(0.025, 7); 1 - 2*psignrank(q - 1, 7)  -> 0.953125
    hl = hodges_lehmann([4, 7, -2, 11, 3, 9, 6], 0.95)
    assert hl == pytest.approx((5.75, 1.0, 9.0, 0.953125))


def test_hodges_lehmann_exact_ci_untied_n10_two_levels():
    d10 = [1.5, -0.8, 3.2, 2.1, -1.7, 4.4, 0.6, 2.9, -0.3, 5.1]
    # wilcox.test(d10, exact=TRUE, conf.int=TRUE) -> 1.75, CI -0.1 3.3
    # 1 - 2*psignrank(qsignrank(0.025, 10) - 1, 10) -> 0.951171875
    assert hodges_lehmann(d10, 0.95) == pytest.approx((1.75, -0.1, 3.3, 0.951171875))
    # wilcox.test(d10, exact=TRUE, conf.int=TRUE, conf.level=0.9) -> 1.75, CI 0.2 3.2
    # 1 - 2*psignrank(qsignrank(0.05, 10) - 1, 10) -> 0.916015625
    assert hodges_lehmann(d10, 0.90) == pytest.approx((1.75, 0.2, 3.2, 0.916015625))


def test_hodges_lehmann_degenerate():
    assert all(np.isnan(hodges_lehmann([], 0.95)))
    assert all(np.isnan(hodges_lehmann([3.0], 0.95)))
    # every Walsh average of all-zero differences is 0
    assert hodges_lehmann([0, 0, 0, 0, 0, 0], 0.95)[:3] == (0, 0, 0)


def test_normal_ci_cutoff_close_to_r_exact_for_n_50_and_more():
    # R uses the normal approximation from n = 50 on; the exact quantile for comparison:
    # qsignrank(0.025, 50) -> 435;  qsignrank(0.025, 60) -> 649;  qsignrank(0.025, 200) -> 8445
    # 1 - 2*psignrank(q - 1, n) -> 0.950553593199398, 0.950718494015639, 0.950030368700025
    for n, k_exact, level_exact in [(50, 435, 0.950553593199398), (60, 649, 0.950718494015639),
                                    (200, 8445, 0.950030368700025)]:
        k, level = stats._walsh_rank_for_ci(n, 0.95)
        assert k_exact - 1 <= k <= k_exact  # never narrower than exact, at most one rank wider
        assert level == pytest.approx(level_exact, abs=1e-3)


@pytest.mark.parametrize("kind", ["normal", "integers", "decimals"])
def test_fast_walsh_selection_equals_brute_force_n2000(kind):
    rng = np.random.default_rng(42)
    d = {"normal": rng.normal(3, 10, 2000),
         "integers": rng.integers(-6, 9, 2000).astype(float),  # heavy ties, like scores
         "decimals": np.round(rng.normal(0, 1, 2000), 1) * 0.1}[kind]  # inexact sums in float
    walsh = brute_force_walsh(d)
    hl = hodges_lehmann(d, 0.95)
    assert hl.estimate == np.median(walsh)
    k, _ = stats._walsh_rank_for_ci(d.size, 0.95)
    assert (hl.ci_low, hl.ci_high) == (walsh[k - 1], walsh[walsh.size - k])
    for rank in (1, 17, 123_456, walsh.size):
        assert kth_walsh_average(d, rank) == walsh[rank - 1]


def test_walsh_counting_equals_selection_on_tied_scores():
    # 50 distinct values: counted (1,275 distinct sums); sample_size=64 forces the selection path
    d = np.random.default_rng(11).integers(-20, 30, 20_000).astype(float)
    n_walsh = d.size * (d.size + 1) // 2
    for rank in (1, 5, 10**6, n_walsh // 2, n_walsh // 2 + 1, n_walsh - 3, n_walsh):
        assert kth_walsh_average(d, rank) == kth_walsh_average(d, rank, sample_size=64)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float),
                          st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=120),
       st.data())
def test_walsh_selection_property(values, data):
    walsh = brute_force_walsh(values)
    rank = data.draw(st.integers(1, walsh.size))
    assert kth_walsh_average(values, rank) == walsh[rank - 1]


def test_walsh_selection_forced_through_sampling_path():
    # small n normally sorts the candidates at once; force the pivot path with a tiny sample
    rng = np.random.default_rng(7)
    d = np.concatenate([rng.integers(-3, 4, 150).astype(float), rng.normal(size=150)])
    walsh = brute_force_walsh(d)
    for rank in (1, 2, 1000, walsh.size // 2, walsh.size - 1, walsh.size):
        assert kth_walsh_average(d, rank, sample_size=8) == walsh[rank - 1]


# ----------------------------------------------------------------------------- paired changes


def test_wilcoxon_exact_p_without_ties_n7():
    result = paired_changes(outcomes_from_differences([4, 7, -2, 11, 3, 9, 6]), ["x"],
                            "baseline", ["day90"], CONFIG).iloc[0]
    # wilcox.test(c(4, 7, -2, 11, 3, 9, 6), exact=TRUE) -> V = 27, p-value = 0.03125
    assert result["p_value"] == pytest.approx(0.03125, rel=1e-12)
    # the statistic is R's V, the sum of the ranks of the positive differences
    assert result["wilcoxon_statistic"] == 27
    assert (result["hl_estimate"], result["hl_ci_low"], result["hl_ci_high"]) == (5.75, 1, 9)


@pytest.mark.parametrize(
    "differences, p_r",
    [
        # d <- c(2, 2, 0, -1, 3, 3, 0, 5, 2)
        # pvalue(wilcoxsign_test(d ~ rep(0, 9), zero.method="Wilcoxon", distribution="exact"))
        # -> 0.03125;  exactRankTests::wilcox.exact(d, exact=TRUE)$p.value -> 0.03125
        ([2, 2, 0, -1, 3, 3, 0, 5, 2], 0.03125),
        # d <- c(1, -1, 2, 0, 1, 3, -2); same two calls -> 0.53125 and 0.53125
        ([1, -1, 2, 0, 1, 3, -2], 0.53125),
    ],
)
def test_wilcoxon_exact_conditional_p_with_ties_and_zeros(differences, p_r):
    result = paired_changes(outcomes_from_differences(differences), ["x"],
                            "baseline", ["day90"], CONFIG).iloc[0]
    assert result["p_value"] == pytest.approx(p_r, rel=1e-12)


def test_rank_biserial_by_hand_and_sign():
    # d = 1, -2, 3, 4: ranks 1..4, R+ = 8, R- = 2, r = (8 - 2) / 10 = 0.6
    up = paired_changes(outcomes_from_differences([1, -2, 3, 4]), ["x"], "baseline", ["day90"], CONFIG)
    assert up["rank_biserial"].iloc[0] == pytest.approx(0.6)
    # the zero is dropped (zero_method wilcox): 1, -2, 3 -> R+ = 4, R- = 2, r = 2/6
    zero = paired_changes(outcomes_from_differences([0, 1, -2, 3]), ["x"], "baseline", ["day90"], CONFIG)
    assert zero["rank_biserial"].iloc[0] == pytest.approx(1 / 3)
    # a decrease is negative, whatever the alternative
    for alternative in ("two-sided", "less", "greater"):
        down = paired_changes(outcomes_from_differences([-1, 2, -3, -4]), ["x"], "baseline",
                              ["day90"], CONFIG | {"wilcoxon_alternative": alternative})
        assert down["rank_biserial"].iloc[0] == pytest.approx(-0.6)


def test_fixture_missing_visit_holm_and_paired_t():
    table = paired_changes(fixture_outcomes(), ["motor_total", "scim_total"], "baseline",
                           ["day90", "day180"], CONFIG).set_index(["outcome", "visit"])
    m90, m180 = table.loc[("motor_total", "day90")], table.loc[("motor_total", "day180")]
    # P05 has no day90 row: excluded from that pair and named
    assert (m90["n_pairs"], m90["missing_ids"]) == (6, "P05")
    assert (m180["n_pairs"], m180["missing_ids"]) == (7, "")
    # ex <- function(d) pvalue(wilcoxsign_test(d ~ rep(0, length(d)),
    #                          zero.method="Wilcoxon", distribution="exact"))
    # mb <- c(50,32,71,18,44,60,25); m90 <- c(54,32,74,20,NA,66,26); m180 <- c(57,35,72,26,47,70,25)
    # pm <- c(ex(na.omit(m90-mb)), ex(m180-mb)) -> 0.0625 0.03125
    # p.adjust(pm, "holm") -> 0.0625 0.0625
    assert [m90["p_value"], m180["p_value"]] == pytest.approx([0.0625, 0.03125], rel=1e-12)
    assert [m90["p_adjusted"], m180["p_adjusted"]] == pytest.approx([0.0625, 0.0625], rel=1e-12)
    # t.test(m180, mb, paired=TRUE) -> 4.57142857142857, CI 1.07584021265004 8.0670169302071,
    # p 0.0186000590248401
    assert m180[["t_mean_change", "t_ci_low", "t_ci_high", "t_p_value"]].tolist() == pytest.approx(
        [4.57142857142857, 1.07584021265004, 8.0670169302071, 0.0186000590248401], rel=1e-10)
    s90 = table.loc[("scim_total", "day90")]
    # sb <- c(30,45,22,61,38,27,50); s90 <- c(34,52,20,72,NA,36,56)
    # t.test(s90, sb, paired=TRUE) -> 5.83333333333333, CI 1.07409160406188 10.5925750626048,
    # p 0.0253582584673366
    assert s90[["t_mean_change", "t_ci_low", "t_ci_high", "t_p_value"]].tolist() == pytest.approx(
        [5.83333333333333, 1.07409160406188, 10.5925750626048, 0.0253582584673366], rel=1e-10)
    # wilcox.test(na.omit(s90-sb), exact=TRUE, conf.int=TRUE) -> 6.5, CI -2 11, V = 20
    # 1 - 2*psignrank(qsignrank(0.025, 6) - 1, 6) -> 0.96875
    assert s90[["hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level_achieved"]].tolist() == \
        pytest.approx([6.5, -2, 11, 0.96875])
    assert s90["wilcoxon_statistic"] == 20  # R's V
    # mean / median change by hand: 4, 7, -2, 11, 9, 6
    assert (s90["mean_change"], s90["median_change"]) == (pytest.approx(35 / 6), 6.5)


def test_nan_value_counts_as_missing_like_a_missing_row():
    frame = fixture_outcomes()
    frame.loc[(frame.patient_id == "P03") & (frame.visit == "day180"), "motor_total"] = np.nan
    table = paired_changes(frame, ["motor_total"], "baseline", ["day90", "day180"], CONFIG)
    assert table["missing_ids"].tolist() == ["P05", "P03"]
    assert table["n_pairs"].tolist() == [6, 6]


def test_multiplicity_options_match_r_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03), "holm") -> 0.03 0.06 0.06
    assert adjust_p([0.01, 0.04, 0.03], "holm") == pytest.approx([0.03, 0.06, 0.06])
    # p.adjust(c(0.0625, 0.03125), "bonferroni") -> 0.125 0.0625
    assert adjust_p([0.0625, 0.03125], "bonferroni") == pytest.approx([0.125, 0.0625])
    assert adjust_p([0.0625, 0.03125], "none") == pytest.approx([0.0625, 0.03125])
    # a NaN p (degenerate comparison) is neither adjusted nor counted
    assert np.isnan(adjust_p([np.nan, 0.03], "holm")[0])
    assert adjust_p([np.nan, 0.03], "holm")[1] == pytest.approx(0.03)
    table = paired_changes(fixture_outcomes(), ["motor_total"], "baseline", ["day90", "day180"],
                           CONFIG | {"multiplicity": "bonferroni", "paired_t_sensitivity": False})
    assert table["p_adjusted"].tolist() == pytest.approx([0.125, 0.0625])
    assert "t_p_value" not in table.columns


@pytest.mark.parametrize("differences", [[], [5.0], [0.0, 0.0, 0.0, 0.0]])
def test_degenerate_comparisons_give_nan_without_warnings(differences):
    frame = outcomes_from_differences(differences) if differences else \
        outcomes_from_differences([1.0, 2.0]).assign(x=lambda f: np.where(f.visit == "day90", np.nan, 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = paired_changes(frame, ["x"], "baseline", ["day90"], CONFIG).iloc[0]
    assert np.isnan(row["wilcoxon_statistic"]) and np.isnan(row["rank_biserial"])
    assert np.isnan(row["t_p_value"])
    if len(differences) >= 2:  # all zero: p = 1 (data on the null), HL = CI = 0
        assert row["p_value"] == 1.0 and (row["hl_estimate"], row["hl_ci_low"], row["hl_ci_high"]) == (0, 0, 0)
    else:
        assert np.isnan(row["p_value"]) and np.isnan(row["hl_ci_low"])
        assert row["n_pairs"] == len(differences)


def test_paired_changes_on_a_large_trial_is_fast():
    """10^5 patients x 3 visits x 9 outcomes (the time is printed for the report)."""
    rng = np.random.default_rng(1)
    n = 100_000
    names = ["motor_total", "uems", "lems", "lt_total", "pp_total", "scim_total",
             "scim_self_care", "scim_respiration_sphincter", "scim_mobility"]
    ids = np.array([f"P{i:06d}" for i in range(n)])
    frames = []
    for shift, visit in enumerate(VISITS):
        values = {name: rng.integers(0, 50, n) + shift * rng.integers(0, 3, n) for name in names[:5]}
        values |= {name: rng.normal(30 + shift, 8, n).round(1) for name in names[5:]}
        frames.append(pd.DataFrame({"patient_id": ids, "visit": visit, "day": 90 * shift} | values))
    outcomes = pd.concat(frames, ignore_index=True)
    start = time.perf_counter()
    table = paired_changes(outcomes, names, "baseline", ["day90", "day180"], CONFIG)
    elapsed = time.perf_counter() - start
    print(f"paired_changes on {n} patients x 3 visits x 9 outcomes: {elapsed:.1f} s")
    assert len(table) == 18 and (table["n_pairs"] == n).all()
    assert table["hl_ci_low"].le(table["hl_estimate"]).all()
    assert table["hl_estimate"].le(table["hl_ci_high"]).all()
    assert elapsed < 120


# ----------------------------------------------------------------------------- Friedman


CHI_SQUARE = {"friedman_method": "chi-square"}


def test_friedman_matches_r_complete_cases():
    table = friedman(fixture_outcomes(), ["motor_total", "scim_total"], VISITS, CHI_SQUARE).set_index("outcome")
    # m <- cbind(mb, m90, m180)[-5, ]; friedman.test(m) -> 7.18181818181818, df 2, p 0.0275732524327691
    # Kendall's W = statistic / (n (k - 1)) = 7.18181818181818 / 12
    motor = table.loc["motor_total"]
    assert (motor["n_complete"], motor["excluded_ids"], motor["df"]) == (6, "P05", 2)
    assert motor["missing_reasons"] == "P05 day90 missed"
    assert motor["statistic"] == pytest.approx(7.18181818181818, rel=1e-12)
    assert motor["p_value"] == pytest.approx(0.0275732524327691, rel=1e-12)
    assert motor["p_method"] == "chi-square"
    assert motor["kendall_w"] == pytest.approx(0.598484848484849, rel=1e-12)
    # m <- cbind(sb, s90, s180)[-5, ]; friedman.test(m) -> 5.33333333333333, p 0.0694834512228015
    scim = table.loc["scim_total"]
    assert scim["statistic"] == pytest.approx(5.33333333333333, rel=1e-12)
    assert scim["p_value"] == pytest.approx(0.0694834512228015, rel=1e-12)
    assert scim["kendall_w"] == pytest.approx(0.444444444444444, rel=1e-12)


def test_friedman_exact_p_matches_an_r_enumeration_of_all_permutations():
    # R: all 6^6 within-patient orders of the rank matrix (exact_friedman() in tests/r/friedman_exact.R),
    # the share whose sum of squared column rank sums is >= the observed one
    table = friedman(fixture_outcomes(), ["motor_total", "scim_total"], VISITS, CONFIG).set_index("outcome")
    assert table.loc["motor_total", "p_value"] == pytest.approx(0.0205761316872428, rel=1e-12)
    assert table.loc["scim_total", "p_value"] == pytest.approx(0.0721450617283951, rel=1e-12)
    assert (table["p_method"] == "exact").all() and table["p_monte_carlo_se"].isna().all()
    # the statistic is the same whichever p is used
    chi = friedman(fixture_outcomes(), ["motor_total"], VISITS, CHI_SQUARE).iloc[0]
    assert table.loc["motor_total", "statistic"] == chi["statistic"]


def test_friedman_with_one_patient_changing_is_exact_p_1_not_the_chi_square_0368():
    # Six patients equal at every visit, one with (45, 46, 46): each of that patient's three orders
    # gives the same column rank sums up to relabelling, hence the same statistic: exact p = 1.
    # friedman.test(rbind(c(45,46,46), matrix(50, 6, 3))) -> Q = 2, p = exp(-1) = 0.367879441171
    matrix = np.vstack([[45, 46, 46], np.full((6, 3), 50.0)])
    exact_row = friedman(long_outcomes(matrix, VISITS), ["x"], VISITS, CONFIG).iloc[0]
    chi_row = friedman(long_outcomes(matrix, VISITS), ["x"], VISITS, CHI_SQUARE).iloc[0]
    assert exact_row["statistic"] == chi_row["statistic"] == pytest.approx(2.0)
    assert chi_row["p_value"] == pytest.approx(np.exp(-1), rel=1e-12)
    assert exact_row["p_value"] == pytest.approx(1.0, rel=1e-12)
    assert exact_row["min_attainable_p"] == pytest.approx(1.0, rel=1e-12)  # no order could do better


def brute_force_friedman_p(ranks: np.ndarray) -> tuple[float, float]:
    """(p, smallest attainable p) by listing all k!^n within-row permutations of a rank matrix
    (every permutation, repeated orders of tied ranks included) and their column rank sums."""
    observed = ((ranks.sum(axis=0)) ** 2).sum()
    sums = np.zeros((1, ranks.shape[1]))
    for row in ranks:
        orders = np.array(list(itertools.permutations(row)))
        sums = (sums[:, None, :] + orders[None, :, :]).reshape(-1, ranks.shape[1])
    statistics = (sums**2).sum(axis=1)
    return float(np.mean(statistics >= observed - 1e-9)), float(np.mean(statistics >= statistics.max() - 1e-9))


@pytest.mark.parametrize("seed", range(3))
def test_friedman_exact_equals_a_full_enumeration(seed):
    rng = np.random.default_rng(seed)
    print(f"seed {seed}")
    for n, k, high in [(5, 3, 3), (6, 3, 6), (4, 4, 3), (3, 5, 2), (7, 2, 2)]:
        values = rng.integers(0, high, (n, k)).astype(float)
        values[0] = np.arange(k)  # at least one patient whose values differ
        ranks = scipy.stats.rankdata(values, axis=1)
        p, smallest = brute_force_friedman_p(ranks)
        visits = [f"v{j}" for j in range(k)]
        row = friedman(long_outcomes(values, visits), ["x"], visits, CONFIG).iloc[0]
        assert row["p_method"] == "exact"
        assert row["p_value"] == pytest.approx(p, rel=1e-12), (n, k, values)
        assert row["min_attainable_p"] == pytest.approx(smallest, rel=1e-12)


def test_friedman_monte_carlo_agrees_with_exact_within_its_standard_error():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 4, (12, 3)).astype(float) + np.array([0, 0.5, 1])
    frame = long_outcomes(values, VISITS)
    exact_row = friedman(frame, ["x"], VISITS, CONFIG).iloc[0]
    config = {"friedman_method": "monte-carlo", "monte_carlo_resamples": 20_000, "monte_carlo_seed": 1}
    mc = friedman(frame, ["x"], VISITS, config).iloc[0]
    print(f"exact p {exact_row['p_value']:.5f}, Monte Carlo p {mc['p_value']:.5f} (SE {mc['p_monte_carlo_se']:.5f})")
    assert mc["p_method"] == "Monte Carlo"
    assert mc["p_monte_carlo_se"] == pytest.approx(np.sqrt(mc["p_value"] * (1 - mc["p_value"]) / 20_000))
    assert abs(mc["p_value"] - exact_row["p_value"]) < 4 * mc["p_monte_carlo_se"]
    # seeded: the same seed gives the same estimate, another seed another one
    assert friedman(frame, ["x"], VISITS, config).iloc[0]["p_value"] == mc["p_value"]
    assert friedman(frame, ["x"], VISITS, config | {"monte_carlo_seed": 2}).iloc[0]["p_value"] != mc["p_value"]


def test_friedman_auto_switches_exact_monte_carlo_chi_square_at_the_documented_sizes():
    rng = np.random.default_rng(8)
    five = [f"v{j}" for j in range(5)]

    def method(n, visits):
        values = rng.normal(size=(n, len(visits)))
        return friedman(long_outcomes(values, visits), ["x"], visits, CONFIG).iloc[0]["p_method"]

    # three visits without ties: grid (2n + 1)^2 <= 250,000 cells up to n = 249
    assert method(249, VISITS) == "exact"
    assert method(250, VISITS) == "chi-square"  # not exact, and n >= FRIEDMAN_CHI_SQUARE_MIN_N
    # five visits: grid (4n + 1)^4 cells, exact up to n = 5; Monte Carlo below 100 patients
    assert method(5, five) == "exact"
    assert method(6, five) == "Monte Carlo"
    assert method(99, five) == "Monte Carlo"
    assert method(100, five) == "chi-square"
    assert exact.FRIEDMAN_CHI_SQUARE_MIN_N == 100


def test_friedman_too_few_complete_cases_is_nan():
    frame = fixture_outcomes()
    frame = frame[frame.patient_id.isin(["P01", "P05"])]  # P05 lacks day90: one complete case
    row = friedman(frame, ["motor_total"], VISITS).iloc[0]
    assert row["n_complete"] == 1 and row["excluded_ids"] == "P05" and np.isnan(row["p_value"])


def long_outcomes(values: np.ndarray, visits, name="x", drop_rows=()) -> pd.DataFrame:
    """patients x visits matrix (NaN allowed) -> long outcomes; `drop_rows`: (patient, visit) with no row."""
    n, _ = values.shape
    ids = [f"S{i:05d}" for i in range(n)]
    frame = pd.DataFrame(values, index=pd.Index(ids, name="patient_id"), columns=visits)
    long = frame.rename_axis(columns="visit").stack(future_stack=True).rename(name).reset_index()
    drop = long.set_index(["patient_id", "visit"]).index.isin(
        [(ids[i], visits[j]) for i, j in drop_rows])
    return long[~drop].assign(day=0).reset_index(drop=True)


def pingouin_friedman(outcomes: pd.DataFrame, name: str) -> tuple[float, float, float]:
    """The previous implementation: pingouin.friedman on the complete cases."""
    import pingouin

    wide = outcomes.pivot(index="patient_id", columns="visit", values=name).dropna()
    long = wide.rename_axis(index="subject").stack().rename("value").reset_index()
    result = pingouin.friedman(long, dv="value", within="visit", subject="subject")
    return float(result["Q"].iloc[0]), float(result["p_unc"].iloc[0]), float(result["W"].iloc[0])


def r_friedman_by_loop(matrix: np.ndarray) -> float:
    """R's friedman.test statistic written out row by row (stats:::friedman.test.default):
    12 sum_j (R_j - n (k + 1) / 2)^2 / (n k (k + 1) - sum(t^3 - t) / (k - 1))."""
    n, k = matrix.shape
    ranks = np.array([scipy.stats.rankdata(row) for row in matrix])
    ties = sum(int(((t := np.unique(row, return_counts=True)[1]) ** 3 - t).sum()) for row in matrix)
    return 12 * ((ranks.sum(axis=0) - n * (k + 1) / 2) ** 2).sum() / (n * k * (k + 1) - ties / (k - 1))


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_friedman_equals_pingouin_on_random_tied_data(k, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    visits = [f"v{j}" for j in range(k)]
    values = {
        "integers": rng.integers(0, 6, (n, k)).astype(float),          # scores: many ties
        "decimals": rng.normal(30, 8, (n, k)).round(0) / 2,              # some ties, halves
        "continuous": rng.normal(0, 1, (n, k)) + np.arange(k) * 0.1,     # almost no ties
    }
    for name, matrix in values.items():
        matrix[rng.random((n, k)) < 0.03] = np.nan  # a missing value: patient excluded
        missing_rows = [(int(i), int(j)) for i, j in zip(rng.integers(0, n, 5), rng.integers(0, k, 5))]
        frame = long_outcomes(matrix, visits, name, drop_rows=missing_rows)
        row = friedman(frame, [name], visits, CHI_SQUARE).iloc[0]
        statistic, p_value, kendall_w = pingouin_friedman(frame, name)
        assert row["df"] == k - 1
        assert row["statistic"] == pytest.approx(statistic, rel=1e-12)
        assert row["p_value"] == pytest.approx(p_value, rel=1e-9)
        assert row["kendall_w"] == pytest.approx(kendall_w, rel=1e-12)
        complete = frame.pivot(index="patient_id", columns="visit", values=name).reindex(columns=visits)
        complete = complete.dropna()
        assert row["n_complete"] == len(complete)
        assert row["statistic"] == pytest.approx(r_friedman_by_loop(complete.to_numpy()), rel=1e-12)


def test_friedman_with_many_ties_and_fully_tied_rows():
    rng = np.random.default_rng(11)
    visits = [f"v{j}" for j in range(5)]
    matrix = rng.integers(0, 2, (300, 5)).astype(float)       # two values only: huge tie groups
    matrix[:100] = rng.integers(0, 3, (100, 1))                 # a third of the rows all equal
    frame = long_outcomes(matrix, visits)
    row = friedman(frame, ["x"], visits, CHI_SQUARE).iloc[0]
    statistic, p_value, kendall_w = pingouin_friedman(frame, "x")
    assert (row["statistic"], row["p_value"], row["kendall_w"]) == pytest.approx(
        (statistic, p_value, kendall_w), rel=1e-12)
    assert row["statistic"] == pytest.approx(r_friedman_by_loop(matrix), rel=1e-12)
    # one row differing, all others tied: still defined
    matrix = np.zeros((10, 3))
    matrix[0] = [1, 2, 3]
    row = friedman(long_outcomes(matrix, visits[:3]), ["x"], visits[:3]).iloc[0]
    assert row["statistic"] == pytest.approx(pingouin_friedman(long_outcomes(matrix, visits[:3]), "x")[0])
    # every row tied: no test (the tie-corrected denominator is 0), NaN without warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = friedman(long_outcomes(np.ones((10, 3)), visits[:3]), ["x"], visits[:3]).iloc[0]
    assert row["n_complete"] == 10 and np.isnan(row["statistic"]) and np.isnan(row["kendall_w"])


def test_friedman_two_visits_is_the_sign_test_chi_square():
    # k = 2: Q = (P - M)^2 / (P + M), P / M rows going up / down, tied rows drop out
    up, down, tied = 37, 21, 12
    matrix = np.array([[0, 1]] * up + [[1, 0]] * down + [[2, 2]] * tied, dtype=float)
    row = friedman(long_outcomes(matrix, ["baseline", "day90"]), ["x"], ["baseline", "day90"]).iloc[0]
    assert row["statistic"] == pytest.approx((up - down) ** 2 / (up + down), rel=1e-12)
    assert row["kendall_w"] == pytest.approx((up - down) ** 2 / (up + down) / (up + down + tied))


def test_friedman_on_a_large_trial_is_fast():
    """10^5 patients x 3 visits x 9 outcomes (pingouin took ~30 s; the time is printed)."""
    rng = np.random.default_rng(3)
    n = 100_000
    names = [f"outcome_{i}" for i in range(9)]
    ids = np.array([f"P{i:06d}" for i in range(n)])
    frames = [
        pd.DataFrame({"patient_id": ids, "visit": visit, "day": 90 * shift}
                     | {name: rng.integers(0, 50, n) + shift * rng.integers(0, 3, n) for name in names})
        for shift, visit in enumerate(VISITS)
    ]
    outcomes = pd.concat(frames, ignore_index=True)
    outcomes.loc[rng.random(len(outcomes)) < 0.01, "outcome_0"] = np.nan
    start = time.perf_counter()
    table = friedman(outcomes, names, VISITS)
    elapsed = time.perf_counter() - start
    print(f"friedman on {n} patients x 3 visits x 9 outcomes: {elapsed:.2f} s")
    assert table["n_complete"].iloc[1:].eq(n).all() and table["n_complete"].iloc[0] < n
    assert (table["p_method"] == "chi-square").all()  # far above the exact and Monte Carlo sizes
    assert len(table["excluded_ids"].iloc[0].split(",")) == n - table["n_complete"].iloc[0]
    # the first outcome against pingouin on the same data
    q, _, w = pingouin_friedman(outcomes, "outcome_0")
    assert (table["statistic"].iloc[0], table["kendall_w"].iloc[0]) == pytest.approx((q, w), rel=1e-12)
    assert elapsed < 20


# ----------------------------------------------------------------------------- AIS


def test_ais_shift_hand_made_example():
    table, summary = ais_shift(fixture_outcomes(), "baseline", "day180")
    expected = pd.DataFrame(0, index=list("ABCDE"), columns=list("ABCDE"))
    expected.loc["A", "A"] = expected.loc["A", "B"] = 1  # P01 A->A, P07 A->B
    expected.loc["B", "C"] = 1  # P02
    expected.loc["C", "D"] = 1  # P03
    expected.loc["D", "C"] = 1  # P06
    assert table.to_numpy().tolist() == expected.to_numpy().tolist()
    assert list(table.index) == list("ABCDE") and list(table.columns) == list("ABCDE")
    assert summary["n_pairs"] == 5
    assert (summary["improved"], summary["unchanged"], summary["worsened"]) == (3, 1, 1)
    assert summary["improved_transitions"] == ["P02: B->C", "P03: C->D", "P07: A->B"]
    assert summary["worsened_transitions"] == ["P06: D->C"]
    # "C,D" is undetermined: not counted as improved
    assert summary["n_undetermined"] == 1 and summary["undetermined_transitions"] == ["P04: C->C,D"]
    assert summary["missing_ids"] == ["P05"]


def test_ais_shift_patient_without_visit_row_is_missing():
    _, summary = ais_shift(fixture_outcomes(), "baseline", "day90")
    assert summary["missing_ids"] == ["P05"]  # no day90 row at all
    assert summary["improved_transitions"] == ["P07: A->B"]
    assert summary["n_pairs"] == 6 and summary["unchanged"] == 5


# ----------------------------------------------------------------------------- Wilcoxon modes


def brute_force_signed_rank_p(d, zero_method, alternative):
    """p by listing all 2^m sign patterns of the non-zero differences (ranks as the zero method says)."""
    d = np.asarray(d, dtype=float)
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = scipy.stats.rankdata(np.abs(d))[d != 0]
    observed = ranks[d[d != 0] > 0].sum()
    sums = np.array([sum(r for r, s in zip(ranks, signs) if s) for signs in itertools.product([0, 1], repeat=ranks.size)])
    centre = ranks.sum() / 2
    if alternative == "greater":
        return float(np.mean(sums >= observed - 1e-9))
    if alternative == "less":
        return float(np.mean(sums <= observed + 1e-9))
    return float(np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9))


@pytest.mark.parametrize("seed", range(4))
def test_exact_signed_rank_equals_all_sign_patterns_with_ties_and_zeros(seed):
    rng = np.random.default_rng(seed)
    print(f"seed {seed}")
    for _ in range(25):
        d = rng.integers(-4, 6, int(rng.integers(2, 13))).astype(float)
        if not d.any():
            continue
        for zero_method in ("wilcox", "pratt", "zsplit"):
            for alternative in ("two-sided", "greater", "less"):
                result = exact.signed_rank_exact(d, zero_method, alternative)
                assert result.p_value == pytest.approx(brute_force_signed_rank_p(d, zero_method, alternative),
                                                       rel=1e-12), (d, zero_method, alternative)


def test_exact_signed_rank_equals_scipys_permutation_test_up_to_13_pairs():
    rng = np.random.default_rng(21)
    for _ in range(8):
        d = rng.integers(-3, 5, int(rng.integers(3, 14))).astype(float)
        if np.count_nonzero(d) == 0:
            continue
        for zero_method in ("wilcox", "pratt"):
            expected = scipy.stats.wilcoxon(d, zero_method=zero_method, method=scipy.stats.PermutationMethod()).pvalue
            assert exact.signed_rank_exact(d, zero_method).p_value == pytest.approx(expected, rel=1e-9)


D9 = [2, 2, 0, -1, 3, 3, 0, 5, 2]


@pytest.mark.parametrize(
    "mode, zero_method, alternative, p_r, method",
    [
        # wilcox.test(d, exact=FALSE, correct=FALSE)$p.value
        ("asymptotic", "wilcox", "two-sided", 0.0266034549386034, "normal approximation"),
        # wilcox.test(d, exact=FALSE, correct=TRUE)$p.value
        ("asymptotic-corrected", "wilcox", "two-sided", 0.0330062576612326,
         "normal approximation with continuity correction"),
        # wilcox.test(d, exact=FALSE, correct=TRUE, alternative="greater")$p.value
        ("asymptotic-corrected", "wilcox", "greater", 0.0165031288306163,
         "normal approximation with continuity correction"),
        # pvalue(wilcoxsign_test(d ~ rep(0, 9), zero.method="Pratt", distribution="asymptotic"))
        ("asymptotic", "pratt", "two-sided", 0.0306890976069072, "normal approximation"),
        # pvalue(wilcoxsign_test(d ~ rep(0, 9), zero.method="Pratt", distribution="exact"))
        ("exact", "pratt", "two-sided", 0.03125, "exact"),
        # exactRankTests::wilcox.exact(d)$p.value
        ("exact", "wilcox", "two-sided", 0.03125, "exact"),
    ],
)
def test_each_wilcoxon_mode_reproduces_r(mode, zero_method, alternative, p_r, method):
    config = CONFIG | {"wilcoxon_mode": mode, "zero_method": zero_method, "wilcoxon_alternative": alternative}
    row = paired_changes(outcomes_from_differences(D9), ["x"], "baseline", ["day90"], config).iloc[0]
    assert row["p_value"] == pytest.approx(p_r, rel=1e-12)
    assert row["p_method"] == method
    if zero_method == "wilcox":
        assert row["wilcoxon_statistic"] == 27  # wilcox.test(d)$statistic: V = 27


def test_exact_mode_falls_back_to_the_normal_approximation_beyond_500_pairs_and_says_so():
    rng = np.random.default_rng(3)
    d = rng.integers(-3, 6, exact.WILCOXON_EXACT_MAX_N + 1).astype(float)
    row = paired_changes(outcomes_from_differences(d), ["x"], "baseline", ["day90"], CONFIG).iloc[0]
    assert row["p_method"] == "normal approximation"
    assert row["p_value"] == pytest.approx(scipy.stats.wilcoxon(d, correction=False, method="asymptotic").pvalue)
    row = paired_changes(outcomes_from_differences(d[:-1]), ["x"], "baseline", ["day90"], CONFIG).iloc[0]
    assert row["p_method"] == "exact"


def test_smallest_attainable_p_flags_a_test_that_cannot_reach_significance():
    # 4 improved, 3 unchanged: at best all four non-zero signs positive, p = 2 / 2^4 = 0.125
    # pvalue(wilcoxsign_test(c(1,2,3,4) ~ rep(0, 4), distribution="exact")) -> 0.125
    four_up = outcomes_from_differences([0, 0, 0, 1, 2, 3, 4])
    for zero_method in ("wilcox", "pratt"):
        row = paired_changes(four_up, ["x"], "baseline", ["day90"], CONFIG | {"zero_method": zero_method}).iloc[0]
        assert row["min_attainable_p"] == pytest.approx(0.125) and row["p_value"] == pytest.approx(0.125)
    # the same limit for a decrease: it depends on the sizes of the changes, not their signs
    row = paired_changes(outcomes_from_differences([0, 0, 0, -1, 2, -3, 4]), ["x"], "baseline", ["day90"],
                         CONFIG).iloc[0]
    assert row["min_attainable_p"] == pytest.approx(0.125)
    # wilcox.test(c(0,0,0,1,2,3,4), exact=FALSE, correct=FALSE)$p.value -> 0.067889154861829
    row = paired_changes(four_up, ["x"], "baseline", ["day90"], CONFIG | {"wilcoxon_mode": "asymptotic"}).iloc[0]
    assert row["min_attainable_p"] == pytest.approx(0.067889154861829, rel=1e-12)
    # seven improved: 2 / 2^7 = 0.015625 < 0.05, reachable
    row = paired_changes(outcomes_from_differences([1, 2, 3, 4, 5, 6, -7]), ["x"], "baseline", ["day90"],
                         CONFIG).iloc[0]
    assert row["min_attainable_p"] == pytest.approx(0.015625)


def test_improved_unchanged_worsened_counts_and_rank_biserial_by_zero_method():
    table = paired_changes(outcomes_from_differences([0, 1, -2, 3]), ["x"], "baseline", ["day90"], CONFIG)
    assert table[["n_improved", "n_unchanged", "n_worsened"]].iloc[0].tolist() == [2, 1, 1]
    # pratt / zsplit: zeros ranked with the others: |d| 0, 1, 2, 3 -> ranks 1, 2, 3, 4;
    # R+ = 2 + 4 = 6, R- = 3, all ranks 10: r = (6 - 3) / 10 = 0.3 (the zero pulls r towards 0)
    for zero_method in ("pratt", "zsplit"):
        row = paired_changes(outcomes_from_differences([0, 1, -2, 3]), ["x"], "baseline", ["day90"],
                             CONFIG | {"zero_method": zero_method}).iloc[0]
        assert row["rank_biserial"] == pytest.approx(0.3)
    # wilcox: one changed pair of seven would give r = 1 next to p = 1; not reported
    row = paired_changes(outcomes_from_differences([0, 0, 0, 0, 0, 0, 1]), ["x"], "baseline", ["day90"],
                         CONFIG).iloc[0]
    assert np.isnan(row["rank_biserial"]) and row["p_value"] == 1.0
    assert row[["n_improved", "n_unchanged", "n_worsened"]].tolist() == [1, 6, 0]
    # pratt on the same data: ranks 3.5 x 6 and 7; r = 7 / 28 = 0.25
    row = paired_changes(outcomes_from_differences([0, 0, 0, 0, 0, 0, 1]), ["x"], "baseline", ["day90"],
                         CONFIG | {"zero_method": "pratt"}).iloc[0]
    assert row["rank_biserial"] == pytest.approx(0.25)
    # wilcox, exactly half changed: 1, 2 positive of four -> r = 1 (reported)
    row = paired_changes(outcomes_from_differences([0, 0, 1, 2]), ["x"], "baseline", ["day90"], CONFIG).iloc[0]
    assert row["rank_biserial"] == 1.0


@pytest.mark.parametrize("n, level", [(2, 0.5), (3, 0.75), (4, 0.875), (5, 0.9375), (6, 0.96875)])
def test_hodges_lehmann_achieved_level_with_few_pairs(n, level):
    # With n pairs the widest interval [min, max] of the Walsh averages has level 1 - 2 / 2^n
    # (R: 1 - 2 * psignrank(0, n)); below 6 pairs that is less than 95%.
    d = np.arange(1.0, n + 1) - 1.5
    hl = hodges_lehmann(d, 0.95)
    assert hl.ci_level_achieved == pytest.approx(level)
    if n <= 5:
        assert (hl.ci_low, hl.ci_high) == (d.min(), d.max())


# ----------------------------------------------------------------------------- endpoints and missing pairs


def test_primary_endpoint_is_unadjusted_and_secondary_tests_are_adjusted_together():
    # fixture p-values: motor as in test_fixture_missing_visit_holm_and_paired_t; SCIM-III:
    # ex(na.omit(s90 - sb)), ex(s180 - sb) -> 0.0625 0.03125 (ex: coin exact, zero.method "Wilcoxon")
    config = CONFIG | {"primary_endpoint": {"outcome": "motor_total", "visit": "day180"},
                       "multiplicity_family": "secondary"}
    table = paired_changes(fixture_outcomes(), ["motor_total", "scim_total"], "baseline", ["day90", "day180"],
                           config).set_index(["outcome", "visit"])
    assert table["role"].tolist() == ["secondary", "primary", "secondary", "secondary"]
    assert table["p_value"].tolist() == pytest.approx([0.0625, 0.03125, 0.0625, 0.03125], rel=1e-12)
    # the primary keeps its p; p.adjust(c(0.0625, 0.0625, 0.03125), "holm") -> 0.125 0.125 0.09375
    assert table["p_adjusted"].tolist() == pytest.approx([0.125, 0.03125, 0.125, 0.09375], rel=1e-12)
    # within_outcome: motor day90 alone (its primary sibling is not in the family); SCIM-III together:
    # p.adjust(c(0.0625, 0.03125), "holm") -> 0.0625 0.0625
    within = paired_changes(fixture_outcomes(), ["motor_total", "scim_total"], "baseline", ["day90", "day180"],
                            config | {"multiplicity_family": "within_outcome"})
    assert within["p_adjusted"].tolist() == pytest.approx([0.0625, 0.03125, 0.0625, 0.0625], rel=1e-12)
    for no_adjustment in ({"multiplicity_family": "none"}, {"multiplicity": "none"}):
        plain = paired_changes(fixture_outcomes(), ["motor_total", "scim_total"], "baseline", ["day90", "day180"],
                               config | no_adjustment)
        assert plain["p_adjusted"].tolist() == plain["p_value"].tolist()
    # no primary endpoint declared: everything is secondary
    none = paired_changes(fixture_outcomes(), ["motor_total"], "baseline", ["day90", "day180"],
                          CONFIG | {"primary_endpoint": None})
    assert set(none["role"]) == {"secondary"}


def test_endpoint_problems_name_the_bad_outcome_and_visit():
    statistics = {"primary_endpoint": {"outcome": "motor", "visit": "baseline"}}
    problems = endpoints.endpoint_problems(statistics, ["motor_total", "uems"], ["day90", "day180"])
    assert problems == [
        "statistics.primary_endpoint.outcome 'motor' is not one of the configured outcomes (motor_total, uems)",
        "statistics.primary_endpoint.visit 'baseline' is not a follow-up visit (day90, day180)",
    ]
    assert endpoints.endpoint_problems({"primary_endpoint": None}, ["x"], ["day90"]) == []


def test_lost_pairs_are_named_with_the_reason():
    frame = fixture_outcomes()
    frame["isncsci_day"] = frame["day"].astype(float)
    # P03 was examined at day 180 but the total is not determinable (NT); P05 missed day 90 (no row);
    # P06 has a day-90 row without an ISNCSCI exam (only SCIM was done)
    frame.loc[(frame.patient_id == "P03") & (frame.visit == "day180"), "motor_total"] = np.nan
    frame.loc[(frame.patient_id == "P06") & (frame.visit == "day90"), ["motor_total", "isncsci_day"]] = np.nan
    days = {"motor_total": "isncsci_day"}
    table = paired_changes(frame, ["motor_total"], "baseline", ["day90", "day180"], CONFIG, days)
    assert table["missing_ids"].tolist() == ["P05,P06", "P03"]
    assert table["missing_reasons"].tolist() == ["P05 day90 missed; P06 day90 missed", "P03 day180 not determinable"]
    assert stats.parse_reasons(table["missing_reasons"].iloc[0]) == [("P05", "day90", "missed"), ("P06", "day90", "missed")]
    row = friedman(frame, ["motor_total"], VISITS, CONFIG, days).iloc[0]
    assert row["excluded_ids"] == "P03,P05,P06" and row["n_complete"] == 4
    assert row["missing_reasons"] == "P03 day180 not determinable; P05 day90 missed; P06 day90 missed"
