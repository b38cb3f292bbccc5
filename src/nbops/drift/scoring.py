"""Scoring a window against a reference: all statistics, then decisions, per feature."""

from __future__ import annotations

import numpy as np

from nbops.drift import statistics as st
from nbops.drift.categorical import CategoricalSketch
from nbops.drift.decision import DRIFT, OK, WARN, bh_adjust, dataset_drift, tiers, worst
from nbops.drift.documents import EMBEDDING, DocumentSketch
from nbops.drift.numeric import NumericSketch
from nbops.drift.policy import Policy, Rule
from nbops.drift.reference import Sketch

STATISTICS = (
    "ks",
    "wasserstein",
    "psi",
    "jensen_shannon",
    "chi_square",
    "missing_rate_change",
    "out_of_range_share",
    "unseen_share",
)


def score(reference: Sketch, window: Sketch, policy: Policy) -> dict:
    """Per-feature statistics and decisions; see ``DriftReport`` for the shape."""
    names = list(reference.columns)
    values: dict[str, np.ndarray] = {s: np.full(len(names), np.nan) for s in STATISTICS}
    for extra in (
        "ks_p",
        "chi_square_p",
        "chi_square_fit_p",
        "z_test_p",
        "jensen_shannon_e",
        "missing_rate_p",
        "missing_rate_reference",
        "missing_rate_current",
    ):
        values[extra] = np.full(len(names), np.nan)
    n_ref = np.array([_n(reference.columns[c]) for c in names])
    n_cur = np.array([_n(window.columns[c]) for c in names])
    n_unique = np.zeros(len(names), dtype=np.int64)

    cont = [i for i, c in enumerate(names) if isinstance(reference.columns[c], NumericSketch)]
    cat = [i for i, c in enumerate(names) if isinstance(reference.columns[c], CategoricalSketch)]
    if cont:
        _continuous(values, cont, [reference.columns[names[i]] for i in cont], [window.columns[names[i]] for i in cont])
        n_unique[cont] = reference.bins  # many: only "more than 5" matters
    if cat:
        n_unique[cat] = _categorical(
            values, cat, [reference.columns[names[i]] for i in cat], [window.columns[names[i]] for i in cat]
        )
    _missing(values, names, reference, window)

    kinds = [reference.columns[c].kind for c in names]
    rules = [policy.rule_for(k, reference.rows, int(u)) for k, u in zip(kinds, n_unique)]
    effect = np.array([_effect(values, r, i) for i, r in enumerate(rules)])
    pvals = np.array([_pvalue(values, r, i) for i, r in enumerate(rules)])
    p_adj = bh_adjust(pvals) if policy.adjust else pvals
    n_min = np.minimum(n_ref, n_cur)
    tier = np.empty(len(names), dtype=object)
    for rule in set(rules):
        idx = np.array([i for i, r in enumerate(rules) if r == rule])
        tier[idx] = tiers(
            effect[idx],
            p_adj[idx],
            n_min[idx],
            warn=rule.warn,
            drift=rule.drift,
            alpha=policy.alpha,
            min_n=policy.min_n,
            use_p=rule.test is not None,
            use_effect=rule.use_effect,
        )
    missing_p_adj = np.full(len(names), np.nan)
    if policy.missing is not None and names:
        m = policy.missing
        missing_p_adj = bh_adjust(values["missing_rate_p"]) if policy.adjust else values["missing_rate_p"]
        rows_min = np.minimum(reference.rows, window.rows)
        missing_tier = tiers(
            np.abs(values["missing_rate_change"]),
            missing_p_adj,
            np.full(len(names), rows_min),
            warn=m.warn,
            drift=m.drift,
            alpha=policy.alpha,
            min_n=policy.min_n,
        )
        tier = worst(tier, missing_tier)

    features = []
    for i, name in enumerate(names):
        row = {
            "feature": name,
            "kind": kinds[i],
            "tier": str(tier[i]),
            "statistic": rules[i].effect,
            "effect": _f(effect[i]),
            "threshold": rules[i].drift,
            "test": rules[i].test,
            "p_value": _f(pvals[i]),
            "p_adjusted": _f(p_adj[i]),
            "n_reference": int(n_ref[i]),
            "n_current": int(n_cur[i]),
        }
        for s in STATISTICS:
            row[s] = _f(values[s][i])
        row["ks_p"] = _f(values["ks_p"][i])
        row["chi_square_p"] = _f(values["chi_square_p"][i])
        row["missing_rate_reference"] = _f(values["missing_rate_reference"][i])
        row["missing_rate_current"] = _f(values["missing_rate_current"][i])
        row["missing_rate_p"] = _f(values["missing_rate_p"][i])
        row["missing_rate_p_adjusted"] = _f(missing_p_adj[i])
        row["note"] = _note(row, policy)
        if isinstance(reference.columns[name], DocumentSketch):
            _documents(row, reference.columns[name], window.columns[name], policy)
        features.append(row)
    is_drift, share = dataset_drift([f["tier"] for f in features], policy.dataset_drift_share)
    summary = {
        "policy": policy.name,
        "features": len(features),
        "drifted": [f["feature"] for f in features if f["tier"] == DRIFT],
        "warned": [f["feature"] for f in features if f["tier"] == "warn"],
        "share_drifted": share,
        "dataset_drift": bool(is_drift),
        "dataset_drift_share": policy.dataset_drift_share,
        "rows_reference": reference.rows,
        "rows_current": window.rows,
        "alpha": policy.alpha,
        "min_n": policy.min_n,
    }
    summary["n_drifted"] = len(summary["drifted"])
    summary["n_warned"] = len(summary["warned"])
    return {"summary": summary, "features": features}


