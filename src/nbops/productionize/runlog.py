"""One nbops run per pipeline run: copied verbatim into every generated package as ``tracking.py``.

It is the only module of a package that knows nbops's API, and it never needs nbops:

- with nbops importable and tracking on, ``track_run`` starts one run (experiment from the
  notebook's ``%%track``, params = every ``Params`` field, lineage tags naming the package, its
  version and its git state); the steps' ``nbops.log_*``, ``log_dataset``, ``log_figure`` and
  ``register_model`` calls act on it, and a ``nbops.start_run(...)`` inside a step *joins* it (a
  context that logs into the pipeline's run and does not end it), the way ``%%track`` cells
  and ``with nbops.start_run`` blocks of one notebook describe one experiment run;
- on an orchestrator each step is a task in its own process: ``begin_run`` (a first task) starts
  the run and hands it on, each step's ``task_run(run_id)`` resumes it, logs (the metrics too)
  and hands it on, and the last task ends it (``finish=True``); a failing step ends it failed;
- with tracking off (``track=False``, ``--no-track``, ``NBOPS_TRACKING=0``) every nbops call in
  the steps is a no-op for the duration of the run, so tests and checks never write to a store;
- without nbops, ``install_shim()`` makes ``import nbops`` give a stand-in whose calls do
  nothing, with one warning; a failing store only warns (the pipeline's result matters more).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import types
import warnings
from pathlib import Path

# The calls a notebook makes that a pipeline must survive (off, each returns None).
API = (
    "start_run",
    "end_run",
    "active_run",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tags",
    "log_artifact",
    "log_figure",
    "log_dataset",
    "register_model",
    "check_drift",
)
SHIM_FLAG = "__nbops_shim__"
_warned = False


class _NullRun:
    """What ``start_run`` returns when tracking is off: every method does nothing."""

    id = None
    status = "off"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _warn_once(reason: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            f"nbops {reason}: this run is not tracked and the steps' nbops calls do nothing",
            RuntimeWarning,
            stacklevel=3,
        )


def _noop(name: str, reason: str | None):
    def call(*args, **kwargs):
        if reason:
            _warn_once(reason)
        return _NullRun() if name == "start_run" else None

    call.__name__ = name
    return call


def install_shim() -> None:
    """Make ``import nbops`` work where nbops is not installed."""
    if sys.modules.get("nbops") is not None:
        return
    try:
        import nbops  # noqa: F401
    except ImportError:
        shim = types.ModuleType("nbops", "Stand-in for nbops (not installed): every call does nothing.")
        for name in API:
            setattr(shim, name, _noop(name, "is not installed"))
        setattr(shim, SHIM_FLAG, True)
        sys.modules["nbops"] = shim


class _Joined:
    """``nbops.start_run(...)`` inside a step: the pipeline's run, which the block must not end."""

    def __init__(self, run, params=None, tags=None):
        self._run = run
        _quietly(self._new_params, params)
        _quietly(run.set_tags, dict(tags or {}))

    def _new_params(self, params):
        known = set(self._run.info().get("params", {}))
        fresh = {k: v for k, v in dict(params or {}).items() if k not in known}
        if fresh:
            self._run.log_params(fresh)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def end(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        return getattr(self._run, name)


def _quietly(call, *args):
    try:
        if args and args[0]:
            call(*args)
    except Exception as exc:
        warnings.warn(f"nbops could not log to the pipeline's run: {exc}", RuntimeWarning, stacklevel=3)


def git_state(folder: Path) -> dict[str, str]:
    """Commit and dirtiness of the repository holding ``folder`` ("none" outside one)."""

    def git(*args):
        try:
            done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"git_commit": "none", "git_dirty": "none"}
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return {"git_commit": commit, "git_dirty": "true" if dirty else "false"}


def lineage(package: str, version: str, notebook: str) -> dict[str, str]:
    state = git_state(Path(__file__).resolve().parent)
    tags = {
        "pipeline.package": package,
        "pipeline.version": version,
        "pipeline.notebook": notebook,
        **{f"pipeline.{key}": value for key, value in state.items()},
    }
    if os.environ.get("NBOPS_RETRAIN_ID"):  # started by a drift alert's retrain: nbops links the run to it
        tags["nbops.retrain"] = os.environ["NBOPS_RETRAIN_ID"]
    return tags


@contextlib.contextmanager
def _patched(module, replacements: dict):
    saved = {name: getattr(module, name) for name in replacements if hasattr(module, name)}
    for name, value in replacements.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name in replacements:
            if name in saved:
                setattr(module, name, saved[name])
            else:
                delattr(module, name)


def _nothing(metrics):
    return None


def _tracked(enabled: bool = True):
    """nbops, when it is installed and tracking is on; else None (after one warning where it is missing)."""
    install_shim()
    import nbops

    if getattr(nbops, SHIM_FLAG, False):
        if enabled and os.environ.get("NBOPS_TRACKING", "1") != "0":
            _warn_once("is not installed")
        return None
    if not enabled or os.environ.get("NBOPS_TRACKING", "1") == "0":
        return None
    return nbops


