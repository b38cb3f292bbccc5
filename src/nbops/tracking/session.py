"""The process's active runs and the module-level API (``nbops.log_metric`` …).

Runs nest: ``start_run`` inside an active run makes a child run, and the functions
below always act on the innermost active run.

Each thread (and each asyncio task, through ``contextvars``) has its own stack of active
runs. A thread with no run of its own acts on the main thread's runs: that is how the
worker threads of a training loop log into the run the loop started. A forked child owns
none of its parent's runs.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError
from ..store import Store, open_store
from ..store.artifacts import Artifact
from ..store.runs import STALE_AFTER_SECONDS
from ..store.values import check_text
from . import capture, system_metrics
from .buffer import MetricBuffer
from .provenance import captured_now, recorder, wait_at_exit
from .run import FORKED, Run
from .run import register_model as _register_model

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    import pandas as pd

    ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]

# This context's active runs, innermost last (a tuple: a task's start_run never changes
# the stack of the task that created it). None until the context starts a run.
_runs: ContextVar[tuple[Run, ...] | None] = ContextVar("nbops_active_runs", default=None)
_main_runs: tuple[Run, ...] = ()  # the main thread's stack, for threads with none of their own
_open: dict[str, Run] = {}  # every run this process started and has not ended, oldest first
_buffers: dict[str, MetricBuffer] = {}
_swept_at: dict[str, float] = {}  # store root -> when start_run last marked dead runs crashed
_lock = threading.Lock()
_PRUNE_OPEN_AT = 256


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
    _watch_uncaught_exceptions()
    target = store()
    _sweep(target)
    stack = _active_stack()
    parent = _parent(stack, target) if nested else None
    for kind, text in (("experiment name", experiment), ("run name", name)):
        if isinstance(text, str):
            check_text(kind, text)  # a run name is written later, with the points: refuse it now
    context = {
        "user": _storable(capture.user_name()),
        "notebook_path": _storable(_project_relative(capture.notebook_path(), target)),
    }
    cwd = os.getcwd()
    captured = captured_now(cwd) if capture_provenance else None  # else the recorder's thread, below
    new = target.runs.prepare(
        experiment, name=name, params=params, tags=tags, parent_id=parent, context=context, provenance=captured
    )
    buffer = _buffer_for(target)
    buffer.track(new)  # written with the next batch of points: within a flush interval
    run = Run(target, buffer, new.id, experiment, name)
    _set_stack((*stack, run))
    with _lock:
        if len(_open) >= _PRUNE_OPEN_AT:  # runs ended by run.end(), not end_run
            for ended in [i for i, r in _open.items() if r.status != "running"]:
                del _open[ended]
        _open[run.id] = run
    system_metrics.watch(run)
    if capture_provenance and captured is None:
        recorder.put(run, cwd)
    return run


def resume_run(run_id: str) -> Run:
    """Make a run another process started the active run here, to log to it and end it.

    An orchestrator runs each step of a pipeline as its own process (a KFP component, an
    Airflow task): the first starts the run and :func:`release_run` hands it on; each next one
    resumes it, logs, and releases it again, or ends it with :func:`end_run`. While resumed
    the run is this process's (its pid; a dead one is marked crashed), yet it is never ended
    at this process's exit: release it, or end it.
    """
    target = store()
    target.runs.set_owner(run_id, os.getpid())
    row = target.runs.get(run_id)
    buffer = _buffer_for(target)
    buffer.watch(run_id)
    run = Run(target, buffer, run_id, row["experiment"], row["name"])
    run._first_cell = None  # the cells this process runs are not the run's provenance
    _set_stack((*_active_stack(), run))
    return run


def release_run(run: Run | None = None) -> None:
    """Write what ``run`` (default: the active one) logged and leave it running, owned by no
    process, for another process to :func:`resume_run`; this handle logs no more."""
    target = run or _current()
    stack = _active_stack()
    target._ensure_open()
    target._write_row()  # the row and the points, before another process takes over
    target.store.runs.set_owner(target.id, None)
    target._buffer.untrack(target.id)
    target.status = "released"
    if target in stack:
        _set_stack(stack[: stack.index(target)])
    with _lock:
        _open.pop(target.id, None)


def _active_stack() -> tuple[Run, ...]:
    """This context's running runs, or the main thread's when it has none of its own."""
    own = _runs.get()
    stack = own if own else _main_runs
    if stack and stack[-1].status != "running":  # ended directly (run.end()) or the parent's after a fork
        stack = tuple(r for r in stack if r.status == "running")
    return stack


def _set_stack(stack: tuple[Run, ...]) -> None:
    global _main_runs
    _runs.set(stack)
    if threading.current_thread() is threading.main_thread():
        _main_runs = stack


def _sweep(target: Store) -> None:
    """Mark runs of dead processes crashed, at most once a minute per store: a new run's
    parent, and whoever lists runs next, should not see a dead run as running."""
    now = time.monotonic()
    key = str(target.root)
    if now - _swept_at.get(key, -STALE_AFTER_SECONDS) < STALE_AFTER_SECONDS:
        return
    _swept_at[key] = now
    try:
        target.runs.mark_crashed()
    except Exception as exc:  # a sweep is housekeeping; the run can still start
        warnings.warn(f"nbops could not mark dead runs crashed: {exc}", RuntimeWarning, stacklevel=3)


def _storable(text: str | None) -> str | None:
    """Text from the environment (a user or notebook name with undecodable bytes) made
    storable: such bytes are kept as escapes instead of refusing to start the run."""
    if text is None or text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _parent(stack: tuple[Run, ...], target: Store) -> str | None:
    """The id of the active run, the parent of a run started now in the same store."""
    if not stack:
        return None
    parent = stack[-1]
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


def active_run() -> Run | None:
    stack = _active_stack()
    return stack[-1] if stack else None


def _current() -> Run:
    stack = _active_stack()
    if not stack:
        raise ConflictError("no active run: start one with nbops.start_run('experiment') or %track experiment")
    return stack[-1]


def end_run(status: str = "finished", run: Run | None = None) -> None:
    """End ``run`` (default: the active one) and any runs nested inside it."""
    target = run or _current()
    stack = _active_stack()
    inner = stack[stack.index(target) + 1 :] if target in stack else ()
    try:
        for nested in reversed(inner):  # nested runs share the fate of the run they are nested in
            nested.end(status)
        target.end(status)
    finally:
        if target in stack:
            _set_stack(stack[: stack.index(target)])
        with _lock:
            for ended in (*inner, target):
                _open.pop(ended.id, None)


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    """Log one metric value; ``step`` counts up per key when omitted."""
    stack = _runs.get() or _main_runs
    if stack and stack[-1].status == "running":
        return stack[-1].log_metric(key, value, step)
    _current().log_metric(key, value, step)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    _current().log_metrics(metrics, step)


def log_param(key: str, value: Any) -> None:
    _current().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    _current().log_params(params)


def set_tags(tags: Mapping[str, Any]) -> None:
    _current().set_tags(tags)


def log_artifact(source: str | bytes | Path, name: str | None = None) -> Artifact:
    return _current().log_artifact(source, name)


def log_figure(figure: Any, name: str = "figure") -> Artifact:
    return _current().log_figure(figure, name)


def log_dataset(
    data: Any,
    name: str,
    role: str = "train",
    snapshot: bool = False,
    *,
    text_columns: list[str] | None = None,
    categorical: list[str] | None = None,
) -> int:
    """Describe a dataset (digest, rows, schema) and fit its drift reference.

    Inside a run it is linked to the run; outside one it is stored on its own. With
    ``snapshot=True`` a DataFrame is also kept as a parquet snapshot (deduplicated by digest)
    that :func:`load_dataset` restores. A path to a file DVC tracks (a ``.dvc`` file beside
    it) is recorded by its DVC md5 and remote, not copied. A string column whose values are
    mostly unique with 3+ words on average is free text for drift (a sample of its documents is
    kept); ``text_columns`` and ``categorical`` name columns to treat as text or as categories.
    """
    drift_options = {"text_columns": text_columns, "categorical": categorical}
    run = active_run()
    if run is not None:
        return run.log_dataset(data, name, role, snapshot, **drift_options)
    from .run import add_dataset

    return add_dataset(store(), None, data, name, role, snapshot, **drift_options)


def load_dataset(name: str, version: int | str | None = None) -> pd.DataFrame:
    """The DataFrame logged as ``name`` with ``snapshot=True``: the latest snapshot, or
    ``version`` (a dataset id, or a digest prefix)."""
    from .snapshots import load_dataset as _load

    _flush_all()
    return _load(store(), name, version)


def register_model(name: str, model: Any, run: Run | str | None = None, alias: str | None = None) -> dict[str, Any]:
    """Version a model object (pickled) or saved file under ``name``; link it to ``run``
    (default: the active run) and the dataset that run trained on."""
    if run is None:
        run = active_run()
    _flush_all()  # a run of this process may still wait to be written
    return _register_model(store(), name, model, run=run, alias=alias)


def get_run(run_id: str) -> dict[str, Any]:
    _flush_all()
    return store().runs.get(run_id)


def search_runs(
    experiment: str | None = None,
    filter: str | None = None,
    order_by: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Runs matching a filter such as ``"metrics.auc > 0.8 and params.model = 'rf'"``,
    sorted by ``order_by`` (e.g. ``"-metrics.auc"``; newest first by default)."""
    _flush_all()
    return store().runs.search(experiment=experiment, filter=filter, order_by=order_by, limit=limit).runs


