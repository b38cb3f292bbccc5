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
from nbops.drift.columns import BOOLEAN, CATEGORICAL, DISCRETE, ColumnData, columns_of
from nbops.drift.numeric import DEFAULT_BINS, NumericSketch, fit_numeric, split_finite
from nbops.errors import InvalidValueError

ColumnSketch = NumericSketch | CategoricalSketch


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
    data: Any, *, bins: int = DEFAULT_BINS, top_k: int = DEFAULT_TOP_K, columns: Iterable[str] | None = None
) -> Sketch:
    """Fit a drift reference on ``data``: one sketch per column, never the raw rows.

    ``columns`` limits the reference to those columns (default: all).
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
    sketches = {name: _fit_column(c, bins, top_k) for name, c in cols.items()}
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


def _fit_column(col: ColumnData, bins: int, top_k: int) -> ColumnSketch:
    if col.kind == CATEGORICAL:
        return fit_text(col.counts or {}, col.missing, top_k)
    if col.kind in (BOOLEAN, DISCRETE):
        return fit_numbers(col.values, "boolean" if col.kind == BOOLEAN else "discrete")
    finite, missing, posinf, neginf = split_finite(col.values)
    xs = np.sort(finite)
    distinct = int(np.count_nonzero(xs[1:] != xs[:-1])) + 1 if xs.size else 0
    if distinct <= DISCRETE_MAX_DISTINCT:
        return fit_numbers(col.values, "discrete")
    return fit_numeric(xs, bins, missing, posinf, neginf)


def _sketch_column(ref: ColumnSketch, col: ColumnData) -> ColumnSketch:
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