@contextlib.contextmanager
def _untracked():
    """The steps' nbops calls do nothing for the duration (the shim's already do nothing)."""
    import nbops

    if getattr(nbops, SHIM_FLAG, False):
        yield _nothing
        return
    with _patched(nbops, {name: _noop(name, None) for name in API}):
        yield _nothing


def _joining(nbops, pipeline_run):
    """The replacements making the steps' nbops calls act on ``pipeline_run``, and ``log(metrics)``."""
    start_run = nbops.start_run

    def join(experiment=None, name=None, params=None, tags=None, **kwargs):
        if nbops.active_run() is not pipeline_run:  # a run the step started itself is its own business
            return start_run(experiment, name=name, params=params, tags=tags, **kwargs)
        return _Joined(pipeline_run, params, tags)

    def end_run(status="finished", run=None):
        if run is not None and run is not pipeline_run and not isinstance(run, _Joined):
            return nbops.tracking.end_run(status, run=run)
        return None  # the pipeline ends its own run

    def log(metrics):
        """The ``metrics`` cells' values, unless a step logged that key itself already."""
        try:
            logged = set(pipeline_run.info().get("metrics", {}))
        except Exception:
            logged = set()
        for key, value in metrics.items():
            if key in logged:
                continue
            try:
                pipeline_run.log_metric(key, value)
            except Exception as exc:
                warnings.warn(f"nbops could not log metric {key!r}: {exc}", RuntimeWarning, stacklevel=2)

    return {"start_run": join, "end_run": end_run}, log


@contextlib.contextmanager
def _logging_into(nbops, pipeline_run, hand_on: bool):
    """Yield ``log``; then end the run (failed if the block raised), or hand it on (``hand_on``)."""
    replacements, log = _joining(nbops, pipeline_run)
    status = "failed"
    try:
        with _patched(nbops, replacements):
            yield log
        status = "finished"
    except KeyboardInterrupt:
        status = "killed"
        raise
    finally:
        try:
            if hand_on and status == "finished":
                nbops.tracking.release_run(pipeline_run)
            else:
                nbops.end_run(status, run=pipeline_run)
        except Exception as exc:
            warnings.warn(f"nbops could not close the run: {exc}", RuntimeWarning, stacklevel=3)


@contextlib.contextmanager
def track_run(
    experiment: str,
    params: dict,
    *,
    enabled: bool = True,
    package: str = "pipeline",
    version: str = "0",
    notebook: str = "",
    provenance: bool = True,
):
    """Yield ``log(metrics: dict)``; while inside, the steps' nbops calls go to one run (or nowhere)."""
    nbops = _tracked(enabled)
    if nbops is None:
        with _untracked() as log:
            yield log
        return
    try:
        pipeline_run = nbops.start_run(
            experiment,
            name=package,
            params=params,
            capture_provenance=provenance,
            tags=lineage(package, version, notebook) if provenance else None,
        )
    except Exception as exc:
        warnings.warn(f"nbops tracking is off for this run: {exc}", RuntimeWarning, stacklevel=3)
        with _untracked() as log:
            yield log
        return
    with _logging_into(nbops, pipeline_run, hand_on=False) as log:
        yield log


# -- a pipeline run whose steps are an orchestrator's tasks, each its own process -------------------
def begin_run(experiment: str, params: dict, *, package: str, version: str, notebook: str, runner: str) -> str:
    """Start the one run of an orchestrated pipeline run and hand it on: the id the tasks pass
    to :func:`task_run` ("" when it is not tracked: every task then tracks nothing)."""
    nbops = _tracked()
    if nbops is None:
        return ""
    try:
        run = nbops.start_run(
            experiment,
            name=package,
            params=params,
            tags={**lineage(package, version, notebook), "pipeline.runner": runner},
        )
        nbops.tracking.release_run(run)
        return run.id
    except Exception as exc:
        warnings.warn(f"nbops tracking is off for this run: {exc}", RuntimeWarning, stacklevel=2)
        return ""


@contextlib.contextmanager
def task_run(run_id: str, *, finish: bool = False):
    """One task's part of run ``run_id``: yield ``log(metrics)``; the steps' nbops calls log to it.
    Afterwards the run is handed on to the next task, or ended: ``finish`` (the last task), or
    failed when the block raises (the failing task knows; its successors never run)."""
    nbops = _tracked(bool(run_id))
    if nbops is None:
        with _untracked() as log:
            yield log
        return
    try:
        pipeline_run = nbops.tracking.resume_run(run_id)
    except Exception as exc:
        warnings.warn(f"nbops cannot log to run {run_id}: {exc}", RuntimeWarning, stacklevel=3)
        with _untracked() as log:
            yield log
        return
    with _logging_into(nbops, pipeline_run, hand_on=not finish) as log:
        yield log
