"""One thread per process records the provenance of new runs, in order, from a queue.

A thread per run used to open a connection per run; a loop of short runs then ran out of
file descriptors and lost most of its provenance. One thread keeps one connection per store,
and writes everything that waits in one transaction, so a sweep of thousands of runs costs
the logging threads little.

A run started while everything is at hand (the package list read, the git state of its
folder read within ``capture.GIT_CACHE_SECONDS``) needs no thread: :func:`captured_now`
gives its provenance, which goes in with the run's own row, in the same commit. That is
the common case in a loop of short runs (an autologged ``fit`` each), where the thread's
handoff and its second commit per run cost more than the rest of the run's writes.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import warnings
from typing import TYPE_CHECKING

from . import capture, forking

if TYPE_CHECKING:
    from ..store.provenance import Captured
    from .run import Run

EXIT_WAIT_SECONDS = 30.0


class ProvenanceQueue:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Run, str]] = queue.SimpleQueue()
        self._pending = 0
        self._done = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, run: Run, cwd: str) -> None:
        with self._done:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="nbops-provenance", daemon=True)
                self._thread.start()
        self._queue.put((run, cwd))

    def wait(self, timeout: float) -> bool:
        """Wait until every queued run is recorded; False if ``timeout`` ran out first."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's queue and thread are not the child's."""
        self._reset()

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                _record(batch)
            except Exception as exc:  # the thread must live on for the runs behind these
                warnings.warn(
                    f"nbops could not record provenance of {len(batch)} runs: {exc}", RuntimeWarning, stacklevel=1
                )
            finally:
                with self._done:
                    self._pending -= len(batch)
                    self._done.notify_all()


def captured_now(cwd: str) -> Captured | None:
    """The provenance of a run starting in ``cwd`` if it can be had without running git or
    reading package metadata, or None (the queue's thread then records it)."""
    if not capture.packages_read():
        return None
    git = capture.cached_git_state(cwd)
    if git is None:
        return None
    from ..store.provenance import Captured

    # the cache folder only matters for the first read, which has happened
    packages = capture.installed_environment()
    return Captured(git.commit, git.branch, git.dirty, capture.python_version(), packages, git.diff)


def _record(batch: list[tuple[Run, str]]) -> None:
    """Git states first (subprocesses, outside any transaction), then every run of a store
    in one transaction; if that fails, run by run, so one bad run costs only its own."""
    by_store: dict[str, list[tuple[Run, str]]] = {}
    for run, cwd in batch:
        by_store.setdefault(str(run.store.root), []).append((run, cwd))
    with forking.background_work:
        states = {cwd: capture.git_state(cwd) for cwd in {cwd for _, cwd in batch}}
        for items in by_store.values():
            _record_in_store(items, states)


def _record_in_store(items: list[tuple[Run, str]], states: dict[str, capture.GitState]) -> None:
    store = items[0][0].store
    # the package list (once per process) before the transaction: read inside it, it held the
    # store's write lock for a few hundred ms and a run ending meanwhile waited
    capture.installed_environment(store.root / "cache")
    try:
        for buffer in {id(run._buffer): run._buffer for run, _ in items}.values():
            buffer.flush()  # the runs' rows first; never inside the transaction below
        with store.transaction():
            for run, cwd in items:
                run.save_provenance(states[cwd])
    except Exception:
        for run, cwd in items:
            _record_one(run, cwd)


def _record_one(run: Run, cwd: str) -> None:
    try:
        run.record_provenance(cwd)
    except Exception as exc:  # provenance is a bonus; never break the run over it
        warnings.warn(f"nbops could not record provenance of run {run.id}: {exc}", RuntimeWarning, stacklevel=1)


recorder = ProvenanceQueue()
if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=recorder.forget_after_fork)


def wait_at_exit() -> None:
    started = time.monotonic()
    if not recorder.wait(EXIT_WAIT_SECONDS):
        warnings.warn(
            f"nbops gave up recording provenance after {time.monotonic() - started:.0f} s at exit",
            RuntimeWarning,
            stacklevel=1,
        )
