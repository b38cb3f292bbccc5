"""Productionize jobs: the blocking conversion runs in a worker thread; the REST route polls its state.

A job is ``queued`` until a worker takes it, ``running`` while ``productionize()`` reports
stages, then ``done`` (the package is proven) or ``failed`` (coded diagnostics in the result,
or ``error`` when the conversion could not start). One job at a time per notebook.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConflictError, NbopsError, NotFoundError
from ..productionize import STAGES, productionize

__all__ = ["Job", "Jobs"]

ACTIVE = ("queued", "running")
KEEP_FINISHED = 50  # older finished jobs are forgotten so a long-lived server does not grow


@dataclass
class Job:
    id: str
    notebook: str  # relative to the server root, as the client sent it
    out_dir: str
    state: str = "queued"
    stages: list[dict] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict | None = None
    error: str | None = None

    def progress(self, event: dict) -> None:
        """``productionize()``'s progress callback: one entry per stage, with when it began."""
        now = time.time()
        if self.stages:
            self.stages[-1]["seconds"] = round(now - self.stages[-1]["started"], 3)
        self.stages.append(
            {"stage": event["stage"], "message": event.get("message", ""), "started": now, "seconds": None}
        )

    def to_dict(self) -> dict:
        end = self.finished or time.time()
        current = self.stages[-1]["stage"] if self.stages and self.state == "running" else None
        return {
            "job_id": self.id,
            "notebook": self.notebook,
            "out_dir": self.out_dir,
            "state": self.state,
            "stage": current,
            "all_stages": list(STAGES),
            "stages": [dict(s) for s in self.stages],
            "created": self.created,
            "elapsed": round(end - self.created, 3),
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    """Every job this server started, and the threads that run them."""

    def __init__(self, workers: int = 2):
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nbops-productionize")
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(self, notebook: str, notebook_file: Path, out_dir: str, out_path: Path, force: bool, targets=()) -> Job:
        with self._lock:
            for job in self._jobs.values():
                if job.notebook == notebook and job.state in ACTIVE:
                    raise ConflictError(
                        f"notebook {notebook!r} is already being productionized by job {job.id}; wait for it to finish"
                    )
            job = Job(uuid.uuid4().hex[:16], notebook, out_dir)
            self._jobs[job.id] = job
            self._forget_old()
        self._executor.submit(self._run, job, notebook_file, out_path, force, tuple(targets))
        return job

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no productionize job {job_id[:40]!r}; jobs live as long as the server")
        return job

    def _run(self, job: Job, notebook_file: Path, out_path: Path, force: bool, targets=()) -> None:
        job.state = "running"
        try:
            result = productionize(notebook_file, out_path, force=force, progress=job.progress, targets=targets)
            job.result = result.to_dict()
            job.state = "done" if result.ok else "failed"
        except NbopsError as exc:
            job.error, job.state = exc.message, "failed"
        except Exception as exc:  # a worker must always end the job, or the client polls forever
            job.error, job.state = f"{type(exc).__name__}: {exc}", "failed"
        finally:
            job.finished = time.time()
            if job.stages and job.stages[-1]["seconds"] is None:
                job.stages[-1]["seconds"] = round(job.finished - job.stages[-1]["started"], 3)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state not in ACTIVE]
        for job in sorted(finished, key=lambda j: j.created)[:-KEEP_FINISHED]:
            del self._jobs[job.id]
