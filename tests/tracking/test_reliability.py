"""No bad value, thread, asyncio task or fork loses points or puts them in the wrong run."""

import asyncio
import sqlite3
import threading
import time
import warnings

import pytest

import nbops
from nbops.errors import ConflictError, InvalidValueError


def points_of(project, run_id):
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    rows = conn.execute(
        "SELECT key, step, value FROM metrics WHERE run_id = ? ORDER BY key, step", (run_id,)
    ).fetchall()
    conn.close()
    return rows


@pytest.mark.parametrize("step", [2**63, -(2**63) - 1, 2**64 - 1, 10**30])
def test_a_step_sqlite_cannot_hold_is_refused_at_the_call(project, step):
    other = nbops.start_run("steps", name="bystander", nested=False)
    with nbops.start_run("steps", nested=False) as run:
        nbops.log_metric("loss", 1.0, step=0)
        with pytest.raises(InvalidValueError, match=f"step {step}: steps are whole numbers from"):
            nbops.log_metric("loss", 2.0, step=step)
        nbops.log_metric("loss", 3.0, step=1)
        other.log_metric("loss", 4.0)
    other.end()
    for done in (run, other):
        assert nbops.get_run(done.id)["status"] == "finished"
    assert points_of(project, run.id) == [("loss", 0, 1.0), ("loss", 1, 3.0)]
    assert points_of(project, other.id) == [("loss", 0, 4.0)]


def test_numpy_steps_at_and_past_the_int64_limits(project):
    np = pytest.importorskip("numpy")
    with nbops.start_run("steps") as run:
        for bad in (np.uint64(2**64 - 1), np.uint64(2**63)):
            with pytest.raises(InvalidValueError, match=f"step {int(bad)}"):
                nbops.log_metric("loss", 1.0, step=bad)
        nbops.log_metric("loss", 2.0, step=np.int64(-(2**63)))
        nbops.log_metric("loss", 1.0, step=np.int64(2**63 - 1))
        with pytest.raises(InvalidValueError, match="step 9223372036854775808"):
            nbops.log_metric("loss", 3.0)  # the next step after the largest one
    assert points_of(project, run.id) == [("loss", -(2**63), 2.0), ("loss", 2**63 - 1, 1.0)]


def test_text_utf8_cannot_hold_is_refused_at_the_call_naming_the_value(project):
    lone = "a\ud800"
    with nbops.start_run("text") as run:
        with pytest.raises(InvalidValueError, match=r"metric key 'a\\ud800' is not valid.*lone surrogate"):
            nbops.log_metric(lone, 1.0)
        with pytest.raises(InvalidValueError, match=r"param key 'a\\ud800'"):
            nbops.log_params({lone: 1})
        with pytest.raises(InvalidValueError, match=r"value 'a\\ud800'"):
            nbops.log_param("model", lone)
        with pytest.raises(InvalidValueError, match=r"value 'a\\ud800'"):
            nbops.set_tags({"team": lone})
        with pytest.raises(InvalidValueError, match=r"run name 'a\\ud800'"):
            nbops.start_run("text", name=lone)
        with pytest.raises(InvalidValueError, match=r"experiment name 'a\\ud800'"):
            nbops.start_run(lone)
        with pytest.raises(InvalidValueError, match=r"param key 'a\\ud800'"):
            nbops.start_run("text", params={lone: 1})
        nbops.log_metric("ok", 1.0)
        nbops.log_params({"größe": "ü", "mixed": {1: "a", "b": 2}, "huge": 10**400})
    info = nbops.get_run(run.id)
    assert info["status"] == "finished" and info["metrics"] == {"ok": 1.0}
    assert info["params"] == {"größe": "ü", "mixed": '{"1": "a", "b": 2}', "huge": "1" + "0" * 400}
    with pytest.raises(InvalidValueError, match="metrics are 64-bit floats"):
        nbops.start_run("text").log_metric("x", 10**400)


def test_a_batch_that_fails_to_write_is_set_aside_and_blocks_nothing(project):
    """A point that slipped past the checks (appended behind the API's back) must cost only
    itself: later points, the run's end and other runs are all written."""
    first = nbops.start_run("aside", nested=False)
    other = nbops.start_run("aside", nested=False)
    for step in range(10):
        first.log_metric("loss", float(step), step=step)
        other.log_metric("loss", float(step), step=step)
    first._points.append((first.id, "loss", 2**63, 1.0, time.time()))  # OverflowError in SQLite
    first._points.append((first.id, "bad\ud800", 0, 1.0, time.time()))  # UnicodeEncodeError
    for step in range(10, 20):
        first.log_metric("loss", float(step), step=step)
    with pytest.warns(RuntimeWarning, match="set aside what it could not write") as caught:
        first.end()
    assert "2**63" not in str(caught[0].message) and str(2**63) in str(caught[0].message)
    for step in range(10, 20):  # the buffer is not poisoned: the other run carries on
        other.log_metric("loss", float(step), step=step)
    nbops.end_run(run=other)
    for run in (first, other):
        assert nbops.get_run(run.id)["status"] == "finished"
        assert points_of(project, run.id) == [("loss", s, float(s)) for s in range(20)]


