"""Sketch of a free-text or embedding column: a bounded, seeded random sample of its rows.

Free text is not a category (nearly every value is new), so its reference keeps documents,
not counts: at most ``TEXT_SAMPLE`` of them (each cut to ``MAX_CHARS`` characters), drawn
uniformly without replacement with a fixed seed, so the same data always keeps the same
sample. Embedding columns keep at most ``EMBEDDING_SAMPLE`` vectors. A window keeps its own
sample the same way; two windows merge into a uniform sample of their union, so chunked
checks (the CLI) and growing live windows stay correct. ``text.text_drift`` compares the
two samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nbops.errors import InvalidValueError

TEXT = "text"
EMBEDDING = "embedding"
TEXT_SAMPLE = 5_000
EMBEDDING_SAMPLE = 2_000
MAX_CHARS = 1_000
SEED = 0

# The rule that makes a string column free text rather than a category (overridable with
# ``text_columns=`` / ``categorical=`` where the reference is fitted): most values unique,
# and several words per value on average, so IDs and codes (unique, one token) stay categories.
MIN_UNIQUE_SHARE = 0.5
MIN_MEAN_TOKENS = 3.0


@dataclass(frozen=True, eq=False)
class DocumentSketch:
    kind: str  # 'text' (items are strings) or 'embedding' (items is a 2-D float array)
    items: list | np.ndarray
    n: int  # non-missing values the sample was drawn from
    missing: int = 0

    @property
    def rows(self) -> int:
        return self.n + self.missing

    @property
    def capacity(self) -> int:
        return TEXT_SAMPLE if self.kind == TEXT else EMBEDDING_SAMPLE

    def empty(self) -> DocumentSketch:
        return DocumentSketch(self.kind, [] if self.kind == TEXT else self.items[:0], 0)

    def sketch_counts(self, counts: Mapping[str, int], missing: int) -> DocumentSketch:
        if self.kind != TEXT:
            raise InvalidValueError(f"an {self.kind} column needs one vector per row, got strings")
        return sample_counts(counts, missing)

    def sketch_vectors(self, vectors: np.ndarray, missing: int) -> DocumentSketch:
        if self.kind != EMBEDDING:
            raise InvalidValueError("a text column needs strings, got vectors")
        width = np.shape(self.items)[1] if len(self.items) else vectors.shape[1]
        if len(vectors) and vectors.shape[1] != width:
            raise InvalidValueError(
                f"embedding vectors have {vectors.shape[1]} dimensions here but {width} in the reference: "
                "pass vectors of the same model"
            )
        return sample_vectors(vectors, missing)

    def merge(self, other: DocumentSketch) -> DocumentSketch:
        """A uniform sample of both windows' rows: how many come from each side is
        hypergeometric in their sizes, then each side's own uniform sample supplies them."""
        n = self.n + other.n
        k = min(self.capacity, n)
        rng = np.random.default_rng([SEED, self.n, other.n])
        mine = int(rng.hypergeometric(self.n, other.n, k)) if k else 0
        a = _take(self.items, mine, rng)
        b = _take(other.items, k - mine, rng)
        items = a + b if self.kind == TEXT else np.vstack([a, b])
        return DocumentSketch(self.kind, items, n, self.missing + other.missing)

    def subtract(self, other: DocumentSketch) -> DocumentSketch:
        raise InvalidValueError(
            f"a {self.kind} column keeps a sample of documents, which cannot be subtracted: "
            "sketch the remaining rows instead"
        )


def mostly_unique(counts: Mapping[str, int]) -> bool:
    """The first half of the free-text rule (cheap, so it runs first): most values unique."""
    n = sum(counts.values())
    return n > 0 and len(counts) >= MIN_UNIQUE_SHARE * n


def wordy(sample: list[str]) -> bool:
    """The second half: several words per value on average (IDs and codes have one)."""
    return bool(sample) and sum(len(doc.split()) for doc in sample) / len(sample) >= MIN_MEAN_TOKENS


def sample_counts(counts: Mapping[str, int], missing: int) -> DocumentSketch:
    """A seeded uniform sample of the rows a value -> count mapping stands for."""
    keys = list(counts)
    per_key = np.fromiter(counts.values(), dtype=np.int64, count=len(keys))
    n = int(per_key.sum())
    k = min(TEXT_SAMPLE, n)
    rows = np.random.default_rng(SEED).choice(n, k, replace=False) if k < n else np.arange(n)
    picked = np.searchsorted(np.cumsum(per_key), rows, side="right")
    return DocumentSketch(TEXT, [keys[i][:MAX_CHARS] for i in picked.tolist()], n, int(missing))


def sample_vectors(vectors: np.ndarray, missing: int) -> DocumentSketch:
    n = len(vectors)
    k = min(EMBEDDING_SAMPLE, n)
    rows = np.sort(np.random.default_rng(SEED).choice(n, k, replace=False)) if k < n else np.arange(n)
    return DocumentSketch(EMBEDDING, np.asarray(vectors[rows], dtype=np.float32), n, int(missing))


def _take(items, k: int, rng):
    if k >= len(items):
        return items
    picked = np.sort(rng.choice(len(items), k, replace=False))
    return [items[i] for i in picked.tolist()] if isinstance(items, list) else items[picked]
