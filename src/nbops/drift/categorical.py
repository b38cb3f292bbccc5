"""Sketch of a categorical, boolean or discrete numeric column.

The reference keeps its ``top_k`` most frequent values; the rest of its mass is ``other``.
A window counts each reference value, puts values the reference never had into
``unseen`` and missing values into ``missing``. When the reference had more than
``top_k`` distinct values, a value outside the top-K cannot be told apart from an
unseen one and is counted as ``other`` (the sketch keeps no list of rare values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from nbops.errors import InvalidValueError

DEFAULT_TOP_K = 200
DISCRETE_MAX_DISTINCT = 20


@dataclass(frozen=True, eq=False)
class CategoricalSketch:
    kind: str  # 'categorical' (text keys), 'discrete' or 'boolean' (float keys)
    keys: tuple  # reference values, most frequent first (sorted for numbers)
    counts: np.ndarray  # int64, one per key
    other: int = 0
    unseen: int = 0
    missing: int = 0
    closed: bool = True  # the reference had no 'other': anything not in keys is unseen
    _index: dict = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Non-missing values."""
        return int(self.counts.sum()) + self.other + self.unseen

    @property
    def rows(self) -> int:
        return self.n + self.missing

    def buckets(self) -> np.ndarray:
        """Counts per key, then other, then unseen."""
        return np.concatenate((self.counts, [self.other, self.unseen])).astype(np.int64)

    def labels(self) -> list[str]:
        return [_label(k, self.kind) for k in self.keys] + ["(other)", "(unseen)"]

    def index(self) -> dict:
        if self._index is None:
            object.__setattr__(self, "_index", {k: i for i, k in enumerate(self.keys)})
        return self._index

    def empty(self) -> CategoricalSketch:
        return CategoricalSketch(
            self.kind, self.keys, np.zeros(len(self.keys), np.int64), closed=self.closed, _index=self._index
        )

    def sketch_counts(self, counts: Mapping[str, int], missing: int) -> CategoricalSketch:
        """Sketch a window given as value -> count (text keys)."""
        index = self.index()
        per_key = np.zeros(len(self.keys), np.int64)
        rest = 0
        for key, c in counts.items():
            i = index.get(key)
            if i is None:
                rest += c
            else:
                per_key[i] += c
        return replace(
            self.empty(),
            counts=per_key,
            missing=missing,
            unseen=rest if self.closed else 0,
            other=0 if self.closed else rest,
        )

    def sketch_values(self, values: np.ndarray) -> CategoricalSketch:
        """Sketch a window of numbers (float64, NaN missing) on numeric keys."""
        missing_mask = np.isnan(values)
        missing = int(missing_mask.sum())
        uniq, cnt = np.unique(values[~missing_mask] if missing else values, return_counts=True)
        keys = np.asarray(self.keys, dtype=np.float64)
        order = np.argsort(keys)
        pos = np.searchsorted(keys[order], uniq)
        pos_c = np.clip(pos, 0, max(len(keys) - 1, 0))
        hit = (pos < len(keys)) & (keys[order][pos_c] == uniq) if len(keys) else np.zeros(len(uniq), bool)
        per_key = np.zeros(len(keys), np.int64)
        np.add.at(per_key, order[pos_c[hit]], cnt[hit])
        rest = int(cnt[~hit].sum())
        return replace(
            self.empty(),
            counts=per_key,
            missing=missing,
            unseen=rest if self.closed else 0,
            other=0 if self.closed else rest,
        )

    def merge(self, other: CategoricalSketch) -> CategoricalSketch:
        _same_keys(self, other)
        return replace(
            self,
            counts=self.counts + other.counts,
            other=self.other + other.other,
            unseen=self.unseen + other.unseen,
            missing=self.missing + other.missing,
        )

    def subtract(self, other: CategoricalSketch) -> CategoricalSketch:
        _same_keys(self, other)
        out = replace(
            self,
            counts=self.counts - other.counts,
            other=self.other - other.other,
            unseen=self.unseen - other.unseen,
            missing=self.missing - other.missing,
        )
        if (out.counts < 0).any() or min(out.other, out.unseen, out.missing) < 0:
            raise InvalidValueError(
                "cannot subtract a window that is not part of this sketch: some counts "
                "would become negative; subtract only windows that were merged in"
            )
        return out


def fit_text(counts: Mapping[str, int], missing: int, top_k: int) -> CategoricalSketch:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[:top_k]
    other = int(sum(c for _, c in ranked[top_k:]))
    return CategoricalSketch(
        "categorical",
        tuple(k for k, _ in top),
        np.array([c for _, c in top], np.int64),
        other=other,
        missing=missing,
        closed=other == 0,
    )


def fit_numbers(values: np.ndarray, kind: str) -> CategoricalSketch:
    """Discrete numbers or booleans: every distinct value is a key (callers bound how many)."""
    missing_mask = np.isnan(values)
    uniq, cnt = np.unique(values[~missing_mask], return_counts=True)
    return CategoricalSketch(kind, tuple(float(u) for u in uniq), cnt.astype(np.int64), missing=int(missing_mask.sum()))


def _label(key, kind: str) -> str:
    if kind == "boolean":
        return "true" if key else "false"
    if kind == "discrete" and float(key).is_integer():
        return str(int(key))
    return str(key)


def _same_keys(a: CategoricalSketch, b: CategoricalSketch) -> None:
    if a.keys != b.keys:
        raise InvalidValueError(
            "cannot combine categorical sketches with different reference categories: "
            "sketch both windows with the same reference"
        )
