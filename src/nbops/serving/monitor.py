"""Live monitoring without user code: answered requests are queued by the event loop and
written by one background thread, every ``interval`` seconds (``--flush-seconds``, default 1)
or every ``batch_rows`` rows, and at shutdown.

A write groups the queue per version and time window and adds the counts, latency histogram
and prediction distribution to its stats row, and the answered predictions to the request
log (raw inputs only with ``log_inputs``). Every ``drift_interval`` seconds (10 intervals, or
``batch_rows`` rows) the rows gathered since are sketched on the version's drift reference,
inputs and predictions (as the training label column), and added to its live drift window
(``nbops.drift.persistence.grow_window``: the Drift Monitor shows it, alert rules fire).
Re-scoring a window is the costly part of monitoring, hence its slower beat; ``flush()``
(at shutdown, and before ``/stats`` and ``/feedback`` answer) writes everything. A process
that is killed (SIGKILL, power loss) loses what was not written yet: at most one interval
of stats and request log, and one drift interval of drift-window rows.

The request path only appends to a list: no request waits for the store. The writing
thread's CPU time is counted (``cpu_seconds``), so ``/stats`` can say what monitoring costs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from nbops.serving import ledger
from nbops.serving.latency import Histogram

log = logging.getLogger("nbops.serving")


@dataclass
class Observation:
    """One version's part in one request, as the event loop saw it."""

    served: Any  # ServedVersion
    role: str  # 'primary', 'canary' or 'shadow'
    request_id: str
    at: float  # Unix time the request arrived
    latency: float  # seconds, parse to answer
    ok: bool
    columns: dict | None = None  # the validated inputs, column by column, when ok
    rows: int = 0
    predictions: Any = None  # one label or value per row, when ok
    scores: Any = None  # positive-class score per row, where the version's performance is estimated by CBPE


