"""Dataset sketches: a fitted reference, and windows sketched on its grids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nbops.drift.categorical import (
    DEFAULT_TOP_K,
    DISCRETE_MAX_DISTINCT,
    CategoricalSketch,
    fit_numbers,
    fit_text,
)
from nbops.drift.columns import BOOLEAN, CATEGORICAL, DISCRETE, EMBEDDING, ColumnData, columns_of
from nbops.drift.documents import TEXT, DocumentSketch, mostly_unique, sample_counts, sample_vectors, wordy
from nbops.drift.numeric import DEFAULT_BINS, NumericSketch, fit_numeric, split_finite
from nbops.errors import InvalidValueError

ColumnSketch = NumericSketch | CategoricalSketch | DocumentSketch


class Sketch:
    """Per-column sketches of one table: a reference, or a window on a reference's grids.

    Windows of the same reference merge exactly (``a + b``) and subtract (``a - b``).
    """

    def __init__(
        self,
        columns: Mapping[str, ColumnSketch],
        *,
        rows: int,
        sources: Mapping[str, str] | None = None,
        bins: int = DEFAULT_BINS,
        top_k: int = DEFAULT_TOP_K,
    ):
        self.columns = dict(columns)
        self.rows = int(rows)
        self.sources = dict(sources or {})  # derived column -> original datetime column
        self.bins = bins
        self.top_k = top_k

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self.columns)} columns, {self.rows} rows>"

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def kinds(self) -> dict[str, str]:
        return {name: sk.kind for name, sk in self.columns.items()}

    def sketch(self, data: Any) -> Sketch:
        """Sketch ``data`` on this reference's grids (its columns must match)."""
        cols = columns_of(data)
        self._check_columns(cols)
        out = {name: _sketch_column(sk, cols[name]) for name, sk in self.columns.items()}
        rows = next(iter(cols.values())).rows if cols else 0
        return Sketch(out, rows=rows, sources=self.sources, bins=self.bins, top_k=self.top_k)

    def empty(self) -> Sketch:
        return Sketch(
            {n: sk.empty() for n, sk in self.columns.items()},
            rows=0,
            sources=self.sources,
            bins=self.bins,
            top_k=self.top_k,
        )

    def merge(self, other: Sketch) -> Sketch:
        self._check_same(other)
        cols = {n: sk.merge(other.columns[n]) for n, sk in self.columns.items()}
        return Sketch(cols, rows=self.rows + other.rows, sources=self.sources, bins=self.bins, top_k=self.top_k)

    def subtract(self, other: Sketch) -> Sketch:
        self._check_same(other)
        cols = {n: sk.subtract(other.columns[n]) for n, sk in self.columns.items()}
        return Sketch(cols, rows=self.rows - other.rows, sources=self.sources, bins=self.bins, top_k=self.top_k)

    __add__ = merge
    __sub__ = subtract

    def _check_same(self, other: Sketch) -> None:
        if list(other.columns) != list(self.columns):
            raise InvalidValueError(
                f"cannot combine sketches with different columns: {sorted(self.columns)} and {sorted(other.columns)}"
            )

    def _check_columns(self, cols: Mapping[str, ColumnData]) -> None:
        missing = [n for n in self.columns if n not in cols]
        extra = [n for n in cols if n not in self.columns]
        if missing:
            raise InvalidValueError(
                f"the current data lacks column(s) {missing} of the reference; "
                f"expected columns: {list(_original_names(self))}"
                + (f"; it has extra column(s) {extra}" if extra else "")
            )


def fit_reference(
    data: Any,
    *,
    bins: int = DEFAULT_BINS,
    top_k: int = DEFAULT_TOP_K,
    columns: Iterable[str] | None = None,
    text_columns: Iterable[str] | None = None,
    categorical: Iterable[str] | None = None,
) -> Sketch:
    """Fit a drift reference on ``data``: one sketch per column, never the raw rows
    (free-text and embedding columns keep a bounded sample of their rows, see ``documents``).

    ``columns`` limits the reference to those columns (default: all). A string column is
    free text when most of its values are unique and they have 3 or more words on average;
    ``text_columns`` and ``categorical`` name columns to treat as text or as categories
    whatever that rule says.
    """
    if bins < 2:
        raise InvalidValueError(f"bins must be at least 2, got {bins}")
    if top_k < 1:
        raise InvalidValueError(f"top_k must be at least 1, got {top_k}")
    cols = columns_of(data)
    if columns is not None:
        cols = _select(cols, list(columns))
    rows = next(iter(cols.values())).rows
    if rows == 0:
        raise InvalidValueError(
            f"the reference is empty (0 rows in columns {list(cols)}): fit the reference on at least one row"
        )
    as_text, as_category = _overrides(cols, text_columns, categorical)
    sketches = {name: _fit_column(c, bins, top_k, as_text, as_category) for name, c in cols.items()}
    sources = {c.name: c.source for c in cols.values() if c.source}
    return Sketch(sketches, rows=rows, sources=sources, bins=bins, top_k=top_k)


