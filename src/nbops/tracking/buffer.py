"""In-process buffering of new runs and metric points, written to the store in batches.

``log_metric`` only appends a tuple. Points are written in batches: by the logging thread
itself when ``FLUSH_SIZE`` points wait, by one background thread every ``FLUSH_INTERVAL``
seconds, and at run end and interpreter exit. A new run waits here too and is written with
the first batch after it, so a short run costs one commit, not two. The same thread beats
the heart of every open run, so a run whose process dies stops beating and is marked crashed.

Values are checked when they are logged, so a batch should always write. One that still
fails while the store itself is writable is retried piece by piece, and what fails on its
own is set aside with a warning: it never blocks the points behind it.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
import warnings
import weakref
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from ..store import Store
from ..store.metrics import Point
from ..store.runs import NewRun
from . import forking

FLUSH_SIZE = 2_000
FLUSH_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0
# How long closing waits for the flusher thread to end the write or checkpoint it is doing.
CLOSE_WAIT_SECONDS = 10.0

_T = TypeVar("_T")


class MetricBuffer:
    """Runs and points waiting to be written. Both are deques: appends and pops are atomic,
    so the logging thread never takes a lock."""

    def __init__(self, store: Store, flush_size: int = FLUSH_SIZE, flush_interval: float = FLUSH_INTERVAL):
        self.store = store
        self.flush_size = flush_size
        self.flush_interval = flush_interval
        self.points: deque[Point] = deque()
        self.new_runs: deque[NewRun] = deque()
        self.open_runs: set[str] = set()
        self.refused_runs: set[str] = set()  # new runs the store refused; their points are set aside
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()  # starting and retiring the flusher
        _live_buffers.add(self)

    def full(self) -> None:
        """Called by loggers when ``flush_size`` points wait: the logging thread writes them.
        Waking the flusher instead costs more in total: the sqlite3 module lets go of the
        GIL around every row it writes and a logger busy in Python takes it each time, so
        the background batch crawls and run end then waits for it (6 µs a point against
        under 4 written here, in tests/benchmarks/bench_tracking.py)."""
        self.flush()

    def track(self, run: NewRun) -> None:
        """Write ``run`` with the next batch and beat its heart until :meth:`untrack`."""
        self.new_runs.append(run)
        self.open_runs.add(run.id)
        self._ensure_thread()

    def watch(self, run_id: str) -> None:
        """Beat the heart of a run already written (a resumed one) until :meth:`untrack`."""
        self.open_runs.add(run_id)
        self._ensure_thread()

    def untrack(self, run_id: str) -> None:
        self.open_runs.discard(run_id)

    def flush(self, then: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Write every buffered point now, in the caller's thread; ``then`` runs in the same
        transaction. The buffer's lock is always taken before the database's, never after,
        so two threads flushing cannot wait on each other. A fork waits for the write, from
        whichever thread (see :mod:`.forking`)."""
        with forking.background_work, self._write_lock:
            # points first: a logger appends its run before any of its points, so each point
            # taken has its run among the runs taken next (or written before). Taken the other
            # way round, a run started in another thread between the two takes had its points
            # written without its row, and the foreign key set them aside.
            batch = _take(self.points)
            runs = _take(self.new_runs)
            if self.refused_runs:
                batch = self._without_refused(batch)
            if not runs and not batch and then is None:
                return
            try:
                self._write(runs, batch, then)
            except Exception:
                if not self._store_writable():  # the store is at fault: keep all for the next attempt
                    self._put_back(runs, batch)
                    raise
                self._write_apart(runs, batch)
                if then is not None:
                    self._write([], [], then)  # raises what ending the run raises, on its own
            except BaseException:  # interrupted: keep everything for the next attempt
                self._put_back(runs, batch)
                raise

    def _write(
        self, runs: list[NewRun], batch: list[Point], then: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        with self.store.transaction() as conn:
            for run in runs:  # oldest first: a parent before its children
                self.store.runs.insert(conn, run)
            self.store.metrics.write(batch, conn=conn)
            if then is not None:
                then(conn)

    def _put_back(self, runs: list[NewRun], batch: list[Point]) -> None:
        self.points.extendleft(reversed(batch))
        self.new_runs.extendleft(reversed(runs))

    def _store_writable(self) -> bool:
        try:
            with self.store.transaction():
                pass
        except Exception:
            return False
        return True

    def _write_apart(self, runs: list[NewRun], batch: list[Point]) -> None:
        """Write a batch that failed as a whole: each new run on its own, then the points in
        halves down to single points, setting aside only what fails by itself."""
        refused: list[str] = []
        for run in runs:
            try:
                self._write([run], [])
            except Exception as exc:
                self.refused_runs.add(run.id)
                refused.append(f"run {run.id}: {exc}")
        lost = [p for p in batch if p[0] in self.refused_runs]
        refused += [f"{len(lost)} points of runs that could not be written"] if lost else []
        for point, error in self._write_halves([p for p in batch if p[0] not in self.refused_runs]):
            refused.append(f"point {point[:3]}: {error}")
        if refused:
            warnings.warn(
                "nbops set aside what it could not write: "
                + "; ".join(refused[:5])
                + (f"; and {len(refused) - 5} more" if len(refused) > 5 else ""),
                RuntimeWarning,
                stacklevel=4,
            )

    def _without_refused(self, batch: list[Point]) -> list[Point]:
        """Points of runs the store refused cannot be written: set them aside at once."""
        kept = [p for p in batch if p[0] not in self.refused_runs]
        if len(kept) < len(batch):
            lost = len(batch) - len(kept)
            warnings.warn(
                f"nbops set aside {lost} point{'s' * (lost != 1)} of runs it could not write",
                RuntimeWarning,
                stacklevel=4,
            )
        return kept

    def _write_halves(self, points: list[Point]) -> list[tuple[Point, Exception]]:
        if not points:
            return []
        try:
            self._write([], points)
            return []
        except Exception as exc:
            if len(points) == 1:
                return [(points[0], exc)]
        middle = len(points) // 2
        return self._write_halves(points[:middle]) + self._write_halves(points[middle:])

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's runs and points are the parent's to write. Only
        the forking thread lives on, so locks another thread held must be new."""
        self.points.clear()
        self.new_runs.clear()
        self.open_runs.clear()
        self._write_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # Its flush or checkpoint may be under way: one racing with ours (or with the WAL
            # truncation at exit) makes that one give up and leaves the WAL full.
            thread.join(CLOSE_WAIT_SECONDS)
        self.flush()
        self.store.db.checkpoint()

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopped = False
                self._thread = threading.Thread(target=self._loop, name="nbops-flusher", daemon=True)
                self._thread.start()

    def _retire_if_idle(self) -> bool:
        """End the flusher once no run is open and nothing waits: an idle process keeps no
        thread polling a store it no longer uses. ``track`` starts a new one."""
        with self._thread_lock:
            if self.open_runs or self.points:
                return False
            self._thread = None
            return True

    def _loop(self) -> None:
        beats_every = max(1, round(HEARTBEAT_INTERVAL / self.flush_interval))
        tick = 0
        while not self._stopped:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._stopped:
                return
            tick += 1
            try:
                with forking.background_work:  # a fork in the meantime waits for this write
                    self.flush()
                    if tick % beats_every == 0:
                        if self.open_runs:
                            self.store.runs.heartbeat(list(self.open_runs))
                        self.store.db.checkpoint()
            except Exception as exc:  # never kill training over a failed write; retry next tick
                warnings.warn(f"nbops could not write metrics yet: {exc}", RuntimeWarning, stacklevel=1)
                continue
            if self._retire_if_idle():
                try:
                    self.store.db.checkpoint()
                except Exception:  # the store may be gone with its folder; nothing is pending
                    pass
                return


def _take(waiting: deque[_T]) -> list[_T]:
    """Pop what ``waiting`` holds now; loggers may append meanwhile (deque ops are atomic)."""
    pop = waiting.popleft
    return [pop() for _ in range(len(waiting))]


_live_buffers: weakref.WeakSet[MetricBuffer] = weakref.WeakSet()


def _forget_after_fork() -> None:
    for buffer in list(_live_buffers):
        buffer.forget_after_fork()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_after_fork)


@atexit.register
def _flush_at_exit() -> None:
    for buffer in list(_live_buffers):
        try:
            buffer.close()
        except Exception as exc:
            warnings.warn(f"nbops could not flush metrics at exit: {exc}", RuntimeWarning, stacklevel=1)
