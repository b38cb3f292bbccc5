"""Queued local retrains, run as a job of the server extension.

One thread per server: it wakes every ``c.NbopsApp.retrain_poll_interval`` seconds, and at once
when a drift check in this process queues a retrain, re-queues retrains whose runner is gone,
then claims and runs queued ones, one at a time (``nbops.governance.retrain_jobs``: the pipeline
is a child process; the thread only waits on it, never the event loop). Stopping the server
releases the retrain it was running (queued again) and stops the child.
"""

from __future__ import annotations

import logging
import subprocess
import threading

from ..governance import retrain, retrain_jobs

RUNNER_SETTING = "nbops_retrain_runner"
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL of the pipeline


class RetrainRunner:
    def __init__(self, store, interval: float, log: logging.Logger):
        self.store, self.interval, self.log = store, interval, log
        self.runner = retrain.runner_id()
        self._lock = threading.Lock()
        self._job: int | None = None  # the retrain this server holds, and its pipeline process
        self._child: subprocess.Popen | None = None
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nbops-retrain", daemon=True)
        self._unsubscribe = lambda: None

    def start(self) -> RetrainRunner:
        self._unsubscribe = retrain.on_queued(self._wake.set)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release the running retrain (queued again, for the next runner), then end its pipeline."""
        self._unsubscribe()
        with self._lock:
            self._stop.set()
            job, child = self._job, self._child
        self._wake.set()
        if job is not None:
            retrain_jobs.release(self.store, job, self.runner)
        if child is not None:
            _end(child)
        self._thread.join(STOP_GRACE)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_queued()
            except Exception:  # a broken store or package only logs: the server keeps serving
                self.log.exception("nbops: running queued retrains failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def run_queued(self) -> None:
        retrain_jobs.requeue_stale(self.store)  # at start too: what a killed server left running
        while not self._stop.is_set() and (job := retrain_jobs.claim(self.store, self.runner)) is not None:
            with self._lock:
                stopping = self._stop.is_set()
                self._job = None if stopping else job["id"]
            if stopping:  # claimed while the server was stopping: leave it to the next runner
                retrain_jobs.release(self.store, job["id"], self.runner)
                return
            self.log.info("nbops: retrain %d (alert %d) is running", job["id"], job["event_id"])
            try:
                done = retrain_jobs.run(self.store, job, self.runner, on_start=self._started)
            finally:
                with self._lock:
                    self._job, self._child = None, None
            self.log.info("nbops: retrain %d %s %s", done["id"], done["status"], done["reason"] or "")

    def _started(self, child: subprocess.Popen) -> None:
        with self._lock:
            self._child = child
            stopping, job = self._stop.is_set(), self._job
        if stopping:  # stop() ran between the claim and the launch
            if job is not None:
                retrain_jobs.release(self.store, job, self.runner)
            _end(child)


def start_retrain_runner(serverapp, store) -> RetrainRunner:
    import atexit

    from .settings import NbopsApp

    interval = NbopsApp(parent=serverapp).retrain_poll_interval
    runner = RetrainRunner(store, interval, serverapp.log).start()
    serverapp.web_app.settings[RUNNER_SETTING] = runner
    atexit.register(runner.stop)  # a clean shutdown; a killed server's retrain is re-queued at the next start
    return runner


def _end(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
