"""Reference-vs-current distribution data for one feature, computed from sketches only.

JSON-able, for the Lab's overlay plots and for ``DriftReport.figure``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nbops.drift.categorical import CategoricalSketch
from nbops.drift.documents import TEXT, DocumentSketch
from nbops.drift.numeric import NumericSketch
from nbops.drift.reference import Sketch
from nbops.errors import InvalidValueError


def overlay(reference: Sketch, window: Sketch, feature: str) -> dict[str, Any]:
    if feature not in reference.columns:
        raise InvalidValueError(f"no feature {feature!r}; features are {list(reference.columns)}")
    ref, cur = reference.columns[feature], window.columns[feature]
    if isinstance(ref, NumericSketch):
        return _numeric(feature, ref, cur)
    if isinstance(ref, DocumentSketch):
        return _documents(feature, ref, cur)
    return _categorical(feature, ref, cur)


def _documents(feature: str, ref: DocumentSketch, cur: DocumentSketch) -> dict[str, Any]:
    """The terms that tell the window's documents from the reference's (none for embeddings)."""
    from nbops.drift.text import MIN_DOCUMENTS, distinguishing_terms

    sizes = [len(ref.items), len(cur.items)]
    enough = ref.kind == TEXT and min(sizes) >= MIN_DOCUMENTS
    # term, weight (> 0: typical of the window), share of documents holding it on each side
    terms = distinguishing_terms(ref.items, cur.items) if enough else []
    return {
        "feature": feature,
        "kind": ref.kind,
        "documents": sizes,  # sampled documents (or vectors) on each side
        "terms": terms,
        "reference": [t["reference_share"] for t in terms],
        "current": [t["current_share"] for t in terms],
    }


def _numeric(feature: str, ref: NumericSketch, cur: NumericSketch) -> dict[str, Any]:
    lo = float(np.nanmin([ref.lo, cur.min]))
    hi = float(np.nanmax([ref.hi, cur.max]))
    bounds = np.concatenate(([lo], ref.edges, [hi]))
    p = ref.counts / max(ref.n, 1)
    q = cur.counts / max(cur.n, 1)
    gap = np.cumsum(p - q)[:-1]
    at = int(np.argmax(np.abs(gap))) if gap.size else 0
    return {
        "feature": feature,
        "kind": ref.kind,
        "edges": bounds.tolist(),  # bin i spans edges[i]..edges[i+1]; outer bins end at the data's extremes
        "reference": p.tolist(),
        "current": q.tolist(),
        "ecdf_reference": np.cumsum(p).tolist(),
        "ecdf_current": np.cumsum(q).tolist(),
        "ks_gap": {
            "x": float(ref.edges[at]) if ref.edges.size else None,
            "gap": float(abs(gap[at])) if gap.size else 0.0,
        },
    }


def _categorical(feature: str, ref: CategoricalSketch, cur: CategoricalSketch) -> dict[str, Any]:
    labels = ref.labels()
    p = ref.buckets() / max(ref.n, 1)
    q = cur.buckets() / max(cur.n, 1)
    order = [int(i) for i in np.argsort(-np.abs(q - p), kind="stable") if p[i] > 0 or q[i] > 0]
    return {
        "feature": feature,
        "kind": ref.kind,
        "labels": [labels[i] for i in order],  # sorted by change, largest first; incl. (unseen)
        "reference": [float(p[i]) for i in order],
        "current": [float(q[i]) for i in order],
    }