def window_label(at: float, seconds: int) -> str:
    """The window a moment falls in: the UTC start of its bucket, e.g. 2024-05-13T14:00:00+00:00."""
    start = int(at // seconds) * seconds
    return datetime.fromtimestamp(start, timezone.utc).isoformat(timespec="seconds")


class Monitor:
    def __init__(
        self,
        store,
        session_id: str,
        *,
        window_seconds: int = 3600,
        log_inputs: bool = False,
        drift: bool = True,
        interval: float = 1.0,
        drift_interval: float = 10.0,
        batch_rows: int = 5000,
    ):
        self.store = store
        self.session_id = session_id
        self.window_seconds = window_seconds
        self.log_inputs = log_inputs
        self.drift = drift
        self.interval = interval
        self.batch_rows = batch_rows
        self.drift_interval = drift_interval
        self.cpu_seconds = 0.0  # spent writing (any thread that flushed), what monitoring costs
        self._drift_pending: dict[tuple[int, str], list[Observation]] = {}  # only touched under _writing
        self._drift_rows = 0
        self._drift_written = time.monotonic()
        self._queue: list[Observation] = []
        self._rows = 0
        self._lock = threading.Lock()  # guards the queue
        self._writing = threading.Lock()  # one write at a time (the thread, or a flush() caller)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nbops-serve-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def record(self, observation: Observation) -> None:
        """Queue an observation (cheap: the event loop never waits for the store)."""
        with self._lock:
            self._queue.append(observation)
            self._rows += observation.rows
            full = self._rows >= self.batch_rows
        if full:
            self._wake.set()

    def flush(self, everything: bool = True) -> None:
        """Write what is queued (called from a worker thread, never the event loop); the drift
        windows too when ``everything`` or when their beat has come."""
        with self._writing:
            started = time.thread_time()
            try:
                with self._lock:
                    batch, self._queue, self._rows = self._queue, [], 0
                if batch:
                    self._write(batch)
                due = (
                    time.monotonic() - self._drift_written >= self.drift_interval or self._drift_rows >= self.batch_rows
                )
                if self._drift_pending and (everything or due):
                    self._write_drift_windows()
            finally:
                self.cpu_seconds += time.thread_time() - started

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush(everything=False)
            except Exception:  # a failed write must not stop serving: it is logged and that batch is dropped
                log.exception("nbops serve: writing monitoring data failed")

    def _write(self, batch: list[Observation]) -> None:
        groups: dict[tuple[int, str, str], list[Observation]] = {}
        for o in batch:
            groups.setdefault((o.served.version_id, o.role, window_label(o.at, self.window_seconds)), []).append(o)
        estimated = {key: self._estimation_summary(items) for key, items in groups.items()}  # before the lock
        with self.store.transaction() as conn:
            for key, items in groups.items():
                _, role, label = key
                self._write_stats(conn, items[0].served, role, label, items, estimated[key])
                ledger.add_requests(conn, [self._request_row(o, label) for o in items if o.ok])
        if not self.drift:
            return
        for (version_id, _, label), items in groups.items():
            answered = [o for o in items if o.ok]
            if answered and items[0].served.reference is not None:
                self._drift_pending.setdefault((version_id, label), []).extend(answered)
                self._drift_rows += sum(o.rows for o in answered)

    def _write_drift_windows(self) -> None:
        pending, self._drift_pending, self._drift_rows = self._drift_pending, {}, 0
        self._drift_written = time.monotonic()
        for (_, label), items in pending.items():
            self._write_drift(items[0].served, label, items)

    def _write_drift(self, served, label: str, items: list[Observation]) -> None:
        from nbops.drift.persistence import grow_window
        from nbops.serving.payload import frame

        rows = frame([o.columns for o in items], served.features)
        if served.label is not None:  # predictions are compared with the training labels
            rows[served.label] = [p for o in items for p in o.predictions]
        delta = served.reference.sketch(rows)
        target = {
            "subject": served.subject,
            "dataset_id": served.dataset_id,
            "model_version_id": served.version_id,
            "label": f"{served.name} v{served.version} (served)",
        }
        _, fired = grow_window(self.store, target, served.reference, delta, label)
        if served.estimation is not None:
            fired += self._write_estimate(served, target, label)
        for alert in fired:
            log.warning("nbops serve: %s", alert["message"])

    def _write_estimate(self, served, target: dict, label: str) -> list[dict]:
        """The window's estimated performance, from the estimation summaries of all its stats rows."""
        from nbops.drift.estimates import save_estimate

        summary = ledger.window_scores(self.store.reader(), served.version_id, label)
        if not summary:
            return []
        estimation = served.estimation
        result = estimation.estimate(summary)
        return save_estimate(self.store, target, label, estimation.method, result, estimation.reference, only_new=True)

    def _estimation_summary(self, items: list[Observation]) -> dict | None:
        """What the version's performance estimate adds up per window (CBPE: a score histogram;
        DLE: rows and sums of the loss models' expected errors), for a batch of observations."""
        served = items[0].served
        answered = [o for o in items if o.ok]
        if served.estimation is None or not self.drift or not answered:
            return None
        try:
            return served.estimation.summarize(answered, served.features) or None
        except Exception:  # an estimate must not cost the batch's stats: logged, this batch left out
            log.exception("nbops serve: estimating performance of %s failed", served.subject)
            return None

    def _write_stats(
        self, conn, served, role: str, label: str, items: list[Observation], estimated: dict | None = None
    ) -> None:
        latency = Histogram()
        predicted: list = []
        for o in items:
            latency.add(o.latency)
            if o.ok:
                predicted += _plain(o.predictions)
        summary = ledger.prediction_summary(predicted, served.classes is not None)
        if estimated:  # the window's additive estimation summary, for its performance estimate
            summary["scores"] = estimated
        ledger.add_stats(
            conn,
            self.session_id,
            served.version_id,
            label,
            role,
            requests=len(items),
            rows=len(predicted),
            errors=sum(not o.ok for o in items),
            latency=latency,
            predictions=summary,
        )

    def _request_row(self, o: Observation, label: str) -> tuple:
        inputs = (
            json.dumps([dict(zip(o.columns, row)) for row in zip(*o.columns.values())], default=str)
            if self.log_inputs
            else None
        )
        return (
            o.request_id,
            o.served.version_id,
            self.session_id,
            o.role,
            label,
            json.dumps(_plain(o.predictions)),
            inputs,
            o.at,
        )


def _plain(values) -> list:
    return values.tolist() if hasattr(values, "tolist") else list(values)
