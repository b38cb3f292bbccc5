"""The nbops store: one SQLite file and a folder of blobs per project.

    store = open_store()                 # .nbops/ found like .git, or NBOPS_HOME
    run_id = store.runs.create("churn", params={"lr": 0.1})
    store.metrics.write([(run_id, "loss", 0, 0.5, time.time())])
    store.runs.end(run_id)

Never imports tornado, jupyter_server or IPython (a test checks it).
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .artifacts import Artifacts
from .blobs import Blobs
from .database import Database
from .datasets import Datasets
from .explanations import Explanations
from .location import HOME_VARIABLE, STORE_DIRNAME, find_store_dir
from .metrics import Metrics
from .models import Models
from .provenance import Provenance
from .runs import Page, Runs
from .sync import SyncState

if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager

    from .changes import Changes
    from .compare import Comparison
    from .lineage import Lineage
    from .series import Series

__all__ = ["Store", "open_store", "find_store_dir", "Page", "HOME_VARIABLE", "STORE_DIRNAME"]

DB_FILENAME = "nbops.db"


class Store:
    """A project's store at ``root`` (a ``.nbops`` folder)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.db = Database(self.root / DB_FILENAME)
        self.blobs = Blobs(self.root / "blobs")
        self.runs = Runs(self.db, details=self)
        self.metrics = Metrics(self.db)
        self.artifacts = Artifacts(self.db, self.blobs)
        self.datasets = Datasets(self.db)
        self.models = Models(self.db)
        self.provenance = Provenance(self.db)
        self.sync = SyncState(self.db)
        self.explanations = Explanations(self.db, self.models)

    # Read views over several tables; built on first use, so opening a store stays cheap.
    @cached_property
    def series(self) -> Series:
        """Downsampled metric series: ``store.series.of_run(run_id, keys, max_points)``."""
        from .series import Series

        return Series(self.db)

    @cached_property
    def compare(self) -> Comparison:
        """Side-by-side runs: ``store.compare.of(run_ids, missing)``."""
        from .compare import Comparison

        return Comparison(self.db)

    @cached_property
    def changes(self) -> Changes:
        """The change feed: ``store.changes.since(seq)``."""
        from .changes import Changes

        return Changes(self.db)

    @cached_property
    def lineage(self) -> Lineage:
        """Model versions with their run and dataset: ``store.lineage.versions(name)``."""
        from .lineage import Lineage

        return Lineage(self.db, self.models)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.db.transaction()

    def reader(self) -> sqlite3.Connection:
        return self.db.connection()

    def close(self) -> None:
        self.db.close()

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"


_opened: dict[Path, Store] = {}
_opened_lock = threading.Lock()


_found: dict[tuple[str | None, str], Path] = {}  # (NBOPS_HOME, cwd) -> the store folder found


def open_store(root: str | os.PathLike[str] | None = None) -> Store:
    """The store for ``root`` (a ``.nbops`` folder) or, by default, for the working directory."""
    path = Path(root).resolve() if root is not None else _default_store_dir()
    with _opened_lock:
        store = _opened.get(path)
        if store is None:
            store = _opened[path] = Store(path)
        return store


def _default_store_dir() -> Path:
    # Resolving paths and walking up costs more than a run's insert; the answer changes
    # only with NBOPS_HOME or the working directory, and a store, once opened, stays put.
    key = (os.environ.get(HOME_VARIABLE), os.getcwd())
    path = _found.get(key)
    if path is None:
        path = _found[key] = find_store_dir()
    return path
