"""Tracking speed of nbops and of MLflow (SQLite backend), as a user gets it.

    python tests/benchmarks/bench_tracking.py [--rounds 5] [--mlflow-scale 0.1]

Every sample is one workload in a fresh interpreter with default settings (provenance capture
on, a new store), so the first run of a process and its start-up costs count. Each round runs
nbops then MLflow on the same workload (A, B, A, B…), because the host's speed swings within
minutes; the table quotes medians over rounds and the ratio of the medians. MLflow, through
its fluent API as its users call it, is slow enough that it runs a ``--mlflow-scale``
fraction of the run-creation and logging workloads; its per-item figure is scaled back up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS, STEPS = 5, 2_000
RUNS, PARAMS, METRICS = 1_000, 10, 10


# -- one workload, run in a child interpreter: prints seconds ------------------------------
def nbops_first_start_run(folder: Path, scale: float) -> float:
    """The first start_run of a process on a store that does not exist yet."""
    start = time.perf_counter()
    import nbops

    with nbops.start_run("bench"):
        pass
    return time.perf_counter() - start


def nbops_log_metric(folder: Path, scale: float) -> float:
    import nbops

    run = nbops.start_run("bench")
    log = nbops.log_metric
    start = time.perf_counter()
    for step in range(STEPS):
        for k in range(KEYS):
            log(f"m{k}", step * 0.001, step)
    nbops.end_run()
    elapsed = time.perf_counter() - start
    assert len(nbops.store().metrics.history(run.id, "m0")) == STEPS
    return elapsed / (KEYS * STEPS)


def nbops_create_runs(folder: Path, scale: float) -> float:
    import nbops

    params = {f"p{i}": i * 0.5 for i in range(PARAMS)}
    start = time.perf_counter()
    for r in range(RUNS):
        with nbops.start_run("bench", params=params):
            nbops.log_metrics({f"m{i}": r * 0.001 + i for i in range(METRICS)})
    return time.perf_counter() - start


def nbops_search(folder: Path, scale: float) -> float:
    import nbops

    nbops_create_runs(folder, scale)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        found = nbops.search_runs("bench", order_by="-metrics.m3", limit=1000)
        times.append(time.perf_counter() - start)
    assert len(found) == RUNS
    return statistics.median(times)


def mlflow_ready(folder: Path):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_experiment("bench")
    return mlflow


def mlflow_first_start_run(folder: Path, scale: float) -> float:
    start = time.perf_counter()
    mlflow = mlflow_ready(folder)
    with mlflow.start_run():
        pass
    return time.perf_counter() - start


def mlflow_log_metric(folder: Path, scale: float) -> float:
    mlflow = mlflow_ready(folder)
    steps = max(1, int(STEPS * scale))
    with mlflow.start_run():
        start = time.perf_counter()
        for step in range(steps):
            for k in range(KEYS):
                mlflow.log_metric(f"m{k}", step * 0.001, step=step)
    return (time.perf_counter() - start) / (KEYS * steps)


def mlflow_create_runs(folder: Path, scale: float) -> float:
    mlflow = mlflow_ready(folder)
    params = {f"p{i}": i * 0.5 for i in range(PARAMS)}
    count = max(1, int(RUNS * scale))
    start = time.perf_counter()
    for r in range(count):
        with mlflow.start_run():
            mlflow.log_params(params)
            mlflow.log_metrics({f"m{i}": r * 0.001 + i for i in range(METRICS)})
    return (time.perf_counter() - start) * RUNS / count


def mlflow_search(folder: Path, scale: float) -> float:
    mlflow = mlflow_ready(folder)
    mlflow_create_runs(folder, 1.0)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        found = mlflow.search_runs(experiment_names=["bench"], order_by=["metrics.m3 DESC"], max_results=1000)
        times.append(time.perf_counter() - start)
    assert len(found) == RUNS
    return statistics.median(times)


WORKLOADS = {  # name: (label, unit, nbops budget in seconds)
    "first_start_run": ("first `start_run` of a process on a new store (import included)", "ms", 0.150),
    "log_metric": ("`log_metric`, 5 keys × 2,000 steps, per call incl. final flush", "µs", 5e-6),
    "create_runs": ("create 1,000 runs × 10 params + 10 metrics", "s", 1.0),
    "search": ("`search_runs` over 1,000 runs sorted by a metric", "ms", 0.020),
    "import": ("fresh interpreter `import` (incl. start-up)", "ms", 0.100),
}


# -- the parent: fresh processes, interleaved ------------------------------------------------
def sample(tool: str, workload: str, scale: float) -> float:
    if workload == "import":
        module = "nbops" if tool == "nbops" else "mlflow"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True)
        return time.perf_counter() - start  # the whole fresh interpreter, as a user waits
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, NBOPS_HOME=str(Path(folder) / ".nbops"), MLFLOW_DISABLE_TELEMETRY="true")
        out = subprocess.run(
            [sys.executable, __file__, "--child", tool, workload, folder, str(scale)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        )
    return float(out.stdout.strip().splitlines()[-1])


def has_mlflow() -> bool:
    return subprocess.run([sys.executable, "-c", "import mlflow"], capture_output=True).returncode == 0


def fmt(seconds: float, unit: str) -> str:
    return f"{seconds * {'µs': 1e6, 'ms': 1e3, 's': 1.0}[unit]:,.2f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mlflow-scale", type=float, default=0.1, help="fraction of the heavy workloads MLflow runs")
    parser.add_argument("--only", nargs="*", choices=list(WORKLOADS), help="measure these workloads only")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, workload, folder, scale = args.child
        print(globals()[f"{tool}_{workload}"](Path(folder), float(scale)))
        return

    tools = ["nbops", "mlflow"] if has_mlflow() else ["nbops"]
    samples: dict[tuple[str, str], list[float]] = {}
    for workload in args.only or WORKLOADS:
        for _ in range(args.rounds):
            for tool in tools:  # A, B, A, B: both sides see the same host speed
                samples.setdefault((tool, workload), []).append(sample(tool, workload, args.mlflow_scale))
    print(f"{time.strftime('%Y-%m-%d')}: medians of {args.rounds} interleaved rounds, one fresh process per sample\n")
    print("| workload | nbops | budget | MLflow (SQLite) | MLflow / nbops |")
    print("|---|---|---|---|---|")
    for workload in args.only or WORKLOADS:
        label, unit, budget = WORKLOADS[workload]
        ours = statistics.median(samples[("nbops", workload)])
        theirs = samples.get(("mlflow", workload))
        peer = fmt(statistics.median(theirs), unit) if theirs else "not installed"
        ratio = f"{statistics.median(theirs) / ours:,.0f}×" if theirs else "—"
        verdict = "ok" if ours <= budget else "over"
        print(f"| {label} | {fmt(ours, unit)} | ≤ {fmt(budget, unit)} ({verdict}) | {peer} | {ratio} |")
    print("\nraw samples (s):", json.dumps({f"{t}/{w}": s for (t, w), s in samples.items()}))


if __name__ == "__main__":
    main()