def test_a_new_run_the_store_refuses_is_set_aside_and_other_runs_are_written(project):
    from nbops.tracking.session import _buffer_for

    good = nbops.start_run("aside", nested=False)
    store = nbops.store()
    bad = store.runs.prepare("aside", parent_id="no-such-parent")  # refused when written
    _buffer_for(store).track(bad)
    _buffer_for(store).points.append((bad.id, "loss", 0, 1.0, time.time()))
    good.log_metric("loss", 1.0)
    with pytest.warns(RuntimeWarning, match=f"run {bad.id}: parent run 'no-such-parent' does not exist"):
        nbops.end_run(run=good)
    _buffer_for(store).points.append((bad.id, "loss", 1, 2.0, time.time()))  # later points of the refused run
    with pytest.warns(RuntimeWarning, match="set aside 1 point of runs it could not write"):
        _buffer_for(store).flush()
    _buffer_for(store).untrack(bad.id)
    assert nbops.get_run(good.id)["status"] == "finished"
    assert points_of(project, good.id) == [("loss", 0, 1.0)]
    assert points_of(project, bad.id) == []


def test_four_threads_each_log_into_their_own_run(project):
    runs = {}
    barrier = threading.Barrier(4)

    def worker(index):
        with nbops.start_run("threads", name=f"t{index}", nested=False) as run:
            runs[index] = run.id
            barrier.wait()  # all four runs are active at once
            for step in range(200):
                nbops.log_metric("who", float(index), step=step)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(runs.values())) == 4
    for index, run_id in runs.items():
        assert points_of(project, run_id) == [("who", step, float(index)) for step in range(200)]
        assert nbops.get_run(run_id)["status"] == "finished"
    assert nbops.active_run() is None


def test_threads_without_a_run_of_their_own_log_into_the_main_threads_run(project):
    def worker(index):
        for step in range(100):
            nbops.log_metric(f"worker{index}", float(step), step=step)

    with nbops.start_run("loop") as run:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows = points_of(project, run.id)
    assert len(rows) == 300 and {key for key, _, _ in rows} == {"worker0", "worker1", "worker2"}


def test_asyncio_tasks_each_log_into_their_own_run(project):
    async def task(index):
        with nbops.start_run("tasks", name=f"task{index}") as run:
            for step in range(50):
                nbops.log_metric("who", float(index), step=step)
                await asyncio.sleep(0)  # the tasks interleave
            return run.id

    async def main():
        return await asyncio.gather(*(task(i) for i in range(3)))

    with nbops.start_run("tasks", name="outer") as outer:
        ids = asyncio.run(main())
        nbops.log_metric("outer", 1.0)
    for index, run_id in enumerate(ids):
        info = nbops.get_run(run_id)
        assert info["parent_id"] == outer.id  # started inside the outer run: its children
        assert points_of(project, run_id) == [("who", step, float(index)) for step in range(50)]
    assert points_of(project, outer.id) == [("outer", 0, 1.0)]


def test_an_ended_run_is_no_longer_the_active_one(project):
    outer = nbops.start_run("stack")
    inner = nbops.start_run("stack")
    inner.end()  # directly, not through end_run
    nbops.log_metric("loss", 1.0)
    assert nbops.active_run() is outer
    nbops.end_run()
    assert points_of(project, outer.id) == [("loss", 0, 1.0)]
    with pytest.raises(ConflictError, match="no active run"):
        nbops.log_metric("loss", 1.0)


