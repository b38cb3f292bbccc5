"""Helpers of the orchestrator-target tests: run the package's modules, compare step outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbops.productionize.fingerprint import _compare_values, compare, fingerprint
from nbops.productionize.serialization import load

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("load", "features", "train", "evaluate")  # the training fixture's
OUTPUTS = ["X_test", "X_train", "accuracy", "auc", "data", "model", "proba", "raw", "y_test"]


def run_module(result, *args, cwd, python=sys.executable, **env):
    """``python -m ARGS`` with the generated package importable and tracking off."""
    env = {**os.environ, "PYTHONPATH": str(Path(result.package_dir) / "src"), "NBOPS_TRACKING": "0", **env}
    done = subprocess.run(
        [str(python), "-m", *map(str, args)], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    return done


def names(folder: Path) -> list[str]:
    return sorted(p.name.split(".")[0] for p in folder.iterdir() if not p.name.startswith("."))


def assert_same_outputs(cache: Path, folder_of) -> list[str]:
    """Every output in the plain run's ``cache`` equals the runner's (``folder_of(step, name)``),
    by fingerprint and by value within the package's tolerances; returns the names compared."""
    compared = []
    for step in STEPS:
        for name in names(cache / step):
            expected, actual = load(cache / step, name), load(folder_of(step, name), name)
            assert compare(fingerprint(expected), fingerprint(actual)) is None, (step, name)
            assert _compare_values(expected, actual) is None, (step, name)
            compared.append(name)
    return sorted(compared)


def assert_one_tracked_run(home: Path, plain: dict, runner: str) -> dict:
    """The orchestrator's run logged exactly one nbops run to ``home``: finished, with every
    param and the metrics of the plain run with the same parameters (``plain``: its --json)."""
    from nbops.store import open_store

    store = open_store(home)
    runs = store.runs.search(limit=10).runs
    assert len(runs) == 1, [(r["experiment"], r["name"], r["status"]) for r in runs]
    run = store.runs.get(runs[0]["id"])
    assert run["status"] == "finished"
    assert run["params"] == {k: str(v) for k, v in plain["params"].items() if v is not None}
    assert run["metrics"].keys() == plain["metrics"].keys()
    for key, value in plain["metrics"].items():
        assert run["metrics"][key] == pytest.approx(value)
    assert run["tags"]["pipeline.runner"] == runner and run["tags"]["pipeline.package"]
    return run
