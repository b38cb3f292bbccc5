"""A run being tracked by this process."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, InvalidValueError
from ..store import Store
from ..store.artifacts import Artifact
from ..store.values import check_key, check_step, metric_value
from . import capture
from .buffer import MetricBuffer

if TYPE_CHECKING:
    from types import TracebackType

    from ..drift.reference import Sketch

MetricListener = Callable[[str, str, int, float], None]
# The status a forked child sees on its parent's runs: they are the parent's to log to and end.
FORKED = "forked"


class Run:
    """Handle of a run: log to it, then end it (or use it as a context manager)."""

    def __init__(self, store: Store, buffer: MetricBuffer, run_id: str, experiment: str, name: str | None):
        self.store = store
        self.id = run_id
        self.experiment = experiment
        self.name = name
        self.status = "running"
        self._buffer = buffer
        self._points = buffer.points
        self._flush_size = buffer.flush_size
        self._next_step: dict[str, int] = {}
        self._listeners: list[MetricListener] = []
        self._first_cell = capture.current_cell()  # None outside IPython

    # -- metrics (the hot path: validate, append, return) ----------------------------
    def log_metric(self, key: str, value: Any, step: int | None = None) -> None:
        if type(value) is not float:
            value = metric_value(key, value)
        if step is None:
            step = self._next_step.get(key, 0)
        # literals, not MIN_STEP/MAX_STEP: constants cost no lookup on the hot path
        if type(step) is not int or not -9223372036854775808 <= step <= 9223372036854775807:
            step = check_step(key, step)
        if key not in self._next_step:
            check_key("metric", key)
        self._next_step[key] = step + 1
        if self.status != "running":
            self._ensure_open()
        points = self._points
        points.append((self.id, key, step, value, time.time()))
        if len(points) >= self._flush_size:
            self._buffer.full()
        if self._listeners:
            for listener in self._listeners:
                listener(self.id, key, step, value)

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        for key, value in _mapping("metrics", metrics).items():
            self.log_metric(key, value, step)

    def add_metric_listener(self, listener: MetricListener) -> None:
        self._listeners.append(listener)

    def remove_metric_listener(self, listener: MetricListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # -- everything else --------------------------------------------------------------
    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._ensure_open()
        self._write_row()
        self.store.runs.log_params(self.id, _mapping("params", params))

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        self._write_row()
        self.store.runs.set_tags(self.id, _mapping("tags", tags))

    def log_artifact(self, source: str | bytes | Path, name: str | None = None) -> Artifact:
        """Store a file (or bytes, which need ``name``) as a content-addressed artifact."""
        if isinstance(source, (bytes, bytearray)):
            if not name:
                raise InvalidValueError(
                    "log_artifact got bytes without name=: say what to call the artifact, e.g. name='model.bin'"
                )
            sha, size = self.store.blobs.put_bytes(bytes(source))
        elif isinstance(source, (str, Path)):
            sha, size = self.store.blobs.put_file(source)
            name = name or Path(source).name
        else:
            raise InvalidValueError(f"log_artifact got {type(source).__name__}: pass a file path or bytes")
        self._write_row()
        return self.store.artifacts.add(self.id, name, sha, size)

    def log_figure(self, figure: Any, name: str = "figure") -> Artifact:
        from . import payloads

        content, media_type, suffix = payloads.figure_bytes(figure)
        sha, size = self.store.blobs.put_bytes(content)
        path = name if name.endswith(suffix) else name + suffix
        self._write_row()
        return self.store.artifacts.add(self.id, path, sha, size, media_type)

    def log_dataset(
        self, data: Any, name: str, role: str = "train", snapshot: bool = False, **drift_options: Any
    ) -> int:
        """Record digest, shape and schema and fit the drift reference; ``snapshot=True`` also
        keeps a parquet copy that :func:`nbops.load_dataset` restores. ``text_columns=[...]``
        and ``categorical=[...]`` override which string columns the reference treats as free text."""
        self._write_row()
        return add_dataset(self.store, self.id, data, name, role, snapshot, **drift_options)

    def register_model(self, name: str, model: Any, alias: str | None = None) -> dict[str, Any]:
        return register_model(self.store, name, model, run=self, alias=alias)

    def end(self, status: str = "finished") -> None:
        if self.status != "running":
            return
        cells = capture.cells_since(self._first_cell) if self._first_cell is not None else None

        def finish(conn: object) -> None:  # the last points, the end and the cells in one commit
            self.store.runs.end(self.id, status)
            if cells is not None:
                self.store.provenance.update(self.id, cells=cells)

        self._buffer.flush(then=finish)
        self._buffer.untrack(self.id)
        self.status = status

    def record_provenance(self, cwd: str | None = None) -> None:
        """Git, interpreter and packages; slow-ish, so callers run it off the hot path."""
        git = capture.git_state(cwd)
        self._write_row()
        self.save_provenance(git)

    def save_provenance(self, git: capture.GitState) -> None:
        """Write captured provenance of a run already written (joins the caller's transaction)."""
        self.store.runs.set_git(self.id, git.commit, git.branch, git.dirty)
        self.store.provenance.update(
            self.id,
            python=capture.python_version(),
            packages=capture.installed_environment(self.store.root / "cache"),
            git_diff=git.diff,
        )

    def info(self) -> dict[str, Any]:
        self._write_row()
        return self.store.runs.get(self.id)

    def _write_row(self) -> None:
        """A new run waits in the buffer with the points; write it before anything that
        refers to it (params, tags, artifacts, datasets, models, provenance)."""
        self._buffer.flush()

    def _ensure_open(self) -> None:
        if self.status == FORKED:
            raise ConflictError(
                f"run {self.id} belongs to the process this one was forked from; start a new run in this process"
            )
        if self.status == "released":
            raise ConflictError(
                f"run {self.id} was handed to another process (release_run); "
                "resume it with nbops.tracking.resume_run to log more"
            )
        if self.status != "running":
            raise ConflictError(f"run {self.id} has ended ({self.status}); start a new run to log more")

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        from .session import end_run

        status = "finished" if exc_type is None else ("killed" if exc_type is KeyboardInterrupt else "failed")
        end_run(status, run=self)

    def __repr__(self) -> str:
        return f"<nbops.Run {self.id} experiment={self.experiment!r} status={self.status}>"


def register_model(
    store: Store, name: str, model: Any, run: Run | str | None = None, alias: str | None = None
) -> dict[str, Any]:
    """Version ``model`` (an object to pickle, or a path to a saved file) under ``name``."""
    if isinstance(run, Run):
        run._write_row()
    run_id = run.id if isinstance(run, Run) else run
    if isinstance(model, (str, Path)):
        sha, _ = store.blobs.put_file(model)
        flavor = "file"
    else:
        from . import payloads

        content, flavor = payloads.model_bytes(model)
        sha, _ = store.blobs.put_bytes(content)
    dataset_id = None
    if run_id is not None:
        store.runs.get(run_id)  # a clear error for an unknown run
        trained_on = [d for d in store.datasets.of_run(run_id) if d["role"] == "train"]
        dataset_id = trained_on[-1]["id"] if trained_on else None
    version = store.models.add_version(name, sha, run_id=run_id, dataset_id=dataset_id, flavor=flavor)
    if alias:
        store.models.set_alias(name, alias, version["version"])
        version = store.models.version(name, version["version"])
    return version


def add_dataset(
    store: Store,
    run_id: str | None,
    data: Any,
    name: str,
    role: str,
    snapshot: bool,
    text_columns: Any = None,
    categorical: Any = None,
) -> int:
    from . import payloads, snapshots

    if snapshots.is_dvc_tracked(data):  # recorded by its DVC hash and remote, never copied
        return store.datasets.add(run_id, name, role, **snapshots.describe_dvc_file(data))
    if isinstance(data, (str, Path)):
        raise InvalidValueError(
            f"log_dataset got the path {str(data)!r}, which no .dvc file beside it tracks: pass a pandas "
            "DataFrame, a numpy array or a list of dicts, or the path of a file DVC tracks"
        )
    description = payloads.describe_dataset(data)
    reference = _fit_drift_reference(data, name, text_columns, categorical)
    if snapshot:
        description["snapshot_sha256"] = snapshots.snapshot_frame(store, data, description["digest"])
    dataset_id = store.datasets.add(run_id, name, role, **description)
    if reference is not None:
        from ..drift import persistence

        persistence.save_reference(store, dataset_id, reference)
    return dataset_id


def _fit_drift_reference(data: Any, name: str, text_columns: Any, categorical: Any) -> Sketch | None:
    """The drift reference, or None: data drift cannot score (e.g. nested objects) only warns,
    because the dataset itself is still worth recording. Bad ``text_columns``/``categorical``
    are the caller's mistake, so they raise before anything is stored."""
    from ..drift import fit_reference
    from ..errors import InvalidValueError as _Invalid

    if isinstance(data, list):  # records -> columns
        names = list(dict.fromkeys(key for row in data for key in row))
        data = {name: [row.get(name) for row in data] for name in names}
    try:
        return fit_reference(data, text_columns=text_columns, categorical=categorical)
    except _Invalid as exc:
        if text_columns is not None or categorical is not None:
            raise
        warnings.warn(f"dataset {name!r} logged without a drift reference: {exc}", RuntimeWarning, stacklevel=4)
        return None


def _mapping(kind: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"{kind} must be a dict of name to value, got {type(value).__name__}")
    return value