def _flush_all() -> None:
    for buffer in list(_buffers.values()):
        buffer.flush()


def _end_open_runs(status: str) -> None:
    """End every run this process started and has not ended, innermost first."""
    with _lock:
        runs = list(_open.values())
        _open.clear()
    for run in reversed(runs):
        try:
            run.end(status)
        except Exception as exc:
            warnings.warn(f"nbops could not end run {run.id}: {exc}", RuntimeWarning, stacklevel=2)
    _set_stack(())


def _end_open_runs_at_exit() -> None:
    # A script that dies of an uncaught exception leaves its runs failed, not finished.
    _end_open_runs("failed" if _died_of_exception else "finished")
    wait_at_exit()


def _forget_after_fork() -> None:
    """In a forked child: the parent's runs stay the parent's. Its handles here refuse to
    log or end (status ``forked``), so neither a ``with`` block nor atexit ends them."""
    global _main_runs, _lock
    for run in _open.values():
        run.status = FORKED
    _open.clear()
    _main_runs = ()
    _runs.set(None)
    _swept_at.clear()
    _lock = threading.Lock()


_died_of_exception = False
_previous_excepthook: ExceptHook | None = None  # the hook nbops wraps, once a run has started


def _note_uncaught_exception(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    global _died_of_exception
    _died_of_exception = True
    (_previous_excepthook or sys.__excepthook__)(kind, value, tb)


def _watch_uncaught_exceptions() -> None:
    """Wrap ``sys.excepthook`` at the first run, not at import: importing nbops changes
    nothing of the interpreter, and a hook installed after import is still chained."""
    global _previous_excepthook
    with _lock:
        if _previous_excepthook is None:
            _previous_excepthook = sys.excepthook
            sys.excepthook = _note_uncaught_exception


# Registered after the metric buffer's flush, so it runs before it (atexit is LIFO).
atexit.register(_end_open_runs_at_exit)
if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_after_fork)
