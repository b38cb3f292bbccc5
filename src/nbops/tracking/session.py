"""The process's active runs and the module-level API (``nbops.log_metric`` …).

Runs nest: ``start_run`` inside an active run makes a child run, and the functions
below always act on the innermost active run.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Mapping

from ..errors import ConflictError
from ..store import Store, open_store
from . import capture, system_metrics
from .buffer import MetricBuffer
from .run import Run
from .run import register_model as _register_model

_stack: list[Run] = []
_buffers: dict[str, MetricBuffer] = {}
_lock = threading.Lock()


def store() -> Store:
    """The store this process logs to (``NBOPS_HOME`` or ``.nbops`` found from the cwd)."""
    return open_store()


def _buffer_for(target: Store) -> MetricBuffer:
    with _lock:
        key = str(target.root)
        buffer = _buffers.get(key)
        if buffer is None:
            buffer = _buffers[key] = MetricBuffer(target)
        return buffer


def start_run(
    experiment: str,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    nested: bool = True,
    capture_provenance: bool = True,
) -> Run:
    """Start a run and make it active. Use it as ``with nbops.start_run("exp"): ...``."""
    target = store()
    parent = _parent(target) if nested else None
    context = {"user": capture.user_name(), "notebook_path": _project_relative(capture.notebook_path(), target)}
    new = target.runs.prepare(experiment, name=name, params=params, tags=tags, parent_id=parent, context=context)
    buffer = _buffer_for(target)
    buffer.track(new)  # written with the next batch of points: within a flush interval
    run = Run(target, buffer, new.id, experiment, name)
    _stack.append(run)
    system_metrics.watch(run)
    if capture_provenance:
        cwd = os.getcwd()
        threading.Thread(target=_record_provenance, args=(run, cwd), name="nbops-provenance", daemon=True).start()
    return run


def _parent(target: Store) -> str | None:
    """The id of the active run, the parent of a run started now in the same store."""
    if not _stack:
        return None
    parent = _stack[-1]
    if parent.store.root != target.root:
        raise ConflictError(
            f"the active run {parent.id} logs to {parent.store.root}, not to {target.root}: "
            "end it, or start this run with nested=False"
        )
    return parent.id


def _project_relative(path: str | None, target: Store) -> str | None:
    """Notebook paths relative to the project (the folder holding .nbops), as Lab names them."""
    if not path:
        return None
    notebook, project = Path(path), target.root.parent
    return str(notebook.relative_to(project)) if notebook.is_absolute() and notebook.is_relative_to(project) else path


def _record_provenance(run: Run, cwd: str) -> None:
    try:
        run.record_provenance(cwd)
    except Exception as exc:  # provenance is a bonus; never break the run over it
        warnings.warn(f"nbops could not record provenance of run {run.id}: {exc}", RuntimeWarning, stacklevel=1)


def active_run() -> Run | None:
    return _stack[-1] if _stack else None


def _current() -> Run:
    if not _stack:
        raise ConflictError("no active run: start one with nbops.start_run('experiment') or %track experiment")
    return _stack[-1]


def end_run(status: str = "finished", run: Run | None = None) -> None:
    """End ``run`` (default: the active one) and any runs nested inside it."""
    target = run or _current()
    if target not in _stack:
        target.end(status)
        return
    while _stack:  # nested runs share the fate of the run they are nested in
        inner = _stack.pop()
        inner.end(status)
        if inner is target:
            break


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    """Log one metric value; ``step`` counts up per key when omitted."""
    (_stack[-1] if _stack else _current()).log_metric(key, value, step)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    _current().log_metrics(metrics, step)


def log_param(key: str, value: Any) -> None:
    _current().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    _current().log_params(params)


def set_tags(tags: Mapping[str, Any]) -> None:
    _current().set_tags(tags)


def log_artifact(source, name: str | None = None) -> dict:
    return _current().log_artifact(source, name)


def log_figure(figure: Any, name: str = "figure") -> dict:
    return _current().log_figure(figure, name)


def log_dataset(data: Any, name: str, role: str = "train") -> int:
    """Describe a dataset (digest, rows, schema) and fit its drift reference.

    Inside a run it is linked to the run; outside one it is stored on its own.
    """
    if _stack:
        return _stack[-1].log_dataset(data, name, role)
    from .payloads import describe_dataset
    from .run import _fit_drift_reference

    target = store()
    dataset_id = target.datasets.add(None, name, role, **describe_dataset(data))
    _fit_drift_reference(target, dataset_id, data)
    return dataset_id


def register_model(name: str, model: Any, run: Run | str | None = None, alias: str | None = None) -> dict:
    """Version a model object (pickled) or saved file under ``name``; link it to ``run``
    (default: the active run) and the dataset that run trained on."""
    if run is None and _stack:
        run = _stack[-1]
    _flush_all()  # a run of this process may still wait to be written
    return _register_model(store(), name, model, run=run, alias=alias)


def get_run(run_id: str) -> dict:
    _flush_all()
    target = store()
    target.runs.mark_crashed()
    return target.runs.get(run_id)


def search_runs(
    experiment: str | None = None,
    filter: str | None = None,
    order_by: str | None = None,
    limit: int = 100,
) -> list[dict]:
    """Runs matching a filter such as ``"metrics.auc > 0.8 and params.model = 'rf'"``,
    sorted by ``order_by`` (e.g. ``"-metrics.auc"``; newest first by default)."""
    _flush_all()
    target = store()
    target.runs.mark_crashed()
    return target.runs.search(experiment=experiment, filter=filter, order_by=order_by, limit=limit).runs


def _flush_all() -> None:
    for buffer in list(_buffers.values()):
        buffer.flush()


def _end_open_runs_at_exit() -> None:
    # A script that dies of an uncaught exception leaves its runs failed, not finished.
    status = "failed" if _died_of_exception else "finished"
    while _stack:
        try:
            end_run(status, run=_stack[0])
        except Exception as exc:
            warnings.warn(f"nbops could not end runs at exit: {exc}", RuntimeWarning, stacklevel=1)
            break


_died_of_exception = False
_previous_excepthook = sys.excepthook


def _note_uncaught_exception(kind, value, tb):
    global _died_of_exception
    _died_of_exception = True
    _previous_excepthook(kind, value, tb)


sys.excepthook = _note_uncaught_exception
# Registered after the metric buffer's flush, so it runs before it (atexit is LIFO).
atexit.register(_end_open_runs_at_exit)
