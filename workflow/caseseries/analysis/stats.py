"""Paired statistics of the case series (../shared/DESIGN.md, 'Statistics').

Pure functions: tidy DataFrames in, tidy DataFrames out, no I/O.

`outcomes` is one row per patient x visit with columns `patient_id`, `visit`, `day`, one float
column per outcome (NaN = not assessed) and `ais` (A-E, or a list such as "C,D" when the
classification is undetermined). A patient may lack a visit (no row) or a value (NaN); such
patients are counted and named with the reason, never imputed: `missed` when the instrument was
not given at that visit (no row, or its day column - `isncsci_day`, `scim_day` - empty), `not
determinable` when it was given but the total could not be computed (ISNCSCI segments not
testable, NT).

Conventions
- Change = follow-up minus baseline, so positive = increase (improvement for every outcome here).
- Quantiles (describe): pandas' default linear interpolation = R quantile(type = 7).
- Wilcoxon signed-rank, `wilcoxon_mode`:
  `exact` - the exact conditional distribution given the ties and zeros (caseseries.analysis.exact;
  equals coin::wilcoxsign_test(distribution = "exact") and exactRankTests::wilcox.exact) up to
  exact.WILCOXON_EXACT_MAX_N pairs, the normal approximation beyond (p_method says which);
  `asymptotic` - normal approximation with tie-corrected variance, no continuity correction
  (R wilcox.test(exact = FALSE, correct = FALSE), SPSS); `asymptotic-corrected` - with it
  (wilcox.test(exact = FALSE, correct = TRUE)). `zero_method`: wilcox drops zeros before ranking
  (R), pratt ranks them and then drops them (coin's default), zsplit splits their ranks.
  The statistic is V, the sum of the ranks of the positive differences (R's V).
- Smallest attainable p: the p of the most extreme sign pattern of the same |differences| (all
  positive; all negative for alternative "less"). When it exceeds alpha the test cannot reach
  significance whatever the direction of change, and the manuscript says so.
- Rank-biserial r = (R+ - R-) / (sum of all ranks), with the ranks of the configured zero method:
  under wilcox over the non-zero differences only (then NaN when fewer than half of the pairs
  changed: one changed pair of seven would give r = 1), under pratt and zsplit over all pairs, so
  unchanged pairs pull r towards 0.
- Hodges-Lehmann: median of the n(n+1)/2 Walsh averages of all paired differences (zeros
  included, so the estimate does not depend on the null value) with the distribution-free CI
  [W_(k), W_(M+1-k)] whose k comes from the signed-rank null distribution: exact for n < 50
  (as R's wilcox.test), normal approximation otherwise. `hl_ci_level_achieved` is the level of
  that interval: at least `ci_level` from 6 pairs on, below it with 2-5 pairs, where no interval
  reaches it (50% with 2 pairs, 93.75% with 5). With ties the level is that of the untied
  distribution (Hollander & Wolfe) and the closed interval is conservative.
  Confidence intervals (HL and t) are always two-sided at `ci_level`.
- Endpoints: `primary_endpoint` {outcome, visit} is the one confirmatory comparison, tested at
  alpha without adjustment (role "primary"); every other comparison is "secondary", adjusted
  (`multiplicity`: holm | bonferroni | none) within `multiplicity_family`: `secondary` (all
  secondary comparisons together), `within_outcome` (the secondary follow-ups of each outcome) or
  `none`. p_adjusted of the primary comparison is its p. Friedman tests and paired t-tests are
  exploratory and not adjusted.
- Friedman p, `friedman_method` auto: exact permutation distribution when feasible
  (exact.friedman_exact_feasible), otherwise a seeded Monte Carlo estimate (with its standard
  error) below exact.FRIEDMAN_CHI_SQUARE_MIN_N complete cases, chi-square from there on.
- All differences zero: no signed-rank statistic exists (NaN), p_value = 1.0 (the data sit
  exactly on the null), HL estimate and CI = 0, rank-biserial NaN, t statistics NaN.
- Fewer than 2 pairs: every inferential column is NaN.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.stats
from statsmodels.stats.multitest import multipletests

from caseseries.analysis import endpoints, exact
from caseseries.data.contract import AIS_GRADES

EXACT_CI_MAX_N = 49  # R's wilcox.test uses the exact signed-rank distribution for n < 50


# ----------------------------------------------------------------------------- reshaping


def _wide(outcomes: pd.DataFrame, outcome_names) -> pd.DataFrame:
    """Patients x (outcome, visit) as floats; every patient of `outcomes` gets a row. One pivot
    for all outcomes (the pivot, not the statistics, is the slow part for 10^5 patients), of
    floats: a pivot of several columns gives them one common type (Int64 and float: object)."""
    scores = outcomes[["patient_id", "visit"]].assign(**{name: outcomes[name].astype(float) for name in outcome_names})
    return scores.pivot(index="patient_id", columns="visit", values=list(outcome_names)).sort_index()


def _column(wide: pd.DataFrame, visit: str) -> pd.Series:
    """One visit's values, NaN for patients without that visit."""
    if visit in wide.columns:
        return wide[visit].astype(float)
    return pd.Series(np.nan, index=wide.index, dtype=float)


