"""Many writers at once, and a writer killed mid-run."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from nbops.store import open_store

WRITER = """
import json, sys, threading, nbops
points, name, threads, per_thread = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ids = {}

def worker(index):  # a run of its own, logged through the module-level API like the main thread
    with nbops.start_run("concurrency", name=f"{name}-t{index}", nested=False) as run:
        ids[index] = run.id
        for step in range(per_thread):
            nbops.log_metric("who", float(index), step=step)

with nbops.start_run("concurrency", name=name) as run:
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for step in range(points // 4):
        for key in ("a", "b", "c", "d"):
            nbops.log_metric(key, step * 0.5, step=step)
    for thread in workers:
        thread.join()
print(json.dumps({"main": run.id, "threads": [ids[i] for i in range(threads)]}))
"""

SLOW_WRITER = """
import sys, time, nbops
run = nbops.start_run("crash")
print(run.id, flush=True)
step = 0
while True:
    nbops.log_metric("loss", 1.0 / (step + 1), step=step)
    step += 1
    time.sleep(0.001)
"""


PROCESSES, POINTS, THREADS, THREAD_POINTS = 8, 50_000, 4, 5_000


@pytest.mark.timeout(900)
def test_eight_processes_and_four_threads_each_lose_and_misplace_nothing_while_the_server_reads(project, python_env):
    """8 processes × (50,000 points + 4 threads × 5,000 points, each thread in a run of its
    own) while a real Jupyter server answers a reader polling the list, a run and the feed."""
    from server.live_server import live_server

    with live_server(project) as server:
        reads = _Reader(server)
        reads.start()
        started = time.monotonic()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(POINTS), f"w{i}", str(THREADS), str(THREAD_POINTS)],
                env=python_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(PROCESSES)
        ]
        results = [w.communicate(timeout=800) for w in writers]
        elapsed = time.monotonic() - started
        reads.stop()
    print(f"{PROCESSES} writers done in {elapsed:.1f} s; the server answered {reads.count} reads meanwhile")
    assert reads.failures == [] and reads.count > 10
    for writer, (_out, err) in zip(writers, results):
        assert writer.returncode == 0, err
        assert "locked" not in err and "Warning" not in err, err
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    for out, _ in results:
        ids = json.loads(out)
        main = conn.execute(
            "SELECT COUNT(*), SUM(value != step * 0.5), COUNT(DISTINCT key) FROM metrics WHERE run_id = ?",
            (ids["main"],),
        ).fetchone()
        assert main == (POINTS, 0, 4)  # nothing lost, nothing from a thread's run
        for index, run_id in enumerate(ids["threads"]):
            thread = conn.execute(
                "SELECT COUNT(*), SUM(value != ?), SUM(key != 'who') FROM metrics WHERE run_id = ?",
                (float(index), run_id),
            ).fetchone()
            assert thread == (THREAD_POINTS, 0, 0)
        statuses = conn.execute(
            f"SELECT status FROM runs WHERE id IN ({', '.join('?' * (THREADS + 1))})", [ids["main"], *ids["threads"]]
        ).fetchall()
        assert statuses == [("finished",)] * (THREADS + 1)
    total = PROCESSES * (POINTS + THREADS * THREAD_POINTS)
    assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == total  # nothing anywhere else
    assert conn.execute("SELECT SUM(count) FROM latest_metrics").fetchone()[0] == total


class _Reader(threading.Thread):
    """Polls what the Experiments sidebar and a run's page ask for, until stopped."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.count, self.failures = server, 0, []
        self._stop_event = threading.Event()

    def get(self, path: str, **params):
        url = f"{self.server.api}/{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers=self.server.headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                self.count += 1
                return json.loads(response.read())
        except Exception as exc:  # any failed read fails the test
            self.failures.append(f"{path}: {exc}")
            return None

    def run(self):
        seq = 0
        while not self._stop_event.is_set():
            page = self.get("runs", experiment="concurrency", sort="-metrics.a", limit=50) or {"runs": []}
            for run in page["runs"][:2]:
                self.get(f"runs/{run['id']}")
                self.get(f"runs/{run['id']}/metrics", keys="a", max_points=200)
            seq = (self.get("changes", since=seq) or {"seq": seq})["seq"]

    def stop(self):
        self._stop_event.set()
        self.join(timeout=120)


def test_a_killed_process_leaves_a_sound_store_and_a_crashed_run(project, python_env):
    from nbops.tracking.buffer import FLUSH_INTERVAL

    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER], env=python_env, stdout=subprocess.PIPE, text=True)
    run_id = writer.stdout.readline().strip()
    time.sleep(2.5)
    killed_at = time.time()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    writer.stdout.close()

    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    newest = conn.execute("SELECT MAX(timestamp), COUNT(*) FROM metrics WHERE run_id = ?", (run_id,)).fetchone()
    assert newest[1] > 100
    # at most the last flush interval (plus the time a flush takes) is lost
    assert killed_at - newest[0] <= FLUSH_INTERVAL + 0.5

    store = open_store(project / ".nbops")
    assert store.runs.get(run_id)["status"] == "running"  # nobody looked yet
    assert run_id in store.runs.mark_crashed()
    run = store.runs.get(run_id)
    assert run["status"] == "crashed" and run["end_time"] is not None
