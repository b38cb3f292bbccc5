"""``nbops mlflow push`` against MLflow's own client, both logging the same runs to one
real MLflow server (PostgreSQL backend, proxied artifacts) started here.

    python tests/benchmarks/bench_mlflow_push.py [--runs 100] [--points 10000] [--repeats 3]

The server runs with MLflow's default settings (4 web workers). Each side runs in a fresh process, interleaved (nbops, MLflow, nbops, MLflow, ...), each
round into a new experiment so both send everything. nbops: ``push()`` of a store holding
``--runs`` finished runs of ``--points`` points (one metric), 3 params and 2 tags each.
MLflow: ``MlflowClient`` creating the same runs and logging the same points with
``log_batch`` (1,000 per request, MLflow's limit), then ending them. Prints medians and the
ratio; checks that the server holds every point of both.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

PARAMS = {"lr": 0.01, "depth": 6, "optimizer": "adam"}
TAGS = {"team": "churn", "stage": "bench"}


def build_store(folder: Path, runs: int, points: int) -> Path:
    import os

    os.environ["NBOPS_HOME"] = str(folder / ".nbops")
    import nbops

    for r in range(runs):
        with nbops.start_run("bench", name=f"run-{r}", params=PARAMS, tags=TAGS, capture_provenance=False) as run:
            for step in range(points):
                run.log_metric("loss", 1.0 / (step + 1) + r, step=step)
    return folder / ".nbops"


def side_nbops(uri: str, store_dir: str, experiment: str) -> float:
    from nbops.mlflow_sync import push
    from nbops.store import open_store

    conn = sqlite3.connect(Path(store_dir) / "nbops.db")
    conn.execute("UPDATE experiments SET name = ?", (experiment,))
    conn.commit()
    conn.close()
    store = open_store(store_dir)
    start = time.perf_counter()
    report = push(store, uri)
    elapsed = time.perf_counter() - start
    assert not report.failed, "\n".join(report.lines())
    return elapsed


def side_mlflow(uri: str, runs: int, points: int, experiment: str) -> float:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    now = int(time.time() * 1000)
    start = time.perf_counter()
    experiment_id = client.create_experiment(experiment)
    for r in range(runs):
        run = client.create_run(experiment_id, run_name=f"run-{r}")
        metrics = [Metric("loss", 1.0 / (step + 1) + r, now + step, step) for step in range(points)]
        params = [Param(k, str(v)) for k, v in PARAMS.items()]
        tags = [RunTag(k, v) for k, v in TAGS.items()]
        for i in range(0, points, 1000):
            client.log_batch(
                run.info.run_id,
                metrics=metrics[i : i + 1000],
                params=params if i == 0 else [],
                tags=tags if i == 0 else [],
            )
        client.set_terminated(run.info.run_id)
    return time.perf_counter() - start


def count_points(uri: str, experiment: str) -> int:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    return sum(len(client.get_metric_history(r.info.run_id, "loss")) for r in runs)


def fresh_process(*args: str) -> float:
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
    import os

    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", choices=["nbops", "mlflow"], help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--experiment", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "nbops":
        print(side_nbops(args.uri, args.store, args.experiment))
        return
    if args.side == "mlflow":
        print(side_mlflow(args.uri, args.runs, args.points, args.experiment))
        return

    from mlflow_sync.mlflow_peer import MlflowServer, Postgres

    work = Path(tempfile.mkdtemp(prefix="nbops-bench-mlflow-"))
    postgres = Postgres().start()
    server = None
    try:
        # MLflow's default server (4 web workers), as a team would run it
        server = MlflowServer(
            postgres.create_database("mlflow"), work / "artifacts", work / "mlflow.log", workers=None
        ).start(timeout=300)
        pristine = build_store(work / "pristine", args.runs, args.points)
        times: dict[str, list[float]] = {"nbops": [], "mlflow": []}
        for round_ in range(args.repeats):
            copy = work / f"store-{round_}"
            shutil.copytree(pristine, copy)
            for side in ("nbops", "mlflow"):
                experiment = f"bench-{side}-{round_}"
                extra = ["--store", str(copy)] if side == "nbops" else []
                elapsed = fresh_process(
                    "--side",
                    side,
                    "--uri",
                    server.uri,
                    "--experiment",
                    experiment,
                    "--runs",
                    str(args.runs),
                    "--points",
                    str(args.points),
                    *extra,
                )
                times[side].append(elapsed)
                print(f"round {round_ + 1} {side:6s} {elapsed:7.2f} s", flush=True)
        for side in ("nbops", "mlflow"):
            held = count_points(server.uri, f"bench-{side}-0")
            assert held == args.runs * args.points, f"{side}: the server holds {held} points"
        nb, ml = statistics.median(times["nbops"]), statistics.median(times["mlflow"])
        total = args.runs * args.points
        print(f"\n{args.runs} runs x {args.points:,} points ({total:,} points), median of {args.repeats}:")
        print(f"  nbops mlflow push          {nb:7.2f} s  ({total / nb:,.0f} points/s)")
        print(f"  MlflowClient log_batch     {ml:7.2f} s  ({total / ml:,.0f} points/s)")
        print(f"  ratio                      {ml / nb:7.2f}x faster")
    finally:
        if server is not None:
            server.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
