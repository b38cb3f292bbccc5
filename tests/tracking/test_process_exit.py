"""What a process leaves behind: nbops changes the interpreter only once a run starts, and a
writer that exits leaves no large write-ahead log beside the store."""

import subprocess
import sys

PYTHON = sys.executable


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=300)


def test_importing_nbops_leaves_sys_excepthook_alone(python_env):
    done = run_python("import sys; before = sys.excepthook; import nbops; print(sys.excepthook is before)", python_env)
    assert done.stdout.strip() == "True", done.stderr


def test_a_script_dying_of_an_exception_leaves_its_run_failed_and_the_users_hook_runs(python_env, store):
    script = """
import sys
import nbops

def users_hook(kind, value, tb):
    print("user hook saw", kind.__name__, flush=True)

sys.excepthook = users_hook  # set after import, before the first run: still called
run = nbops.start_run("crashy", capture_provenance=False)
nbops.log_metric("loss", 0.5)
print(run.id, flush=True)
raise ValueError("boom")
"""
    done = run_python(script, python_env)
    run_id, hook_line = done.stdout.split("\n")[:2]
    assert hook_line == "user hook saw ValueError"
    assert store.runs.get(run_id)["status"] == "failed"


def test_a_finished_million_point_run_leaves_no_large_wal(python_env, project):
    script = """
import nbops
with nbops.start_run("big"):
    log = nbops.log_metric
    for step in range(200_000):
        for key in ("a", "b", "c", "d", "e"):
            log(key, step * 0.5, step)
"""
    done = run_python(script, python_env)
    assert done.returncode == 0, done.stderr
    wal = project / ".nbops" / "nbops.db-wal"
    assert (project / ".nbops" / "nbops.db").stat().st_size > 10 * 2**20  # the points did land
    assert not wal.exists() or wal.stat().st_size <= 16 * 4096, f"{wal.stat().st_size:,} bytes of WAL left behind"
