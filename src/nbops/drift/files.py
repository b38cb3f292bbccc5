"""Sketch current data from CSV and parquet files in chunks, for scheduled checks.

A window's sketch is the merge of its chunks' sketches (exact: counts add up), so a
10M-row file is read ``chunk_rows`` rows at a time and never held in memory at once.
Parquet is read with pyarrow (row-group batches); CSV with pyarrow's streaming reader
when installed, else pandas' ``chunksize``.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nbops.drift.reference import Sketch
from nbops.errors import InvalidValueError

DEFAULT_CHUNK_ROWS = 200_000
SUFFIXES = (".csv", ".parquet", ".pq")


def expand(path_or_glob: str) -> list[Path]:
    """The files a path or glob names, sorted; an error naming the pattern when there are none."""
    paths = sorted(Path(p) for p in glob.glob(path_or_glob, recursive=True)) or (
        [Path(path_or_glob)] if Path(path_or_glob).is_file() else []
    )
    if not paths:
        raise InvalidValueError(f"--current {path_or_glob!r} matches no file: give a CSV or parquet path or a glob")
    wrong = [str(p) for p in paths if p.suffix.lower() not in SUFFIXES]
    if wrong:
        raise InvalidValueError(f"cannot read {wrong[:3]}: use .csv or .parquet files")
    return paths


def sketch_files(reference: Sketch, paths: list[Path], chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Sketch:
    """The merged sketch of every chunk of every file, on ``reference``'s grids."""
    total = reference.empty()
    for chunk in chunks(paths, chunk_rows, columns=list(_source_columns(reference))):
        total = total + reference.sketch(chunk)
    return total


def chunks(paths: list[Path], chunk_rows: int, columns: list[str] | None = None) -> Iterator[Any]:
    """pandas frames of at most ``chunk_rows`` rows, file after file."""
    for path in paths:
        if path.suffix.lower() == ".csv":
            yield from _csv_chunks(path, chunk_rows, columns)
        else:
            yield from _parquet_chunks(path, chunk_rows, columns)


def _parquet_chunks(path: Path, chunk_rows: int, columns):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidValueError(f"reading {path.name} needs pyarrow: pip install pyarrow") from None
    # No pre-buffering: it reads whole row groups of every column ahead (2 GB peak on 10M rows)
    file = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    present = [c for c in columns if c in file.schema_arrow.names] if columns else None
    for batch in file.iter_batches(batch_size=chunk_rows, columns=present):
        yield batch.to_pandas()


def _csv_chunks(path: Path, chunk_rows: int, columns):
    import pandas as pd

    usecols = (lambda c: c in set(columns)) if columns else None
    with pd.read_csv(path, chunksize=chunk_rows, usecols=usecols, low_memory=False) as reader:
        yield from reader


def _source_columns(reference: Sketch) -> dict[str, None]:
    """Columns to read: the reference's, with derived ``col.hour``/``col.weekday`` read as ``col``."""
    return {reference.sources.get(name, name): None for name in reference.columns}
