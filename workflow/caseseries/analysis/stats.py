"""Paired statistics of the case series (../shared/DESIGN.md, 'Statistics').

Pure functions: tidy DataFrames in, tidy DataFrames out, no I/O.

`outcomes` is one row per patient x visit with columns `patient_id`, `visit`, `day`, one float
column per outcome (NaN = not assessed) and `ais` (A-E, or a list such as "C,D" when the
classification is undetermined). A patient may lack a visit (no row) or a value (NaN); such
patients are counted and named, never imputed.

Conventions
- Change = follow-up minus baseline, so positive = increase (improvement for every outcome here).
- Quantiles (describe): pandas' default linear interpolation = R quantile(type = 7).
- Wilcoxon signed-rank: scipy's default method="auto" via pingouin.wilcoxon (exact for n <= 50
  without ties; exact conditional permutation p for n <= 13 with ties/zeros; normal otherwise).
  pingouin's default continuity correction is switched off so the p is exactly scipy's.
- Hodges-Lehmann: median of the n(n+1)/2 Walsh averages of all paired differences (zeros
  included, so the estimate does not depend on the null value) with the distribution-free CI
  [W_(k), W_(M+1-k)] whose k comes from the signed-rank null distribution: exact for n < 50
  (as R's wilcox.test), normal approximation otherwise. With ties the achieved level is the
  nominal one of the untied distribution (Hollander & Wolfe), not a conditional one.
  Confidence intervals (HL and t) are always two-sided at `ci_level`.
- All differences zero: no signed-rank statistic exists (NaN), p_value = 1.0 (the data sit
  exactly on the null), HL estimate and CI = 0, rank-biserial NaN, t statistics NaN.
- Fewer than 2 pairs: every inferential column is NaN.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import pingouin
import scipy.stats
from statsmodels.stats.multitest import multipletests

from caseseries.data.contract import AIS_GRADES

EXACT_CI_MAX_N = 49  # R's wilcox.test uses the exact signed-rank distribution for n < 50


# ----------------------------------------------------------------------------- reshaping


def _wide(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Patients x visits for one outcome; every patient of `outcomes` gets a row."""
    wide = outcomes.pivot(index="patient_id", columns="visit", values=outcome)
    return wide.sort_index()


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
    for outcome in outcome_names:
        wide = _wide(outcomes, outcome)
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


def kth_walsh_average(differences, k: int, sample_size: int | None = None) -> float:
    """k-th smallest (1-based) of the Walsh averages (d_i + d_j) / 2, i <= j.

    Exact selection without materialising the n(n+1)/2 averages: the sorted sums form a
    matrix with sorted rows; each row keeps a window [lo, hi) of candidate columns. Two pivots
    drawn from a random sample of candidates just below and above the target rank cut the
    windows (each cut is an O(n log n) count); once few candidates remain they are sorted.
    `sample_size` (default max(n, 4096)) only changes the speed, never the result.
    """
    d = np.sort(np.asarray(differences, dtype=float))
    n = d.size
    if not 1 <= k <= n * (n + 1) // 2:
        raise ValueError(f"k={k} outside 1..{n * (n + 1) // 2}")
    rows = np.arange(n)
    lo, hi = rows.copy(), np.full(n, n)
    sample_size = sample_size or max(n, 4096)
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


# ----------------------------------------------------------------------------- paired changes


def wilcoxon_p_method(d: np.ndarray) -> str:
    """How scipy's method="auto" (1.17) computes the p-value for these differences: the exact null
    distribution without ties or zeros (n <= 50), the full permutation distribution with them
    (n <= 13, also exact), a normal approximation otherwise."""
    if d.size < 2 or not d.any():
        return ""
    ties_or_zeros = (d == 0).any() or np.unique(np.abs(d[d != 0])).size < np.count_nonzero(d)
    if d.size > 50 or (ties_or_zeros and d.size > 13):
        return "normal approximation"
    return "exact (permutation)" if ties_or_zeros else "exact"


