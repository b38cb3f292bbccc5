"""In-process buffering of metric points, flushed in batches by one background thread.

``log_metric`` only appends a tuple under a lock; the flusher writes batches when the
buffer reaches ``FLUSH_SIZE`` points, every ``FLUSH_INTERVAL`` seconds, at run end and at
interpreter exit. The same thread beats the heart of every open run, so a run whose
process dies stops beating and is marked crashed.
"""

from __future__ import annotations

import atexit
import threading
import warnings
import weakref

from ..store import Store

FLUSH_SIZE = 5_000
FLUSH_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0


class MetricBuffer:
    def __init__(self, store: Store, flush_size: int = FLUSH_SIZE, flush_interval: float = FLUSH_INTERVAL):
        self.store = store
        self.flush_size = flush_size
        self.flush_interval = flush_interval
        self.points: list[tuple] = []
        self.open_runs: set[str] = set()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        _live_buffers.add(self)

    def add(self, point: tuple) -> None:
        with self._lock:
            self.points.append(point)
            full = len(self.points) >= self.flush_size
        if full:
            self.flush()

    def track(self, run_id: str) -> None:
        self.open_runs.add(run_id)
        self._ensure_thread()

    def untrack(self, run_id: str) -> None:
        self.open_runs.discard(run_id)

    def flush(self) -> None:
        """Write every buffered point now (in the caller's thread)."""
        with self._write_lock:
            with self._lock:
                points, self.points = self.points, []
            if not points:
                return
            try:
                self.store.metrics.write(points)
            except BaseException:
                with self._lock:  # keep them for the next attempt
                    self.points[:0] = points
                raise

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        self.flush()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped = False
            self._thread = threading.Thread(target=self._loop, name="nbops-flusher", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        beats_every = max(1, round(HEARTBEAT_INTERVAL / self.flush_interval))
        tick = 0
        while not self._stopped:
            self._wake.wait(self.flush_interval)
            if self._stopped:
                return
            tick += 1
            try:
                self.flush()
                if tick % beats_every == 0 and self.open_runs:
                    self.store.runs.heartbeat(list(self.open_runs))
            except Exception as exc:  # never kill training over a failed write; retry next tick
                warnings.warn(f"nbops could not write metrics yet: {exc}", RuntimeWarning, stacklevel=1)


_live_buffers: "weakref.WeakSet[MetricBuffer]" = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for buffer in list(_live_buffers):
        try:
            buffer.close()
        except Exception as exc:
            warnings.warn(f"nbops could not flush metrics at exit: {exc}", RuntimeWarning, stacklevel=1)
