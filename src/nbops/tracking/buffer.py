"""In-process buffering of new runs and metric points, written to the store in batches.

``log_metric`` only appends a tuple. Points are written in batches: by the logging thread
itself when ``FLUSH_SIZE`` points wait, by one background thread every ``FLUSH_INTERVAL``
seconds, and at run end and interpreter exit. A new run waits here too and is written with
the first batch after it, so a short run costs one commit, not two. The same thread beats
the heart of every open run, so a run whose process dies stops beating and is marked crashed.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import warnings
import weakref
from collections import deque
from typing import Callable

from ..store import Store
from ..store.runs import NewRun

FLUSH_SIZE = 2_000
FLUSH_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0


class MetricBuffer:
    """Runs and points waiting to be written. Both are deques: appends and pops are atomic,
    so the logging thread never takes a lock."""

    def __init__(self, store: Store, flush_size: int = FLUSH_SIZE, flush_interval: float = FLUSH_INTERVAL):
        self.store = store
        self.flush_size = flush_size
        self.flush_interval = flush_interval
        self.points: deque[tuple] = deque()
        self.new_runs: deque[NewRun] = deque()
        self.open_runs: set[str] = set()
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

    def untrack(self, run_id: str) -> None:
        self.open_runs.discard(run_id)

    def flush(self, then: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Write every buffered point now, in the caller's thread; ``then`` runs in the same
        transaction. The buffer's lock is always taken before the database's, never after,
        so two threads flushing cannot wait on each other."""
        with self._write_lock:
            runs = _take(self.new_runs)
            batch = _take(self.points)
            if not runs and not batch and then is None:
                return
            try:
                with self.store.transaction() as conn:
                    for run in runs:  # oldest first: a parent before its children
                        self.store.runs.insert(conn, run)
                    self.store.metrics.write(batch, conn=conn)
                    if then is not None:
                        then(conn)
            except BaseException:  # keep everything for the next attempt
                self.points.extendleft(reversed(batch))
                self.new_runs.extendleft(reversed(runs))
                raise

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
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


def _take(waiting: deque) -> list:
    """Pop what ``waiting`` holds now; loggers may append meanwhile (deque ops are atomic)."""
    pop = waiting.popleft
    return [pop() for _ in range(len(waiting))]


_live_buffers: "weakref.WeakSet[MetricBuffer]" = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for buffer in list(_live_buffers):
        try:
            buffer.close()
        except Exception as exc:
            warnings.warn(f"nbops could not flush metrics at exit: {exc}", RuntimeWarning, stacklevel=1)
