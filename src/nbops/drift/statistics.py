"""Drift statistics computed from sketch counts, vectorized across columns.

Every function takes 2-D arrays with one row per column. Numeric inputs are on each
column's reference grid, padded to a common width with zero-count, zero-width bins
(which change no statistic). Rows where either side has no values give NaN.
"""

from __future__ import annotations

import numpy as np

# scipy is imported inside the functions that need it: `import nbops.drift` (e.g. for
# estimate_performance) stays free of scipy.stats, a second of import on a cold start.

PSI_SMOOTHING = 0.5  # pseudo-count added to every PSI bin on both sides (Jeffreys prior)
PSI_BINS = 10
KSTWO_MAX_N = 10_000  # effective sample size above which KS uses the Kolmogorov limit


def _proportions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / n[:, None], n


def ks(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sample KS statistic D at the grid's edges and its asymptotic two-sided p-value.

    D on the grid is within one bin's mass of the exact D; p follows
    ``scipy.stats.ks_2samp(method="asymp")``.
    """
    from scipy import stats

    p, n = _proportions(ref)
    q, m = _proportions(cur)
    d = np.abs(np.cumsum(p - q, axis=1)[:, :-1]).max(axis=1, initial=0.0)
    big, small = np.maximum(n, m).astype(float), np.minimum(n, m).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        en = np.round(big * small / (big + small))
    pval = np.full(d.shape, np.nan)
    ok = (n > 0) & (m > 0)
    exact = ok & (en <= KSTWO_MAX_N)
    pval[exact] = stats.kstwo.sf(d[exact], np.maximum(en[exact], 1))
    # kstwo is slow for large n and indistinguishable from its limit there
    limit = ok & ~exact
    pval[limit] = stats.kstwobign.sf(d[limit] * np.sqrt(en[limit]))
    pval = np.clip(pval, 0.0, 1.0)
    d[~ok] = np.nan
    return d, pval


def wasserstein(
    edges: np.ndarray, ref: np.ndarray, ref_sums: np.ndarray, cur: np.ndarray, cur_sums: np.ndarray, centre: np.ndarray
) -> np.ndarray:
    """W1 between the two samples from counts and per-bin sums.

    Over a bin [a, b) the integral of an empirical CDF is ``b F(b) - a F(a) - sum/n``,
    exactly; so each bin's integral of ``F_ref - F_cur`` is exact, and summing their
    absolute values equals W1 except in bins where the two CDFs cross. Open outer bins
    take F(-inf) = 0 and F(+inf) = 1, which cancel in the difference.
    """
    p, n = _proportions(ref)
    q, m = _proportions(cur)
    with np.errstate(invalid="ignore", divide="ignore"):
        ds = ref_sums / n[:, None] - cur_sums / m[:, None]
    dp = p - q
    dF = np.cumsum(dp, axis=1)[:, :-1]  # F_ref - F_cur at each interior edge
    e = edges - centre[:, None]
    ds = ds - centre[:, None] * dp  # sums of centred values, for precision far from zero
    upper = np.zeros_like(dp)
    upper[:, :-1] = e * dF
    lower = np.zeros_like(dp)
    lower[:, 1:] = e * dF
    return np.abs(upper - lower - ds).sum(axis=1)


def decile_groups(ref: np.ndarray, groups: int = PSI_BINS) -> np.ndarray:
    """Group index of every grid bin so that groups hold ~1/groups of the reference each."""
    p, _ = _proportions(ref)
    cdf = np.cumsum(p, axis=1)[:, :-1]  # reference CDF at each interior edge
    marks = np.zeros(cdf.shape, dtype=np.int64)
    rows = np.arange(cdf.shape[0])
    if cdf.shape[1]:
        for g in range(1, groups):
            marks[rows, np.argmin(np.abs(cdf - g / groups), axis=1)] = 1
    out = np.zeros(ref.shape, dtype=np.int64)
    out[:, 1:] = np.cumsum(marks, axis=1)
    return out


def group(counts: np.ndarray, groups: np.ndarray, k: int = PSI_BINS) -> np.ndarray:
    out = np.zeros((counts.shape[0], k))
    for g in range(k):
        out[:, g] = np.where(groups == g, counts, 0).sum(axis=1)
    return out


def psi(ref: np.ndarray, cur: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Population stability index with ``PSI_SMOOTHING`` pseudo-counts in every bin.

    ``present`` marks the bins that exist for a row (others are padding and ignored).
    """
    if present is None:
        present = np.ones(ref.shape, dtype=bool)
    a = PSI_SMOOTHING * present
    k = present.sum(axis=1)
    n, m = ref.sum(axis=1), cur.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (ref + a) / (n + PSI_SMOOTHING * k)[:, None]
        q = (cur + a) / (m + PSI_SMOOTHING * k)[:, None]
        terms = np.where(present, (q - p) * np.log(q / p), 0.0)
    out = terms.sum(axis=1)
    out[(n == 0) | (m == 0)] = np.nan
    return out


def jensen_shannon(ref: np.ndarray, cur: np.ndarray, base: float = 2.0) -> np.ndarray:
    """Jensen–Shannon distance (square root of the divergence), as ``scipy.spatial.distance.jensenshannon``."""
    from scipy import special

    p, n = _proportions(ref)
    q, m = _proportions(cur)
    mid = (p + q) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        js = (special.rel_entr(p, mid).sum(axis=1) + special.rel_entr(q, mid).sum(axis=1)) / 2
    out = np.sqrt(np.maximum(js, 0.0) / np.log(base))
    out[(n == 0) | (m == 0)] = np.nan
    return out


def chi_square(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chi-square test of homogeneity on the 2 x k table (ref, cur) per row.

    Equals ``scipy.stats.chi2_contingency`` on the table without all-zero columns,
    including Yates' correction when there is one degree of freedom.
    """
    from scipy import stats

    table = np.stack((ref, cur), axis=1).astype(np.float64)  # (rows, 2, k)
    keep = table.sum(axis=1) > 0
    dof = keep.sum(axis=1) - 1
    total = table.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = table.sum(axis=2)[:, :, None] * table.sum(axis=1)[:, None, :] / total[:, None, None]
        diff = expected - table
        yates = (dof == 1)[:, None, None]
        adjusted = np.where(yates, table + np.sign(diff) * np.minimum(0.5, np.abs(diff)), table)
        terms = np.where(keep[:, None, :], (adjusted - expected) ** 2 / expected, 0.0)
    stat = terms.sum(axis=(1, 2))
    pval = np.where(dof > 0, stats.chi2.sf(stat, np.maximum(dof, 1)), 1.0)
    empty = (ref.sum(axis=1) == 0) | (cur.sum(axis=1) == 0)
    stat[empty] = np.nan
    pval[empty] = np.nan
    stat[dof == 0] = 0.0
    return stat, pval, dof.astype(float)


def chi_square_fit(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """p-value of ``scipy.stats.chisquare(cur, ref * n_cur / n_ref)`` per row (Evidently's chi-square)."""
    from scipy import stats

    n, m = ref.sum(axis=1), cur.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = ref * (m / n)[:, None]
        terms = np.where(expected > 0, (cur - expected) ** 2 / expected, np.where(cur > 0, np.inf, 0.0))
    used = ((ref + cur) > 0).sum(axis=1)
    pval = stats.chi2.sf(terms.sum(axis=1), np.maximum(used - 1, 1))
    pval[(n == 0) | (m == 0)] = np.nan
    return pval


def proportion_change(
    ref_hits: np.ndarray, ref_n: np.ndarray, cur_hits: np.ndarray, cur_n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Change of a rate (e.g. missing) and the two-proportion z-test p-value."""
    from scipy import stats

    ref_hits, ref_n, cur_hits, cur_n = (np.asarray(a, dtype=float) for a in (ref_hits, ref_n, cur_hits, cur_n))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = ref_hits / ref_n, cur_hits / cur_n
        pooled = (ref_hits + cur_hits) / (ref_n + cur_n)
        se = np.sqrt(pooled * (1 - pooled) * (1 / ref_n + 1 / cur_n))
        z = np.where(se > 0, (p2 - p1) / se, 0.0)
    pval = 2 * stats.norm.sf(np.abs(z))
    bad = (ref_n == 0) | (cur_n == 0)
    change = p2 - p1
    change[bad] = np.nan
    pval[bad] = np.nan
    return change, pval