def _signed_rank(d: np.ndarray, config: dict) -> dict:
    """Wilcoxon statistic and p (scipy's, through pingouin) and matched-pairs rank-biserial."""
    if d.size < 2:
        return {"wilcoxon_statistic": np.nan, "p_value": np.nan, "p_method": "", "rank_biserial": np.nan}
    if not d.any():
        return {"wilcoxon_statistic": np.nan, "p_value": 1.0, "p_method": "", "rank_biserial": np.nan}
    alternative = config.get("wilcoxon_alternative", "two-sided")
    result = pingouin.wilcoxon(
        d,
        alternative=alternative,
        zero_method=config.get("zero_method", "wilcox"),
        correction=False,  # pingouin's default True would differ from scipy's default
    ).iloc[0]
    # pingouin flips the sign of RBC for alternative="less"; keep positive = increase
    rbc = -result["RBC"] if alternative == "less" else result["RBC"]
    return {
        "wilcoxon_statistic": float(result["W_val"]),
        "p_value": float(result["p_val"]),
        "p_method": wilcoxon_p_method(d),
        "rank_biserial": float(rbc),
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
    paired = pd.DataFrame({"before": before, "after": after})
    missing = paired.index[paired.isna().any(axis=1)]
    paired = paired.dropna()
    d = (paired["after"] - paired["before"]).to_numpy()
    hl = hodges_lehmann(d, config.get("ci_level", 0.95))
    row = {
        "n_pairs": int(d.size),
        "missing_ids": ",".join(map(str, missing)),
        "mean_change": float(d.mean()) if d.size else np.nan,
        "sd_change": float(d.std(ddof=1)) if d.size > 1 else np.nan,
        "median_change": float(np.median(d)) if d.size else np.nan,
        "hl_estimate": hl.estimate,
        "hl_ci_low": hl.ci_low,
        "hl_ci_high": hl.ci_high,
        "hl_ci_level_achieved": hl.ci_level_achieved,
    }
    row |= _signed_rank(d, config)
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


def paired_changes(outcomes, outcome_names, baseline: str, followups, config: dict) -> pd.DataFrame:
    """Change from baseline at each follow-up, per outcome (see the module notes)."""
    rows = []
    for outcome in outcome_names:
        wide = _wide(outcomes, outcome)
        before = _column(wide, baseline)
        per_outcome = [
            {"outcome": outcome, "visit": visit} | _one_comparison(before, _column(wide, visit), config)
            for visit in followups
        ]
        adjusted = adjust_p([r["p_value"] for r in per_outcome], config.get("multiplicity", "holm"))
        for r, p_adj in zip(per_outcome, adjusted):
            r["p_adjusted"] = p_adj
        rows.extend(per_outcome)
    columns = [
        "outcome", "visit", "n_pairs", "missing_ids", "mean_change", "sd_change", "median_change",
        "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level_achieved",
        "wilcoxon_statistic", "p_value", "p_method", "p_adjusted", "rank_biserial",
    ]
    if config.get("paired_t_sensitivity", True):
        columns += ["t_mean_change", "t_ci_low", "t_ci_high", "t_p_value"]
    return pd.DataFrame(rows, columns=columns)


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


def friedman(outcomes, outcome_names, visit_order) -> pd.DataFrame:
    """Friedman chi-square (tie-corrected, as R friedman.test) across all visits, complete cases.

    Kendall's W as pingouin defines it (corrected for ties); see _friedman_from_matrix.
    """
    outcome_names = list(outcome_names)
    # one pivot for all outcomes (the pivot, not the test, is the slow part for 10^5 patients)
    all_wide = outcomes.pivot(index="patient_id", columns="visit", values=outcome_names).sort_index()
    rows = []
    for outcome in outcome_names:
        by_visit = all_wide[outcome]
        wide = pd.concat({v: _column(by_visit, v) for v in visit_order}, axis=1)
        values = wide.to_numpy(dtype=float)
        complete = ~np.isnan(values).any(axis=1)
        values = values[complete]
        row = {
            "outcome": outcome,
            "n_complete": int(complete.sum()),
            "excluded_ids": ",".join(map(str, wide.index[~complete])),
            "statistic": np.nan,
            "df": len(visit_order) - 1,
            "p_value": np.nan,
            "kendall_w": np.nan,
        }
        # a test needs 2+ subjects, 2+ visits and at least one subject whose values differ
        if len(values) >= 2 and len(visit_order) >= 2 and (values.min(axis=1) != values.max(axis=1)).any():
            statistic, p_value, kendall_w = _friedman_from_matrix(values)
            row |= {"statistic": statistic, "p_value": p_value, "kendall_w": kendall_w}
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- AIS shift


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
    nor unchanged) and missing_ids (no grade at one of the two visits).
    """
    grades = outcomes.pivot(index="patient_id", columns="visit", values="ais").sort_index()
    raw_before = _column_object(grades, baseline)
    raw_after = _column_object(grades, followup)
    improved, worsened, undetermined, missing, pairs = [], [], [], [], []
    for pid in grades.index:
        before, after = _grade(raw_before[pid]), _grade(raw_after[pid])
        transition = f"{pid}: {str(raw_before[pid]).strip()}->{str(raw_after[pid]).strip()}"
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