# ----------------------------------------------------------------------------- describe


def describe(outcomes: pd.DataFrame, outcome_names, visit_order) -> pd.DataFrame:
    """n, n_missing, mean, SD (ddof=1), median, q1, q3 (R type 7), min, max per outcome x visit.

    n_missing counts the patients of `outcomes` with no value at that visit (no row or NaN).
    """
    rows = []
    outcome_names = list(outcome_names)
    all_wide = _wide(outcomes, outcome_names)
    for outcome in outcome_names:
        wide = all_wide[outcome]
        for visit in visit_order:
            values = _column(wide, visit).dropna()
            rows.append(
                {
                    "outcome": outcome,
                    "visit": visit,
                    "n": int(values.size),
                    "n_missing": int(len(wide) - values.size),
                    "mean": values.mean(),
                    "sd": values.std(ddof=1),
                    "median": values.median(),
                    "q1": values.quantile(0.25),
                    "q3": values.quantile(0.75),
                    "min": values.min(),
                    "max": values.max(),
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- Hodges-Lehmann


class HodgesLehmann(NamedTuple):
    estimate: float
    ci_low: float
    ci_high: float
    ci_level_achieved: float


def signed_rank_cdf(n: int) -> np.ndarray:
    """P(T <= t), t = 0..n(n+1)/2, of the untied Wilcoxon signed-rank statistic (exact).

    Dynamic programme over rank sums: each rank r is either in the positive sum or not.
    Counts stay below 2**n, exact in int64 for the n <= 49 it is used for.
    """
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.int64)
    counts[0] = 1
    for rank in range(1, n + 1):
        counts[rank:] = counts[rank:] + counts[:-rank]
    return np.cumsum(counts) / 2.0**n


def _walsh_rank_for_ci(n: int, ci_level: float) -> tuple[int, float]:
    """k such that [W_(k), W_(M+1-k)] is the CI, and the confidence level it achieves."""
    half_alpha = (1 - ci_level) / 2
    if n <= EXACT_CI_MAX_N:
        cdf = signed_rank_cdf(n)
        # qsignrank as in R: smallest k with P(T <= k) >= alpha/2 (same 10*eps fuzz)
        k = int(np.searchsorted(cdf, half_alpha - 10 * np.finfo(float).eps, side="left"))
        k = max(k, 1)
        return k, float(1 - 2 * cdf[k - 1])
    mean = n * (n + 1) / 4
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = scipy.stats.norm.ppf(1 - half_alpha)
    k = max(math.ceil(mean - 0.5 - z * sd), 1)  # P(T <= k) >= alpha/2 with continuity correction
    return k, float(1 - 2 * scipy.stats.norm.cdf((k - 1 + 0.5 - mean) / sd))


def _prefix_lengths(d: np.ndarray, pivot: float, strict: bool) -> np.ndarray:
    """Per i: how many j have d[i] + d[j] < pivot (strict) or <= pivot, d sorted.

    searchsorted on pivot - d is O(n log n) but pivot - d[i] can round differently from the
    sum itself, so the guess is corrected against the float sums (whole blocks of equal d).
    """
    n = d.size
    inside = np.less if strict else np.less_equal
    p = np.searchsorted(d, pivot - d, side="left" if strict else "right")
    while True:
        grow = (p < n) & inside(d + d[np.minimum(p, n - 1)], pivot)
        if not grow.any():
            break
        p[grow] = np.searchsorted(d, d[p[grow]], side="right")
    while True:
        shrink = (p > 0) & ~inside(d + d[np.maximum(p - 1, 0)], pivot)
        if not shrink.any():
            break
        p[shrink] = np.searchsorted(d, d[p[shrink] - 1], side="left")
    return p


def _candidate_sums(d, lo, hi, positions) -> np.ndarray:
    """Sums d[i] + d[j] at the given positions of the candidate set (row i, columns lo..hi-1)."""
    sizes = hi - lo
    ends = np.cumsum(sizes)
    row = np.searchsorted(ends, positions, side="right")
    col = lo[row] + positions - (ends[row] - sizes[row])
    return d[row] + d[col]


def _kth_walsh_average_of_counts(values: np.ndarray, counts: np.ndarray, k: int) -> float:
    """kth_walsh_average from the distinct values and their counts: the sum of values a <= b
    occurs counts[a] * counts[b] times (a < b) or counts[a] * (counts[a] + 1) / 2 times (a = b)."""
    a, b = np.triu_indices(values.size)
    sums = values[a] + values[b]  # the same float sums as d[i] + d[j]
    times = np.where(a == b, counts[a] * (counts[a] + 1) // 2, counts[a] * counts[b])
    order = np.argsort(sums, kind="stable")
    return float(sums[order][np.searchsorted(np.cumsum(times[order]), k)] / 2)


def kth_walsh_average(differences, k: int, sample_size: int | None = None) -> float:
    """k-th smallest (1-based) of the Walsh averages (d_i + d_j) / 2, i <= j.

    Exact selection without materialising the n(n+1)/2 averages: the sorted sums form a
    matrix with sorted rows; each row keeps a window [lo, hi) of candidate columns. Two pivots
    drawn from a random sample of candidates just below and above the target rank cut the
    windows (each cut is an O(n log n) count); once few candidates remain they are sorted.
    With few distinct values (integer scores) the sums are counted instead. `sample_size`
    (default max(n, 4096)) only changes the speed, never the result.
    """
    d = np.sort(np.asarray(differences, dtype=float))
    n = d.size
    if not 1 <= k <= n * (n + 1) // 2:
        raise ValueError(f"k={k} outside 1..{n * (n + 1) // 2}")
    sample_size = sample_size or max(n, 4096)
    values, counts = np.unique(d, return_counts=True)
    if values.size * (values.size + 1) // 2 <= sample_size:  # few distinct values (scores): count sums
        return _kth_walsh_average_of_counts(values, counts, k)
    rows = np.arange(n)
    lo, hi = rows.copy(), np.full(n, n)
    rng = np.random.default_rng(0)  # only affects speed, never the result
    while True:
        n_candidates = int((hi - lo).sum())
        n_below = int((lo - rows).sum())  # sums known to be smaller than every candidate
        if n_candidates <= sample_size:
            sums = np.sort(_candidate_sums(d, lo, hi, np.arange(n_candidates)))
            return float(sums[k - n_below - 1] / 2)
        sample = np.sort(_candidate_sums(d, lo, hi, rng.integers(n_candidates, size=sample_size)))
        target = (k - n_below) / n_candidates * sample_size
        spread = 2 * math.sqrt(sample_size)
        for position in (target - spread, target + spread):
            pivot = sample[min(max(int(position), 0), sample_size - 1)]
            end_less = np.maximum(_prefix_lengths(d, pivot, strict=True), rows)
            end_equal = np.maximum(_prefix_lengths(d, pivot, strict=False), rows)
            n_less, n_less_equal = int((end_less - rows).sum()), int((end_equal - rows).sum())
            if n_less < k <= n_less_equal:
                return float(pivot / 2)
            if k <= n_less:
                hi = np.minimum(hi, end_less)
            else:
                lo = np.maximum(lo, end_equal)


def hodges_lehmann(differences, ci_level: float = 0.95) -> HodgesLehmann:
    """One-sample Hodges-Lehmann estimate (median of Walsh averages) and its signed-rank CI."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    n = d.size
    if n < 2:
        return HodgesLehmann(np.nan, np.nan, np.nan, np.nan)
    n_walsh = n * (n + 1) // 2
    middle = (n_walsh + 1) // 2
    estimate = kth_walsh_average(d, middle)
    if n_walsh % 2 == 0:
        estimate = (estimate + kth_walsh_average(d, middle + 1)) / 2
    k, achieved = _walsh_rank_for_ci(n, ci_level)
    low, high = kth_walsh_average(d, k), kth_walsh_average(d, n_walsh + 1 - k)
    return HodgesLehmann(estimate, low, high, achieved)


# ----------------------------------------------------------------------------- missing values

MISSED, NOT_DETERMINABLE = "missed", "not determinable"


def _assessed(outcomes: pd.DataFrame, day_column: str | None) -> pd.DataFrame:
    """Patients x visits: True where the instrument was given (a row with its day filled in)."""
    column = day_column if day_column in outcomes.columns else "day" if "day" in outcomes.columns else None
    marker = outcomes[column].notna() if column else pd.Series(True, index=outcomes.index)
    frame = outcomes[["patient_id", "visit"]].assign(assessed=marker.to_numpy())
    return frame.pivot(index="patient_id", columns="visit", values="assessed").sort_index()


def _lost(values: pd.DataFrame, assessed, visits) -> tuple[list[str], list[str]]:
    """Patients with a missing value at any of `visits` and why: (ids, ["P05 day90 missed", ...]).

    `assessed()` gives the _assessed frame (only built when someone is missing).
    """
    lacking = values[list(visits)].isna()
    lost = values.index[lacking.any(axis=1)]
    if lost.empty:
        return [], []
    given = assessed().reindex(index=lost, columns=list(visits)).fillna(False).astype(bool)
    reasons = [
        f"{pid} {visit} {NOT_DETERMINABLE if given.at[pid, visit] else MISSED}"
        for pid in lost for visit in visits if lacking.at[pid, visit]
    ]
    return [str(pid) for pid in lost], reasons


def parse_reasons(text) -> list[tuple[str, str, str]]:
    """'P05 day90 missed; P03 day180 not determinable' -> [(patient, visit, reason), ...]."""
    if not isinstance(text, str) or not text.strip():
        return []
    return [tuple(item.split(" ", 2)) for item in text.split("; ")]


# ----------------------------------------------------------------------------- paired changes

WILCOXON_MODES = ("exact", "asymptotic", "asymptotic-corrected")
P_METHODS = {  # wilcoxon_mode -> how the p-value was obtained
    "exact": "exact",
    "asymptotic": "normal approximation",
    "asymptotic-corrected": "normal approximation with continuity correction",
}


def _asymptotic_p(d: np.ndarray, zero_method: str, alternative: str, corrected: bool) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy's advice to use an exact test with few pairs
        result = scipy.stats.wilcoxon(
            d, zero_method=zero_method, correction=corrected, alternative=alternative, method="asymptotic"
        )
    return float(result.pvalue)


def rank_biserial(d: np.ndarray, zero_method: str) -> float:
    """Matched-pairs rank-biserial r with the zero method's ranks (see the module notes)."""
    ranks, signs, _ = exact.signed_rank_ranks(d, zero_method)
    if ranks.size == 0:
        return np.nan
    if zero_method == "wilcox":
        if ranks.size < d.size / 2:  # fewer than half changed: r would describe a minority
            return np.nan
        total = ranks.sum()
    else:
        total = d.size * (d.size + 1)  # all doubled ranks, zeros included
    return float((ranks[signs > 0].sum() - ranks[signs < 0].sum()) / total)


def signed_rank_test(d: np.ndarray, config: dict) -> dict:
    """V, p, how p was obtained, the smallest attainable p and r for paired differences `d`."""
    empty = {"wilcoxon_statistic": np.nan, "p_value": np.nan, "p_method": "", "min_attainable_p": np.nan,
             "rank_biserial": np.nan}
    if d.size < 2:
        return empty
    if not d.any():
        return empty | {"p_value": 1.0, "min_attainable_p": 1.0}
    mode = config.get("wilcoxon_mode", "exact")
    if mode not in WILCOXON_MODES:
        raise ValueError(f"wilcoxon_mode {mode!r}: expected one of {', '.join(WILCOXON_MODES)}")
    alternative = config.get("wilcoxon_alternative", "two-sided")
    zero_method = config.get("zero_method", "wilcox")
    extreme = -np.abs(d) if alternative == "less" else np.abs(d)  # every pair changed the same way
    row = {"wilcoxon_statistic": exact.signed_rank_statistic(d, zero_method),
           "rank_biserial": rank_biserial(d, zero_method)}
    if mode == "exact" and d.size <= exact.WILCOXON_EXACT_MAX_N:
        result = exact.signed_rank_exact(d, zero_method, alternative)
        return row | {"p_value": result.p_value, "p_method": "exact", "min_attainable_p": result.min_attainable_p}
    corrected = mode == "asymptotic-corrected"
    return row | {
        "p_value": _asymptotic_p(d, zero_method, alternative, corrected),
        "p_method": P_METHODS["asymptotic" if mode == "exact" else mode],
        "min_attainable_p": _asymptotic_p(extreme, zero_method, alternative, corrected),
    }


def _paired_t(after: np.ndarray, before: np.ndarray, config: dict) -> dict:
    """Paired t-test (sensitivity analysis): mean change, two-sided CI, p."""
    d = after - before
    empty = {"t_mean_change": np.nan, "t_ci_low": np.nan, "t_ci_high": np.nan, "t_p_value": np.nan}
    if d.size < 2 or np.all(d == d[0]):  # no variance: t undefined
        return empty | {"t_mean_change": float(d.mean()) if d.size else np.nan}
    two_sided = scipy.stats.ttest_rel(after, before)
    ci = two_sided.confidence_interval(config.get("ci_level", 0.95))
    alternative = config.get("wilcoxon_alternative", "two-sided")
    p = scipy.stats.ttest_rel(after, before, alternative=alternative).pvalue
    return {
        "t_mean_change": float(d.mean()),
        "t_ci_low": float(ci.low),
        "t_ci_high": float(ci.high),
        "t_p_value": float(p),
    }


def _one_comparison(before: pd.Series, after: pd.Series, config: dict) -> dict:
    paired = pd.DataFrame({"before": before, "after": after}).dropna()
    d = (paired["after"] - paired["before"]).to_numpy()
    hl = hodges_lehmann(d, config.get("ci_level", 0.95))
    row = {
        "n_pairs": int(d.size),
        "n_improved": int((d > 0).sum()),
        "n_unchanged": int((d == 0).sum()),
        "n_worsened": int((d < 0).sum()),
        "mean_change": float(d.mean()) if d.size else np.nan,
        "sd_change": float(d.std(ddof=1)) if d.size > 1 else np.nan,
        "median_change": float(np.median(d)) if d.size else np.nan,
        "hl_estimate": hl.estimate,
        "hl_ci_low": hl.ci_low,
        "hl_ci_high": hl.ci_high,
        "hl_ci_level_achieved": hl.ci_level_achieved,
    }
    row |= signed_rank_test(d, config)
    if config.get("paired_t_sensitivity", True):
        row |= _paired_t(paired["after"].to_numpy(), paired["before"].to_numpy(), config)
    return row


def adjust_p(p_values, method: str) -> np.ndarray:
    """Multiplicity adjustment ('holm' | 'bonferroni' | 'none'); NaN p values are left out."""
    p = np.asarray(p_values, dtype=float)
    adjusted = p.copy()
    present = ~np.isnan(p)
    if method != "none" and present.any():
        adjusted[present] = multipletests(p[present], method=method)[1]
    return adjusted


def _adjusted(table: pd.DataFrame, config: dict) -> pd.Series:
    """p adjusted within each family of secondary comparisons; the primary keeps its p."""
    method, family = config.get("multiplicity", "holm"), config.get("multiplicity_family", "secondary")
    adjusted = table["p_value"].astype(float).copy()
    if method == "none" or family == "none":
        return adjusted
    secondary = table[table["role"] == endpoints.SECONDARY]
    groups = [secondary] if family == "secondary" else [g for _, g in secondary.groupby("outcome", sort=False)]
    for group in groups:
        adjusted[group.index] = adjust_p(group["p_value"], method)
    return adjusted


PAIRED_COLUMNS = [
    "outcome", "visit", "n_pairs", "missing_ids", "missing_reasons", "role",
    "n_improved", "n_unchanged", "n_worsened", "mean_change", "sd_change", "median_change",
    "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level_achieved",
    "wilcoxon_statistic", "p_value", "p_method", "min_attainable_p", "p_adjusted", "rank_biserial",
]


def paired_changes(outcomes, outcome_names, baseline: str, followups, config: dict,
                   day_columns: dict | None = None) -> pd.DataFrame:
    """Change from baseline at each follow-up, per outcome (see the module notes).

    `day_columns` maps an outcome to the column holding its instrument's assessment day, to tell
    a missed visit from a total that could not be determined.
    """
    day_columns = day_columns or {}
    rows = []
    outcome_names = list(outcome_names)
    all_wide = _wide(outcomes, outcome_names)
    for outcome in outcome_names:
        wide = all_wide[outcome]
        assessed = lambda outcome=outcome: _assessed(outcomes, day_columns.get(outcome))  # noqa: E731
        before = _column(wide, baseline)
        for visit in followups:
            after = _column(wide, visit)
            ids, reasons = _lost(pd.DataFrame({baseline: before, visit: after}), assessed, [baseline, visit])
            rows.append(
                {"outcome": outcome, "visit": visit, "missing_ids": ",".join(ids), "missing_reasons": "; ".join(reasons),
                 "role": endpoints.role(outcome, visit, config)}
                | _one_comparison(before, after, config)
            )
    columns = PAIRED_COLUMNS + (["t_mean_change", "t_ci_low", "t_ci_high", "t_p_value"]
                                if config.get("paired_t_sensitivity", True) else [])
    table = pd.DataFrame(rows, columns=[c for c in columns if c != "p_adjusted"])
    table.insert(columns.index("p_adjusted"), "p_adjusted", _adjusted(table, config))
    return table


# ----------------------------------------------------------------------------- Friedman


def _friedman_from_matrix(values: np.ndarray) -> tuple[float, float, float]:
    """Friedman Q (tie-corrected), its chi-square p and Kendall's W for a complete n x k matrix.

    The formula and its order of operations are pingouin.friedman's, so the numbers are the same
    to the last bit: W = (12 S - 3 n^2 k (k + 1)^2) / (n^2 k (k^2 - 1) - n T) with S the sum of the
    squared column rank sums and T the sum over rows and tie groups of t^3 - t; Q = n (k - 1) W,
    which is R's friedman.test statistic. Ranks within a row are averages over ties, so every rank
    sum is a multiple of 1/2 and S is exact in float64 (up to n k^2 about 10^7). Unlike
    scipy.stats.friedmanchisquare this also works for k = 2 and avoids its cancellation
    (12 S / (n k (k + 1)) - 3 n (k + 1), two nearly equal numbers for large n).
    """
    n, k = values.shape
    ranked = scipy.stats.rankdata(values, axis=1)
    ssbn = (ranked.sum(axis=0) ** 2).sum()
    # tie groups: sort each row; a group starts where a value differs from its left neighbour.
    # Row starts always open a group, so one cumulative count numbers the groups of all rows.
    ordered = np.sort(values, axis=1)
    starts = np.ones((n, k), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    sizes = np.bincount(np.cumsum(starts.ravel()))[1:].astype(np.int64)
    ties = np.sum(sizes * (sizes * sizes - 1))
    w = (12 * ssbn - 3 * n**2 * k * (k + 1) ** 2) / (n**2 * k * (k - 1) * (k + 1) - n * ties)
    q = n * (k - 1) * w
    return float(q), float(scipy.stats.chi2.sf(q, k - 1)), float(w)


FRIEDMAN_METHODS = ("auto", "exact", "monte-carlo", "chi-square")


def friedman(outcomes, outcome_names, visit_order, config: dict | None = None,
             day_columns: dict | None = None) -> pd.DataFrame:
    """Friedman test across all visits, complete cases: Q (tie-corrected, as R friedman.test), its
    p by `friedman_method` (see the module notes), Kendall's W as pingouin defines it (corrected
    for ties; see _friedman_from_matrix) and the patients left out, with the reason.
    """
    config = config or {}
    method = config.get("friedman_method", "auto")
    if method not in FRIEDMAN_METHODS:
        raise ValueError(f"friedman_method {method!r}: expected one of {', '.join(FRIEDMAN_METHODS)}")
    day_columns = day_columns or {}
    outcome_names = list(outcome_names)
    all_wide = _wide(outcomes, outcome_names)
    rows = []
    for outcome in outcome_names:
        by_visit = all_wide[outcome]
        wide = pd.concat({v: _column(by_visit, v) for v in visit_order}, axis=1)
        values = wide.to_numpy(dtype=float)
        complete = ~np.isnan(values).any(axis=1)
        values = values[complete]
        ids, reasons = _lost(wide, lambda: _assessed(outcomes, day_columns.get(outcome)), list(visit_order))
        row = {
            "outcome": outcome,
            "n_complete": int(complete.sum()),
            "excluded_ids": ",".join(ids),
            "missing_reasons": "; ".join(reasons),
            "statistic": np.nan,
            "df": len(visit_order) - 1,
            "p_value": np.nan,
            "p_method": "",
            "p_monte_carlo_se": np.nan,
            "min_attainable_p": np.nan,
            "kendall_w": np.nan,
        }
        # a test needs 2+ subjects, 2+ visits and at least one subject whose values differ
        if len(values) >= 2 and len(visit_order) >= 2 and (values.min(axis=1) != values.max(axis=1)).any():
            statistic, _, kendall_w = _friedman_from_matrix(values)
            largest, _, _ = _friedman_from_matrix(np.sort(values, axis=1))  # every patient ordered alike
            p = exact.friedman_p(
                exact.doubled_midranks(values, axis=1), statistic, largest, method,
                resamples=config.get("monte_carlo_resamples", 20_000), seed=config.get("monte_carlo_seed", 0),
            )
            row |= {"statistic": statistic, "p_value": p.p_value, "p_method": p.method,
                    "p_monte_carlo_se": p.monte_carlo_se, "min_attainable_p": p.min_attainable_p,
                    "kendall_w": kendall_w}
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- AIS shift


@functools.cache  # few distinct grades, one call per patient and visit
def _grade(value) -> str | None:
    """'A'..'E' when determined, 'undetermined' for lists such as 'C,D', None when missing."""
    if pd.isna(value) or str(value).strip() == "":
        return None
    text = str(value).strip().upper()
    return text if text in AIS_GRADES else "undetermined"


def ais_shift(outcomes: pd.DataFrame, baseline: str, followup: str):
    """Baseline x follow-up AIS crosstab (A-E, zero rows/cols kept) and a summary dict.

    Summary: n_pairs (determined grade at both visits), improved / unchanged / worsened counts,
    improved_transitions and worsened_transitions ("P03: C->D"), undetermined (count and
    transitions of patients with a grade list such as "C,D" at either visit: neither improved
    nor unchanged) and missing_ids (no grade at one visit or both).
    """
    grades = outcomes.pivot(index="patient_id", columns="visit", values="ais").sort_index()
    raw_before = _column_object(grades, baseline)
    raw_after = _column_object(grades, followup)
    improved, worsened, undetermined, missing, pairs = [], [], [], [], []
    # Plain lists, not a label lookup per patient (14 s at 10^5 patients).
    for pid, raw_b, raw_a in zip(grades.index, raw_before.tolist(), raw_after.tolist()):
        before, after = _grade(raw_b), _grade(raw_a)
        transition = f"{pid}: {str(raw_b).strip()}->{str(raw_a).strip()}"
        if before is None or after is None:
            missing.append(str(pid))
        elif "undetermined" in (before, after):
            undetermined.append(transition)
        else:
            pairs.append((before, after))
            step = AIS_GRADES.index(after) - AIS_GRADES.index(before)
            if step > 0:
                improved.append(transition)
            elif step < 0:
                worsened.append(transition)
    table = pd.crosstab(
        pd.Categorical([b for b, _ in pairs], categories=AIS_GRADES),
        pd.Categorical([a for _, a in pairs], categories=AIS_GRADES),
        dropna=False,
    )
    table.index.name, table.columns.name = f"{baseline}", f"{followup}"
    summary = {
        "n_pairs": len(pairs),
        "improved": len(improved),
        "unchanged": len(pairs) - len(improved) - len(worsened),
        "worsened": len(worsened),
        "improved_transitions": improved,
        "worsened_transitions": worsened,
        "n_undetermined": len(undetermined),
        "undetermined_transitions": undetermined,
        "missing_ids": missing,
    }
    return table, summary


def _column_object(wide: pd.DataFrame, visit: str) -> pd.Series:
    if visit in wide.columns:
        return wide[visit]
    return pd.Series(None, index=wide.index, dtype=object)