def _n(sk) -> int:
    return sk.n


def _f(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _effect(values: dict, rule: Rule, i: int) -> float:
    if not rule.use_effect:
        return values[f"{rule.test}_p"][i]
    v = values[rule.effect][i]
    return abs(v) if rule.effect == "missing_rate_change" else v


def _pvalue(values: dict, rule: Rule, i: int) -> float:
    return values[f"{rule.test}_p"][i] if rule.test else np.nan


def _continuous(values: dict, idx: list[int], refs: list[NumericSketch], curs: list[NumericSketch]) -> None:
    width = max(len(r.edges) for r in refs)
    edges = np.zeros((len(refs), width))
    rc, cc = np.zeros((len(refs), width + 1)), np.zeros((len(refs), width + 1))
    rs, cs = np.zeros_like(rc), np.zeros_like(rc)
    for j, (r, c) in enumerate(zip(refs, curs)):
        m = len(r.edges)
        if m:
            edges[j, :m] = r.edges
            edges[j, m:] = r.edges[-1]  # zero-width padding bins change nothing
        # padding sits before the open last bin so that bin stays last
        for dst, src in ((rc, r.counts), (cc, c.counts), (rs, r.sums), (cs, c.sums)):
            dst[j, :m] = src[:m]
            dst[j, -1] = src[m]
    centre = np.array([r.mean for r in refs])
    std = np.array([r.std for r in refs])
    d, p = st.ks(rc, cc)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = st.wasserstein(edges, rc, rs, cc, cs, centre) / np.maximum(std, 1e-3)
    w[(rc.sum(1) == 0) | (cc.sum(1) == 0)] = np.nan
    groups = st.decile_groups(rc)
    present = np.zeros((len(refs), st.PSI_BINS), dtype=bool)
    for g in range(st.PSI_BINS):
        present[:, g] = (groups == g).any(axis=1)
    psi = st.psi(st.group(rc, groups), st.group(cc, groups), present)
    js = st.jensen_shannon(rc, cc)
    outside = np.array([c.below + c.above + c.posinf + c.neginf for c in curs], dtype=float)
    nonmissing = np.array([c.n + c.posinf + c.neginf for c in curs], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        oor = outside / nonmissing
    for key, arr in (
        ("ks", d),
        ("ks_p", p),
        ("wasserstein", w),
        ("psi", psi),
        ("jensen_shannon", js),
        ("out_of_range_share", oor),
    ):
        values[key][idx] = arr
    values["jensen_shannon_e"][idx] = js * np.sqrt(np.log(2))


def _categorical(
    values: dict, idx: list[int], refs: list[CategoricalSketch], curs: list[CategoricalSketch]
) -> np.ndarray:
    width = max(len(r.keys) for r in refs) + 2
    rb, cb = np.zeros((len(refs), width)), np.zeros((len(refs), width))
    for j, (r, c) in enumerate(zip(refs, curs)):
        k = len(r.keys)
        rb[j, :k], cb[j, :k] = r.counts, c.counts
        rb[j, -2:], cb[j, -2:] = (r.other, r.unseen), (c.other, c.unseen)
    stat, p, _ = st.chi_square(rb, cb)
    js = st.jensen_shannon(rb, cb)
    psi = st.psi(rb, cb, (rb + cb) > 0)
    n_cur = cb.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        unseen = cb[:, -1] / n_cur
    _, z_p = st.proportion_change(rb[:, 0], rb.sum(1), cb[:, 0], n_cur)
    for key, arr in (
        ("chi_square", stat),
        ("chi_square_p", p),
        ("jensen_shannon", js),
        ("jensen_shannon_e", js * np.sqrt(np.log(2))),
        ("psi", psi),
        ("unseen_share", unseen),
        ("chi_square_fit_p", st.chi_square_fit(rb, cb)),
        ("z_test_p", z_p),
    ):
        values[key][idx] = arr
    return ((rb + cb) > 0).sum(axis=1)


TEXT_WARN_AUC = 0.525  # halfway from no effect (0.5) to the 0.55 floor of a drift verdict


def _documents(row: dict, ref: DocumentSketch, cur: DocumentSketch, policy: Policy) -> None:
    """A text or embedding column's verdict: the domain classifier of ``text.text_drift`` on the
    two samples (effect = its out-of-fold AUC), kept with the missing-rate tier computed above."""
    from nbops.drift.text import METHOD, MIN_DOCUMENTS, auc_threshold, domain_verdict
    from nbops.errors import InvalidValueError

    embeddings = ref.kind == EMBEDDING
    row.update(statistic="domain_auc", test=None, method=METHOD[embeddings], domain_auc=None)
    sizes = (len(ref.items), len(cur.items))
    if row["note"]:
        return
    try:
        result = domain_verdict(ref.items, cur.items, embeddings=embeddings)
    except InvalidValueError:  # fewer than MIN_DOCUMENTS non-empty documents on a side
        row["note"] = (
            f"fewer than {MIN_DOCUMENTS} non-empty documents on one side ({sizes[0]} and {sizes[1]}): not tested"
        )
        return
    auc = result["domain_auc"]
    n0, n1 = result["rows"]
    warn = auc_threshold(n0, n1, 0.001, TEXT_WARN_AUC)
    tier = DRIFT if result["drifted"] else WARN if auc >= warn else OK
    row.update(
        effect=auc,
        domain_auc=auc,
        threshold=result["auc_threshold"],
        tier=str(worst([row["tier"]], [tier])[0]),
        note=f"{METHOD[embeddings]} on {sizes[0]:,} + {sizes[1]:,} sampled rows",
    )


def _missing(values: dict, names: list[str], reference: Sketch, window: Sketch) -> None:
    rm = np.array([reference.columns[c].missing for c in names], dtype=float)
    cm = np.array([window.columns[c].missing for c in names], dtype=float)
    rr = np.array([reference.columns[c].rows for c in names], dtype=float)
    cr = np.array([window.columns[c].rows for c in names], dtype=float)
    change, p = st.proportion_change(rm, rr, cm, cr)
    with np.errstate(invalid="ignore", divide="ignore"):
        values["missing_rate_reference"][:] = rm / rr
        values["missing_rate_current"][:] = cm / cr
    values["missing_rate_change"][:] = change
    values["missing_rate_p"][:] = p


def _note(row: dict, policy: Policy) -> str:
    if row["n_reference"] == 0:
        return "the reference has no values in this column: nothing to compare"
    if row["n_current"] == 0:
        if row["missing_rate_current"] == 1.0:
            return "every value is missing in the current data"
        return "no comparable values in the current data"
    if min(row["n_reference"], row["n_current"]) < policy.min_n:
        return (
            f"only {min(row['n_reference'], row['n_current'])} values (< min_n={policy.min_n}): distribution not tested"
        )
    if row["unseen_share"] and row["unseen_share"] >= 0.999999:
        return "only categories the reference never had"
    return ""
