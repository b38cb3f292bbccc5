"""Turning statistics into decisions: multiple-testing adjustment and tiers."""

from __future__ import annotations

import numpy as np

OK, WARN, DRIFT = "ok", "warn", "drift"
TIERS = (OK, WARN, DRIFT)
TIER_RANK = {OK: 0, WARN: 1, DRIFT: 2}


def bh_adjust(pvalues) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN entries stay NaN and are not counted.

    Equals ``scipy.stats.false_discovery_control(p, method="bh")`` on the non-NaN entries.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    vals = p[ok]
    order = np.argsort(vals)
    scaled = vals[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.clip(adjusted, 0.0, 1.0)
    out[ok] = res
    return out


def tiers(
    effect, p_adjusted, n, *, warn, drift, alpha: float, min_n: int, use_p: bool = True, use_effect: bool = True
) -> np.ndarray:
    """Tier per feature.

    drift: effect >= drift threshold AND adjusted p <= alpha AND n >= min_n;
    warn: the same with the warn threshold. A NaN effect or p (no values to compare) is ok.
    With ``use_p`` off only the effect decides; with ``use_effect`` off only p < alpha.
    """
    effect = np.asarray(effect, dtype=float)
    p = np.asarray(p_adjusted, dtype=float)
    base = np.asarray(n) >= min_n
    if use_p and use_effect:
        significant = base & (p <= alpha)
    elif use_p:
        significant = base & (p < alpha)  # Evidently: drift when p < threshold
    else:
        significant = base
    with np.errstate(invalid="ignore"):
        if use_effect:
            is_drift = significant & (effect >= drift)
            is_warn = significant & (effect >= warn) & ~is_drift
        else:
            is_drift = significant
            is_warn = np.zeros_like(is_drift)
    out = np.full(effect.shape, OK, dtype=object)
    out[is_warn] = WARN
    out[is_drift] = DRIFT
    return out


def worst(*tier_arrays) -> np.ndarray:
    ranks = np.max([[TIER_RANK[t] for t in arr] for arr in tier_arrays], axis=0)
    return np.array([TIERS[r] for r in ranks], dtype=object)


def dataset_drift(tier_array, share: float) -> tuple[bool, float]:
    t = list(tier_array)
    if not t:
        return False, 0.0
    drifted = sum(1 for x in t if x == DRIFT) / len(t)
    return drifted >= share, drifted
