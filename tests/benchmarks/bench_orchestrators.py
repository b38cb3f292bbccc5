"""Benchmark: per-step overhead of each orchestrator runner over the plain CLI, on the training fixture.

Run: python tests/benchmarks/bench_orchestrators.py [--repeat 3]

The fixture (four steps) is exported once with ``--target kfp --target airflow``; then, in fresh
processes, interleaved (plain, KFP, Airflow, plain, ...): ``python -m PKG run --no-track``,
``python -m PKG.kfp_pipeline run-local`` (kfp.local's subprocess runner: one process per step) and
``airflow dags test`` in Airflow's own venv (SQLite metadata database, migrated beforehand, the
DAG serialized beforehand). Prints wall-time medians and (runner - plain) / steps.
``--tracked`` also times each runner logging its one nbops run (``NBOPS_TRACKING=1``, a fresh store,
nbops's source on the Airflow tasks' path), interleaved with the untracked runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "productionize"))

import nbformat  # noqa: E402
import pipeline_notebooks as nbs  # noqa: E402
from airflow_venv import ensure_venv  # noqa: E402

from nbops.productionize import productionize  # noqa: E402


def _timed(command, env, cwd) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{command} failed:\n{done.stderr[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tracked", action="store_true", help="also time each runner with nbops tracking on")
    args = parser.parse_args()
    airflow_python = ensure_venv()
    with tempfile.TemporaryDirectory(prefix="nbops-bench-orch-") as tmp:
        root = Path(tmp)
        nbformat.write(nbs.training(), root / "training.ipynb")
        result = productionize(root / "training.ipynb", root / "pkg", targets=["kfp", "airflow"], run_tests=False)
        assert result.ok, [d.format() for d in result.diagnostics]
        pkg, steps = result.package, len(result.dag["order"])
        home = root / "airflow"
        (home / "dags").mkdir(parents=True)
        shutil.copy(root / "pkg" / "airflow_dag.py", home / "dags")
        env = {
            **os.environ,
            "PYTHONPATH": str(root / "pkg" / "src"),
            "NBOPS_TRACKING": "0",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            f"{pkg.upper()}_AIRFLOW_STORAGE": str(root / "storage"),
        }
        for setup in (("db", "migrate"), ("dags", "reserialize")):
            _timed([str(airflow_python), "-m", "airflow", *setup], env, root)
        commands = {
            "plain CLI": [sys.executable, "-m", pkg, "run", "--no-track", "-p", "n_estimators=7"],
            "KFP local": [
                sys.executable,
                "-m",
                f"{pkg}.kfp_pipeline",
                "run-local",
                "-p",
                "n_estimators=7",
                "--pipeline-root",
                str(root / "kfp"),
            ],
            "Airflow dags test": [
                str(airflow_python),
                "-m",
                "airflow",
                "dags",
                "test",
                pkg,
                "-c",
                '{"n_estimators": 7}',
            ],
        }
        envs = {name: env for name in commands}
        if args.tracked:
            tracked = {
                **env,
                "NBOPS_TRACKING": "1",
                "NBOPS_HOME": str(root / ".nbops"),
                "PYTHONPATH": os.pathsep.join([env["PYTHONPATH"], str(HERE.parents[1] / "src")]),
            }
            for name in list(commands):
                command = [c for c in commands[name] if c != "--no-track"]
                commands[f"{name}, tracked"], envs[f"{name}, tracked"] = command, tracked
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(_timed(command, envs[name], root))
        base = statistics.median(times["plain CLI"])
        print(f"training fixture, {steps} steps, median of {args.repeat} interleaved fresh-process runs")
        for name, values in times.items():
            median = statistics.median(values)
            extra = "" if name == "plain CLI" else f"  overhead/step {(median - base) / steps:6.2f} s"
            print(f"{name:27s} {median:6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)}){extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
