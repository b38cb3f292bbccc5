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


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A fresh project folder with NBOPS_HOME pointing at its .nbops store."""
    monkeypatch.setenv("NBOPS_HOME", str(tmp_path / ".nbops"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    from nbops.tracking import session

    while session._stack:
        session.end_run("killed", run=session._stack[-1])


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

pytest_plugins = ("pytest_jupyter.jupyter_server",)
