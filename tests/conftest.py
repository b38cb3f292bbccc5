"""Shared fixtures: every test gets its own project folder and store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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

pytest_plugins = ("pytest_jupyter.jupyter_server", "mlflow_sync.fixtures")
