"""Shared fixtures: every test gets its own project folder and store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# System metrics would add system/ keys to runs that last past one interval; the tests that
# check them turn them on themselves. Kernels and subprocesses inherit this.
os.environ.setdefault("NBOPS_SYSTEM_METRICS", "off")
# Write bytecode, as a default Python does. This machine's image sets PYTHONDONTWRITEBYTECODE,
# and then each pytest worker rewrote every test module again (3.4 of a 10.5 s collection)
# and each Lab server, kernel and subprocess compiled nbops again.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A fresh project folder with NBOPS_HOME pointing at its .nbops store."""
    monkeypatch.setenv("NBOPS_HOME", str(tmp_path / ".nbops"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    from nbops.tracking import session

    session._end_open_runs("killed")


@pytest.fixture
def store(project):
    from nbops.store import open_store

    return open_store(project / ".nbops")


@pytest.fixture
def python_env(project) -> dict:
    """Environment for child Python processes that log into ``project``."""
    env = dict(os.environ)
    env["NBOPS_HOME"] = str(project / ".nbops")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


PYTHON = sys.executable

pytest_plugins = ("pytest_jupyter.jupyter_server", "mlflow_sync.fixtures", "xdist_groups")


# Under CI every test dependency is installed (.ci/install): a skip there means a missing
# browser, fuzzer or library, and a suite that skips them must not pass.
STRICT = os.environ.get("CI", "").lower() == "true"


def _fail_a_skip(report) -> None:
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where every test dependency must be installed: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_a_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_a_skip(outcome.get_result())


@pytest.fixture
def jp_serverapp(jp_serverapp):
    """pytest-jupyter's server, whose nbops retrain job thread ends with the test."""
    yield jp_serverapp
    from nbops.server.retrain_jobs import RUNNER_SETTING

    runner = jp_serverapp.web_app.settings.get(RUNNER_SETTING)
    if runner is not None:
        runner.stop()
