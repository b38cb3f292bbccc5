"""Real ``nbops serve`` processes over one registry, started once for the module's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="pip install -e '.[serve]'")
pytest.importorskip("uvicorn", reason="pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="pip install httpx")

from serving.peer import ServeProcess  # noqa: E402

HERE = Path(__file__).parent
TOKEN = "s3cret-token"


@pytest.fixture(scope="session")
def serving_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("serving") / ".nbops"
    env = dict(os.environ, NBOPS_HOME=str(home))
    subprocess.run([sys.executable, str(HERE / "registry.py")], env=env, check=True, cwd=home.parent)
    return home


@pytest.fixture(scope="session")
def serving_store(serving_home):
    from nbops.store import open_store

    return open_store(serving_home)


@pytest.fixture(scope="session")
def servers(serving_home):
    """main (token, small body limit), canary 10 % (seeded), shadow (with --log-inputs), and
    monitored (drift test only), estimated (estimation test only)."""
    started = {
        "main": ServeProcess(serving_home, "churn@production", "--max-body-bytes", "200000", token=TOKEN),
        "canary": ServeProcess(serving_home, "churn@production", "--canary", "candidate=10", "--seed", "7"),
        "shadow": ServeProcess(serving_home, "churn:1", "--shadow", "candidate", "--log-inputs"),
        "monitored": ServeProcess(serving_home, "churn@monitored"),
        # a window of ~4 months: the estimation test's rows never straddle two windows
        "estimated": ServeProcess(serving_home, "churn@estimated", "--window-seconds", "10000000"),
    }
    try:
        for server in started.values():  # they start in parallel; wait for each
            server.wait()
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="session")
def models(serving_store):
    """The registered model objects by version number, for expected predictions."""
    from nbops.serving.config import VersionRef
    from nbops.serving.loading import load_version

    return {v: load_version(serving_store, VersionRef("churn", v)).model for v in (1, 2, 3, 4)}