def test_a_crashed_mark_on_a_paused_process_is_undone(project):
    """SIGSTOP, a laptop asleep or a breakpoint: the heartbeat stops, the pid lives on."""
    store = nbops.store()
    with nbops.start_run("pause") as run:
        nbops.log_metric("loss", 1.0)
        run.info()  # written
        with store.transaction() as conn:  # silent for ten minutes
            conn.execute("UPDATE runs SET heartbeat = ? WHERE id = ?", (time.time() - 600, run.id))
        # on this host the live pid decides: a sweep leaves the run running
        assert run.id not in store.runs.mark_crashed()
        assert store.runs.get(run.id)["status"] == "running"
        # a sweep that cannot see the pid (another host) takes the silence for death ...
        with store.transaction() as conn:
            conn.execute("UPDATE runs SET host = 'elsewhere' WHERE id = ?", (run.id,))
        assert store.runs.mark_crashed() == [run.id]
        assert store.runs.get(run.id)["status"] == "crashed"
        # ... and the run's next heartbeat revives it
        store.runs.heartbeat([run.id])
        revived = store.runs.get(run.id)
        assert (revived["status"], revived["end_time"]) == ("running", None)
        with store.transaction() as conn:
            conn.execute("UPDATE runs SET status = 'crashed', end_time = heartbeat WHERE id = ?", (run.id,))
        nbops.log_metric("loss", 2.0)
    ended = nbops.get_run(run.id)  # a normal end of a run marked crashed records finished
    assert ended["status"] == "finished" and ended["end_time"] > time.time() - 60
    assert ended["metrics"] == {"loss": 2.0}


def test_a_live_pid_that_started_after_a_silent_run_is_not_its_process(project):
    import subprocess

    store = nbops.store()
    run_id = store.runs.create("reuse")
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        with store.transaction() as conn:  # the run's pid now belongs to a newer process
            conn.execute(
                "UPDATE runs SET pid = ?, start_time = ?, heartbeat = ? WHERE id = ?",
                (stranger.pid, time.time() - 3600, time.time() - 3000, run_id),
            )
        assert store.runs.mark_crashed() == [run_id]
    finally:
        stranger.kill()
        stranger.wait()


def test_reads_of_the_library_do_not_write(project):
    import subprocess
    import sys

    store = nbops.store()
    run_id = store.runs.create("reads")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with store.transaction() as conn:  # its process is gone: a sweep would mark it crashed
        conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    observer = sqlite3.connect(project / ".nbops" / "nbops.db")
    version = observer.execute("PRAGMA data_version").fetchone()[0]
    nbops.get_run(run_id)
    nbops.search_runs("reads")
    nbops.search_runs(filter="status = 'running'")
    assert observer.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed
    assert observer.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone() == ("running",)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbops.start_run("reads").end()  # start_run sweeps
    assert observer.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone() == ("crashed",)


FORKING_SCRIPT = """
import os, sqlite3, sys, time
import nbops
from nbops.errors import ConflictError

flush_first = sys.argv[1] == "after-flush"
db = os.path.join(os.environ["NBOPS_HOME"], "nbops.db")
with nbops.start_run("fork", name="parent") as run:
    for step in range(100):
        nbops.log_metric("loss", float(step), step=step)
    if flush_first:
        run.info()  # the run and its points are written before the fork
    pid = os.fork()
    if pid == 0:  # the child owns none of this: it logs nothing into it and ends nothing
        try:
            nbops.log_metric("loss", -1.0, step=1000)
        except ConflictError:
            print("child: refused", flush=True)
        with nbops.start_run("fork", name="child", nested=False) as own:
            nbops.log_metric("child", 1.0)
        print("child run:", own.id, time.time(), flush=True)
        sys.exit(0)  # runs atexit and the parent's `with` exit in the child
    _, code = os.waitpid(pid, 0)
    print("child exit:", code >> 8, flush=True)
    row = sqlite3.connect(db).execute("SELECT status, end_time FROM runs WHERE id = ?", (run.id,)).fetchone()
    print("after child:", row, flush=True)
    time.sleep(0.05)
    for step in range(100, 200):
        nbops.log_metric("loss", float(step), step=step)
print("parent:", run.id, time.time(), flush=True)
"""


@pytest.mark.parametrize("when", ["before-flush", "after-flush"])
def test_a_forked_child_neither_writes_nor_ends_its_parents_run(project, python_env, when):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FORKING_SCRIPT, when], env=python_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Warning" not in done.stderr, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert (lines["child"], lines["child exit"]) == ("refused", "0")
    # the child's exit ended nothing of the parent's; before its first flush the parent's run
    # may not be written yet when the child is done (the flusher writes it within an interval)
    written = ["('running', None)"] + (["None"] if when == "before-flush" else [])
    assert lines["after child"] in written
    parent_id, parent_end = lines["parent"].split()
    child_id, child_end = lines["child run"].split()
    parent = nbops.get_run(parent_id)
    assert parent["status"] == "finished"
    assert float(child_end) < parent["end_time"] <= float(parent_end)  # the parent's own end time
    assert points_of(project, parent_id) == [("loss", s, float(s)) for s in range(200)]
    assert nbops.get_run(child_id)["status"] == "finished" and points_of(project, child_id) == [("child", 0, 1.0)]


