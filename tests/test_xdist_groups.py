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
@pytest.mark.parametrize("i", range(4))
def test_records_its_worker(i):
    with open(os.environ["WORKERS_LOG"], "a") as log:
        log.write(json.dumps([__name__, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")
"""


def test_a_files_tests_and_all_browser_tests_each_run_on_one_worker(tmp_path):
    pytest.importorskip("xdist")
    files = {
        "test_one": "",
        "test_two": "",
        "test_page_a": "pytestmark = pytest.mark.browser",
        "test_page_b": "pytestmark = pytest.mark.browser",
    }
    for name, mark in files.items():
        (tmp_path / f"{name}.py").write_text(RECORDING_TEST.format(mark=mark))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ("xdist_groups",)\n')
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
    assert sum(1 for _ in log.read_text().splitlines()) == 16
    assert all(len(used) == 1 for used in workers.values()), dict(workers)
    assert workers["test_page_a"] == workers["test_page_b"], dict(workers)
