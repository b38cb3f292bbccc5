"""Many writers at once, and a writer killed mid-run."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from nbops.store import open_store

WRITER = """
import sys, nbops
points = int(sys.argv[1])
with nbops.start_run("concurrency", name=sys.argv[2]) as run:
    for step in range(points // 4):
        for key in ("a", "b", "c", "d"):
            nbops.log_metric(key, step * 0.5, step=step)
print(run.id)
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


def test_eight_processes_write_twenty_thousand_points_each(project, python_env):
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "20000", f"w{i}"], env=python_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    results = [w.communicate(timeout=240) for w in writers]
    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 0, err
        assert "locked" not in err
    run_ids = [out.strip() for out, _ in results]
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    for run_id in run_ids:
        count = conn.execute("SELECT COUNT(*) FROM metrics WHERE run_id = ?", (run_id,)).fetchone()[0]
        assert count == 20_000
        status = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        assert status == "finished"
    summary = conn.execute("SELECT SUM(count) FROM latest_metrics").fetchone()[0]
    assert summary == 8 * 20_000


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