Reference = Sketch


def _select(cols: dict[str, ColumnData], wanted: list[str]) -> dict[str, ColumnData]:
    out = {}
    for name in wanted:
        parts = [c for c in cols.values() if c.name == name or c.source == name]
        if not parts:
            raise InvalidValueError(f"no column {name!r} in the data; columns are {list(cols)}")
        out.update({c.name: c for c in parts})
    return out


def _overrides(cols: dict[str, ColumnData], text_columns, categorical) -> tuple[set[str], set[str]]:
    """The user's ``text_columns`` / ``categorical`` names, checked against the string columns."""
    strings = [name for name, c in cols.items() if c.kind == CATEGORICAL]
    chosen = []
    for arg, names in (("text_columns", text_columns), ("categorical", categorical)):
        if isinstance(names, str):
            raise InvalidValueError(f"{arg}={names!r} is not valid: pass a list of column names, e.g. [{names!r}]")
        names = set(names or ())
        bad = sorted(n for n in names if n not in strings)
        if bad:
            raise InvalidValueError(
                f"{arg}={bad} names no string column of the data: valid names are the string columns {strings}"
            )
        chosen.append(names)
    both = sorted(chosen[0] & chosen[1])
    if both:
        raise InvalidValueError(f"column(s) {both} are in both text_columns and categorical: name each in one")
    return chosen[0], chosen[1]


def _fit_column(col: ColumnData, bins: int, top_k: int, as_text=frozenset(), as_category=frozenset()) -> ColumnSketch:
    if col.kind == EMBEDDING:
        return sample_vectors(col.values, col.missing)
    if col.kind == CATEGORICAL:
        counts = col.counts or {}
        if col.name in as_text:
            return sample_counts(counts, col.missing)
        if col.name not in as_category and mostly_unique(counts):
            sample = sample_counts(counts, col.missing)
            if wordy(sample.items):
                return sample
        return fit_text(counts, col.missing, top_k)
    if col.kind in (BOOLEAN, DISCRETE):
        return fit_numbers(col.values, "boolean" if col.kind == BOOLEAN else "discrete")
    finite, missing, posinf, neginf = split_finite(col.values)
    xs = np.sort(finite)
    distinct = int(np.count_nonzero(xs[1:] != xs[:-1])) + 1 if xs.size else 0
    if distinct <= DISCRETE_MAX_DISTINCT:
        return fit_numbers(col.values, "discrete")
    return fit_numeric(xs, bins, missing, posinf, neginf)


def _sketch_column(ref: ColumnSketch, col: ColumnData) -> ColumnSketch:
    if isinstance(ref, DocumentSketch):
        if ref.kind == TEXT and col.counts is not None:
            return ref.sketch_counts(col.counts, col.missing)
        if ref.kind != TEXT and col.kind == EMBEDDING:
            return ref.sketch_vectors(col.values, col.missing)
        raise _kind_mismatch(col.name, ref.kind, col.kind)
    if isinstance(ref, NumericSketch):
        if col.values is None:
            raise _kind_mismatch(col.name, "numeric", col.kind)
        return ref.sketch(col.values)
    if ref.kind == "categorical":
        if col.counts is None:
            raise _kind_mismatch(col.name, "categorical", col.kind)
        return ref.sketch_counts(col.counts, col.missing)
    if col.values is None:
        raise _kind_mismatch(col.name, ref.kind, col.kind)
    return ref.sketch_values(col.values)


def _kind_mismatch(name: str, expected: str, got: str) -> InvalidValueError:
    return InvalidValueError(
        f"column {name!r} is {expected} in the reference but {got} in the current data: "
        f"pass {expected} values for {name!r}"
    )


def _original_names(sketch: Sketch) -> dict[str, None]:
    return {sketch.sources.get(n, n): None for n in sketch.columns}
