"""Tracking speed of nbops, and of MLflow (SQLite backend) side by side when installed.

    python tests/benchmarks/bench_tracking.py [--repeats 5] [--mlflow-scale 0.1]

Prints one row per budget of the foundation issue: the nbops median over ``--repeats``
runs, the budget, MLflow's figure measured in the same process on the same data, and
the ratio. MLflow is slow enough that it runs a ``--mlflow-scale`` fraction of each
workload and its per-item time is scaled back up (said in the row).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS, STEPS = 5, 2_000
RUNS, PARAMS, METRICS = 1_000, 10, 10


def fresh_env(folder: Path) -> None:
    os.environ["NBOPS_HOME"] = str(folder / ".nbops")


# -- nbops ------------------------------------------------------------------------------
def nbops_log_metric(folder: Path) -> float:
    import nbops

    fresh_env(folder)
    run = nbops.start_run("bench", capture_provenance=False)
    log = nbops.log_metric
    start = time.perf_counter()
    for step in range(STEPS):
        for k in range(KEYS):
            log(f"m{k}", step * 0.001, step)
    nbops.end_run()
    elapsed = time.perf_counter() - start
    assert len(nbops.store().metrics.history(run.id, "m0")) == STEPS
    return elapsed / (KEYS * STEPS)


def nbops_create_runs(folder: Path, count: int = RUNS) -> float:
    import nbops

    fresh_env(folder)
    params = {f"p{i}": i * 0.5 for i in range(PARAMS)}
    start = time.perf_counter()
    for r in range(count):
        with nbops.start_run("bench", params=params, capture_provenance=False):
            nbops.log_metrics({f"m{i}": r * 0.001 + i for i in range(METRICS)})
    return time.perf_counter() - start


def nbops_search(folder: Path) -> float:
    import nbops

    fresh_env(folder)
    nbops_create_runs(folder)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        found = nbops.search_runs("bench", order_by="-metrics.m3", limit=1000)
        times.append(time.perf_counter() - start)
    assert len(found) == RUNS
    return statistics.median(times)


def import_time(module: str, repeats: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        samples.append(time.perf_counter() - start)  # whole fresh interpreter, as a user waits
    return statistics.median(samples)


# -- MLflow -----------------------------------------------------------------------------
def mlflow_ready(folder: Path):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_experiment("bench")
    return mlflow


def mlflow_log_metric(folder: Path, scale: float) -> float:
    mlflow = mlflow_ready(folder)
    steps = max(1, int(STEPS * scale))
    with mlflow.start_run():
        start = time.perf_counter()
        for step in range(steps):
            for k in range(KEYS):
                mlflow.log_metric(f"m{k}", step * 0.001, step=step)
    return (time.perf_counter() - start) / (KEYS * steps)


def mlflow_create_runs(folder: Path, count: int) -> float:
    mlflow = mlflow_ready(folder)
    params = {f"p{i}": i * 0.5 for i in range(PARAMS)}
    start = time.perf_counter()
    for r in range(count):
        with mlflow.start_run():
            mlflow.log_params(params)
            mlflow.log_metrics({f"m{i}": r * 0.001 + i for i in range(METRICS)})
    return time.perf_counter() - start


def mlflow_search(folder: Path) -> float:
    mlflow = mlflow_ready(folder)
    mlflow_create_runs(folder, RUNS)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        found = mlflow.search_runs(experiment_names=["bench"], order_by=["metrics.m3 DESC"], max_results=1000)
        times.append(time.perf_counter() - start)
    assert len(found) == RUNS
    return statistics.median(times)


# -- report -----------------------------------------------------------------------------
def median_of(repeats: int, measure, *args) -> float:
    samples = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            samples.append(measure(Path(folder), *args))
    return statistics.median(samples)


def row(label: str, ours: float, budget: float, theirs: float | None, unit: str, note: str = "") -> str:
    scale = {"µs": 1e6, "ms": 1e3, "s": 1.0}[unit]
    peer = f"{theirs * scale:,.1f} {unit}" if theirs is not None else "not installed"
    ratio = f"{theirs / ours:,.0f}×" if theirs is not None else "—"
    verdict = "ok" if ours <= budget else "OVER BUDGET"
    return f"| {label} | {ours * scale:,.2f} {unit} | ≤ {budget * scale:,.0f} {unit} ({verdict}) | {peer}{note} | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mlflow-scale", type=float, default=0.1, help="fraction of each workload MLflow runs")
    args = parser.parse_args()
    try:
        import mlflow  # noqa: F401

        has_mlflow = True
    except ImportError:
        has_mlflow = False

    per_call = median_of(args.repeats, nbops_log_metric)
    create = median_of(args.repeats, nbops_create_runs)
    search = median_of(args.repeats, nbops_search)
    imported = import_time("nbops", max(args.repeats, 7))

    ml = {}
    if has_mlflow:
        with tempfile.TemporaryDirectory() as folder:
            ml["per_call"] = mlflow_log_metric(Path(folder), args.mlflow_scale)
        with tempfile.TemporaryDirectory() as folder:
            count = max(1, int(RUNS * args.mlflow_scale))
            ml["create"] = mlflow_create_runs(Path(folder), count) * RUNS / count
        with tempfile.TemporaryDirectory() as folder:
            ml["search"] = mlflow_search(Path(folder))
        ml["import"] = import_time("mlflow", 3)

    scaled = f" (×{1 / args.mlflow_scale:g} of a {args.mlflow_scale:g} sample)"
    print(f"nbops medians of {args.repeats} runs; MLflow {'measured in this run' if has_mlflow else 'not installed'}\n")
    print("| workload | nbops | budget | MLflow (SQLite) | MLflow / nbops |")
    print("|---|---|---|---|---|")
    print(row("log_metric, 5 keys × 2,000 steps, per call incl. final flush", per_call, 5e-6, ml.get("per_call"), "µs"))
    print(row("create 1,000 runs × 10 params + 10 metrics", create, 1.0, ml.get("create"), "s", scaled if has_mlflow else ""))
    print(row("search_runs over 1,000 runs sorted by a metric", search, 0.020, ml.get("search"), "ms"))
    print(row("fresh interpreter `import` (incl. start-up)", imported, 0.100, ml.get("import"), "ms"))


if __name__ == "__main__":
    main()
