"""Under ``--dist loadgroup`` a group's tests run on one worker (see tests/xdist_groups.py).

xdist once dropped the groups without a word (pytest 9.2 no longer read the node id it
rewrote): every worker then started its own Lab server and Chromium for the same module.
"""

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

RECORDING_TEST = """
import json, os, pathlib, pytest
{mark}
def record(module):
    with open(os.environ["WORKERS_LOG"], "a") as log:
        log.write(json.dumps([module, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")

@pytest.mark.parametrize("i", range(2))
def test_records_its_worker(i):
    record(__name__)

@pytest.mark.parametrize("i", range(2))
def test_records_its_worker_with_the_fixture(i{shared}):
    record(__name__ + "{shared}")
"""
# A session fixture that xdist_groups.SHARED_SESSION names: its tests go to one worker.
CONFTEST = """
import pytest
pytest_plugins = ("xdist_groups",)

@pytest.fixture(scope="session")
def mlflow_server():
    return "started once per worker that uses it"
"""


def test_each_file_runs_on_one_worker_and_browser_files_run_side_by_side(tmp_path):
    """A browser module's tests stay with its Lab server (even those using a shared session
    fixture), a shared session fixture's other tests go together, and two browser modules are
    not kept on one worker: with two workers, each starts on one."""
    pytest.importorskip("xdist")
    browser, shared = "pytestmark = pytest.mark.browser", ", mlflow_server"  # the fixture, as a test asks for it
    files = {  # in collection order, which the README's command keeps
        "test_a_page": (browser, ""),
        "test_b_page": (browser, shared),
        "test_one": ("", ""),
        "test_sync_one": ("", shared),
        "test_sync_two": ("", shared),
        "test_two": ("", ""),
    }
    for name, (mark, fixture) in files.items():
        (tmp_path / f"{name}.py").write_text(RECORDING_TEST.format(mark=mark, shared=fixture))
    (tmp_path / "conftest.py").write_text(CONFTEST)
    log = tmp_path / "workers.jsonl"
    env = {
        **os.environ,
        "WORKERS_LOG": str(log),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "--no-loadscope-reorder",
            "-o",
            "markers=browser: a browser test",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers = defaultdict(set)
    for line in log.read_text().splitlines():
        module, worker = json.loads(line)
        workers[module].add(worker)
    assert sum(1 for _ in log.read_text().splitlines()) == 24
    assert all(len(used) == 1 for used in workers.values()), dict(workers)
    assert workers["test_b_page"] == workers[f"test_b_page{shared}"], dict(workers)
    assert workers[f"test_sync_one{shared}"] == workers[f"test_sync_two{shared}"], dict(workers)
    assert workers["test_a_page"] != workers["test_b_page"], dict(workers)