FORK_WHILE_A_THREAD_WRITES = """
import os, signal, sys, threading, time
import nbops

stop, logged = threading.Event(), {}


def log_until_stopped():  # every 2,000 points this thread writes a batch itself
    with nbops.start_run("fork", name="thread", nested=False) as run:
        step = 0
        while not stop.is_set():
            nbops.log_metric("x", float(step), step=step)
            step += 1
    logged.update(id=run.id, steps=step)


thread = threading.Thread(target=log_until_stopped)
thread.start()
time.sleep(0.3)
hung = 0
for i in range(int(sys.argv[1])):
    pid = os.fork()
    if pid == 0:
        with nbops.start_run("fork", name=f"child {i}", nested=False):
            nbops.log_metric("c", 1.0)
        os._exit(0)
    deadline = time.monotonic() + 10
    while not os.waitpid(pid, os.WNOHANG)[0]:
        if time.monotonic() > deadline:  # a child stuck on a lock the thread held at the fork
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            hung += 1
            break
        time.sleep(0.01)
    if hung:
        break
    time.sleep(0.02)
stop.set()
thread.join()
print("hung:", hung, flush=True)
print("thread:", logged["id"], logged["steps"], flush=True)
"""


def test_forks_while_a_users_thread_writes_leave_every_child_able_to_log(project, python_env):
    """A user's thread writes its own batches; forks in the meantime wait for each write (before,
    29 of 30 children hung in ``sqlite3.connect``), and the thread's run keeps every point."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FORK_WHILE_A_THREAD_WRITES, "20"],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert lines["hung"] == "0"
    run_id, steps = lines["thread"].split()
    with sqlite3.connect(project / ".nbops" / "nbops.db") as db:
        children = db.execute("SELECT status, COUNT(*) FROM runs WHERE name LIKE 'child %' GROUP BY status").fetchall()
        count, low, high = db.execute(
            "SELECT COUNT(*), MIN(step), MAX(step) FROM metrics WHERE run_id = ?", (run_id,)
        ).fetchone()
    assert children == [("finished", 20)]
    assert (count, low, high) == (int(steps), 0, int(steps) - 1)
    assert nbops.get_run(run_id)["status"] == "finished"


FORK_AFTER_INLINE_PROVENANCE = """
import os, sys
import nbops
from nbops.tracking import capture, provenance

capture.GIT_CACHE_SECONDS = 600.0  # a slow host must not let the cached git state expire
with nbops.start_run("fork", name="first"):  # reads git and the packages in the provenance thread
    pass
provenance.recorder.wait(60)
with nbops.start_run("fork", name="second") as run:  # provenance goes in with the run's row
    nbops.log_metric("loss", 1.0)
    assert provenance.recorder._pending == 0
    pid = os.fork()
    if pid == 0:  # the row and its provenance still wait in the parent's buffer: not the child's
        os._exit(0) if sys.argv[1] == "_exit" else sys.exit(0)
    print("child exit:", os.waitpid(pid, 0)[1] >> 8, flush=True)
    nbops.log_metric("loss", 2.0)
print("run:", run.id, flush=True)
"""


@pytest.mark.parametrize("exit_by", ["sys.exit", "_exit"])
def test_a_forked_child_leaves_a_run_with_its_provenance_to_the_parent(git_project, python_env, exit_by):
    import subprocess
    import sys

    project = git_project
    done = subprocess.run(
        [sys.executable, "-c", FORK_AFTER_INLINE_PROVENANCE, exit_by],
        cwd=project,
        env=python_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Warning" not in done.stderr, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert lines["child exit"] == "0"
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    run_id = lines["run"]
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)  # the child wrote no copy
    status, commit = conn.execute("SELECT status, git_commit FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert status == "finished" and len(commit) == 40
    python, packages = conn.execute(
        "SELECT python, e.packages FROM provenance p JOIN environments e ON e.sha256 = p.environment WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    assert python.startswith("3.") and "pytest" in packages.lower()
    assert points_of(project, run_id) == [("loss", 0, 1.0), ("loss", 1, 2.0)]


SWEEP_SCRIPT = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # the macOS default
import nbops

started = time.perf_counter()
for i in range(int(sys.argv[1])):
    with nbops.start_run("sweep", params={"i": i}):
        nbops.log_metric("loss", 1.0 / (i + 1))
print(f"{time.perf_counter() - started:.2f}", flush=True)
"""


