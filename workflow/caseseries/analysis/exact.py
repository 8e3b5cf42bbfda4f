"""Exact permutation distributions of the Wilcoxon signed-rank and Friedman statistics, with ties.

Both tests are conditional on the observed ranks: under the null hypothesis every sign of a paired
difference (Wilcoxon) and every order of a patient's values across visits (Friedman) is equally
likely. Enumerating the 2^n sign patterns or k!^n within-patient permutations is infeasible beyond
small n, but both statistics are sums over patients of independent terms, so their distributions
are convolutions, computed here patient by patient (dynamic programming).

Ranks are midranks; they are doubled so that every rank, rank sum and sum of squared rank sums is
an exact integer, and "as extreme as observed" is decided without rounding. Probabilities are
float64: Wilcoxon steps halve exact binary fractions; Friedman steps average over a patient's
orders (rounding at the 1e-16 level). Tests compare both with full enumerations and R to 1e-10.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np
import scipy.stats

# Wilcoxon: the exact distribution has sum(doubled ranks) + 1 <= n (n + 1) + 1 support points and
# costs about n^3 / 2 additions (0.1-0.3 s at n = 500 here). Beyond that the normal
# approximation is used, as R's wilcox.test does from 50 pairs.
WILCOXON_EXACT_MAX_N = 500
# Friedman: the distribution lives on the (k - 1)-dimensional grid of column rank sums (the last
# one is fixed by the total). Exact while that grid has at most FRIEDMAN_EXACT_MAX_CELLS cells,
# k <= 6 and patients x orders x cells (the work of the convolution) is at most
# FRIEDMAN_EXACT_MAX_WORK, about 0.3 s. For three visits that is at least 124 patients (249 when no
# patient has tied values), for four visits 10 (20), for two visits 9,999.
FRIEDMAN_EXACT_MAX_CELLS = 250_000
FRIEDMAN_EXACT_MAX_WORK = 400_000_000
FRIEDMAN_EXACT_MAX_VISITS = 6
# Friedman beyond exact: Monte Carlo below this many complete cases, the chi-square distribution
# (the large-sample approximation) from here on, where Monte Carlo would cost n x resamples.
FRIEDMAN_CHI_SQUARE_MIN_N = 100


def doubled_midranks(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """2 x the average ranks along `axis`: exact integers even for tied values (2.5 -> 5)."""
    return np.rint(2 * scipy.stats.rankdata(values, axis=axis)).astype(np.int64)


# ----------------------------------------------------------------------------- Wilcoxon


def signed_rank_distribution(doubled_ranks) -> np.ndarray:
    """P(T = t), t = 0 .. sum(doubled_ranks), where T is the sum of the doubled ranks that get a
    plus sign and each rank's sign is + or - with probability 1/2, independently."""
    ranks = np.asarray(doubled_ranks, dtype=np.int64)
    total = int(ranks.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    reach = 0  # highest sum reachable so far: only dist[:reach + 1] is non-zero
    for rank in ranks:
        rank = int(rank)
        plus = dist[: reach + 1].copy()
        dist[: reach + 1] *= 0.5
        dist[rank : rank + reach + 1] += 0.5 * plus
        reach += rank
    return dist


class SignedRankTest(NamedTuple):
    statistic: float  # V: the sum of the (mid)ranks of the positive differences, as R reports it
    p_value: float
    min_attainable_p: float  # the p of the most extreme sign pattern for these |differences|


def signed_rank_ranks(d: np.ndarray, zero_method: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Doubled ranks of the non-zero differences, their signs and the constant a zero adds to V.

    wilcox: zeros dropped before ranking (R's wilcox.test, coin's zero.method = "Wilcoxon");
    pratt: zeros ranked with the others, then dropped (coin's default "Pratt");
    zsplit: as pratt, half of each zero's rank counted as positive (a constant under the null).
    """
    d = np.asarray(d, dtype=float)
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = doubled_midranks(np.abs(d))
    nonzero = d != 0
    zero_part = ranks[~nonzero].sum() / 4 if zero_method == "zsplit" else 0.0
    return ranks[nonzero], np.sign(d[nonzero]), zero_part


def signed_rank_statistic(d, zero_method: str = "wilcox") -> float:
    """V, the sum of the (mid)ranks of the positive differences under the zero method (R's V)."""
    ranks, signs, zero_part = signed_rank_ranks(d, zero_method)
    return float(ranks[signs > 0].sum() / 2 + zero_part)


def signed_rank_exact(d, zero_method: str = "wilcox", alternative: str = "two-sided") -> SignedRankTest:
    """Exact conditional signed-rank test (the distribution given the observed ties and zeros), as
    coin::wilcoxsign_test(distribution = "exact") and exactRankTests::wilcox.exact compute it.

    Two-sided p = P(|T - E T| >= |t - E T|), which equals 2 min(P(T <= t), P(T >= t)) capped at 1
    because the null distribution is symmetric. All differences zero: V = 0, p = 1.
    """
    ranks, signs, zero_part = signed_rank_ranks(d, zero_method)
    if ranks.size == 0:
        return SignedRankTest(zero_part, 1.0, 1.0)
    dist = signed_rank_distribution(ranks)
    total = int(ranks.sum())
    support = np.arange(total + 1)
    observed = int(ranks[signs > 0].sum())
    extreme = 0 if alternative == "less" else total

    def p_of(t: int) -> float:
        if alternative == "greater":
            return float(dist[support >= t].sum())
        if alternative == "less":
            return float(dist[support <= t].sum())
        return float(min(1.0, dist[np.abs(2 * support - total) >= abs(2 * t - total)].sum()))

    return SignedRankTest(observed / 2 + zero_part, p_of(observed), p_of(extreme))


# ----------------------------------------------------------------------------- Friedman


def _row_orders(row: np.ndarray) -> np.ndarray:
    """The distinct orders of one patient's doubled ranks across the k visits (equally likely)."""
    return np.array(sorted(set(itertools.permutations(row.tolist()))), dtype=np.int64)


def friedman_grid_cells(doubled_ranks: np.ndarray) -> int:
    """Cells of the grid the exact Friedman distribution needs (see FRIEDMAN_EXACT_MAX_CELLS)."""
    n, k = doubled_ranks.shape
    scale = _common_step(doubled_ranks)
    span = int(((doubled_ranks.max(axis=1) - doubled_ranks.min(axis=1)) // scale).sum()) + 1
    return span ** (k - 1)


def _feasible(n: int, k: int, cells: int) -> bool:
    return (2 <= k <= FRIEDMAN_EXACT_MAX_VISITS and cells <= FRIEDMAN_EXACT_MAX_CELLS
            and n * math.factorial(k) * cells <= FRIEDMAN_EXACT_MAX_WORK)


def friedman_exact_feasible(doubled_ranks: np.ndarray) -> bool:
    n, k = doubled_ranks.shape
    return _feasible(n, k, friedman_grid_cells(doubled_ranks))


def friedman_exact_guaranteed_n(k: int) -> int:
    """Patients up to which the exact Friedman p is always feasible with k visits, whatever the ties
    (worst case: half ranks, every patient's doubled ranks spanning 2 (k - 1))."""
    n = 0
    while _feasible(n + 1, k, (2 * (k - 1) * (n + 1) + 1) ** (k - 1)):
        n += 1
    return n


def _common_step(doubled_ranks: np.ndarray) -> int:
    """2 when every doubled rank is even (no half ranks): the grid can then be half as fine."""
    return 2 if not (doubled_ranks % 2).any() else 1


def _sum_of_squares(column_sums: np.ndarray) -> np.ndarray:
    return (column_sums.astype(np.int64) ** 2).sum(axis=-1)


def friedman_exact_distribution(doubled_ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distribution of S = sum_j R_j^2 (R_j the doubled column rank sums) over all k!^n
    within-patient permutations: (values of S, probabilities), S ascending.

    The Friedman statistic is an increasing function of S for given ties (its denominator does
    not change when a patient's values are permuted), so P(Q >= q) = P(S >= s).
    Convolution over patients on the grid of the first k - 1 column sums (offset by their minima).
    """
    n, k = doubled_ranks.shape
    step = _common_step(doubled_ranks)
    lows = doubled_ranks.min(axis=1)
    spans = (doubled_ranks.max(axis=1) - lows) // step
    size = int(spans.sum()) + 1
    grid = np.zeros((size,) * (k - 1))
    grid[(0,) * (k - 1)] = 1.0
    reach = 0
    for row, low, span in zip(doubled_ranks, lows, spans):
        orders = (_row_orders(row)[:, : k - 1] - low) // step
        before = grid[(slice(0, reach + 1),) * (k - 1)].copy()
        grid[(slice(0, reach + 1),) * (k - 1)] = 0.0
        for shift in orders:
            target = tuple(slice(s, s + reach + 1) for s in shift)
            grid[target] += before / len(orders)
        reach += int(span)
    # column sums at every grid cell: offset + step x index; the last column is the remainder
    offset = int(lows.sum())
    total = int(doubled_ranks.sum())
    index = np.indices(grid.shape).reshape(k - 1, -1).T
    first = offset + step * index
    sums = np.column_stack([first, total - first.sum(axis=1)])
    probabilities = grid.ravel()
    reached = probabilities > 0
    values, inverse = np.unique(_sum_of_squares(sums[reached]), return_inverse=True)
    return values, np.bincount(inverse, weights=probabilities[reached])


class FriedmanP(NamedTuple):
    p_value: float
    method: str  # "exact", "Monte Carlo" or "chi-square"
    monte_carlo_se: float  # standard error of a Monte Carlo p (NaN otherwise)
    min_attainable_p: float


def friedman_p(
    doubled_ranks: np.ndarray,
    statistic: float,
    max_statistic: float,
    method: str = "auto",
    resamples: int = 20_000,
    seed: int = 0,
    chi_square_min_n: int = FRIEDMAN_CHI_SQUARE_MIN_N,
) -> FriedmanP:
    """p of the Friedman test for an n x k matrix of doubled within-patient ranks.

    method "auto": exact when feasible (friedman_exact_feasible), otherwise Monte Carlo below
    `chi_square_min_n` complete cases and the chi-square approximation from there on; or one of
    "exact", "monte-carlo", "chi-square" always. `statistic` is the tie-corrected Q of the same
    matrix and `max_statistic` the largest Q any permutation gives (every patient's values in the
    same order). The smallest attainable p is exact for the exact method and the chi-square p of
    `max_statistic` otherwise.
    """
    n, k = doubled_ranks.shape
    observed = int(_sum_of_squares(doubled_ranks.sum(axis=0)))
    if method == "auto":
        if friedman_exact_feasible(doubled_ranks):
            method = "exact"
        else:
            method = "monte-carlo" if n < chi_square_min_n else "chi-square"
    if method == "exact":
        values, probabilities = friedman_exact_distribution(doubled_ranks)
        p = float(probabilities[values >= observed].sum())
        return FriedmanP(min(p, 1.0), "exact", math.nan, float(min(probabilities[-1], 1.0)))
    min_p = float(scipy.stats.chi2.sf(max_statistic, k - 1))
    if method == "chi-square":
        return FriedmanP(float(scipy.stats.chi2.sf(statistic, k - 1)), "chi-square", math.nan, min_p)
    rng = np.random.default_rng(seed)
    as_extreme = 0
    chunk = max(1, 2_000_000 // (n * k))
    for start in range(0, resamples, chunk):
        b = min(chunk, resamples - start)
        order = np.argsort(rng.random((b, n, k)), axis=2)
        permuted = np.take_along_axis(np.broadcast_to(doubled_ranks, (b, n, k)), order, axis=2)
        as_extreme += int((_sum_of_squares(permuted.sum(axis=1)) >= observed).sum())
    p = (as_extreme + 1) / (resamples + 1)  # never 0: the observed order is one of the permutations
    return FriedmanP(p, "Monte Carlo", math.sqrt(p * (1 - p) / resamples), min_p)
