"""Push ended runs to an MLflow tracking server in the background of the Lab server.

Enabled by ``c.NbopsApp.mlflow_uri`` (credentials through MLflow's usual environment
variables, ``MLFLOW_TRACKING_USERNAME``/``_PASSWORD`` or ``MLFLOW_TRACKING_TOKEN``). One
thread looks every ``mlflow_push_interval`` seconds, or at once when asked, for ended runs that
were never pushed, changed since, or failed; a failed round waits twice as long each time, up to
``mlflow_max_backoff``. Only the URI without credentials is ever logged, stored or answered.
"""

from __future__ import annotations

import logging
import threading
import time

from ..errors import NbopsError
from ..store import Store
from ..store.sync import clean_target

PUSHER_SETTING = "nbops_mlflow_pusher"


class MlflowPusher:
    """The background thread; :meth:`push_now` wakes it."""

    def __init__(self, store: Store, uri: str, interval: float, max_backoff: float, log: logging.Logger):
        self.store, self.uri, self.interval, self.max_backoff, self.log = store, uri, interval, max_backoff, log
        self.target = clean_target(uri)
        self.last_error: str | None = None
        self.last_push: float | None = None
        self.failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nbops-mlflow-push", daemon=True)

    def start(self) -> MlflowPusher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def push_now(self) -> int:
        """Wake the thread; returns how many runs wait to be pushed."""
        self.failures = 0  # the user asked: no back-off for this round
        self._wake.set()
        return len(self.pending())

    def status(self) -> dict:
        return {
            "target": self.target,
            "enabled": True,
            "pending": len(self.pending()),
            "last_error": self.last_error,
            "last_push": self.last_push,
            "retry_in": self._delay() if self.failures else None,
        }

    def pending(self) -> list[str]:
        """Ended runs that never reached the server, changed since, or failed last time."""
        rows = self.store.reader().execute(
            """SELECT r.id FROM runs r LEFT JOIN sync_runs s ON s.run_id = r.id AND s.target = ?
               WHERE r.status != 'running' AND r.deleted_at IS NULL
                 AND (s.run_id IS NULL OR (s.origin = 0 AND (s.state = 'failed' OR r.change_seq > s.seq)))
               ORDER BY r.start_time""",
            (self.target,),
        )
        return [r[0] for r in rows]

    def _delay(self) -> float:
        return min(self.max_backoff, self.interval * 2**self.failures) if self.failures else self.interval

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._delay())
            self._wake.clear()
            if self._stop.is_set():
                return
            self.push_once()

    def push_once(self) -> None:
        from ..mlflow_sync import push

        run_ids = self.pending()
        if not run_ids:
            return
        try:
            report = push(self.store, self.uri, run_ids=run_ids)
        except NbopsError as exc:  # the server as a whole: unreachable, refused, missing mlflow
            self._failed(exc.message)
            self.store.sync.record_failure(self.target, run_ids, exc.message)
            return
        except ImportError:
            self._failed("mlflow is not installed in the Lab server's environment: pip install 'nbops[mlflow]'")
            self.store.sync.record_failure(self.target, run_ids, self.last_error)
            return
        self.last_push = time.time()
        if report.failed:
            self._failed(report.failed[0].error or "a run failed to push")
        else:
            self.failures, self.last_error = 0, None
        self.log.info(
            "nbops: pushed %d run(s) to %s (%d points, %d failed)",
            len(report.runs),
            self.target,
            report.points,
            len(report.failed),
        )

    def _failed(self, message: str) -> None:
        self.failures += 1
        self.last_error = message
        self.log.warning("nbops: pushing runs to %s failed (retry in %.0f s): %s", self.target, self._delay(), message)