def test_two_thousand_short_runs_record_provenance_with_256_file_descriptors(project, python_env):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", SWEEP_SCRIPT, "2000"],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning, e.g. "cannot open the nbops store"
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'finished'").fetchone() == (2000,)
    recorded = conn.execute(
        "SELECT COUNT(*) FROM provenance p JOIN environments e ON e.sha256 = p.environment WHERE python IS NOT NULL"
    )
    assert recorded.fetchone() == (2000,)
    assert conn.execute("SELECT COUNT(*) FROM environments").fetchone() == (1,)  # the list once, not 2,000 times


def test_the_package_list_is_read_once_per_environment(project, python_env):
    """Reading ~150 distributions' metadata costs about a second of GIL; a second process in
    the same environment reads the cached list instead."""
    import json
    import subprocess
    import sys

    script = "import nbops\nwith nbops.start_run('env') as run: pass\nprint(run.id)"
    first = subprocess.run([sys.executable, "-c", script], env=python_env, capture_output=True, text=True, check=True)
    (cached,) = (project / ".nbops" / "cache").glob("packages-*.json")
    packages = json.loads(cached.read_text())
    assert any(p["name"].lower() == "pytest" for p in packages)
    assert nbops.store().provenance.get(first.stdout.strip())["packages"] == packages
    cached.write_text(json.dumps([{"name": "from-the-cache", "version": "1"}]))
    second = subprocess.run([sys.executable, "-c", script], env=python_env, capture_output=True, text=True, check=True)
    assert nbops.store().provenance.get(second.stdout.strip())["packages"] == [
        {"name": "from-the-cache", "version": "1"}
    ]


PAUSED_WRITER = """
import sys, time, nbops
with nbops.start_run("pause") as run:
    print(run.id, flush=True)
    sys.stdin.readline()  # the test pauses us (SIGSTOP) around here, then lets us finish
    nbops.log_metric("loss", 1.0)
"""


def test_a_process_stopped_and_continued_takes_its_run_back_from_crashed(project, python_env):
    """A real SIGSTOP, swept by a sweep that cannot check the pid (as from another host),
    then SIGCONT: the process's own heartbeat revives the run and it ends finished."""
    import signal
    import subprocess
    import sys

    from nbops.tracking.buffer import HEARTBEAT_INTERVAL

    writer = subprocess.Popen(
        [sys.executable, "-c", PAUSED_WRITER], env=python_env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    run_id = writer.stdout.readline().strip()
    store = nbops.store()
    deadline = time.monotonic() + 30
    # stop it once idle: a process stopped inside a write transaction would lock out every writer
    while not store.db.connection().execute("SELECT 1 FROM provenance WHERE run_id = ?", (run_id,)).fetchone():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    writer.send_signal(signal.SIGSTOP)
    try:
        assert store.runs.mark_crashed(now=time.time() + 120) == []  # same host: the pid lives
        with store.transaction() as conn:
            conn.execute("UPDATE runs SET host = 'elsewhere' WHERE id = ?", (run_id,))
        assert store.runs.mark_crashed(now=time.time() + 120) == [run_id]
    finally:
        writer.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + HEARTBEAT_INTERVAL + 5
    while store.runs.get(run_id)["status"] == "crashed":
        assert time.monotonic() < deadline, "the run's heartbeat never revived it"
        time.sleep(0.1)
    assert store.runs.get(run_id)["status"] == "running"
    writer.communicate("\n", timeout=30)
    assert writer.returncode == 0
    ended = store.runs.get(run_id)
    assert ended["status"] == "finished" and ended["metrics"] == {"loss": 1.0}


def test_a_run_started_in_another_thread_while_a_flush_takes_its_batch_loses_no_point(project, monkeypatch):
    """The other thread starts its run and logs between the flush's two takes of the buffer."""
    from nbops.tracking import buffer as buffer_module

    original, other = buffer_module._take, {}

    def start_and_log():
        run = nbops.start_run("race", name="other", nested=False)
        run.log_metric("who", 1.0, step=0)
        other["run"] = run

    def take(waiting):
        taken = original(waiting)
        if not other:
            thread = threading.Thread(target=start_and_log)
            thread.start()
            thread.join(30)
        return taken

    run = nbops.start_run("race", name="main")
    run.log_metric("loss", 0.5, step=0)
    monkeypatch.setattr(buffer_module, "_take", take)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nbops.end_run()
        nbops.end_run(run=other["run"])
    assert [str(w.message) for w in caught if "set aside" in str(w.message)] == []
    history = nbops.store().metrics.history(other["run"].id, "who")
    assert len(history) == 1
